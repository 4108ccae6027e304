//! The command-line flags every daemon shares.

use std::path::PathBuf;

use crate::logging::LogFormat;

/// `--config FILE` and `--log-format`, flattened into each binary's clap parser.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// TOML configuration file (keys are the environment names without prefix, lower case).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Log output format.
    #[arg(long, value_enum, global = true)]
    pub log_format: Option<LogFormat>,
}

/// The subcommands smd and bss share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum DaemonCommand {
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Ask the running daemon (at its configured listen address) whether it is
    /// ready: exit 0 if it is, 1 if not (container health checks).
    Healthcheck,
}

#[cfg(feature = "client")]
/// Run [`crate::client::healthcheck`] and turn it into the exit code,
/// printing the answer (docker keeps it in the container's health log).
pub fn healthcheck(listen: std::net::SocketAddr, path: &str) -> std::process::ExitCode {
    finish(async {
        let body = crate::client::healthcheck(listen, path).await?;
        println!("{body}");
        Ok(())
    })
}

/// Run a daemon's async entry point on a fresh tokio runtime and turn its
/// result into the exit code (errors printed as one line).
pub fn finish(
    fut: impl std::future::Future<Output = Result<(), String>>,
) -> std::process::ExitCode {
    let result = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(fut),
        Err(e) => Err(format!("cannot start the tokio runtime: {e}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
