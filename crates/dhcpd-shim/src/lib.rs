//! `dhcpd-shim`: DHCPv4 for the cluster network, fed by SMD.
//!
//! - [`protocol`]: the sans-IO core (RFC 2131 server, ProxyDHCP), tested without sockets.
//! - [`boot`]: which boot client asked and what it fetches next.
//! - [`lease`]: the lease book; [`lease_file`]: its durable journal.
//! - [`smd`]: the reservation cache built from SMD (smd-api's types) and its client.
//! - [`server`]: the thin tokio layer — sockets, timers, SMD refresh, journal.
//! - [`metrics`]: what `GET /metrics` shows on `metrics_listen`.
//! - [`render`]: configs for isc-dhcpd, dnsmasq and Kea generated from SMD.
//!
//! Architecture invariant: only `server`, `lease_file`, `SmdClient` and
//! `render::run` do I/O; the core never touches a socket, a file or the clock.

pub mod boot;
pub mod config;
pub mod lease;
pub mod lease_file;
pub mod metrics;
pub mod protocol;
pub mod render;
pub mod server;
pub mod smd;

pub use config::Config;
