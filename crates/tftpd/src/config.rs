//! tftpd's configuration: one typed struct, loaded by `ochami_service::config`
//! (defaults ← `--config` TOML ← `TFTPD_*` environment), checked once at start.
//!
//! Owns the defaults and the translation into the endpoint's limits; never
//! reads files or opens sockets (it only checks that the root is a directory).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ochami_service::config::ConfigError;
use ochami_service::logging::LogFormat;
use serde::{Deserialize, Serialize};

use crate::cache::CacheLimits;
use crate::codec::{BLKSIZE_MAX, BLKSIZE_MIN};
use crate::endpoint::EndpointConfig;
use crate::options::OptionLimits;

/// Where Debian's `ipxe` package puts its binaries.
pub const DEFAULT_ROOT: &str = "/usr/lib/ipxe";

/// IPv4 (20) + UDP (8) + TFTP DATA header (4): what a block must leave room for
/// so a DATA packet fits the MTU unfragmented.
const DATA_OVERHEAD: u16 = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Directory served read-only over TFTP and HTTP (`TFTPD_ROOT`).
    pub root: PathBuf,
    /// Real paths outside `root` that symlinks inside it may lead to
    /// (`TFTPD_TRUSTED_LINKS`, TOML array). Default: `/boot/ipxe.efi`, where
    /// Debian's `ipxe` package points `/usr/lib/ipxe/ipxe.efi`. Any other
    /// symlink leaving the root is refused.
    pub trusted_links: Vec<PathBuf>,
    /// TFTP listening address (`TFTPD_LISTEN`).
    pub listen: SocketAddr,
    /// HTTP listening address; no HTTP unless set (`TFTPD_HTTP_LISTEN`).
    pub http_listen: Option<SocketAddr>,
    /// Prometheus `GET /metrics` listening address; off unless set
    /// (`TFTPD_METRICS_LISTEN`). Its own listener, so the file server's
    /// address can face the nodes while metrics stay on a management network.
    pub metrics_listen: Option<SocketAddr>,
    /// Serve every transfer from the listening port instead of one ephemeral
    /// port per transfer (`TFTPD_SINGLE_PORT`), for firewalls and NAT.
    pub single_port: bool,
    /// Largest block size granted (`TFTPD_BLKSIZE_MAX`, 8–65464).
    pub blksize_max: u16,
    /// Path MTU to the clients; caps the block size so DATA is never fragmented.
    pub mtu: u16,
    /// Largest RFC 7440 window granted (`TFTPD_WINDOWSIZE_MAX`).
    pub windowsize_max: u16,
    /// Concurrent transfers (`TFTPD_MAX_TRANSFERS`).
    pub max_transfers: usize,
    /// Concurrent transfers per client IP address.
    pub max_transfers_per_client: usize,
    /// Largest file served over TFTP, in bytes.
    pub max_file_size: u64,
    /// Retransmit timeout when the client negotiates none, in milliseconds.
    pub retransmit_ms: u64,
    /// Retransmissions of one packet before the transfer is given up.
    pub max_retries: u32,
    /// A transfer that hears nothing from its client this long is dropped, in seconds.
    pub idle_timeout_secs: u64,
    /// Files up to this size are served from memory.
    pub hot_file_max: u64,
    /// Total bytes of files held in memory.
    pub cache_max: u64,
    pub log_format: LogFormat,
}

impl Default for Config {
    fn default() -> Self {
        let e = EndpointConfig::default();
        Config {
            root: PathBuf::from(DEFAULT_ROOT),
            trusted_links: vec![PathBuf::from("/boot/ipxe.efi")],
            listen: SocketAddr::from(([0, 0, 0, 0], 69)),
            http_listen: None,
            metrics_listen: None,
            single_port: false,
            blksize_max: BLKSIZE_MAX,
            mtu: 1500,
            windowsize_max: e.options.windowsize_max,
            max_transfers: e.max_transfers,
            max_transfers_per_client: e.max_transfers_per_client,
            max_file_size: e.max_file_size,
            retransmit_ms: 1000,
            max_retries: e.max_retries,
            idle_timeout_secs: e.idle_timeout.as_secs(),
            hot_file_max: 4 << 20,
            cache_max: 64 << 20,
            log_format: LogFormat::Text,
        }
    }
}

impl Config {
    /// Reject values that parse but make no sense, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, what: &str| Err(ConfigError(format!("TFTPD_{key}: {what}")));
        if !(BLKSIZE_MIN..=BLKSIZE_MAX).contains(&self.blksize_max) {
            return bad("BLKSIZE_MAX", "expected a block size from 8 to 65464");
        }
        if self.mtu < 576 {
            return bad("MTU", "expected an MTU of at least 576");
        }
        if self.windowsize_max == 0 {
            return bad("WINDOWSIZE_MAX", "expected a window of at least 1");
        }
        if self.max_transfers == 0 {
            return bad("MAX_TRANSFERS", "expected at least 1 transfer");
        }
        if self.max_transfers_per_client == 0 {
            return bad("MAX_TRANSFERS_PER_CLIENT", "expected at least 1 transfer");
        }
        if self.retransmit_ms == 0 {
            return bad(
                "RETRANSMIT_MS",
                "expected a positive number of milliseconds",
            );
        }
        if self.idle_timeout_secs == 0 {
            return bad("IDLE_TIMEOUT_SECS", "expected a positive number of seconds");
        }
        // Last: the other checks need no file system and say more.
        if !self.root.is_dir() {
            let hint = if self.root == Path::new(DEFAULT_ROOT) {
                " (install the ipxe package, or set TFTPD_ROOT to your boot files)"
            } else {
                ""
            };
            return bad(
                "ROOT",
                &format!("{} is not a directory{hint}", self.root.display()),
            );
        }
        Ok(())
    }

    /// Block size actually granted at most: the configured max, capped by the MTU.
    pub fn effective_blksize_max(&self) -> u16 {
        self.blksize_max
            .min(self.mtu.saturating_sub(DATA_OVERHEAD))
            .max(BLKSIZE_MIN)
    }

    pub fn endpoint(&self) -> EndpointConfig {
        EndpointConfig {
            options: OptionLimits {
                blksize_max: self.effective_blksize_max(),
                windowsize_max: self.windowsize_max,
                default_timeout: Duration::from_millis(self.retransmit_ms),
            },
            max_transfers: self.max_transfers,
            max_transfers_per_client: self.max_transfers_per_client,
            max_file_size: self.max_file_size,
            max_retries: self.max_retries,
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            single_port: self.single_port,
            netascii_max: self.hot_file_max.max(16 << 20),
        }
    }

    pub fn cache(&self) -> CacheLimits {
        CacheLimits {
            hot_file_max: self.hot_file_max,
            total_max: self.cache_max,
        }
    }
}
