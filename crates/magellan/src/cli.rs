//! The command line: OpenCHAMI magellan's verbs and flags (clap derive), the
//! seed's `collect --user/--pass --host/--port` form, configuration from
//! `-c FILE` / `MAGELLAN_*`, progress bars, summaries and exit codes.
//!
//! Common options (`-j`, `-t`, `--cache`, `-l`, `--access-token`, `-c`) are
//! accepted before or after the verb; after wins. `power` keeps `-l` for
//! `--list-reset-types` (as OpenCHAMI), so there the log level is `--log-level`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::cache::{self, Cache};
use crate::collect::{self, secrets::Credentials, CollectOptions};
use crate::idmap::IdMap;
use crate::inventory::{self, RedfishEndpoint};
use crate::output::{render, Format};
use crate::redfish::{self, Session, TlsOptions};
use crate::scan::{self, ScanOptions};
use crate::{BmcTarget, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};
use smd_api::client::{SmdClient, Written};

mod power;
pub use power::PowerArgs;

#[derive(Debug, Parser)]
#[command(
    name = "magellan",
    version,
    about = "Redfish BMC discovery: scan, collect, send, crawl, power"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every verb takes.
#[derive(Debug, Clone, Default, Args)]
pub struct Common {
    /// Number of BMCs/hosts handled at once (default 256); honoured exactly.
    #[arg(short = 'j', long, visible_alias = "threads")]
    pub concurrency: Option<usize>,
    /// Per-request timeout in seconds (default 5).
    #[arg(short = 't', long)]
    pub timeout: Option<u64>,
    /// SQLite scan cache (default /tmp/$USER/magellan/assets.db).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// trace, debug, info, warn, error or disabled (default info; RUST_LOG also works).
    #[arg(short = 'l', long)]
    pub log_level: Option<String>,
    /// Bearer token for SMD.
    #[arg(long, env = "ACCESS_TOKEN", hide_env_values = true)]
    pub access_token: Option<String>,
    /// TOML configuration file (keys: concurrency, timeout, cache, access_token,
    /// log_level, insecure); MAGELLAN_<KEY> environment variables too.
    #[arg(short = 'c', long)]
    pub config: Option<PathBuf>,
}

/// `power`'s common options: the same, but `-l` is taken by `--list-reset-types`
/// and `-t` is how long to wait for the targets (per-request: `--request-timeout`).
#[derive(Debug, Clone, Default, Args)]
pub struct PowerCommon {
    /// BMC requests in flight at once (default 256).
    #[arg(short = 'j', long)]
    pub concurrency: Option<usize>,
    /// Seconds to wait for the targets to reach the state (default 300; cycle: each half).
    #[arg(short = 't', long)]
    pub timeout: Option<u64>,
    /// trace, debug, info, warn, error or disabled (default info).
    #[arg(long)]
    pub log_level: Option<String>,
    /// TOML configuration file (as for the other verbs).
    #[arg(short = 'c', long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find BMCs: TCP connect, then GET /redfish/v1/ must answer 200.
    Scan(ScanArgs),
    /// Show the scan cache.
    List(ListArgs),
    /// Walk every cached (or given) BMC's Redfish tree; write and/or send the inventory.
    Collect(CollectArgs),
    /// Send collect output to SMD.
    Send(SendArgs),
    /// Print one BMC's inventory.
    Crawl(CrawlArgs),
    /// Power nodes on/off/reset through Redfish and wait until they are (BMCs from SMD).
    Power(PowerArgs),
}

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

/// Settings from `-c FILE` and `MAGELLAN_*`, overridden by flags.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub concurrency: usize,
    pub timeout: u64,
    pub cache: Option<PathBuf>,
    pub access_token: Option<String>,
    pub log_level: String,
    /// Behave as if `-i` were given everywhere (`MAGELLAN_INSECURE=true`): lets
    /// the seed's commands, which have no `-i`, reach self-signed BMCs.
    pub insecure: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrency: 256,
            timeout: 5,
            cache: None,
            access_token: None,
            log_level: "info".into(),
            insecure: false,
        }
    }
}

/// Resolved common settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    pub timeout: Duration,
    pub cache: PathBuf,
    pub access_token: Option<String>,
    /// `insecure` from the configuration: `-i` by default.
    pub insecure: bool,
}

fn settings(root: &Common, verb: &Common) -> Result<Settings, String> {
    let file = verb.config.as_ref().or(root.config.as_ref());
    let cfg: Config =
        ochami_service::config::load("MAGELLAN_", file.map(PathBuf::as_path)).map_err(|e| e.0)?;
    let concurrency = verb
        .concurrency
        .or(root.concurrency)
        .unwrap_or(cfg.concurrency);
    if concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    let timeout = verb.timeout.or(root.timeout).unwrap_or(cfg.timeout);
    if timeout == 0 {
        return Err("--timeout must be at least 1 second".into());
    }
    let level = verb
        .log_level
        .clone()
        .or(root.log_level.clone())
        .unwrap_or(cfg.log_level);
    init_logging(&level)?;
    Ok(Settings {
        concurrency,
        timeout: Duration::from_secs(timeout),
        cache: verb
            .cache
            .clone()
            .or(root.cache.clone())
            .or(cfg.cache)
            .unwrap_or_else(cache::default_path),
        access_token: verb
            .access_token
            .clone()
            .or(root.access_token.clone())
            .or(cfg.access_token),
        insecure: cfg.insecure,
    })
}

fn init_logging(level: &str) -> Result<(), String> {
    let filter = match level {
        "disabled" | "off" => "off".to_owned(),
        "trace" | "debug" | "info" | "warn" | "error" => format!("magellan={level},warn"),
        other => {
            return Err(format!(
                "--log-level {other}: expected trace, debug, info, warn, error or disabled"
            ))
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ochami_service::logging::stderr_wants_colour())
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
    Ok(())
}

/// Parse the process arguments and run; returns the exit code.
pub fn main() -> i32 {
    main_with(Cli::parse())
}

/// Run a parsed command line on a fresh runtime; returns the exit code.
pub fn main_with(cli: Cli) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return EXIT_SOME_FAILED;
        }
    };
    rt.block_on(run(cli))
}

/// Run a parsed command line; returns the exit code.
pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Scan(a) => match settings(&cli.common, &a.common) {
            Ok(s) => cmd_scan(a, s).await,
            Err(e) => Err(Usage(e)),
        },
        Command::List(a) => match settings(&cli.common, &a.common) {
            Ok(s) => cmd_list(a, s),
            Err(e) => Err(Usage(e)),
        },
        Command::Collect(a) => match settings(&cli.common, &a.common) {
            Ok(s) => cmd_collect(a, s).await,
            Err(e) => Err(Usage(e)),
        },
        Command::Send(a) => match settings(&cli.common, &a.common) {
            Ok(s) => cmd_send(a, s).await,
            Err(e) => Err(Usage(e)),
        },
        Command::Crawl(a) => match settings(&cli.common, &a.common) {
            Ok(s) => cmd_crawl(a, s).await,
            Err(e) => Err(Usage(e)),
        },
        Command::Power(a) => {
            let verb = Common {
                concurrency: a.common.concurrency,
                timeout: a.request_timeout,
                log_level: a.common.log_level.clone(),
                config: a.common.config.clone(),
                ..Common::default()
            };
            let wait = a.common.timeout;
            match settings(&cli.common, &verb) {
                Ok(s) => power::run(a, s, wait).await,
                Err(e) => Err(Usage(e)),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("error: {msg}");
            EXIT_USAGE
        }
    }
}

/// A usage/configuration error: exit 2.
struct Usage(String);

impl From<String> for Usage {
    fn from(s: String) -> Self {
        Usage(s)
    }
}

impl From<smd_api::client::Error> for Usage {
    fn from(e: smd_api::client::Error) -> Self {
        Usage(e.to_string())
    }
}

fn tls(insecure: bool, cacert: Option<&Path>) -> Result<TlsOptions, Usage> {
    let cacert = match cacert {
        Some(p) => {
            Some(std::fs::read(p).map_err(|e| Usage(format!("--cacert {}: {e}", p.display())))?)
        }
        None => None,
    };
    Ok(TlsOptions { insecure, cacert })
}

fn write_or_print(text: &str, path: Option<&Path>) -> Result<(), Usage> {
    match path {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Usage(format!("cannot write {}: {e}", p.display())))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
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

async fn cmd_scan(a: ScanArgs, s: Settings) -> Result<i32, Usage> {
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

fn cmd_list(a: ListArgs, s: Settings) -> Result<i32, Usage> {
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

fn credentials(user: &str, pass: &str, secrets: Option<&str>) -> Result<Credentials, Usage> {
    let mut c = Credentials {
        username: user.to_owned(),
        password: pass.to_owned(),
        ..Credentials::default()
    };
    if let Some(f) = secrets {
        c.load_file(f)?;
    }
    Ok(c)
}

async fn cmd_collect(a: CollectArgs, s: Settings) -> Result<i32, Usage> {
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

fn summary(failed: &[String]) -> i32 {
    if failed.is_empty() {
        return EXIT_OK;
    }
    eprintln!("{} failure(s):", failed.len());
    for f in failed {
        eprintln!("  {f}");
    }
    EXIT_SOME_FAILED
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

async fn cmd_send(a: SendArgs, s: Settings) -> Result<i32, Usage> {
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

async fn cmd_crawl(a: CrawlArgs, s: Settings) -> Result<i32, Usage> {
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
