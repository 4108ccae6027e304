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
use serde_json::Value;
use smd_api::component::Component;
use smd_api::component_endpoint::ComponentEndpoint;
use smd_api::ethernet_interface::EthernetInterface;
use smd_api::subscription::{ScnPayload as Scn, SubscriptionIn};
use tokio::sync::{watch, Notify};
use url::Url;

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
    pub component: Component,
}

impl Node {
    /// See the module doc: no endpoint is fine, a disabled one blocks.
    pub fn bootable(&self) -> bool {
        self.endpoint_enabled != Some(false)
    }

    /// OpenCHAMI's `SMComponent`: the component plus `FQDN`, `MAC`, `EndpointEnabled`.
    pub fn to_wire(&self) -> Value {
        let mut m = match serde_json::to_value(&self.component) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
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

    /// Join SMD's three answers. MACs and IPs that do not parse are skipped.
    pub fn build(
        components: Vec<Component>,
        endpoints: Vec<ComponentEndpoint>,
        interfaces: Vec<EthernetInterface>,
    ) -> Self {
        let mut snap = Snapshot::default();
        for c in components {
            if c.type_ != "Node" {
                continue;
            }
            let node = Node {
                role: c.role.clone(),
                sub_role: c.sub_role.clone(),
                id: c.id.clone(),
                nid: c.nid,
                endpoint_enabled: None,
                fqdn: String::new(),
                macs: Vec::new(),
                ips: Vec::new(),
                component: c,
            };
            snap.by_name.insert(node.id.clone(), snap.nodes.len());
            snap.nodes.push(node);
        }
        for e in endpoints {
            let Some(&i) = snap.by_name.get(&e.id) else {
                continue;
            };
            let node = &mut snap.nodes[i];
            // Several endpoints for one node: any disabled one blocks it.
            node.endpoint_enabled = Some(node.endpoint_enabled.unwrap_or(true) && e.enabled);
            if !e.fqdn.is_empty() {
                node.fqdn = e.fqdn.clone();
            }
            let mut macs: Vec<&str> = vec![e.mac_addr.as_str()];
            if let Some(nics) = e
                .system_info
                .as_ref()
                .and_then(|i| i.pointer("/EthernetNICInfo"))
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
            let Some(&i) = snap.by_name.get(&ei.component_id) else {
                continue;
            };
            let node = &mut snap.nodes[i];
            if let Ok(m) = ei.mac_address.parse::<MacAddr>() {
                if !node.macs.contains(&m) {
                    node.macs.push(m);
                }
            }
            for ip in &ei.ip_addresses {
                if let Ok(ip) = ip.ip_address.parse::<IpAddr>() {
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
            let c = &mut n.component;
            if let Some(e) = scn.enabled {
                c.enabled = Some(e);
            }
            for (field, v) in [
                (&mut c.state, &scn.state),
                (&mut c.flag, &scn.flag),
                (&mut c.software_status, &scn.software_status),
                (&mut c.role, &scn.role),
                (&mut c.sub_role, &scn.sub_role),
            ] {
                if let Some(v) = v {
                    field.clone_from(v);
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
/// How often a registered subscription is checked (SMD may have lost it).
const SCN_RECHECK: Duration = Duration::from_secs(300);
/// Longest wait between two failed subscription attempts.
const SCN_RETRY_MAX: Duration = Duration::from_secs(60);

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

    #[test]
    fn snapshot_joins_components_endpoints_and_interfaces() {
        let from = |v: Value| serde_json::from_value(v).unwrap();
        let snap = Snapshot::build(
            vec![
                from(json!({"ID":"x1000c1s7b0n0","Type":"Node","NID":1,"Role":"Compute"})),
                from(json!({"ID":"x1000c1s7b0n1","Type":"Node","NID":2,"Role":"Compute"})),
                from(json!({"ID":"x1000c1s7b0","Type":"NodeBMC"})),
            ],
            vec![ComponentEndpoint {
                id: "x1000c1s7b0n1".into(),
                enabled: false,
                system_info: Some(json!({"EthernetNICInfo":[{"MACAddress":"AA:BB:CC:00:00:02"}]})),
                ..Default::default()
            }],
            vec![EthernetInterface {
                mac_address: "aa:bb:cc:00:00:01".into(),
                component_id: "x1000c1s7b0n0".into(),
                ip_addresses: vec![smd_api::ethernet_interface::IpAddressMapping {
                    ip_address: "172.16.0.10".into(),
                    network: String::new(),
                }],
                ..Default::default()
            }],
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
