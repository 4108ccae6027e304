//! Settings: `-c FILE` and `MAGELLAN_*` (figment), overridden by the flags
//! given before or after the verb; and logging set up from the level.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Common;
use crate::cache;

/// Settings from `-c FILE` and `MAGELLAN_*`, overridden by flags.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub concurrency: usize,
    pub timeout: u64,
    pub cache: Option<PathBuf>,
    pub access_token: Option<String>,
    pub log_level: String,
    /// Behave as if `-i` were given everywhere (`MAGELLAN_INSECURE=true`): lets
    /// the seed's commands, which have no `-i`, reach self-signed BMCs.
    pub insecure: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrency: 256,
            timeout: 5,
            cache: None,
            access_token: None,
            log_level: "info".into(),
            insecure: false,
        }
    }
}

/// Resolved common settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    pub timeout: Duration,
    pub cache: PathBuf,
    pub access_token: Option<String>,
    /// `insecure` from the configuration: `-i` by default.
    pub insecure: bool,
}

pub(super) fn settings(root: &Common, verb: &Common) -> Result<Settings, String> {
    let file = verb.config.as_ref().or(root.config.as_ref());
    let cfg: Config =
        ochami_service::config::load("MAGELLAN_", file.map(PathBuf::as_path)).map_err(|e| e.0)?;
    let concurrency = verb
        .concurrency
        .or(root.concurrency)
        .unwrap_or(cfg.concurrency);
    if concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    let timeout = verb.timeout.or(root.timeout).unwrap_or(cfg.timeout);
    if timeout == 0 {
        return Err("--timeout must be at least 1 second".into());
    }
    let level = verb
        .log_level
        .clone()
        .or(root.log_level.clone())
        .unwrap_or(cfg.log_level);
    init_logging(&level)?;
    Ok(Settings {
        concurrency,
        timeout: Duration::from_secs(timeout),
        cache: verb
            .cache
            .clone()
            .or(root.cache.clone())
            .or(cfg.cache)
            .unwrap_or_else(cache::default_path),
        access_token: verb
            .access_token
            .clone()
            .or(root.access_token.clone())
            .or(cfg.access_token),
        insecure: cfg.insecure,
    })
}

fn init_logging(level: &str) -> Result<(), String> {
    let filter = match level {
        "disabled" | "off" => "off".to_owned(),
        "trace" | "debug" | "info" | "warn" | "error" => format!("magellan={level},warn"),
        other => {
            return Err(format!(
                "--log-level {other}: expected trace, debug, info, warn, error or disabled"
            ))
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ochami_service::logging::stderr_wants_colour())
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
    Ok(())
}
