//! magellan: Redfish BMC discovery for ochami — OpenCHAMI magellan's verbs
//! (`scan`, `list`, `collect`, `send`, `crawl`, `power`) and SMD payload.
//!
//! Layout: `scan` (find BMCs) → `cache` (SQLite of what was found) →
//! `collect` (walk Redfish via `redfish`, name BMCs via `idmap`, build
//! `inventory`; the client, the walk and the payload types are the
//! `ochami-redfish` library smd's discovery uses too) → `smd` (push, and
//! power's reads and State writes). `power` finds nodes in SMD (or an
//! inventory), resets them and waits until they reach the state (`power::converge`);
//! `hostlist` expands and folds node ranges.
//! `cli` (and `wrapper`, the seed's `magellan.sh` line) are the only modules that
//! print or pick exit codes.
//!
//! Invariants: nothing a BMC or SMD sends can panic the process (every field
//! is read through `Option`s, failures are per-BMC results); magellan reaches
//! SMD only over HTTP, through `smd`; results are gathered by value from
//! workers, never appended to shared state.

pub mod cache;
pub mod cli;
pub mod collect;
pub mod hostlist;
pub mod idmap;
pub mod inventory;
pub mod output;
pub mod power;
/// The Redfish client, shared with smd (`ochami-redfish`).
pub use ochami_redfish::client as redfish;
pub mod scan;
pub mod wrapper;

/// Exit codes (DESIGN: 0 all good, 1 some BMCs failed, 2 usage error).
pub const EXIT_OK: i32 = 0;
pub const EXIT_SOME_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// A BMC to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BmcTarget {
    /// `scheme://host:port`.
    pub base: String,
    pub scheme: String,
    /// IP or host name (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl BmcTarget {
    pub fn new(scheme: &str, host: &str, port: u16) -> BmcTarget {
        let shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        BmcTarget {
            base: format!("{scheme}://{shown}:{port}"),
            scheme: scheme.to_owned(),
            host: host.to_owned(),
            port,
        }
    }

    /// From a cache row (`https://10.0.0.1`, 443).
    pub fn from_asset(a: &scan::RemoteAsset) -> BmcTarget {
        let (scheme, host) = a
            .host
            .split_once("://")
            .unwrap_or(("https", a.host.as_str()));
        BmcTarget::new(
            scheme,
            host.trim_start_matches('[').trim_end_matches(']'),
            a.port,
        )
    }

    /// From a URL or bare host (`https://h:8443`, `h`, `10.0.0.1:443`).
    pub fn parse(arg: &str, default_scheme: &str) -> Result<BmcTarget, String> {
        let (scheme, rest) = match arg.split_once("://") {
            Some((s, r)) if s == "http" || s == "https" => (s, r),
            Some((s, _)) => return Err(format!("{arg}: unsupported scheme '{s}'")),
            None => (default_scheme, arg),
        };
        let default_port = if scheme == "http" { 80 } else { 443 };
        let cands = scan::parse_host(rest, &[default_port])?;
        let c = cands.first().ok_or_else(|| format!("{arg}: no host"))?;
        Ok(BmcTarget::new(scheme, &c.host, c.port))
    }
}
