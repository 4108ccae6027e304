//! SCN delivery: POSTs queued state change notifications to subscribers.
//!
//! Notifications are queued in `scn_outbox` by database triggers, in the
//! transaction that changed the components (migration 0007), so none is lost
//! across a restart and none exists for a change that rolled back. This task
//! looks at the queue when the database NOTIFYs `ochami_scn` (on commit of a
//! queuing transaction) and every `scn_poll_ms` as a safety net, POSTs each body to its URL (oldest first per URL), deletes
//! it on a 2xx, and otherwise retries with exponential back-off until
//! `scn_max_attempts`, then drops it with a warning. Several smd instances may
//! share a database: rows are claimed `FOR UPDATE SKIP LOCKED`.
//!
//! Rationale: HSM (hms-smd `cmd/smd/job-types.go` JobSCN) keeps SCNs in memory
//! and tries 3 times 5 s apart; a restart or a subscriber down for 15 s loses them.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::StreamExt;
use ochami_types::Xname;
use serde_json::{Map, Value};
use tokio::sync::Notify;
use tokio_postgres::AsyncMessage;

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

/// The channel the component triggers NOTIFY after queuing.
const CHANNEL: &str = "ochami_scn";

/// Wake `wake` whenever the database announces new notifications: a
/// connection of its own that LISTENs (reconnecting after a failure). The
/// poll in [`spawn`] still runs, so a lost connection only adds latency.
fn listen(database: String, wake: Arc<Notify>, alive: Weak<AppState>) {
    tokio::spawn(async move {
        let mut wait = Duration::from_secs(1);
        while alive.strong_count() > 0 {
            match listen_once(&database, &wake, &alive).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::debug!(error = %e, "SCN listener disconnected; polling meanwhile");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
}

/// One LISTEN connection, until it fails (`Err`) or smd stops (`Ok`).
async fn listen_once(database: &str, wake: &Notify, alive: &Weak<AppState>) -> Result<(), String> {
    let (client, mut conn) = tokio_postgres::connect(database, tokio_postgres::NoTls)
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
    let sql = format!("LISTEN {CHANNEL}");
    let listen = client.batch_execute(&sql);
    tokio::pin!(listen);
    let mut listening = false;
    loop {
        tokio::select! {
            r = &mut listen, if !listening => {
                r.map_err(|e| e.to_string())?;
                listening = true;
                // Anything queued before we listened.
                wake.notify_one();
            }
            m = messages.next() => match m {
                Some(Ok(AsyncMessage::Notification(_))) => wake.notify_one(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("connection closed".into()),
            },
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                if alive.strong_count() == 0 {
                    return Ok(());
                }
            }
        }
    }
}

/// Start the delivery task; it ends when the server's state is dropped.
pub fn spawn(state: Weak<AppState>, database: String, delivery: Delivery) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .timeout(POST_TIMEOUT)
        // Subscribers are on the cluster network; a site proxy must not intercept.
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the SCN HTTP client: {e}"))?;
    let wake = Arc::new(Notify::new());
    listen(database, wake.clone(), state.clone());
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
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(delivery.poll) => {}
            }
        }
    });
    Ok(())
}

/// One POST: the queued rows it settles and its body.
#[derive(Debug)]
struct Batch {
    ids: Vec<i64>,
    body: String,
    attempts: i32,
}

/// A body split into its components and the change they share.
fn split(body: &str) -> Option<(Map<String, Value>, Vec<String>)> {
    let Value::Object(mut m) = serde_json::from_str(body).ok()? else {
        return None;
    };
    let comps = match m.remove("Components")? {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
        _ => return None,
    };
    Some((m, comps))
}

/// Merge consecutive rows of one URL that one transaction queued with the
/// same change (a write of several statements) into one SCN, as HSM sends
/// one SCN per change.
fn merge(rows: Vec<Queued>) -> Vec<Batch> {
    type Open = (i64, Option<Map<String, Value>>, Vec<String>, Batch);
    let mut out: Vec<Open> = Vec::new();
    for q in rows {
        let parsed = split(&q.body);
        if let (Some((rest, comps)), Some(last)) = (&parsed, out.last_mut()) {
            if last.0 == q.txid && last.1.as_ref() == Some(rest) {
                last.2.extend(comps.iter().cloned());
                last.3.ids.push(q.id);
                last.3.attempts = last.3.attempts.max(q.attempts);
                continue;
            }
        }
        let (rest, comps) = match parsed {
            Some((r, c)) => (Some(r), c),
            None => (None, Vec::new()),
        };
        let batch = Batch {
            ids: vec![q.id],
            body: q.body,
            attempts: q.attempts,
        };
        out.push((q.txid, rest, comps, batch));
    }
    out.into_iter()
        .map(|(_, rest, mut comps, mut b)| {
            if let (Some(mut rest), true) = (rest, b.ids.len() > 1) {
                comps.sort_by(|a, b| match (a.parse::<Xname>(), b.parse::<Xname>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => a.cmp(b),
                });
                comps.dedup();
                rest.insert("Components".into(), Value::from(comps));
                b.body = Value::Object(rest).to_string();
            }
            b
        })
        .collect()
}

/// Send every URL's notifications concurrently, each URL's in order; after a
/// failure the rest of that URL's wait for the next round.
async fn send_all(
    http: &reqwest::Client,
    queued: Vec<Queued>,
    delivery: Delivery,
) -> Vec<(i64, Settle)> {
    let mut by_url: Vec<(String, Vec<Queued>)> = Vec::new();
    for q in queued {
        match by_url.last_mut() {
            Some((url, v)) if *url == q.url => v.push(q),
            _ => by_url.push((q.url.clone(), vec![q])),
        }
    }
    let per_url = by_url.into_iter().map(|(url, rows)| async move {
        let mut out = Vec::with_capacity(rows.len());
        let mut blocked = false;
        for b in merge(rows) {
            let settle = if blocked {
                Settle::Skip
            } else {
                match post(http, &url, &b.body).await {
                    Ok(()) => Settle::Done,
                    Err(e) => {
                        blocked = true;
                        let failures = u32::try_from(b.attempts).unwrap_or(0) + 1;
                        if failures >= delivery.max_attempts {
                            tracing::warn!(%url, attempts = failures, error = %e, body = %b.body,
                                "dropping an SCN its subscriber did not accept");
                            Settle::Done
                        } else {
                            let after = delivery.backoff(failures);
                            tracing::info!(%url, attempts = failures, error = %e,
                                retry_in_ms = after.as_millis() as u64, "SCN not delivered; will retry");
                            Settle::Retry(after)
                        }
                    }
                }
            };
            out.extend(b.ids.into_iter().map(|id| (id, settle)));
        }
        out
    });
    join_all(per_url).await.into_iter().flatten().collect()
}

async fn post(http: &reqwest::Client, url: &str, body: &str) -> Result<(), String> {
    let res = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
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

    fn q(id: i64, txid: i64, body: &str) -> Queued {
        Queued {
            id,
            url: "http://a/".into(),
            body: body.into(),
            attempts: 0,
            txid,
        }
    }

    #[test]
    fn one_transactions_rows_with_the_same_change_become_one_scn() {
        let b = merge(vec![
            q(
                1,
                7,
                r#"{"Components":["x1c0s0b0n10"],"State":"On","Flag":"OK"}"#,
            ),
            q(
                2,
                7,
                r#"{"Components":["x1c0s0b0n2"],"State":"On","Flag":"OK"}"#,
            ),
            q(
                3,
                7,
                r#"{"Components":["x1c0s0b0n3"],"State":"Off","Flag":"OK"}"#,
            ),
            q(
                4,
                8,
                r#"{"Components":["x1c0s0b0n4"],"State":"Off","Flag":"OK"}"#,
            ),
        ]);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].ids, vec![1, 2]);
        let v: Value = serde_json::from_str(&b[0].body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Components":["x1c0s0b0n2","x1c0s0b0n10"],"State":"On","Flag":"OK"})
        );
        assert_eq!(b[1].ids, vec![3]);
        assert_eq!(b[2].ids, vec![4]);
    }

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
