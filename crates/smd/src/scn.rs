//! SCN delivery: POSTs queued state change notifications to subscribers.
//!
//! Notifications are queued in `scn_outbox` by database triggers, in the
//! transaction that changed the components (migration 0007), so none is lost
//! across a restart and none exists for a change that rolled back. This task
//! polls the queue, POSTs each body to its URL (oldest first per URL), deletes
//! it on a 2xx, and otherwise retries with exponential back-off until
//! `scn_max_attempts`, then drops it with a warning. Several smd instances may
//! share a database: rows are claimed `FOR UPDATE SKIP LOCKED`.
//!
//! Rationale: HSM (hms-smd `cmd/smd/job-types.go` JobSCN) keeps SCNs in memory
//! and tries 3 times 5 s apart; a restart or a subscriber down for 15 s loses them.

use std::sync::Weak;
use std::time::Duration;

use futures_util::future::join_all;

use crate::store::subscriptions::{Queued, Settle};
use crate::AppState;

/// At most this many notifications per URL per round (sent in order).
const PER_URL: i64 = 32;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How long one POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivery settings (from [`crate::Config`]).
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    /// Attempts before a notification is dropped.
    pub max_attempts: u32,
    /// Wait after the first failure; doubles each time.
    pub retry_base: Duration,
    /// How often an idle queue is looked at.
    pub poll: Duration,
}

impl Delivery {
    /// The wait after `failures` failed attempts (1, 2, ...).
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        self.retry_base.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// Start the delivery task; it ends when the server's state is dropped.
pub fn spawn(state: Weak<AppState>, delivery: Delivery) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .timeout(POST_TIMEOUT)
        // Subscribers are on the cluster network; a site proxy must not intercept.
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the SCN HTTP client: {e}"))?;
    tokio::spawn(async move {
        loop {
            let Some(state) = state.upgrade() else { return };
            let round = state
                .store
                .deliver_scns(PER_URL, |q| send_all(&http, q, delivery))
                .await;
            drop(state);
            match round {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the SCN queue; will retry"),
            }
            tokio::time::sleep(delivery.poll).await;
        }
    });
    Ok(())
}

/// Send every URL's notifications concurrently, each URL's in order; after a
/// failure the rest of that URL's wait for the next round.
async fn send_all(
    http: &reqwest::Client,
    queued: Vec<Queued>,
    delivery: Delivery,
) -> Vec<(i64, Settle)> {
    let mut by_url: Vec<Vec<Queued>> = Vec::new();
    for q in queued {
        match by_url.last_mut() {
            Some(v) if v[0].url == q.url => v.push(q),
            _ => by_url.push(vec![q]),
        }
    }
    let per_url = by_url.into_iter().map(|rows| async move {
        let mut out = Vec::with_capacity(rows.len());
        let mut blocked = false;
        for q in rows {
            if blocked {
                out.push((q.id, Settle::Skip));
                continue;
            }
            let settle = match post(http, &q).await {
                Ok(()) => Settle::Done,
                Err(e) => {
                    blocked = true;
                    let failures = u32::try_from(q.attempts).unwrap_or(0) + 1;
                    if failures >= delivery.max_attempts {
                        tracing::warn!(url = %q.url, attempts = failures, error = %e, body = %q.body,
                            "dropping an SCN its subscriber did not accept");
                        Settle::Done
                    } else {
                        let after = delivery.backoff(failures);
                        tracing::info!(url = %q.url, attempts = failures, error = %e,
                            retry_in_ms = after.as_millis() as u64, "SCN not delivered; will retry");
                        Settle::Retry(after)
                    }
                }
            };
            out.push((q.id, settle));
        }
        out
    });
    join_all(per_url).await.into_iter().flatten().collect()
}

async fn post(http: &reqwest::Client, q: &Queued) -> Result<(), String> {
    let res = http
        .post(&q.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(q.body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", res.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let d = Delivery {
            max_attempts: 5,
            retry_base: Duration::from_secs(1),
            poll: Duration::from_millis(500),
        };
        assert_eq!(d.backoff(1), Duration::from_secs(1));
        assert_eq!(d.backoff(2), Duration::from_secs(2));
        assert_eq!(d.backoff(4), Duration::from_secs(8));
        assert_eq!(d.backoff(40), MAX_BACKOFF);
    }
}
