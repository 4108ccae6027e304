//! bss's configuration: `BSS_*` environment, `--config` TOML, defaults.

use std::net::SocketAddr;

use ochami_service::auth::AuthSettings;
use ochami_service::cli::CommonArgs;
use ochami_service::config::{self, ConfigError};
use ochami_service::db::DbSettings;
use ochami_service::logging::LogFormat;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::s3::S3Settings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `BSS_LISTEN`: where the API listens.
    pub listen: SocketAddr,
    /// `BSS_LOG_FORMAT`: text or json.
    pub log_format: LogFormat,
    /// `BSS_WORKERS`: HTTP worker threads (0 = one per core).
    pub workers: usize,
    /// `BSS_DB_POOL_SIZE`: PostgreSQL connections.
    pub db_pool_size: usize,
    /// `BSS_DATABASE_URL`, or OpenCHAMI's `BSS_DBHOST`, `BSS_DBPORT`, ... .
    #[serde(skip)]
    pub db: DbSettings,
    /// `BSS_JWKS_URL`, `BSS_AUTH_ISSUER`, `BSS_AUTH_AUDIENCES`, `BSS_AUTH_WRITE_SCOPE`:
    /// bearer-JWT auth, off unless the JWKS URL is set.
    #[serde(skip)]
    pub auth: AuthSettings,
    /// `BSS_SMD_URL`: where SMD answers (without `/hsm/v2`).
    pub smd_url: Url,
    /// `BSS_ADVERTISE_ADDRESS`: base URL cloud-init is told to fetch from
    /// (`ds=nocloud-net;s=<this>/`). Unset: `<scheme>://<Host>` of the request.
    /// Rationale: OpenCHAMI requires it; the address the node already reached
    /// us on is the one that works.
    pub advertise_address: Option<String>,
    /// `BSS_IPXE_SERVER`: host[:port] in the retry `chain` URL. Unset: the
    /// request's `Host` header (OpenCHAMI: `api-gw-service-nmn.local`).
    pub ipxe_server: Option<String>,
    /// `BSS_CHAIN_PROTO`: scheme of the retry `chain` URL. Unset: the request's.
    pub chain_proto: Option<String>,
    /// `BSS_GW_URI`: path prefix of the retry `chain` URL (OpenCHAMI:
    /// `/apis/bss`, for its API gateway). Default: none, bss is reached directly.
    pub gw_uri: String,
    /// `BSS_RETRY_DELAY`: seconds iPXE sleeps before chaining back after a failure.
    pub retry_delay: u64,
    /// `BSS_HSM_RETRIEVAL_DELAY`: seconds an unknown node sleeps before asking again.
    pub hsm_retrieval_delay: u64,
    /// `BSS_CACHE_REFRESH`: seconds between background refreshes of the SMD
    /// view and of the boot parameters another bss replica may have written.
    pub cache_refresh: u64,
    /// `BSS_SCN_URL`: the URL SMD should POST state change notifications to
    /// (this bss's `/boot/v1/scn`, as SMD reaches it). When set, bss
    /// subscribes itself at start-up (idempotently) and applies SCNs to its
    /// SMD view at once. Off by default.
    pub scn_url: Option<Url>,
    /// `BSS_ACCESS_TOKEN` (else magellan's `ACCESS_TOKEN`): bearer token sent
    /// on every call to SMD, for an SMD with auth on (its ComponentEndpoints
    /// and Subscriptions are not public). Never serialised back out.
    #[serde(skip_serializing)]
    pub access_token: Option<String>,
    /// OpenCHAMI's `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY`,
    /// `S3_BUCKET`, `S3_REGION` (hms-s3's names, without the `BSS_` prefix):
    /// `s3://` kernel, initrd, `root=live:` and `metal.server=` URLs are
    /// presigned for 24 hours. Unset: they are left as they are.
    #[serde(skip)]
    pub s3: Option<S3Settings>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "0.0.0.0:27778".parse().expect("valid default"),
            log_format: LogFormat::Text,
            workers: 0,
            db_pool_size: 16,
            db: DbSettings::default(),
            auth: AuthSettings::default(),
            smd_url: Url::parse("http://localhost:27779").expect("valid default"),
            advertise_address: None,
            ipxe_server: None,
            chain_proto: None,
            gw_uri: String::new(),
            retry_delay: 30,
            hsm_retrieval_delay: 10,
            cache_refresh: 30,
            scn_url: None,
            access_token: None,
            s3: None,
        }
    }
}

impl Config {
    /// Defaults ← `--config` file ← `BSS_*` environment ← `--log-format`.
    pub fn load(args: &CommonArgs) -> Result<Config, ConfigError> {
        let (mut c, db): (Config, DbSettings) = config::load_pair("BSS_", args.config.as_deref())?;
        c.db = db;
        c.auth = config::load("BSS_", args.config.as_deref())?;
        c.s3 = S3Settings::from_env(|k| std::env::var(k).ok()).map_err(ConfigError)?;
        if let Some(f) = args.log_format {
            c.log_format = f;
        }
        Ok(c)
    }

    /// The effective connection string (OpenCHAMI's defaults: `bssdb`, user `bssuser`).
    pub fn database(&self) -> String {
        self.db.connection_string("bssdb", Some("bssuser"))
    }
}
