//! `dhcpd-shim`: parse flags and configuration, then call the library.

use clap::{Parser, Subcommand};
use dhcpd_shim::render::Format;
use dhcpd_shim::Config;
use ochami_service::cli::CommonArgs;

#[derive(Parser)]
#[command(version, about = "DHCPv4 for the cluster network, fed by SMD")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve DHCP (the default).
    Serve,
    /// Print a configuration for an existing DHCP server, generated from SMD.
    Render {
        #[arg(long, value_enum)]
        format: Format,
    },
}

// Rationale: one packet loop does the work; a single-threaded runtime avoids
// cross-thread wake-ups (measured: context switches dominated the profile).
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cli = Cli::parse();
    let cfg: Config = ochami_service::config::load("DHCPD_SHIM_", cli.common.config.as_deref())
        .unwrap_or_else(|e| e.exit());
    ochami_service::logging::init(cli.common.log_format.or(cfg.log_format).unwrap_or_default());
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Serve) {
        if let Err(e) = cfg.validate() {
            ochami_service::config::ConfigError(e).exit();
        }
    }
    let result = match command {
        Command::Serve => dhcpd_shim::server::run(cfg).await,
        Command::Render { format } => dhcpd_shim::render::run(&cfg, format).await,
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
