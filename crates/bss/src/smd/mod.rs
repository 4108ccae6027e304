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
//!
//! `snapshot`: the view and its indexes (pure); `client`: the three reads
//! and the SCN subscription, through `smd-api`'s client; `cache`: the
//! swapped view, its refresher and the SCNs that patch it.

mod cache;
mod client;
mod snapshot;

pub use cache::{spawn_scn_subscriber, SmdCache, MIN_REFRESH_INTERVAL};
pub use client::{SmdClient, SCN_SUBSCRIBER};
pub use snapshot::{Node, Snapshot};
