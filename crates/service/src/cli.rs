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
