//! SMD as seen by dhcpd-shim: the in-memory reservation table built from
//! `Inventory/EthernetInterfaces` and `State/Components` (`smd-api`'s types),
//! and the client that fetches them and writes back.
//!
//! [`Reservations`] is plain data (built by a pure function, used by the core);
//! [`SmdClient`] is the only code here that does I/O.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use ochami_service::client::{service_client, token_from_env};
use ochami_types::{MacAddr, Xname};
use smd_api::component::Component;
use smd_api::ethernet_interface::EthernetInterface;
use url::Url;

/// One MAC known to SMD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub mac: MacAddr,
    /// Its IPv4 addresses in SMD (any network).
    pub ips: Vec<Ipv4Addr>,
    /// The component it belongs to, if SMD knows one.
    pub xname: Option<Xname>,
    pub nid: Option<u64>,
    pub role: Option<String>,
}

/// The SMD cache: MAC → host, IP → MAC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reservations {
    by_mac: HashMap<MacAddr, Host>,
    by_ip: HashMap<Ipv4Addr, MacAddr>,
}

impl Reservations {
    /// Build the table from SMD's answers. Entries with an unreadable MAC are
    /// skipped; an IP claimed by two MACs stays with the first.
    pub fn from_smd(ifaces: &[EthernetInterface], components: &[Component]) -> Self {
        let comps: HashMap<&str, &Component> =
            components.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut r = Reservations::default();
        for i in ifaces {
            let Ok(mac) = i.mac_address.parse::<MacAddr>() else {
                continue;
            };
            let ips: Vec<Ipv4Addr> = i
                .ip_addresses
                .iter()
                .filter_map(|a| a.ip_address.parse().ok())
                .collect();
            let xname = i.component_id.parse::<Xname>().ok();
            let comp = comps.get(i.component_id.as_str());
            let host = Host {
                mac,
                ips: ips.clone(),
                xname,
                nid: comp.and_then(|c| c.nid).and_then(|n| u64::try_from(n).ok()),
                role: comp.map(|c| c.role.clone()).filter(|r| !r.is_empty()),
            };
            for ip in ips {
                r.by_ip.entry(ip).or_insert(mac);
            }
            r.by_mac.insert(mac, host);
        }
        r
    }

    pub fn host(&self, mac: &MacAddr) -> Option<&Host> {
        self.by_mac.get(mac)
    }

    /// The MAC SMD gives `ip` to, if any.
    pub fn owner(&self, ip: &Ipv4Addr) -> Option<MacAddr> {
        self.by_ip.get(ip).copied()
    }

    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.by_mac.values()
    }

    pub fn len(&self) -> usize {
        self.by_mac.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_mac.is_empty()
    }
}

/// A write-back the core asks for so SMD stays the source of truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmdWrite {
    /// A MAC SMD knows, without an address here, got one from the pool.
    AddAddress { mac: MacAddr, ip: Ipv4Addr },
    /// A MAC SMD does not know got a pool lease: record it without ComponentID
    /// so magellan's scan finds it.
    CreateInterface { mac: MacAddr, ip: Ipv4Addr },
}

/// SMD for dhcpd-shim: `smd-api`'s client with dhcpd-shim's token and timeout.
#[derive(Debug, Clone)]
pub struct SmdClient {
    api: smd_api::client::SmdClient,
}

impl SmdClient {
    /// Limit: every SMD request gives up after this long.
    pub const TIMEOUT: Duration = Duration::from_secs(10);

    /// A client for SMD at `base`. With auth on in SMD, the token comes from
    /// `DHCPD_SHIM_ACCESS_TOKEN` (or magellan's `ACCESS_TOKEN`) and is sent as
    /// a bearer token on every request.
    pub fn new(base: &Url) -> Result<Self, String> {
        let token = token_from_env(&["DHCPD_SHIM_ACCESS_TOKEN", "ACCESS_TOKEN"]);
        Self::with_token(base, token.as_deref())
    }

    pub fn with_token(base: &Url, token: Option<&str>) -> Result<Self, String> {
        let http = service_client(Self::TIMEOUT, token)?;
        Ok(SmdClient {
            api: smd_api::client::SmdClient::new(http, base.as_str()),
        })
    }

    /// Both reads, then the table. Any failure leaves the caller's cache as is.
    pub async fn fetch(&self) -> Result<Reservations, String> {
        let ifaces = self
            .api
            .ethernet_interfaces()
            .await
            .map_err(|e| e.to_string())?;
        let comps = self.api.components("").await.map_err(|e| e.to_string())?;
        Ok(Reservations::from_smd(&ifaces, &comps))
    }

    /// Perform one write-back. A 409 on create (the MAC appeared meanwhile)
    /// falls back to adding the address.
    pub async fn write(&self, w: &SmdWrite) -> Result<(), String> {
        match *w {
            SmdWrite::AddAddress { mac, ip } => self.add_address(mac, ip).await,
            SmdWrite::CreateInterface { mac, ip } => {
                let created = self
                    .api
                    .create_ethernet_interface(
                        &mac.to_string(),
                        "dhcpd-shim pool lease",
                        &ip.to_string(),
                    )
                    .await;
                match created {
                    Err(e) if e.status() == Some(409) => self.add_address(mac, ip).await,
                    other => other.map_err(|e| e.to_string()),
                }
            }
        }
    }

    /// Add `ip` to `mac`'s interface; already there (409) is fine.
    async fn add_address(&self, mac: MacAddr, ip: Ipv4Addr) -> Result<(), String> {
        match self
            .api
            .add_ip_address(&mac.to_hex(), &ip.to_string())
            .await
        {
            Err(e) if e.status() != Some(409) => Err(e.to_string()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;
    use std::io::{Read, Write};

    #[tokio::test]
    async fn the_access_token_is_sent_as_a_bearer_header() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 4096];
            let n = conn.read(&mut buf).unwrap();
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        let url = Url::parse(&format!("http://{addr}")).unwrap();
        let client = SmdClient::with_token(&url, Some("tok123")).unwrap();
        let _ = client.fetch().await;
        let request = seen.join().unwrap().to_ascii_lowercase();
        assert!(
            request.contains("authorization: bearer tok123"),
            "{request}"
        );
    }
}
