//! Scan: find BMCs. Expand subnets and hosts × ports into candidates, TCP
//! connect to each (bounded by `concurrency`, each bounded by `timeout`), and
//! — unless probing is off — keep only those whose `GET /redfish/v1/` answers
//! 200. Results are returned in candidate order; nothing is shared between
//! workers (OpenCHAMI appended to one slice from many goroutines).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use ipnet::Ipv4Net;
use reqwest::Client;
use serde::{Deserialize, Serialize};

/// A candidate address to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// IP or host name, no scheme.
    pub host: String,
    pub port: u16,
}

/// What scan found, in OpenCHAMI's RemoteAsset shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteAsset {
    /// `scheme://host`, as OpenCHAMI stores it.
    pub host: String,
    pub port: u16,
    pub protocol: String,
    pub state: bool,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub service_type: String,
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub scheme: String,
    pub concurrency: usize,
    pub timeout: Duration,
    pub probe: bool,
}

/// Every address of `--subnet` values. A CIDR gives its hosts; a bare address
/// takes `mask` (dotted quad or prefix length).
pub fn expand_subnet(subnet: &str, mask: &str) -> Result<Vec<Ipv4Addr>, String> {
    let net: Ipv4Net = if subnet.contains('/') {
        subnet
            .parse()
            .map_err(|e| format!("--subnet {subnet}: {e} (expected CIDR like 172.16.0.0/24)"))?
    } else {
        let ip: Ipv4Addr = subnet
            .parse()
            .map_err(|_| format!("--subnet {subnet}: expected an IPv4 address or CIDR"))?;
        let prefix = match mask.parse::<Ipv4Addr>() {
            Ok(m) => {
                let bits = u32::from(m);
                if bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return Err(format!("--subnet-mask {mask}: not a contiguous mask"));
                }
                bits.leading_ones() as u8
            }
            Err(_) => mask
                .trim_start_matches('/')
                .parse::<u8>()
                .map_err(|_| format!("--subnet-mask {mask}: expected e.g. 255.255.255.0 or 24"))?,
        };
        Ipv4Net::new(ip, prefix).map_err(|e| format!("--subnet-mask {mask}: {e}"))?
    };
    // hosts(): every address but the network and broadcast ones (all of a /31, /32).
    Ok(net.trunc().hosts().collect())
}

/// Positional hosts: `10.0.0.1`, `bmc1`, `https://10.0.0.1:8443`. A host with an
/// explicit port is tried on that port only.
pub fn parse_host(arg: &str, ports: &[u16]) -> Result<Vec<Candidate>, String> {
    let rest = arg
        .strip_prefix("https://")
        .or_else(|| arg.strip_prefix("http://"))
        .unwrap_or(arg)
        .trim_end_matches('/');
    if rest.is_empty() {
        return Err(format!("host '{arg}' is empty"));
    }
    if let Ok(sa) = rest.parse::<SocketAddr>() {
        return Ok(vec![Candidate {
            host: sa.ip().to_string(),
            port: sa.port(),
        }]);
    }
    if let Some((h, p)) = rest.rsplit_once(':') {
        if !h.contains(':') {
            let port = p
                .parse::<u16>()
                .map_err(|_| format!("host '{arg}': bad port '{p}'"))?;
            return Ok(vec![Candidate {
                host: h.to_owned(),
                port,
            }]);
        }
    }
    Ok(ports
        .iter()
        .map(|p| Candidate {
            host: rest
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: *p,
        })
        .collect())
}

/// Progress reporting, so the CLI can draw a bar without scan knowing about it.
pub trait Progress: Sync {
    fn tick(&self);
}

impl Progress for () {
    fn tick(&self) {}
}

/// Try every candidate; return the BMCs found.
pub async fn scan(
    client: &Client,
    candidates: Vec<Candidate>,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Vec<RemoteAsset> {
    let found: Vec<(usize, Option<RemoteAsset>)> = stream::iter(candidates.into_iter().enumerate())
        .map(|(i, c)| async move {
            let r = probe_one(client, &c, opts).await;
            progress.tick();
            (i, r)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut found: Vec<(usize, RemoteAsset)> = found
        .into_iter()
        .filter_map(|(i, r)| r.map(|a| (i, a)))
        .collect();
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, a)| a).collect()
}

fn host_for_url(host: &str) -> String {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host.to_owned(),
    }
}

async fn probe_one(client: &Client, c: &Candidate, opts: &ScanOptions) -> Option<RemoteAsset> {
    let target = format!("{}:{}", host_for_url(&c.host), c.port);
    let connect = tokio::time::timeout(opts.timeout, tokio::net::TcpStream::connect(&target)).await;
    match connect {
        Ok(Ok(stream)) => drop(stream),
        Ok(Err(e)) => {
            tracing::trace!("{target}: {e}");
            return None;
        }
        Err(_) => {
            tracing::debug!("{target}: connect timed out");
            return None;
        }
    }
    let host = format!("{}://{}", opts.scheme, host_for_url(&c.host));
    if opts.probe {
        let url = format!("{host}:{}/redfish/v1/", c.port);
        match client.get(&url).send().await {
            Ok(resp) if resp.status() == reqwest::StatusCode::OK => {}
            Ok(resp) => {
                tracing::info!("{url}: HTTP {} — not a Redfish service", resp.status());
                return None;
            }
            Err(e) => {
                let mut reason = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    reason = format!("{reason}: {s}");
                    src = s.source();
                }
                let hint = if reason.contains("certificate") {
                    " (use -i to accept self-signed certificates)"
                } else {
                    ""
                };
                tracing::info!("{url}: open port but no Redfish answer: {reason}{hint}");
                return None;
            }
        }
    }
    Some(RemoteAsset {
        host,
        port: c.port,
        protocol: "tcp".into(),
        state: true,
        timestamp: chrono::Utc::now(),
        service_type: "Redfish".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets() {
        assert_eq!(expand_subnet("10.0.0.0/30", "").unwrap().len(), 2);
        assert_eq!(expand_subnet("172.16.0.0/24", "").unwrap().len(), 254);
        assert_eq!(
            expand_subnet("172.16.0.7", "255.255.255.0").unwrap().len(),
            254
        );
        assert_eq!(expand_subnet("172.16.0.7", "/16").unwrap().len(), 65534);
        assert_eq!(
            expand_subnet("10.0.0.9/32", "").unwrap(),
            vec!["10.0.0.9".parse::<Ipv4Addr>().unwrap()]
        );
        assert!(expand_subnet("10.0.0.0/33", "").is_err());
        assert!(expand_subnet("10.0.0.1", "255.0.255.0").is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("https://10.0.0.1:8443", &[443]).unwrap(),
            vec![Candidate {
                host: "10.0.0.1".into(),
                port: 8443
            }]
        );
        assert_eq!(parse_host("bmc1", &[443, 5000]).unwrap().len(), 2);
        assert!(parse_host("bmc1:notaport", &[443]).is_err());
    }
}
