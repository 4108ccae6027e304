//! `scan` (find BMCs, fill the cache) and `list` (show the cache).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::{render, tls, write_or_print, Common, Format, Settings, Usage};
use crate::cache::Cache;
use crate::redfish;
use crate::scan::{self, ScanOptions};
use crate::EXIT_OK;

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: Common,
    /// Hosts to try (IP, name or URL; a URL's port overrides --port).
    pub hosts: Vec<String>,
    /// Subnet to sweep: CIDR, or an address with --subnet-mask. Repeatable.
    #[arg(long)]
    pub subnet: Vec<String>,
    #[arg(long, default_value = "255.255.255.0")]
    pub subnet_mask: String,
    /// Port(s) to try. Repeatable or comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![443u16])]
    pub port: Vec<u16>,
    #[arg(long, default_value = "https", value_parser = ["http", "https"])]
    pub scheme: String,
    /// Only tcp is supported (flag kept for OpenCHAMI scripts).
    #[arg(long, default_value = "tcp", value_parser = ["tcp"])]
    pub protocol: String,
    /// Count any open port as a BMC (no Redfish GET).
    #[arg(long)]
    pub disable_probing: bool,
    /// Do not write the cache.
    #[arg(long)]
    pub disable_cache: bool,
    /// Accept self-signed certificates when probing.
    #[arg(short = 'i', long)]
    pub insecure: bool,
    /// Print results in this format (to stdout, or -o).
    #[arg(short = 'F', long = "format", alias = "output-format", value_enum)]
    pub format: Option<Format>,
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// What to look for; only "bmcs" (OpenCHAMI's PDU probing is not implemented).
    #[arg(long, default_value = "bmcs", value_parser = ["bmcs"])]
    pub include: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(short = 'F', long = "format", value_enum, default_value = "table")]
    pub format: Format,
}

struct Bar(indicatif::ProgressBar);

impl scan::Progress for Bar {
    fn tick(&self) {
        self.0.inc(1);
    }
}

/// A progress bar on a terminal, nothing otherwise.
fn progress_bar(len: usize) -> Bar {
    if !std::io::stderr().is_terminal() {
        return Bar(indicatif::ProgressBar::hidden());
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    Bar(bar)
}

pub(super) async fn cmd_scan(a: ScanArgs, s: Settings) -> Result<i32, Usage> {
    let mut candidates = Vec::new();
    for h in &a.hosts {
        candidates.extend(scan::parse_host(h, &a.port)?);
    }
    for subnet in &a.subnet {
        for ip in scan::expand_subnet(subnet, &a.subnet_mask)? {
            for p in &a.port {
                candidates.push(scan::Candidate {
                    host: ip.to_string(),
                    port: *p,
                });
            }
        }
    }
    if candidates.is_empty() {
        return Err(Usage("nothing to scan: give hosts or --subnet".into()));
    }
    let client = redfish::http_client(&tls(a.insecure || s.insecure, None)?, s.timeout)?;
    let opts = ScanOptions {
        scheme: a.scheme.clone(),
        concurrency: s.concurrency,
        timeout: s.timeout,
        probe: !a.disable_probing,
    };
    let total = candidates.len();
    let bar = progress_bar(total);
    let found = scan::scan(&client, candidates, &opts, &bar).await;
    bar.0.finish_and_clear();
    if !a.disable_cache {
        let mut c = Cache::open(&s.cache)?;
        c.store(&found)?;
    }
    if let Some(f) = a.format {
        let text = match f {
            Format::Table => table_of_assets(&found),
            _ => render(&found, f)?,
        };
        write_or_print(&text, a.output.as_deref())?;
    } else if let Some(path) = &a.output {
        write_or_print(&render(&found, Format::Json)?, Some(path))?;
    }
    eprintln!(
        "scan: {} BMC(s) found among {total} address(es){}",
        found.len(),
        if a.disable_cache {
            String::new()
        } else {
            format!("; cache {}", s.cache.display())
        }
    );
    Ok(EXIT_OK)
}

fn table_of_assets(assets: &[scan::RemoteAsset]) -> String {
    let mut out = format!(
        "{:<40} {:>5} {:<8} {:<5} {}\n",
        "HOST", "PORT", "PROTOCOL", "STATE", "TIMESTAMP"
    );
    for a in assets {
        out.push_str(&format!(
            "{:<40} {:>5} {:<8} {:<5} {}\n",
            a.host,
            a.port,
            a.protocol,
            a.state,
            a.timestamp
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    out
}

pub(super) fn cmd_list(a: ListArgs, s: Settings) -> Result<i32, Usage> {
    if !s.cache.exists() {
        return Err(Usage(format!(
            "no cache at {} (run magellan scan first)",
            s.cache.display()
        )));
    }
    let assets = Cache::open(&s.cache)?.all()?;
    let text = match a.format {
        Format::Table => table_of_assets(&assets),
        f => render(&assets, f)?,
    };
    print!("{text}");
    Ok(EXIT_OK)
}
