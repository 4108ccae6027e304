use clap::{Parser, Subcommand};
use ochami_service::cli::CommonArgs;

/// Boot Script Service: boot parameters and iPXE boot scripts (port 27778).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Cmd::Openapi) = cli.command {
        println!("{}", bss::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    let config = bss::Config::load(&cli.common).unwrap_or_else(|e| e.exit());
    ochami_service::logging::init(config.log_format);
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = rt.block_on(async {
        match cli.command {
            Some(Cmd::Migrate) => bss::migrate(&config).await,
            _ => bss::run(config).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
