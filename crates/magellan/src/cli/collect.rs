//! `collect` (walk BMCs, write and/or send their inventory), `send`
//! (collect output to SMD) and `crawl` (one BMC, printed).

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use smd_api::client::{SmdClient, Written};

use super::{credentials, render, summary, tls, write_or_print, Common, Format, Settings, Usage};
use crate::cache::Cache;
use crate::collect::{self, CollectOptions};
use crate::idmap::IdMap;
use crate::inventory::{self, RedfishEndpoint};
use crate::redfish::{self, Session};
use crate::{BmcTarget, EXIT_OK};

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub common: Common,
    /// BMCs to collect (URL or host); default: everything in the cache.
    pub hosts: Vec<String>,
    #[arg(short = 'u', long, alias = "user", default_value = "")]
    pub username: String,
    #[arg(short = 'p', long, alias = "pass", default_value = "")]
    pub password: String,
    /// Per-BMC credentials: JSON/YAML {"host": {"username","password"}, "default": ..}.
    #[arg(long)]
    pub secrets_file: Option<String>,
    #[arg(short = 'i', long)]
    pub insecure: bool,
    /// PEM CA certificate to trust for BMCs (and SMD).
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// Write all collected BMCs to this file.
    #[arg(short = 'o', long = "output-file", alias = "output")]
    pub output_file: Option<PathBuf>,
    /// Write each BMC to <DIR>/<ID>/<unix time>.<json|yaml>.
    #[arg(short = 'O', long)]
    pub output_dir: Option<PathBuf>,
    #[arg(short = 'F', long = "format", value_enum, default_value = "json")]
    pub format: Format,
    /// Also print the inventory on stdout.
    #[arg(long, alias = "show-output")]
    pub show: bool,
    /// BMC IDs: JSON/YAML {"map_key":"bmc-ip-addr","id_map":{ip: xname}} or {ip: xname}, inline or @file.
    #[arg(short = 'm', long)]
    pub bmc_id_map: Option<String>,
    /// Scheme for hosts given without one.
    #[arg(long, default_value = "https", value_parser = ["http", "https"])]
    pub scheme: String,
    /// SMD base URL (the seed's form); collect then sends as `send` does.
    #[arg(long)]
    pub host: Option<String>,
    /// SMD port, appended to --host.
    #[arg(long)]
    pub port: Option<u16>,
    /// When SMD already knows a BMC, PUT it instead.
    #[arg(long)]
    pub force_update: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub common: Common,
    /// SMD base URL, e.g. http://localhost:27779
    pub smd_url: String,
    /// Collect output: inline JSON/YAML or @file (default: stdin). Repeatable.
    #[arg(short = 'd', long)]
    pub data: Vec<String>,
    /// Input format (detected when omitted).
    #[arg(short = 'f', long = "format", value_enum)]
    pub format: Option<Format>,
    #[arg(long)]
    pub force_update: bool,
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    #[arg(short = 'i', long)]
    pub insecure: bool,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    #[command(flatten)]
    pub common: Common,
    /// BMC URL, e.g. https://10.0.0.1
    pub uri: String,
    #[arg(short = 'u', long, default_value = "")]
    pub username: String,
    #[arg(short = 'p', long, default_value = "")]
    pub password: String,
    #[arg(short = 'f', long)]
    pub secrets_file: Option<String>,
    #[arg(short = 'i', long)]
    pub insecure: bool,
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    #[arg(short = 'F', long = "format", value_enum, default_value = "json")]
    pub format: Format,
}

pub(super) async fn cmd_collect(a: CollectArgs, s: Settings) -> Result<i32, Usage> {
    let targets: Vec<BmcTarget> = if a.hosts.is_empty() {
        if !s.cache.exists() {
            return Err(Usage(format!(
                "no BMCs given and no cache at {} (run magellan scan first)",
                s.cache.display()
            )));
        }
        Cache::open(&s.cache)?
            .all()?
            .iter()
            .filter(|r| r.state)
            .map(BmcTarget::from_asset)
            .collect()
    } else {
        a.hosts
            .iter()
            .map(|h| BmcTarget::parse(h, &a.scheme))
            .collect::<Result<_, _>>()?
    };
    let smd_url = match (&a.host, a.port) {
        (Some(h), Some(p)) => Some(format!("{}:{p}", h.trim_end_matches('/'))),
        (Some(h), None) => Some(h.clone()),
        (None, Some(_)) => return Err(Usage("--port (SMD port) needs --host (SMD URL)".into())),
        (None, None) => None,
    };
    let tls_opts = tls(a.insecure || s.insecure, a.cacert.as_deref())?;
    let client = redfish::http_client(&tls_opts, s.timeout)?;
    let opts = CollectOptions {
        credentials: credentials(&a.username, &a.password, a.secrets_file.as_deref())?,
        concurrency: s.concurrency,
        id_map: match &a.bmc_id_map {
            Some(m) => IdMap::parse(m)?,
            None => IdMap::default(),
        },
    };
    let outcome = collect::collect_all(&client, &targets, &opts).await;
    let mut failed: Vec<String> = outcome
        .failures
        .iter()
        .map(|f| format!("{} ({})", f.bmc, f.reason))
        .collect();

    if let Some(path) = &a.output_file {
        write_or_print(&render(&outcome.endpoints, a.format)?, Some(path))?;
    }
    if let Some(dir) = &a.output_dir {
        let ext = if a.format == Format::Yaml {
            "yaml"
        } else {
            "json"
        };
        let stamp = chrono::Utc::now().timestamp();
        for ep in &outcome.endpoints {
            let d = dir.join(&ep.id);
            std::fs::create_dir_all(&d).map_err(|e| Usage(format!("{}: {e}", d.display())))?;
            // Each file holds only its own BMC (OpenCHAMI wrote everything to each).
            write_or_print(
                &render(ep, a.format)?,
                Some(&d.join(format!("{stamp}.{ext}"))),
            )?;
        }
    }
    if a.show || (a.output_file.is_none() && a.output_dir.is_none() && smd_url.is_none()) {
        print!("{}", render(&outcome.endpoints, a.format)?);
    }
    if let Some(url) = smd_url {
        let smd_client = redfish::http_client(&tls_opts, s.timeout)?;
        let smd = SmdClient::new(smd_client, &url).with_token(s.access_token.clone());
        failed.extend(send_all(&smd, &outcome.endpoints, a.force_update, s.concurrency).await);
    }
    eprintln!(
        "collect: {} of {} BMC(s) collected",
        outcome.endpoints.len(),
        targets.len()
    );
    Ok(summary(&failed))
}

/// Send every endpoint; returns failure lines.
async fn send_all(
    smd: &SmdClient,
    eps: &[RedfishEndpoint],
    force: bool,
    concurrency: usize,
) -> Vec<String> {
    use futures_util::stream::{self, StreamExt};
    let results: Vec<(String, Result<Written, _>)> = stream::iter(eps)
        .map(|ep| async move { (ep.id.clone(), smd.put_redfish_endpoint(ep, force).await) })
        .buffer_unordered(concurrency.clamp(1, 32))
        .collect()
        .await;
    let (mut created, mut updated) = (0, 0);
    let mut failed = Vec::new();
    for (id, r) in results {
        match r {
            Ok(Written::Created) => created += 1,
            Ok(Written::Updated) => updated += 1,
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    eprintln!(
        "send: {created} created, {updated} updated, {} failed",
        failed.len()
    );
    failed.sort();
    failed
}

pub(super) async fn cmd_send(a: SendArgs, s: Settings) -> Result<i32, Usage> {
    let mut texts = Vec::new();
    if a.data.is_empty() {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| Usage(format!("stdin: {e}")))?;
        texts.push(buf);
    }
    for d in &a.data {
        texts.push(match d.strip_prefix('@') {
            Some(p) => std::fs::read_to_string(p).map_err(|e| Usage(format!("--data {p}: {e}")))?,
            None => d.clone(),
        });
    }
    let mut eps = Vec::new();
    for t in texts {
        let parsed = match a.format {
            Some(Format::Yaml) => serde_yaml::from_str::<Vec<RedfishEndpoint>>(&t)
                .or_else(|_| serde_yaml::from_str::<RedfishEndpoint>(&t).map(|e| vec![e]))
                .map_err(|e| e.to_string()),
            _ => inventory::parse_many(&t),
        };
        eps.extend(parsed.map_err(Usage)?);
    }
    let client = redfish::http_client(
        &tls(a.insecure || s.insecure, a.cacert.as_deref())?,
        s.timeout,
    )?;
    let smd = SmdClient::new(client, &a.smd_url).with_token(s.access_token.clone());
    let failed = send_all(&smd, &eps, a.force_update, s.concurrency).await;
    Ok(summary(&failed))
}

pub(super) async fn cmd_crawl(a: CrawlArgs, s: Settings) -> Result<i32, Usage> {
    let target = BmcTarget::parse(&a.uri, "https")?;
    let creds = credentials(&a.username, &a.password, a.secrets_file.as_deref())?;
    let client = redfish::http_client(
        &tls(a.insecure || s.insecure, a.cacert.as_deref())?,
        s.timeout,
    )?;
    let (user, pass) = creds.for_bmc(&target);
    let ip = target.host.parse().ok();
    let result = async {
        let session = Session::open(&client, &target.base, &user, &pass).await?;
        let inv = collect::crawl(&session, ip).await;
        session.close().await;
        inv
    }
    .await;
    match result {
        Ok(inv) => {
            let value = serde_json::json!({
                "MACAddr": inv.bmc_mac,
                "Systems": inv.systems,
                "Managers": inv.managers,
            });
            print!("{}", render(&value, a.format)?);
            Ok(EXIT_OK)
        }
        Err(e) => Ok(summary(&[format!("{} ({e})", target.base)])),
    }
}
