//! Log output: tracing-subscriber, human text or one JSON object per line.

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

/// `--log-format text|json` (and `*_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Colour codes only for a person at a terminal: never in a file, a pipe or
/// `docker logs`, and never with `NO_COLOR` set (no-color.org).
pub fn stderr_wants_colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Install the global subscriber. Level from `RUST_LOG` (default `info`).
/// Logs go to stderr. Calling it twice is harmless (the second call is ignored).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(stderr_wants_colour())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
