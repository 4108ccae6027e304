//! SMD over HTTP for bss: the three reads a snapshot is built from, and the
//! SCN subscription, through `smd-api`'s client.

use std::time::Duration;

use url::Url;

use super::Snapshot;
use smd_api::subscription::SubscriptionIn;

/// SMD over HTTP: `smd-api`'s client.
#[derive(Clone)]
pub struct SmdClient {
    api: smd_api::client::SmdClient,
}

impl SmdClient {
    pub fn new(url: &Url, http: reqwest::Client) -> Self {
        SmdClient {
            api: smd_api::client::SmdClient::new(http, url.as_str()),
        }
    }

    /// The three reads, joined. A read SMD answers 404 to (a route it does
    /// not have, or nothing of that kind yet) counts as none.
    pub async fn fetch(&self) -> Result<Snapshot, String> {
        let (c, e, i) = tokio::join!(
            self.api.components("type=Node"),
            self.api.component_endpoints("type=Node"),
            self.api.ethernet_interfaces(),
        );
        let err = |e: smd_api::client::Error| e.to_string();
        Ok(Snapshot::build(
            c.map_err(err)?,
            e.map_err(err)?,
            i.map_err(err)?,
        ))
    }

    /// Make sure SMD has bss's SCN subscription for `callback`: replace it
    /// when it exists (same Subscriber and Url), else create it. Idempotent.
    pub async fn subscribe_scn(&self, callback: &Url) -> Result<(), String> {
        let body = scn_subscription(callback);
        for _ in 0..2 {
            let list = self
                .api
                .scn_subscriptions()
                .await
                .map_err(|e| format!("subscribe: {e}"))?;
            let existing = list
                .iter()
                .find(|s| s.subscriber == SCN_SUBSCRIBER && s.url == callback.as_str())
                .map(|s| s.id);
            match self.api.put_scn_subscription(existing, &body).await {
                // 409: another bss replica with this callback won the race; look again.
                Err(e) if e.status() == Some(409) => continue,
                Err(e) => return Err(format!("subscribe: {e}")),
                Ok(()) => return Ok(()),
            }
        }
        Err("subscribe: conflicting subscriptions".into())
    }

    /// Any HTTP answer counts as reachable, as OpenCHAMI's `/service/hsm` does.
    pub async fn probe(&self) -> bool {
        self.api.reachable(Duration::from_secs(3)).await
    }
}

/// The `Subscriber` bss registers as.
pub const SCN_SUBSCRIBER: &str = "bss";

/// What bss subscribes to: every change that alters its view of a node
/// (any State, Enabled, any Role or SubRole).
fn scn_subscription(callback: &Url) -> SubscriptionIn {
    use ochami_types::{Role, State, SubRole};
    SubscriptionIn {
        subscriber: SCN_SUBSCRIBER.into(),
        url: callback.as_str().into(),
        enabled: Some(true),
        states: State::ALL.to_vec(),
        roles: Role::ALL.to_vec(),
        sub_roles: SubRole::ALL.to_vec(),
        software_status: Vec::new(),
    }
}
