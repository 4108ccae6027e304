//! The daemon's configuration: typed fields, defaults, and checks that need
//! several fields at once. Loading (defaults ← TOML ← `DHCPD_SHIM_*`) is
//! `ochami_service::config::load`; this module owns the shape only and never
//! touches a socket or a file.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

use ipnet::Ipv4Net;
use ochami_service::logging::LogFormat;
use serde::{Deserialize, Serialize};
use url::Url;

/// Everything `dhcpd-shim` reads at start. Top-level keys are the environment
/// names without the `DHCPD_SHIM_` prefix, lower case (DESIGN.md pins them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Interface the DHCP socket is bound to (`SO_BINDTODEVICE`); unset = all.
    pub interface: Option<String>,
    /// Local UDP address; the port is 67 unless testing.
    pub listen: SocketAddrV4,
    /// Our address on the cluster network: server identifier (option 54) and
    /// the default TFTP server.
    pub server_address: Ipv4Addr,
    /// SMD base URL; `""` = no SMD (pool and leases only).
    #[serde(deserialize_with = "empty_is_none")]
    pub smd_url: Option<Url>,
    /// BSS base URL iPXE is sent to; unset = `http://<server_address>:27778`.
    pub bss_url: Option<Url>,
    /// TFTP server for PXE firmware (`siaddr`, option 66); unset = `server_address`.
    pub tftp_server: Option<Ipv4Addr>,
    /// Durable lease journal.
    pub lease_file: PathBuf,
    /// Boot file URL for UEFI HTTP-boot clients (arch 16/19, class `HTTPClient`).
    pub http_boot_url: Option<Url>,
    /// iPXE build for legacy BIOS PXE (arch 0).
    pub boot_file_bios: String,
    /// iPXE build for UEFI x86-64 PXE (arch 7 and 9).
    pub boot_file_efi_x64: String,
    /// iPXE build for UEFI ia32 PXE (arch 6); unset = no boot file.
    pub boot_file_efi_ia32: Option<String>,
    /// iPXE build for UEFI arm32 PXE (arch 10); unset = no boot file.
    pub boot_file_efi_arm32: Option<String>,
    /// iPXE build for UEFI arm64 PXE (arch 11); unset = no boot file.
    pub boot_file_efi_arm64: Option<String>,
    /// `server` hands out addresses; `proxy` only boot information (ProxyDHCP).
    pub mode: Mode,
    /// NAK requests for addresses that are not this client's here.
    pub authoritative: bool,
    /// Host name (option 12): `{id}` = SMD xname, `{nid}` = NID, `{04}` = NID
    /// zero-padded to 4 digits (any width 1-9), `{mac}` = MAC hex.
    pub hostname: String,
    /// Domain name (option 15) for every subnet without its own.
    pub domain: Option<String>,
    /// DNS servers (option 6) for every subnet without its own.
    pub dns_servers: Vec<Ipv4Addr>,
    /// Background SMD refresh period.
    #[serde(with = "humantime_serde")]
    pub smd_refresh: Duration,
    /// Least time between two refreshes triggered by an unknown MAC.
    #[serde(with = "humantime_serde")]
    pub smd_miss_refresh: Duration,
    /// How long an offered address stays held for the client.
    #[serde(with = "humantime_serde")]
    pub offer_hold: Duration,
    /// How long a declined address is kept out of the pool.
    #[serde(with = "humantime_serde")]
    pub decline_quarantine: Duration,
    /// Log output (`--log-format` wins).
    pub log_format: Option<LogFormat>,
    /// Prometheus `GET /metrics` listening address (TCP); off unless set.
    pub metrics_listen: Option<SocketAddr>,
    pub subnets: Vec<SubnetConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Server,
    Proxy,
}

/// What UEFI PXE clients (arch 7/9) get on a subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UefiBoot {
    /// The iPXE EFI binary over TFTP.
    #[default]
    Pxe,
    /// An address but no boot file, so the firmware falls through to HTTP boot.
    Http,
}

/// One IPv4 subnet served (directly or through relays whose `giaddr` is in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetConfig {
    pub cidr: Ipv4Net,
    #[serde(default)]
    pub routers: Vec<Ipv4Addr>,
    /// Overrides the top-level `dns_servers`.
    #[serde(default)]
    pub dns_servers: Option<Vec<Ipv4Addr>>,
    /// Overrides the top-level `domain`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Dynamic pool for MACs without an SMD address; unset = reservations only.
    #[serde(default)]
    pub pool: Option<PoolRange>,
    /// Lease time of SMD reservations.
    #[serde(default = "default_lease_time", with = "humantime_serde")]
    pub lease_time: Duration,
    /// Lease time of pool addresses (short: BMCs waiting to be discovered).
    #[serde(default = "default_pool_lease_time", with = "humantime_serde")]
    pub pool_lease_time: Duration,
    #[serde(default)]
    pub uefi_boot: UefiBoot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRange {
    pub start: Ipv4Addr,
    pub end: Ipv4Addr,
}

/// `""` means unset, so a TOML file or the environment can switch a URL off.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => Url::parse(s.trim())
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("invalid URL '{s}': {e}"))),
    }
}

fn default_lease_time() -> Duration {
    Duration::from_secs(3600)
}

fn default_pool_lease_time() -> Duration {
    Duration::from_secs(600)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interface: None,
            listen: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 67),
            server_address: Ipv4Addr::UNSPECIFIED,
            smd_url: Url::parse("http://127.0.0.1:27779").ok(),
            bss_url: None,
            tftp_server: None,
            lease_file: PathBuf::from("/var/lib/dhcpd-shim/leases"),
            http_boot_url: None,
            boot_file_bios: "undionly.kpxe".into(),
            boot_file_efi_x64: "ipxe.efi".into(),
            boot_file_efi_ia32: Some("ipxe-i386.efi".into()),
            boot_file_efi_arm32: Some("ipxe-arm32.efi".into()),
            boot_file_efi_arm64: Some("ipxe-arm64.efi".into()),
            mode: Mode::Server,
            authoritative: true,
            hostname: "{id}".into(),
            domain: None,
            dns_servers: Vec::new(),
            smd_refresh: Duration::from_secs(30),
            smd_miss_refresh: Duration::from_secs(5),
            offer_hold: Duration::from_secs(30),
            decline_quarantine: Duration::from_secs(600),
            log_format: None,
            metrics_listen: None,
            subnets: Vec::new(),
        }
    }
}

impl Config {
    /// The BSS base URL, defaulting to our own address on port 27778.
    pub fn bss_base(&self) -> String {
        match &self.bss_url {
            Some(u) => u.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}:27778", self.server_address),
        }
    }

    pub fn tftp_address(&self) -> Ipv4Addr {
        self.tftp_server.unwrap_or(self.server_address)
    }

    /// Checks that span several keys; one line naming the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        if self.server_address.is_unspecified() {
            return Err(
                "DHCPD_SHIM_SERVER_ADDRESS: required (our IPv4 address on the cluster network)"
                    .into(),
            );
        }
        if self.mode == Mode::Server && self.subnets.is_empty() {
            return Err("subnets: at least one [[subnets]] entry is required".into());
        }
        for (i, s) in self.subnets.iter().enumerate() {
            if let Some(p) = s.pool {
                if !s.cidr.contains(&p.start) || !s.cidr.contains(&p.end) || p.start > p.end {
                    return Err(format!(
                        "subnets[{i}].pool: {}-{} must be an ascending range inside {}",
                        p.start, p.end, s.cidr
                    ));
                }
            }
            if s.lease_time.as_secs() < 60 || s.pool_lease_time.as_secs() < 60 {
                return Err(format!(
                    "subnets[{i}].lease_time: at least 1m (expected a duration like 1h)"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compose file sets the subnet from `.env` variables as one
    /// environment value; this is that value with the seed's defaults.
    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's signature
    fn a_subnet_list_in_one_environment_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DHCPD_SHIM_SERVER_ADDRESS", "172.16.0.253");
            jail.set_env(
                "DHCPD_SHIM_SUBNETS",
                r#"[{cidr="172.16.0.0/24", routers=["172.16.0.253"], pool={start="172.16.0.100", end="172.16.0.200"}, uefi_boot="pxe"}]"#,
            );
            let c: Config =
                ochami_service::config::load("DHCPD_SHIM_", None).map_err(|e| e.0.clone())?;
            assert_eq!(c.subnets.len(), 1);
            let s = &c.subnets[0];
            assert_eq!(s.cidr, "172.16.0.0/24".parse::<Ipv4Net>().unwrap());
            assert_eq!(s.routers, vec![Ipv4Addr::new(172, 16, 0, 253)]);
            assert_eq!(
                s.pool,
                Some(PoolRange {
                    start: Ipv4Addr::new(172, 16, 0, 100),
                    end: Ipv4Addr::new(172, 16, 0, 200)
                })
            );
            assert_eq!(s.uefi_boot, UefiBoot::Pxe);
            c.validate().map_err(|e| e.to_string())?;
            Ok(())
        });
    }
}
