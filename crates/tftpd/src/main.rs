//! `tftpd`: parse configuration, then hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use ochami_service::cli::CommonArgs;

/// Read-only boot file server: TFTP (RFC 1350/2347/2348/2349/7440) and HTTP.
///
/// Settings come from defaults, then `--config FILE`, then TFTPD_* environment
/// variables (TFTPD_ROOT, TFTPD_LISTEN, TFTPD_HTTP_LISTEN, TFTPD_BLKSIZE_MAX,
/// TFTPD_WINDOWSIZE_MAX, TFTPD_MAX_TRANSFERS, TFTPD_SINGLE_PORT, ...).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config: tftpd::Config =
        ochami_service::config::load("TFTPD_", cli.common.config.as_deref())
            .unwrap_or_else(|e| e.exit());
    if let Some(f) = cli.common.log_format {
        config.log_format = f;
    }
    if let Err(e) = config.validate() {
        e.exit();
    }
    ochami_service::logging::init(config.log_format);
    tftpd::run(config)
}
