use clap::Parser;
use ochami_service::cli::{finish, CommonArgs, DaemonCommand};

/// State Management Database: the HSM v2 REST API (port 27779).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Option<DaemonCommand>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.command == Some(DaemonCommand::Openapi) {
        println!("{}", smd::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    let config = smd::Config::load(&cli.common).unwrap_or_else(|e| e.exit());
    ochami_service::logging::init(config.log_format);
    finish(async {
        match cli.command {
            Some(DaemonCommand::Migrate) => smd::migrate(&config).await,
            _ => smd::run(config).await,
        }
    })
}
