//! bss's view of SMD: which nodes exist, their MACs, IPs, NIDs and roles.
//!
//! One [`Snapshot`] is built from three SMD reads (`State/Components?type=Node`,
//! `Inventory/ComponentEndpoints?type=Node`, `Inventory/EthernetInterfaces`) and
//! swapped in whole. A background task refreshes it every `BSS_CACHE_REFRESH`
//! seconds, on demand (`POST /boot/v1/hosts`), and when a request misses —
//! at most once a second, so a boot storm of unknown nodes costs SMD a few
//! requests. When SMD is down the last snapshot keeps serving.
//!
//! Known-node rule: a node counts as known when SMD lists it as a `Node`
//! component, unless a ComponentEndpoint for it says `Enabled: false`.
//! Rationale: OpenCHAMI also requires an enabled ComponentEndpoint, which only
//! Redfish discovery creates; operators who add nodes by hand (State/Components
//! + EthernetInterfaces) must be able to boot them too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use ochami_types::{HmsType, MacAddr, Xname};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::{watch, Notify};
use url::Url;

use crate::model::Scn;

/// Misses refresh the view at most this often.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// How long a request waits for a refresh it asked for.
const REFRESH_WAIT: Duration = Duration::from_secs(6);

/// One node as bss sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub nid: Option<i64>,
    pub role: String,
    pub sub_role: String,
    /// `None`: SMD has no ComponentEndpoint for it.
    pub endpoint_enabled: Option<bool>,
    pub fqdn: String,
    pub macs: Vec<MacAddr>,
    pub ips: Vec<IpAddr>,
    /// The component as SMD sent it, for `/hosts` and `/dumpstate`.
    pub component: Map<String, Value>,
}

impl Node {
    /// See the module doc: no endpoint is fine, a disabled one blocks.
    pub fn bootable(&self) -> bool {
        self.endpoint_enabled != Some(false)
    }

    /// OpenCHAMI's `SMComponent`: the component plus `FQDN`, `MAC`, `EndpointEnabled`.
    pub fn to_wire(&self) -> Value {
        let mut m = self.component.clone();
        m.insert("FQDN".into(), Value::String(self.fqdn.clone()));
        m.insert(
            "MAC".into(),
            Value::Array(
                self.macs
                    .iter()
                    .map(|m| Value::String(m.to_string()))
                    .collect(),
            ),
        );
        m.insert("EndpointEnabled".into(), Value::Bool(self.bootable()));
        Value::Object(m)
    }
}

/// An immutable view of SMD's nodes with its indexes.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub nodes: Vec<Node>,
    by_mac: HashMap<MacAddr, usize>,
    by_name: HashMap<String, usize>,
    by_nid: HashMap<i64, usize>,
    by_ip: HashMap<IpAddr, usize>,
}

impl Snapshot {
    pub fn by_mac(&self, m: &MacAddr) -> Option<&Node> {
        self.by_mac.get(m).map(|&i| &self.nodes[i])
    }
    pub fn by_name(&self, n: &str) -> Option<&Node> {
        self.by_name.get(n).map(|&i| &self.nodes[i])
    }
    pub fn by_nid(&self, n: i64) -> Option<&Node> {
        self.by_nid.get(&n).map(|&i| &self.nodes[i])
    }
    pub fn by_ip(&self, ip: &IpAddr) -> Option<&Node> {
        self.by_ip.get(ip).map(|&i| &self.nodes[i])
    }

    /// Join SMD's three answers. Entries that do not parse are skipped.
    pub fn build(components: Vec<Value>, endpoints: Vec<Value>, interfaces: Vec<Value>) -> Self {
        let mut snap = Snapshot::default();
        for c in components {
            let Value::Object(map) = c else { continue };
            let Some(id) = map.get("ID").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            if map
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t != "Node")
            {
                continue;
            }
            let nid = map.get("NID").and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            });
            let text = |k: &str| {
                map.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let node = Node {
                role: text("Role"),
                sub_role: text("SubRole"),
                id: id.clone(),
                nid,
                endpoint_enabled: None,
                fqdn: String::new(),
                macs: Vec::new(),
                ips: Vec::new(),
                component: map,
            };
            snap.by_name.insert(id, snap.nodes.len());
            snap.nodes.push(node);
        }
        for e in endpoints {
            let Some(&i) = e
                .get("ID")
                .and_then(Value::as_str)
                .and_then(|id| snap.by_name.get(id))
            else {
                continue;
            };
            let node = &mut snap.nodes[i];
            let enabled = e.get("Enabled").and_then(Value::as_bool).unwrap_or(true);
            // Several endpoints for one node: any disabled one blocks it.
            node.endpoint_enabled = Some(node.endpoint_enabled.unwrap_or(true) && enabled);
            if let Some(f) = e.get("FQDN").and_then(Value::as_str) {
                node.fqdn = f.to_owned();
            }
            let mut macs: Vec<&str> = Vec::new();
            if let Some(m) = e.get("MACAddr").and_then(Value::as_str) {
                macs.push(m);
            }
            if let Some(nics) = e
                .pointer("/RedfishSystemInfo/EthernetNICInfo")
                .and_then(Value::as_array)
            {
                macs.extend(
                    nics.iter()
                        .filter_map(|n| n.get("MACAddress").and_then(Value::as_str)),
                );
            }
            for m in macs.into_iter().filter_map(|m| m.parse::<MacAddr>().ok()) {
                if !node.macs.contains(&m) {
                    node.macs.push(m);
                }
            }
        }
        for ei in interfaces {
            let Some(&i) = ei
                .get("ComponentID")
                .and_then(Value::as_str)
                .and_then(|id| snap.by_name.get(id))
            else {
                continue;
            };
            let node = &mut snap.nodes[i];
            if let Some(m) = ei
                .get("MACAddress")
                .and_then(Value::as_str)
                .and_then(|m| m.parse::<MacAddr>().ok())
            {
                if !node.macs.contains(&m) {
                    node.macs.push(m);
                }
            }
            for ip in ei
                .get("IPAddresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(ip) = ip
                    .get("IPAddress")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<IpAddr>().ok())
                {
                    if !node.ips.contains(&ip) {
                        node.ips.push(ip);
                    }
                }
            }
        }
        Snapshot::index(snap.nodes)
    }

    /// A snapshot of `nodes` with its indexes.
    pub fn index(nodes: Vec<Node>) -> Self {
        let mut snap = Snapshot {
            nodes,
            ..Default::default()
        };
        for (i, n) in snap.nodes.iter().enumerate() {
            // As `build` joins: a repeated ID resolves to its last entry.
            snap.by_name.insert(n.id.clone(), i);
            for m in &n.macs {
                snap.by_mac.entry(*m).or_insert(i);
            }
            for ip in &n.ips {
                snap.by_ip.entry(*ip).or_insert(i);
            }
            if let Some(nid) = n.nid {
                snap.by_nid.entry(nid).or_insert(i);
            }
        }
        snap
    }

    /// This view with `scn`'s change applied to the nodes it names; also
    /// returns the named components that are nodes this view does not hold.
    pub fn with_scn(&self, scn: &Scn) -> (Snapshot, Vec<String>) {
        let mut nodes = self.nodes.clone();
        let mut unknown = Vec::new();
        for id in &scn.components {
            let Ok(x) = id.parse::<Xname>() else { continue };
            let Some(&i) = self.by_name.get(x.as_str()) else {
                if x.hms_type() == HmsType::Node {
                    unknown.push(x.as_str().to_owned());
                }
                continue;
            };
            let n = &mut nodes[i];
            let mut set = |k: &str, v: Value| {
                n.component.insert(k.to_owned(), v);
            };
            if let Some(e) = scn.enabled {
                set("Enabled", Value::Bool(e));
            }
            for (k, v) in [
                ("State", &scn.state),
                ("Flag", &scn.flag),
                ("SoftwareStatus", &scn.software_status),
                ("Role", &scn.role),
                ("SubRole", &scn.sub_role),
            ] {
                if let Some(v) = v {
                    set(k, Value::String(v.clone()));
                }
            }
            if let Some(r) = &scn.role {
                n.role = r.clone();
            }
            if let Some(r) = &scn.sub_role {
                n.sub_role = r.clone();
            }
        }
        (Snapshot::index(nodes), unknown)
    }
}

/// SMD over HTTP.
#[derive(Clone)]
pub struct SmdClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ComponentsBody {
    #[serde(rename = "Components", default)]
    components: Vec<Value>,
}

#[derive(Deserialize)]
struct EndpointsBody {
    #[serde(rename = "ComponentEndpoints", default)]
    endpoints: Vec<Value>,
}

impl SmdClient {
    pub fn new(url: &Url, http: reqwest::Client) -> Self {
        SmdClient {
            base: format!("{}/hsm/v2", url.as_str().trim_end_matches('/')),
            http,
        }
    }

    /// `Ok(None)` when SMD answers 404 (a route it does not have, or nothing
    /// of that kind yet); `Err` when it cannot be reached or fails.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Option<T>, String> {
        let url = format!("{}{path}", self.base);
        let res = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !res.status().is_success() {
            return Err(format!("GET {url}: HTTP {}", res.status()));
        }
        res.json()
            .await
            .map(Some)
            .map_err(|e| format!("GET {url}: {e}"))
    }

    /// The three reads, joined.
    pub async fn fetch(&self) -> Result<Snapshot, String> {
        let (c, e, i) = tokio::join!(
            self.get::<ComponentsBody>("/State/Components?type=Node"),
            self.get::<EndpointsBody>("/Inventory/ComponentEndpoints?type=Node"),
            self.get::<Vec<Value>>("/Inventory/EthernetInterfaces"),
        );
        let components = c?.map(|b| b.components).unwrap_or_default();
        let endpoints = e?.map(|b| b.endpoints).unwrap_or_default();
        let interfaces = i?.unwrap_or_default();
        Ok(Snapshot::build(components, endpoints, interfaces))
    }

    /// Make sure SMD has bss's SCN subscription for `callback`: replace it
    /// when it exists (same Subscriber and Url), else create it. Idempotent.
    pub async fn subscribe_scn(&self, callback: &Url) -> Result<(), String> {
        let url = format!("{}/Subscriptions/SCN", self.base);
        let body = scn_subscription(callback);
        for _ in 0..2 {
            let list: Value = self.get("/Subscriptions/SCN").await?.unwrap_or(Value::Null);
            let existing = list["SubscriptionList"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["Subscriber"] == SCN_SUBSCRIBER && s["Url"] == callback.as_str())
                .and_then(|s| s["ID"].as_i64());
            let req = match existing {
                Some(id) => self.http.put(format!("{url}/{id}")),
                None => self.http.post(&url),
            };
            let res = req
                .json(&body)
                .send()
                .await
                .map_err(|e| format!("subscribe at {url}: {e}"))?;
            // 409: another bss replica with this callback won the race; look again.
            if res.status() == reqwest::StatusCode::CONFLICT {
                continue;
            }
            if !res.status().is_success() {
                return Err(format!("subscribe at {url}: HTTP {}", res.status()));
            }
            return Ok(());
        }
        Err(format!("subscribe at {url}: conflicting subscriptions"))
    }

    /// Any HTTP answer counts as reachable, as OpenCHAMI's `/service/hsm` does.
    pub async fn probe(&self) -> bool {
        self.http
            .get(format!("{}/service/values/class", self.base))
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .is_ok()
    }
}

/// The `Subscriber` bss registers as.
pub const SCN_SUBSCRIBER: &str = "bss";
/// How often a registered subscription is checked (SMD may have lost it).
const SCN_RECHECK: Duration = Duration::from_secs(300);
/// Longest wait between two failed subscription attempts.
const SCN_RETRY_MAX: Duration = Duration::from_secs(60);

/// What bss subscribes to: every change that alters its view of a node
/// (any State, Enabled, any Role or SubRole).
fn scn_subscription(callback: &Url) -> Value {
    use ochami_types::{Role, State, SubRole};
    serde_json::json!({
        "Subscriber": SCN_SUBSCRIBER,
        "Url": callback.as_str(),
        "Enabled": true,
        "States": State::ALL.iter().map(State::as_str).collect::<Vec<_>>(),
        "Roles": Role::ALL.iter().map(Role::as_str).collect::<Vec<_>>(),
        "SubRoles": SubRole::ALL.iter().map(SubRole::as_str).collect::<Vec<_>>(),
    })
}

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

    fn state_of(cache: &SmdCache) -> Value {
        let snap = cache.snapshot();
        snap.by_name("x1000c1s7b0n0").unwrap().component["State"].clone()
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

    #[test]
    fn snapshot_joins_components_endpoints_and_interfaces() {
        let snap = Snapshot::build(
            vec![
                json!({"ID":"x1000c1s7b0n0","Type":"Node","NID":1,"Role":"Compute"}),
                json!({"ID":"x1000c1s7b0n1","Type":"Node","NID":2,"Role":"Compute"}),
                json!({"ID":"x1000c1s7b0","Type":"NodeBMC"}),
            ],
            vec![json!({"ID":"x1000c1s7b0n1","Enabled":false,
                "RedfishSystemInfo":{"EthernetNICInfo":[{"MACAddress":"AA:BB:CC:00:00:02"}]}})],
            vec![
                json!({"MACAddress":"aa:bb:cc:00:00:01","ComponentID":"x1000c1s7b0n0",
                "IPAddresses":[{"IPAddress":"172.16.0.10"}]}),
            ],
        );
        assert_eq!(snap.nodes.len(), 2);
        let a: MacAddr = "aa:bb:cc:00:00:01".parse().unwrap();
        let b: MacAddr = "aa:bb:cc:00:00:02".parse().unwrap();
        let n0 = snap.by_mac(&a).unwrap();
        assert_eq!(n0.id, "x1000c1s7b0n0");
        assert!(n0.bootable(), "no endpoint: still bootable");
        assert_eq!(
            snap.by_ip(&"172.16.0.10".parse().unwrap()).unwrap().id,
            n0.id
        );
        let n1 = snap.by_mac(&b).unwrap();
        assert!(!n1.bootable(), "disabled endpoint blocks");
        assert_eq!(snap.by_nid(2).unwrap().id, "x1000c1s7b0n1");
        assert_eq!(n1.to_wire()["EndpointEnabled"], false);
        assert_eq!(n1.to_wire()["MAC"], json!(["aa:bb:cc:00:00:02"]));
    }
}
