use clap::Parser;
use ochami_service::cli::{finish, CommonArgs, DaemonCommand};

/// State Management Database: the HSM v2 REST API (port 27779).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// Walk BMCs' Redfish trees on Inventory/Discover and RedfishEndpoint
    /// writes (as OpenCHAMI's --enable-discovery; also SMD_ENABLE_DISCOVERY).
    #[arg(long, global = true)]
    enable_discovery: bool,
    #[command(subcommand)]
    command: Option<DaemonCommand>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.command == Some(DaemonCommand::Openapi) {
        print!("{}", smd::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    let mut config = smd::Config::load(&cli.common).unwrap_or_else(|e| e.exit());
    config.enable_discovery |= cli.enable_discovery;
    if cli.command == Some(DaemonCommand::Healthcheck) {
        return ochami_service::cli::healthcheck(config.listen, "/hsm/v2/service/ready");
    }
    ochami_service::logging::init(config.log_format);
    finish(async {
        match cli.command {
            Some(DaemonCommand::Migrate) => smd::migrate(&config).await,
            _ => smd::run(config).await,
        }
    })
}
