//! Redfish for power control: one session per BMC, opened on first use and
//! reused for the whole run (a BMC that cannot be logged into fails all its
//! nodes at once instead of being retried per node), every request bounded
//! by one semaphore (`-j`).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::Client;
use serde_json::{json, Value};
use tokio::sync::{OnceCell, Semaphore};

use super::PowerTarget;
use crate::redfish::Session;

/// What a node's `PowerState` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum PowerState {
    On,
    Off,
    PoweringOn,
    PoweringOff,
    /// Not read (BMC unreachable, no `PowerState`, a value we do not know).
    Unknown,
}

impl PowerState {
    pub fn parse(s: &str) -> PowerState {
        match s {
            "On" => PowerState::On,
            "Off" => PowerState::Off,
            "PoweringOn" => PowerState::PoweringOn,
            "PoweringOff" => PowerState::PoweringOff,
            _ => PowerState::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::On => "On",
            PowerState::Off => "Off",
            PowerState::PoweringOn => "PoweringOn",
            PowerState::PoweringOff => "PoweringOff",
            PowerState::Unknown => "Unknown",
        }
    }
}

/// One BMC: where, as whom, and its session once opened.
struct Bmc {
    base: String,
    username: String,
    password: String,
    session: OnceCell<Result<Session, String>>,
}

/// The BMCs of a run.
pub struct Fleet {
    client: Client,
    bmcs: HashMap<String, Arc<Bmc>>,
    limit: Semaphore,
    concurrency: usize,
}

impl Fleet {
    /// `credentials` gives (user, password) for a target's BMC.
    pub fn new(
        client: Client,
        targets: &[PowerTarget],
        concurrency: usize,
        credentials: impl Fn(&PowerTarget) -> (String, String),
    ) -> Fleet {
        let mut bmcs = HashMap::new();
        for t in targets {
            bmcs.entry(t.bmc_base.clone()).or_insert_with(|| {
                let (username, password) = credentials(t);
                Arc::new(Bmc {
                    base: t.bmc_base.clone(),
                    username,
                    password,
                    session: OnceCell::new(),
                })
            });
        }
        Fleet {
            client,
            bmcs,
            limit: Semaphore::new(concurrency.max(1)),
            concurrency: concurrency.max(1),
        }
    }

    async fn session(&self, t: &PowerTarget) -> Result<Session, String> {
        let bmc = self
            .bmcs
            .get(&t.bmc_base)
            .ok_or_else(|| format!("{}: BMC not in this run", t.bmc_base))?;
        bmc.session
            .get_or_init(|| async {
                let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
                Session::open(&self.client, &bmc.base, &bmc.username, &bmc.password)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await
            .clone()
    }

    /// Read the node's `PowerState`.
    pub async fn power_state(&self, t: &PowerTarget) -> Result<PowerState, String> {
        let session = self.session(t).await?;
        let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
        let sys = session
            .get(&t.system_path)
            .await
            .map_err(|e| e.to_string())?;
        match sys.get("PowerState").and_then(Value::as_str) {
            Some(s) => Ok(PowerState::parse(s)),
            None => Err(format!("{}{}: no PowerState", session.base, t.system_path)),
        }
    }

    /// POST `ComputerSystem.Reset` with `reset`.
    pub async fn reset(&self, t: &PowerTarget, reset: &str) -> Result<(), String> {
        if !t.allows(reset) {
            return Err(format!(
                "{reset} is not allowed (allowed: {})",
                t.reset_types.join(", ")
            ));
        }
        let session = self.session(t).await?;
        let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
        let action = format!(
            "{}/Actions/ComputerSystem.Reset",
            t.system_path.trim_end_matches('/')
        );
        session
            .post(&action, &json!({ "ResetType": reset }))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Log out of every session that was opened.
    pub async fn close(self) {
        let sessions: Vec<Session> = self
            .bmcs
            .values()
            .filter_map(|b| b.session.get().and_then(|r| r.as_ref().ok()).cloned())
            .collect();
        futures_util::stream::iter(sessions)
            .for_each_concurrent(self.concurrency, Session::close)
            .await;
    }
}
