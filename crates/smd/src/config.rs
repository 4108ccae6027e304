//! smd's configuration: `SMD_*` environment, `--config` TOML, defaults.

use std::net::SocketAddr;

use ochami_service::auth::AuthSettings;
use ochami_service::cli::CommonArgs;
use ochami_service::config::{self, ConfigError};
use ochami_service::db::DbSettings;
use ochami_service::logging::LogFormat;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `SMD_LISTEN`: where the API listens.
    pub listen: SocketAddr,
    /// `SMD_LOG_FORMAT`: text or json.
    pub log_format: LogFormat,
    /// `SMD_WORKERS`: HTTP worker threads (0 = one per core).
    pub workers: usize,
    /// `SMD_DB_POOL_SIZE`: PostgreSQL connections.
    pub db_pool_size: usize,
    /// `SMD_DATABASE_URL`, or OpenCHAMI's `SMD_DBHOST`, `SMD_DBPORT`, ... .
    #[serde(skip)]
    pub db: DbSettings,
    /// `SMD_JWKS_URL`, `SMD_AUTH_ISSUER`, `SMD_AUTH_AUDIENCES`, `SMD_AUTH_WRITE_SCOPE`:
    /// bearer-JWT auth, off unless the JWKS URL is set.
    #[serde(skip)]
    pub auth: AuthSettings,
    /// `SMD_HIDE_PASSWORDS` (or OpenCHAMI's `SMD_RVAULT`): never return
    /// RedfishEndpoint passwords from GET.
    pub hide_passwords: bool,
    pub rvault: bool,
    /// `SMD_ENABLE_DISCOVERY` (or `--enable-discovery`): smd walks BMCs itself
    /// on Inventory/Discover and on RedfishEndpoint writes with
    /// `RediscoverOnUpdate`. Off by default, as in OpenCHAMI's build.
    pub enable_discovery: bool,
    /// `SMD_SCN_MAX_ATTEMPTS`: tries per state change notification before it
    /// is dropped (with a warning).
    pub scn_max_attempts: u32,
    /// `SMD_SCN_RETRY_BASE_MS`: wait after a failed SCN delivery; doubles per
    /// further failure (capped at 5 minutes).
    pub scn_retry_base_ms: u64,
    /// `SMD_SCN_POLL_MS`: how often the SCN queue is looked at without a
    /// NOTIFY (retries become due; a lost LISTEN connection).
    pub scn_poll_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "0.0.0.0:27779".parse().expect("valid default"),
            log_format: LogFormat::Text,
            workers: 0,
            db_pool_size: 16,
            db: DbSettings::default(),
            auth: AuthSettings::default(),
            hide_passwords: false,
            rvault: false,
            enable_discovery: false,
            scn_max_attempts: 10,
            scn_retry_base_ms: 1000,
            scn_poll_ms: 500,
        }
    }
}

impl Config {
    /// Defaults ← `--config` file ← `SMD_*` environment ← `--log-format`.
    pub fn load(args: &CommonArgs) -> Result<Config, ConfigError> {
        let (mut c, db): (Config, DbSettings) = config::load_pair("SMD_", args.config.as_deref())?;
        c.db = db;
        c.auth = config::load("SMD_", args.config.as_deref())?;
        if let Some(f) = args.log_format {
            c.log_format = f;
        }
        Ok(c)
    }

    /// The effective connection string (OpenCHAMI's default database `hmsds`).
    pub fn database(&self) -> String {
        self.db.connection_string("hmsds", None)
    }

    /// SCN delivery settings.
    pub fn scn_delivery(&self) -> crate::scn::Delivery {
        crate::scn::Delivery {
            max_attempts: self.scn_max_attempts.max(1),
            retry_base: std::time::Duration::from_millis(self.scn_retry_base_ms),
            poll: std::time::Duration::from_millis(self.scn_poll_ms.max(10)),
        }
    }

    /// With discovery on, smd keeps BMC passwords to walk them again; like
    /// HSM's discovery-enabled build (credentials in Vault, GET shows ""),
    /// they are then never returned.
    pub fn passwords_hidden(&self) -> bool {
        self.hide_passwords || self.rvault || self.enable_discovery
    }
}
