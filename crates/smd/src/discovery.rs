//! smd's own discovery (off unless `SMD_ENABLE_DISCOVERY`): walk a BMC's
//! Redfish tree in the background with the same client and collector
//! magellan uses (`ochami-redfish`), and feed the SchemaVersion-1 payload it
//! produces through the same inventory plan a magellan POST goes through.
//!
//! Owns: the BMC HTTP client and the background walks. Never answers HTTP
//! itself; the store keeps every outcome (endpoint `DiscoveryInfo`,
//! DiscoveryStatus 0) so nothing lives only in memory.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use ochami_redfish::client::{http_client_as, RedfishError, Session, TlsOptions};
use ochami_redfish::collect::crawl;
use ochami_service::http::Problem;
use ochami_types::{MacAddr, Xname};

use crate::inventory;
use crate::store::discovery::{Claim, ServiceRows, WalkTarget};
use crate::store::Store;

/// HSM's `LastDiscoveryStatus` values (pkg/redfish/rfendpoints.go).
pub const DISCOVER_OK: &str = "DiscoverOK";
pub const HTTPS_GET_FAILED: &str = "HTTPsGetFailed";
pub const EP_RESPONSE_FAILED_DECODE: &str = "EPResponseFailedDecode";
pub const UNEXPECTED_ERROR_PRE_STORE: &str = "UnexpectedErrorPreStore";
pub const STORE_FAILED: &str = "StoreFailed";

/// Per-request timeout talking to a BMC.
const BMC_TIMEOUT: Duration = Duration::from_secs(20);
/// BMCs walked at once per batch (HSM starts one goroutine per BMC, unbounded).
const CONCURRENT_WALKS: usize = 64;

pub struct Discovery {
    client: reqwest::Client,
    store: Store,
}

impl Discovery {
    pub fn new(store: Store) -> Result<Discovery, String> {
        // As HSM, BMC certificates are not verified: BMCs ship self-signed ones.
        let tls = TlsOptions {
            insecure: true,
            cacert: None,
        };
        let agent = concat!("ochami-smd/", env!("CARGO_PKG_VERSION"));
        let client = http_client_as(agent, &tls, BMC_TIMEOUT)?;
        Ok(Discovery { client, store })
    }

    /// Claim the endpoints `claim` names and walk them in the background.
    /// The claim is written before this returns, so DiscoveryStatus already
    /// says InProgress to anyone who asks next. Returns how many were claimed.
    pub async fn start(&self, claim: &Claim) -> Result<usize, Problem> {
        let targets = self.store.claim_for_discovery(claim).await?;
        let n = targets.len();
        if n == 0 {
            return Ok(0);
        }
        let client = self.client.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            stream::iter(targets)
                .for_each_concurrent(CONCURRENT_WALKS, |t| walk(&client, &store, t))
                .await;
            if let Err(e) = store.discovery_batch_done().await {
                tracing::error!("discovery: cannot record the end of a walk: {}", e.detail);
            }
        });
        Ok(n)
    }
}

/// The IP of `fqdn` when it is one (`10.0.0.1`, `10.0.0.1:8443`, `[::1]:443`),
/// to find the BMC's own MAC among its manager's interfaces.
fn host_ip(fqdn: &str) -> Option<IpAddr> {
    let host = fqdn.rsplit("://").next().unwrap_or(fqdn);
    host.parse::<IpAddr>()
        .ok()
        .or_else(|| host.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// HSM reports a BMC it cannot read as HTTPsGetFailed, one that answers
/// nonsense as EPResponseFailedDecode.
fn status_of(e: &RedfishError) -> &'static str {
    match e {
        RedfishError::Json { .. } => EP_RESPONSE_FAILED_DECODE,
        _ => HTTPS_GET_FAILED,
    }
}

/// Walk one BMC and store what came of it.
async fn walk(client: &reqwest::Client, store: &Store, t: WalkTarget) {
    let (status, version, mac, walked) = match collect(client, &t).await {
        Ok(w) => (DISCOVER_OK, w.version.clone(), w.mac.clone(), Some(w)),
        Err(status) => (status, String::new(), String::new(), None),
    };
    if let Err(e) = store
        .finish_walk(
            &t.id,
            status,
            &version,
            &mac,
            walked.as_ref().map(|w| (&w.plan, &w.services)),
        )
        .await
    {
        tracing::warn!(bmc = %t.id, "discovery: storing the walk failed: {}", e.detail);
        if let Err(e) = store.finish_walk(&t.id, STORE_FAILED, "", "", None).await {
            tracing::error!(bmc = %t.id, "discovery: cannot record StoreFailed: {}", e.detail);
        }
    } else {
        tracing::info!(bmc = %t.id, status, "discovery: walk finished");
    }
}

/// What a walk found, ready to store.
struct Walked {
    /// The service root's RedfishVersion.
    version: String,
    /// The BMC's MAC.
    mac: String,
    plan: inventory::Plan,
    /// The Redfish services the root links, stored as ServiceEndpoints
    /// (OpenCHAMI's DiscoverServiceEndpointArray).
    services: ServiceRows,
}

/// Log in, crawl, and plan the rows, or the `LastDiscoveryStatus` saying why not.
async fn collect(client: &reqwest::Client, t: &WalkTarget) -> Result<Walked, &'static str> {
    let base = if t.fqdn.contains("://") {
        t.fqdn.clone()
    } else {
        format!("https://{}", t.fqdn)
    };
    let fail = |e: RedfishError| {
        tracing::warn!(bmc = %t.id, "discovery: {e}");
        status_of(&e)
    };
    let session = Session::open(client, &base, &t.user, &t.password)
        .await
        .map_err(fail)?;
    let walked = crawl(&session, host_ip(&t.fqdn)).await;
    session.close().await;
    let inv = walked.map_err(fail)?;
    let version = inv.redfish_version.clone();
    let services = ServiceRows {
        uuid: inv.uuid.clone(),
        services: inv.services.clone(),
    };
    // The same payload a magellan POST carries, in the same types.
    let payload = inv.into_endpoint(t.id.clone(), t.fqdn.clone(), t.user.clone());
    let pre_store = |what: String| {
        tracing::warn!(bmc = %t.id, "discovery: {what}");
        UNEXPECTED_ERROR_PRE_STORE
    };
    let bmc: Xname =
        t.id.parse()
            .map_err(|e| pre_store(format!("endpoint ID: {e}")))?;
    let mac = if t.mac_addr.is_empty() {
        payload
            .mac_addr
            .parse::<MacAddr>()
            .ok()
            .map(|m| m.to_string())
            .unwrap_or_default()
    } else {
        t.mac_addr.clone()
    };
    let plan =
        inventory::plan(&bmc, &mac, &payload.systems, &payload.managers, "").map_err(pre_store)?;
    Ok(Walked {
        version,
        mac,
        plan,
        services,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ips_come_from_addresses_with_or_without_port() {
        assert_eq!(host_ip("10.0.0.1"), "10.0.0.1".parse().ok());
        assert_eq!(host_ip("10.0.0.1:8443"), "10.0.0.1".parse().ok());
        assert_eq!(host_ip("https://[::1]:443"), "::1".parse().ok());
        assert_eq!(host_ip("bmc1.example.com"), None);
    }
}
