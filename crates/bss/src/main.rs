use clap::Parser;
use ochami_service::cli::{finish, CommonArgs, DaemonCommand};

/// Boot Script Service: boot parameters and iPXE boot scripts (port 27778).
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
        print!("{}", bss::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    let config = bss::Config::load(&cli.common).unwrap_or_else(|e| e.exit());
    if cli.command == Some(DaemonCommand::Healthcheck) {
        return ochami_service::cli::healthcheck(config.listen, "/boot/v1/service/status");
    }
    ochami_service::logging::init(config.log_format);
    finish(async {
        match cli.command {
            Some(DaemonCommand::Migrate) => bss::migrate(&config).await,
            _ => bss::run(config).await,
        }
    })
}
