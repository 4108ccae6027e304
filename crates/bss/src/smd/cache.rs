//! The shared view of SMD: an `Arc<Snapshot>` swapped whole, refreshed in
//! the background, on demand and on misses (rate-limited), patched at once
//! by SCNs; and the task that keeps bss subscribed to them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use smd_api::subscription::ScnPayload as Scn;
use tokio::sync::{watch, Notify};
use url::Url;

use super::{SmdClient, Snapshot};

/// How often a registered subscription is checked (SMD may have lost it).
const SCN_RECHECK: Duration = Duration::from_secs(300);
/// Longest wait between two failed subscription attempts.
const SCN_RETRY_MAX: Duration = Duration::from_secs(60);

/// Misses refresh the view at most this often.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// How long a request waits for a refresh it asked for.
const REFRESH_WAIT: Duration = Duration::from_secs(6);

/// Keep bss subscribed to SMD's SCNs at `callback` (`BSS_SCN_URL`): retry
/// with back-off until SMD accepts, then re-check now and then. Runs until
/// the cache is dropped.
pub fn spawn_scn_subscriber(cache: &Arc<SmdCache>, callback: Url) {
    let weak = Arc::downgrade(cache);
    tokio::spawn(async move {
        let mut wait = Duration::from_secs(1);
        loop {
            let Some(cache) = weak.upgrade() else { return };
            let client = cache.client().clone();
            drop(cache);
            match client.subscribe_scn(&callback).await {
                Ok(()) => {
                    tracing::info!(url = %callback, "subscribed to SMD state change notifications");
                    wait = Duration::from_secs(1);
                    tokio::time::sleep(SCN_RECHECK).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "cannot subscribe to SMD SCNs");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(SCN_RETRY_MAX);
                }
            }
        }
    });
}

/// The shared, swapped snapshot and the refresh machinery.
pub struct SmdCache {
    snapshot: RwLock<Arc<Snapshot>>,
    client: SmdClient,
    wake: Notify,
    /// Bumped after every refresh attempt; value = whether it succeeded.
    done: watch::Sender<(u64, bool)>,
    last_attempt: std::sync::Mutex<Option<Instant>>,
    /// Misses ask SMD at most this often.
    min_interval: Duration,
    /// Bumped (under the snapshot's write lock) by every applied SCN: a
    /// refresh whose fetch began before an SCN was applied carries older data
    /// than the view and must not replace it.
    scn_applied: AtomicU64,
    /// When the view last took SMD's data (a refresh or an SCN); the cache's
    /// creation until the first.
    fresh_at: std::sync::Mutex<Instant>,
}

impl SmdCache {
    pub fn new(client: SmdClient) -> Arc<Self> {
        Arc::new(SmdCache {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            client,
            wake: Notify::new(),
            done: watch::channel((0, false)).0,
            last_attempt: std::sync::Mutex::new(None),
            min_interval: MIN_REFRESH_INTERVAL,
            scn_applied: AtomicU64::new(0),
            fresh_at: std::sync::Mutex::new(Instant::now()),
        })
    }

    /// With another rate limit for misses (tests).
    pub fn with_min_interval(client: SmdClient, min_interval: Duration) -> Arc<Self> {
        let mut cache = SmdCache::new(client);
        if let Some(c) = Arc::get_mut(&mut cache) {
            c.min_interval = min_interval;
        }
        cache
    }

    pub fn client(&self) -> &SmdClient {
        &self.client
    }

    /// The current view (cheap: an `Arc` clone).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the last refresh reached SMD.
    pub fn reachable(&self) -> bool {
        self.done.borrow().1
    }

    /// Seconds since the view last took SMD's data (a refresh or an SCN).
    pub fn age(&self) -> Duration {
        self.fresh_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
    }

    fn mark_fresh(&self) {
        *self.fresh_at.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    /// Fetch and swap now (the refresher task and startup call this).
    pub async fn refresh_now(&self) -> bool {
        if let Ok(mut g) = self.last_attempt.lock() {
            *g = Some(Instant::now());
        }
        let mut ok = false;
        // A fetch overtaken by an SCN is fetched again (SMD commits before
        // it notifies, so a fetch begun after the SCN has the change); if
        // SCNs keep overtaking, the view they keep current stays.
        for _ in 0..3 {
            let seen = self.scn_applied.load(Ordering::SeqCst);
            match self.client.fetch().await {
                Ok(snap) => {
                    ok = true;
                    let mut g = self
                        .snapshot
                        .write()
                        .unwrap_or_else(PoisonError::into_inner);
                    if self.scn_applied.load(Ordering::SeqCst) == seen {
                        *g = Arc::new(snap);
                        self.mark_fresh();
                        break;
                    }
                    tracing::debug!("an SCN arrived during the refresh; fetching again");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot refresh the SMD view; keeping the last one");
                    break;
                }
            }
        }
        self.done.send_modify(|(gen, last)| {
            *gen += 1;
            *last = ok;
        });
        ok
    }

    /// Apply a state change notification from SMD at once. Components that
    /// are nodes this view lacks (new ones) are fetched before this returns;
    /// otherwise a full refresh follows in the background, which also covers
    /// a refresh that was in flight with data older than the change.
    pub async fn apply_scn(&self, scn: &Scn) {
        let unknown = {
            let mut g = self
                .snapshot
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let (snap, unknown) = g.with_scn(scn);
            *g = Arc::new(snap);
            self.scn_applied.fetch_add(1, Ordering::SeqCst);
            self.mark_fresh();
            unknown
        };
        if unknown.is_empty() {
            self.wake.notify_one();
        } else {
            tracing::debug!(?unknown, "SCN names nodes not in the view; refreshing");
            self.refresh(true).await;
        }
    }

    /// Ask the refresher for a new view and wait for it. Unless `force`,
    /// nothing happens when the last attempt was under a second ago.
    pub async fn refresh(&self, force: bool) -> bool {
        if !force {
            let recent = self
                .last_attempt
                .lock()
                .ok()
                .and_then(|g| *g)
                .is_some_and(|t| t.elapsed() < self.min_interval);
            if recent {
                return false;
            }
        }
        let mut rx = self.done.subscribe();
        let seen = rx.borrow_and_update().0;
        self.wake.notify_one();
        let waited = tokio::time::timeout(REFRESH_WAIT, async {
            while rx.changed().await.is_ok() {
                if rx.borrow().0 > seen {
                    return rx.borrow().1;
                }
            }
            false
        })
        .await;
        waited.unwrap_or(false)
    }

    /// Refresh every `period`, and whenever [`SmdCache::refresh`] asks. Runs
    /// until the cache is dropped.
    pub fn spawn_refresher(self: &Arc<Self>, period: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let period = period.max(MIN_REFRESH_INTERVAL);
            loop {
                let Some(cache) = weak.upgrade() else { return };
                tokio::select! {
                    _ = cache.wake.notified() => {}
                    _ = tokio::time::sleep(period) => {}
                }
                cache.refresh_now().await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn misses_do_not_ask_smd_again_within_the_interval() {
        let url = Url::parse("http://127.0.0.1:1").unwrap();
        let cache = SmdCache::with_min_interval(
            SmdClient::new(&url, reqwest::Client::new()),
            Duration::from_secs(3600),
        );
        assert!(!cache.refresh_now().await, "nothing listens on port 1");
        assert!(!cache.reachable());
        let attempts = cache.done.borrow().0;
        for _ in 0..100 {
            assert!(!cache.refresh(false).await);
        }
        assert_eq!(cache.done.borrow().0, attempts, "no new attempt");
    }

    /// A fake SMD on 127.0.0.1 whose node is `state`; while `hold` is set,
    /// a components request answers with the state it saw on arrival only
    /// after `release` is notified (a slow fetch overtaken by an SCN).
    struct FakeSmd {
        url: Url,
        state: Arc<std::sync::Mutex<&'static str>>,
        hold: Arc<std::sync::atomic::AtomicBool>,
        release: Arc<Notify>,
        arrived: Arc<Notify>,
    }

    async fn fake_smd() -> FakeSmd {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let fake = FakeSmd {
            url,
            state: Arc::new(std::sync::Mutex::new("On")),
            hold: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            release: Arc::new(Notify::new()),
            arrived: Arc::new(Notify::new()),
        };
        let (state, hold) = (fake.state.clone(), fake.hold.clone());
        let (release, arrived) = (fake.release.clone(), fake.arrived.clone());
        tokio::spawn(async move {
            loop {
                let (mut conn, _) = listener.accept().await.unwrap();
                let (state, hold) = (state.clone(), hold.clone());
                let (release, arrived) = (release.clone(), arrived.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = conn.read(&mut buf).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let body = if head.contains("/State/Components") {
                        let seen = *state.lock().unwrap();
                        if hold.swap(false, Ordering::SeqCst) {
                            arrived.notify_one();
                            release.notified().await;
                        }
                        json!({"Components": [{"ID": "x1000c1s7b0n0", "Type": "Node",
                            "State": seen}]})
                    } else if head.contains("/ComponentEndpoints") {
                        json!({"ComponentEndpoints": []})
                    } else {
                        json!([])
                    }
                    .to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(reply.as_bytes()).await;
                });
            }
        });
        fake
    }

    fn state_of(cache: &SmdCache) -> String {
        let snap = cache.snapshot();
        snap.by_name("x1000c1s7b0n0")
            .unwrap()
            .component
            .state
            .clone()
    }

    #[tokio::test]
    async fn a_refresh_overtaken_by_an_scn_does_not_undo_it() {
        let smd = fake_smd().await;
        let cache = SmdCache::new(SmdClient::new(&smd.url, reqwest::Client::new()));
        assert!(cache.refresh_now().await);
        assert_eq!(state_of(&cache), "On");

        // A refresh reads "On", and is held before it answers ...
        smd.hold.store(true, Ordering::SeqCst);
        let slow = tokio::spawn({
            let cache = cache.clone();
            async move { cache.refresh_now().await }
        });
        smd.arrived.notified().await;
        // ... while SMD changes the node and bss gets the SCN.
        *smd.state.lock().unwrap() = "Standby";
        let scn = Scn {
            components: vec!["x1000c1s7b0n0".into()],
            state: Some("Standby".into()),
            ..Default::default()
        };
        cache.apply_scn(&scn).await;
        assert_eq!(state_of(&cache), "Standby");
        smd.release.notify_one();
        assert!(slow.await.unwrap());
        assert_eq!(
            state_of(&cache),
            "Standby",
            "the stale fetch was not installed"
        );
    }
}
