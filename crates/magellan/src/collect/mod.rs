//! Collect: walk each BMC's Redfish tree into an OpenCHAMI inventory object.
//!
//! Per BMC: name it (`idmap`), pick its credentials, and [`crawl`] it — the
//! walk lives in `ochami-redfish`, shared with smd's discovery. A failure on
//! a top-level collection fails that BMC. BMCs are walked concurrently, at
//! most `concurrency` at a time.

pub mod secrets;

use std::net::IpAddr;

use futures_util::stream::{self, StreamExt};
use reqwest::Client;

use crate::idmap::{self, IdMap};
use crate::inventory::RedfishEndpoint;
use crate::redfish::{RedfishError, Session};
use crate::BmcTarget;
/// The walk itself is shared with smd (`ochami-redfish`).
pub use ochami_redfish::collect::{crawl, Inventory};
use secrets::Credentials;

/// Everything collect needs besides the BMC list.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub credentials: Credentials,
    pub concurrency: usize,
    pub id_map: IdMap,
}

/// A BMC that could not be collected, and why (shown in the summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BmcFailure {
    pub bmc: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub endpoints: Vec<RedfishEndpoint>,
    pub failures: Vec<BmcFailure>,
}

/// Collect every target; the result keeps the targets' order.
pub async fn collect_all(client: &Client, targets: &[BmcTarget], opts: &CollectOptions) -> Outcome {
    let ids = assign_ids(targets, &opts.id_map).await;
    let results: Vec<(usize, Result<RedfishEndpoint, BmcFailure>)> =
        stream::iter(targets.iter().enumerate())
            .map(|(i, t)| {
                let id = ids[i].clone();
                async move {
                    let r = match id {
                        Ok((id, ip)) => {
                            collect_one(client, t, id, ip, opts)
                                .await
                                .map_err(|e| BmcFailure {
                                    bmc: t.base.clone(),
                                    reason: e.to_string(),
                                })
                        }
                        Err(reason) => Err(BmcFailure {
                            bmc: t.base.clone(),
                            reason,
                        }),
                    };
                    (i, r)
                }
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
    let mut sorted = results;
    sorted.sort_by_key(|(i, _)| *i);
    let mut out = Outcome::default();
    for (_, r) in sorted {
        match r {
            Ok(ep) => out.endpoints.push(ep),
            Err(f) => {
                tracing::warn!(bmc = %f.bmc, "collect failed: {}", f.reason);
                out.failures.push(f)
            }
        }
    }
    out
}

/// IDs for every target (`Err` names why none could be made) plus its IP.
async fn assign_ids(
    targets: &[BmcTarget],
    map: &IdMap,
) -> Vec<Result<(String, Option<IpAddr>), String>> {
    let mut ips = Vec::with_capacity(targets.len());
    for t in targets {
        ips.push(resolve(&t.host).await);
    }
    let addrs: Vec<(IpAddr, u16)> = targets
        .iter()
        .zip(&ips)
        .filter_map(|(t, ip)| ip.map(|ip| (ip, t.port)))
        .collect();
    let ranks = idmap::port_ranks(&addrs);
    targets
        .iter()
        .zip(ips)
        .map(|(t, ip)| {
            let mut keys = vec![
                t.host.clone(),
                format!("{}:{}", t.host, t.port),
                t.base.clone(),
            ];
            if let Some(ip) = ip {
                keys.push(ip.to_string());
                keys.push(format!("{ip}:{}", t.port));
            }
            if let Some(x) = map.get(&keys) {
                return Ok((x.to_string(), ip));
            }
            if !map.is_empty() {
                tracing::warn!(bmc = %t.base, "not in --bmc-id-map; using a generated ID");
            }
            match ip {
                Some(IpAddr::V4(v4)) => {
                    let k = ranks.get(&(IpAddr::V4(v4), t.port)).copied().unwrap_or(0);
                    idmap::generated(v4, k).map(|x| (x.to_string(), ip))
                }
                Some(IpAddr::V6(_)) => Err(format!(
                    "{}: no xname can be generated from an IPv6 address; map it with --bmc-id-map",
                    t.host
                )),
                None => Err(format!("{}: cannot resolve host name", t.host)),
            }
        })
        .collect()
}

async fn resolve(host: &str) -> Option<IpAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(ip);
    }
    let addrs: Vec<_> = tokio::net::lookup_host((bare, 0)).await.ok()?.collect();
    // Prefer IPv4: generated xnames need it.
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .map(|a| a.ip())
}

async fn collect_one(
    client: &Client,
    t: &BmcTarget,
    id: String,
    ip: Option<IpAddr>,
    opts: &CollectOptions,
) -> Result<RedfishEndpoint, RedfishError> {
    let (user, pass) = opts.credentials.for_bmc(t);
    let session = Session::open(client, &t.base, &user, &pass).await?;
    let walked = crawl(&session, ip).await;
    session.close().await;
    let inv = walked?;
    let default_port = match t.scheme.as_str() {
        "http" => 80,
        _ => 443,
    };
    let fqdn = if t.port == default_port {
        t.host.clone()
    } else {
        format!("{}:{}", t.host, t.port)
    };
    Ok(inv.into_endpoint(id, fqdn, user))
}
