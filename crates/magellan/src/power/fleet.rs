//! Redfish for power control: one session per BMC, opened on first use and
//! reused for the whole run (a BMC that cannot be logged into fails all its
//! nodes at once instead of being retried per node), every request bounded
//! by one semaphore (`-j`). A session the BMC forgets (it timed out, the BMC
//! restarted) is opened again once, by whichever request noticed first.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::Client;
use serde_json::{json, Value};
use tokio::sync::{Mutex, Semaphore};

use super::PowerTarget;
use crate::redfish::{RedfishError, Session};

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
    login: Mutex<Login>,
}

/// A BMC's current session (or why there is none), and how many times it
/// was opened, so concurrent requests that all saw it fail reopen it once.
#[derive(Default)]
struct Login {
    session: Option<Result<Session, String>>,
    generation: u64,
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
                    login: Mutex::new(Login::default()),
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

    fn bmc(&self, t: &PowerTarget) -> Result<&Arc<Bmc>, String> {
        self.bmcs
            .get(&t.bmc_base)
            .ok_or_else(|| format!("{}: BMC not in this run", t.bmc_base))
    }

    /// The BMC's session, opened if it has none yet (or `stale`, the
    /// generation a request found rejected, is still the current one).
    async fn session(&self, bmc: &Bmc, stale: Option<u64>) -> Result<(Session, u64), String> {
        let mut login = bmc.login.lock().await;
        if login.session.is_none() || stale == Some(login.generation) {
            let opened = {
                let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
                Session::open(&self.client, &bmc.base, &bmc.username, &bmc.password)
                    .await
                    .map_err(|e| e.to_string())
            };
            if let Some(Ok(old)) = login.session.replace(opened) {
                // Best effort: the BMC has most likely dropped it already.
                tokio::spawn(old.close());
            }
            login.generation += 1;
        }
        let generation = login.generation;
        match &login.session {
            Some(Ok(s)) => Ok((s.clone(), generation)),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("{}: no session", bmc.base)),
        }
    }

    /// Run `call` with the BMC's session; when the BMC rejects the session
    /// (401/403 on a token), log in again once and repeat.
    async fn with_session<T, F, Fut>(&self, t: &PowerTarget, call: F) -> Result<T, String>
    where
        F: Fn(Session) -> Fut,
        Fut: std::future::Future<Output = Result<T, RedfishError>>,
    {
        let bmc = self.bmc(t)?;
        let (session, generation) = self.session(bmc, None).await?;
        let first = {
            let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
            call(session).await
        };
        match first {
            Err(RedfishError::Auth { .. }) => {
                tracing::debug!("{}: session rejected; logging in again", bmc.base);
                let (session, _) = self.session(bmc, Some(generation)).await?;
                let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
                call(session).await.map_err(|e| e.to_string())
            }
            other => other.map_err(|e| e.to_string()),
        }
    }

    /// Read the node's `PowerState`.
    pub async fn power_state(&self, t: &PowerTarget) -> Result<PowerState, String> {
        let path = t.system_path.as_str();
        let (base, sys) = self
            .with_session(t, |s| async move {
                let v = s.get(path).await?;
                Ok((s.base, v))
            })
            .await?;
        match sys.get("PowerState").and_then(Value::as_str) {
            Some(s) => Ok(PowerState::parse(s)),
            None => Err(format!("{base}{path}: no PowerState")),
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
        let action = format!(
            "{}/Actions/ComputerSystem.Reset",
            t.system_path.trim_end_matches('/')
        );
        let body = json!({ "ResetType": reset });
        let (action, body) = (&action, &body);
        self.with_session(t, |s| async move { s.post(action, body).await.map(|_| ()) })
            .await
    }

    /// Log out of every session that was opened.
    pub async fn close(self) {
        let mut sessions = Vec::new();
        for bmc in self.bmcs.values() {
            if let Some(Ok(s)) = bmc.login.lock().await.session.take() {
                sessions.push(s);
            }
        }
        futures_util::stream::iter(sessions)
            .for_each_concurrent(self.concurrency, Session::close)
            .await;
    }
}
