//! Which boot parameters a node gets, from an in-memory table of them.
//!
//! [`BootTable`] indexes every stored config by key; [`ParamsCache`] reloads it
//! after this process writes (before the next read, so writes are seen at
//! once) and every `BSS_CACHE_REFRESH` seconds (writes of other replicas), so a
//! boot script costs no database round trip. [`AccessLog`] batches
//! endpoint-history writes the same way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ochami_service::http::Problem;
use ochami_types::MacAddr;

use crate::model::{BootConfig, EndpointAccess, Key, DEFAULT_HOST};
use crate::smd::Node;
use crate::store::Store;

/// Every boot config, indexed by key.
#[derive(Debug, Default)]
pub struct BootTable {
    pub configs: Vec<BootConfig>,
    by_key: HashMap<Key, usize>,
}

impl BootTable {
    pub fn new(configs: Vec<BootConfig>) -> Self {
        let mut by_key = HashMap::new();
        for (i, c) in configs.iter().enumerate() {
            for k in &c.keys {
                by_key.insert(k.clone(), i);
            }
        }
        BootTable { configs, by_key }
    }

    pub fn get(&self, key: &Key) -> Option<&BootConfig> {
        self.by_key.get(key).map(|&i| &self.configs[i])
    }

    /// The config for `node` and the key that chose it. Order: its xname, the
    /// MAC it asked with, its other MACs, its NID, its role, `Default`.
    pub fn for_node(&self, node: &Node, mac: Option<MacAddr>) -> Option<(&BootConfig, Key)> {
        let mut candidates = vec![Key::host(node.id.clone())];
        candidates.extend(mac.map(Key::mac));
        candidates.extend(node.macs.iter().map(|m| Key::mac(*m)));
        candidates.extend(node.nid.map(Key::nid));
        if !node.role.is_empty() {
            candidates.push(Key::host(node.role.clone()));
        }
        candidates.push(Key::host(DEFAULT_HOST));
        candidates
            .into_iter()
            .find_map(|k| self.get(&k).map(|c| (c, k)))
    }
}

/// The shared [`BootTable`], reloaded when stale.
pub struct ParamsCache {
    table: RwLock<Arc<BootTable>>,
    dirty: AtomicBool,
    loaded_at: Mutex<Option<Instant>>,
    reload: tokio::sync::Mutex<()>,
    ttl: Duration,
}

impl ParamsCache {
    pub fn new(ttl: Duration) -> Self {
        ParamsCache {
            table: RwLock::new(Arc::new(BootTable::default())),
            dirty: AtomicBool::new(true),
            loaded_at: Mutex::new(None),
            reload: tokio::sync::Mutex::new(()),
            ttl,
        }
    }

    /// Mark the table stale; the next read reloads it.
    pub fn invalidate(&self) {
        self.dirty.store(true, Ordering::SeqCst);
    }

    fn current(&self) -> Arc<BootTable> {
        match self.table.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn fresh(&self) -> bool {
        !self.dirty.load(Ordering::SeqCst)
            && self
                .loaded_at
                .lock()
                .ok()
                .and_then(|g| *g)
                .is_some_and(|t| t.elapsed() < self.ttl)
    }

    /// The table, reloaded first if stale. With the database down, a table
    /// loaded before keeps serving (known nodes still boot).
    pub async fn get(&self, store: &Store) -> Result<Arc<BootTable>, Problem> {
        if self.fresh() {
            return Ok(self.current());
        }
        let _one = self.reload.lock().await;
        if self.fresh() {
            return Ok(self.current());
        }
        // Cleared before reading: a write landing during the load marks it again.
        let was_dirty = self.dirty.swap(false, Ordering::SeqCst);
        match store.boot_configs().await {
            Ok(configs) => {
                let table = Arc::new(BootTable::new(configs));
                match self.table.write() {
                    Ok(mut g) => *g = table.clone(),
                    Err(p) => *p.into_inner() = table.clone(),
                }
                if let Ok(mut g) = self.loaded_at.lock() {
                    *g = Some(Instant::now());
                }
                Ok(table)
            }
            Err(e) => {
                if was_dirty {
                    self.dirty.store(true, Ordering::SeqCst);
                }
                let loaded = self.loaded_at.lock().ok().and_then(|g| *g).is_some();
                if loaded {
                    tracing::warn!(error = %e, "cannot reload boot parameters; serving the last table");
                    Ok(self.current())
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// Endpoint accesses not yet written; flushed in batches.
#[derive(Default)]
pub struct AccessLog {
    pending: Mutex<HashMap<(String, String), i64>>,
}

impl AccessLog {
    pub fn record(&self, name: &str, endpoint: &str, epoch: i64) {
        if let Ok(mut p) = self.pending.lock() {
            let e = p
                .entry((name.to_owned(), endpoint.to_owned()))
                .or_insert(epoch);
            *e = (*e).max(epoch);
        }
    }

    /// Write everything pending; on failure it is kept for the next flush.
    pub async fn flush(&self, store: &Store) -> Result<(), Problem> {
        let batch: Vec<EndpointAccess> = match self.pending.lock() {
            Ok(mut p) => p
                .drain()
                .map(|((name, endpoint), last_epoch)| EndpointAccess {
                    name,
                    endpoint,
                    last_epoch,
                })
                .collect(),
            Err(_) => return Ok(()),
        };
        if let Err(e) = store.record_access(&batch).await {
            for a in &batch {
                self.record(&a.name, &a.endpoint, a.last_epoch);
            }
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Node {
        Node {
            id: "x1000c1s7b0n0".into(),
            nid: Some(7),
            role: "Compute".into(),
            sub_role: String::new(),
            endpoint_enabled: None,
            fqdn: String::new(),
            macs: vec!["aa:bb:cc:dd:ee:01".parse().unwrap()],
            ips: vec![],
            component: Default::default(),
        }
    }

    fn config(id: i64, keys: Vec<Key>) -> BootConfig {
        BootConfig {
            id,
            kernel: format!("http://h/k{id}"),
            keys,
            ..Default::default()
        }
    }

    #[test]
    fn lookup_order_is_xname_mac_nid_role_default() {
        let n = node();
        let mac = n.macs[0];
        let all = [
            config(1, vec![Key::host("Default")]),
            config(2, vec![Key::host("Compute")]),
            config(3, vec![Key::nid(7)]),
            config(4, vec![Key::mac(mac)]),
            config(5, vec![Key::host("x1000c1s7b0n0")]),
        ];
        for expect in (1..=5).rev() {
            let t = BootTable::new(all[..expect].to_vec());
            let (c, _) = t.for_node(&n, None).unwrap();
            assert_eq!(c.id, expect as i64);
        }
        assert!(BootTable::default().for_node(&n, Some(mac)).is_none());
    }
}
