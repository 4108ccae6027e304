//! bss: the Boot Script Service on PostgreSQL.
//!
//! `api` holds the routes, `store` every SQL statement. bss reaches smd only
//! over HTTP.

pub mod api;
pub mod boot;
pub mod config;
pub mod model;
pub mod s3;
pub mod script;
pub mod smd;
pub mod store;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use ochami_service::auth::{AuthPolicy, Verifier};
use ochami_service::client::{service_client, token_from_env};
use ochami_service::db::service_metrics;
use ochami_service::db::{self, Migration};
use ochami_service::server::HttpService;

pub use config::Config;

/// bss's schema, in order. Files live in `migrations/bss/`.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "init",
    sql: include_str!("../../../migrations/bss/0001_init.sql"),
}];

/// Shared state of the handlers.
pub struct AppState {
    pub store: store::Store,
    pub config: Config,
    pub http: reqwest::Client,
    /// bss's view of SMD's nodes.
    pub smd: Arc<smd::SmdCache>,
    /// The boot parameters, in memory.
    pub params: boot::ParamsCache,
    /// Endpoint accesses waiting to be written.
    pub access: boot::AccessLog,
}

/// How often pending endpoint-history records are written.
const ACCESS_FLUSH: Duration = Duration::from_secs(2);

/// Build the server on `listener`: connect, refuse a schema that is behind.
pub async fn build(config: Config, listener: TcpListener) -> Result<HttpService, String> {
    let pool =
        db::pool(&config.database(), "BSS_DATABASE_URL", config.db_pool_size).map_err(|e| e.0)?;
    db::check_schema(&pool, "bss", MIGRATIONS)
        .await
        .map_err(|e| e.to_string())?;
    let workers = config.workers;
    let token = config
        .access_token
        .clone()
        .or_else(|| token_from_env(&["ACCESS_TOKEN"]));
    let http = service_client(Duration::from_secs(5), token.as_deref())?;
    let cache = smd::SmdCache::new(smd::SmdClient::new(&config.smd_url, http.clone()));
    // SMD down at start is not fatal (OpenCHAMI exits): nodes appear once it answers.
    cache.refresh_now().await;
    let refresh = Duration::from_secs(config.cache_refresh);
    cache.spawn_refresher(refresh);
    if let Some(callback) = config.scn_url.clone() {
        smd::spawn_scn_subscriber(&cache, callback);
    }
    let state = web::Data::new(AppState {
        store: store::Store::new(pool),
        params: boot::ParamsCache::new(refresh.max(Duration::from_secs(1))),
        access: boot::AccessLog::default(),
        smd: cache,
        config,
        http,
    });
    let weak = Arc::downgrade(&state.clone().into_inner());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(ACCESS_FLUSH).await;
            let Some(state) = weak.upgrade() else { return };
            if let Err(e) = state.access.flush(&state.store).await {
                tracing::warn!(error = %e, "cannot write endpoint history; will retry");
            }
        }
    });
    let policy = web::Data::new(AuthPolicy {
        verifier: Verifier::from_settings(&state.config.auth),
        is_public: api::is_public,
    });
    let (reach, age) = (state.smd.clone(), state.smd.clone());
    let metrics = web::Data::new(
        service_metrics("bss", &state.store.pool())
            .gauge(
                "bss_smd_reachable",
                "1 when the last SMD refresh succeeded",
                move || if reach.reachable() { 1.0 } else { 0.0 },
            )
            .gauge(
                "bss_smd_cache_age_seconds",
                "Seconds since bss's view of SMD last took SMD's data (refresh or SCN)",
                move || age.age().as_secs_f64(),
            ),
    );
    HttpService::start(listener, workers, move |cfg| {
        cfg.app_data(policy.clone()).app_data(metrics.clone());
        api::configure(cfg, state.clone())
    })
    .map_err(|e| format!("cannot start the HTTP server: {e}"))
}

/// Run the daemon until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), String> {
    let listener = HttpService::bind(config.listen, "BSS_LISTEN")?;
    build(config, listener).await?.serve("bss").await
}

/// `bss migrate`: apply pending migrations.
pub async fn migrate(config: &Config) -> Result<(), String> {
    db::migrate_database(&config.database(), "bss", MIGRATIONS).await
}

/// The OpenAPI document, byte for byte as committed in `openapi/bss.json`
/// and served at its `openapi.json` route.
pub fn openapi_json() -> &'static str {
    api::openapi_json()
}
