//! The command line: OpenCHAMI magellan's verbs and flags (clap derive), the
//! seed's `collect --user/--pass --host/--port` form, configuration from
//! `-c FILE` / `MAGELLAN_*`, progress bars, summaries and exit codes.
//!
//! `settings` resolves configuration and logging; `scan` (scan, list),
//! `collect` (collect, send, crawl) and `power` hold the verbs.
//!
//! Common options (`-j`, `-t`, `--cache`, `-l`, `--access-token`, `-c`) are
//! accepted before or after the verb; after wins. `power` keeps `-l` for
//! `--list-reset-types` (as OpenCHAMI), so there the log level is `--log-level`.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::collect::secrets::Credentials;
use crate::output::{render, Format};
use crate::redfish::TlsOptions;
use crate::{EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};

mod collect;
mod power;
mod scan;
mod settings;

use collect::{cmd_collect, cmd_crawl, cmd_send};
pub use collect::{CollectArgs, CrawlArgs, SendArgs};
pub use power::PowerArgs;
use scan::{cmd_list, cmd_scan};
pub use scan::{ListArgs, ScanArgs};
use settings::settings;
pub use settings::{Config, Settings};

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
