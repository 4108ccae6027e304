//! bss: the Boot Script Service on PostgreSQL.
//!
//! `api` holds the routes, `store` every SQL statement. bss reaches smd only
//! over HTTP.

pub mod api;
pub mod config;
pub mod store;

use std::net::TcpListener;

use actix_web::web;
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
}

/// Build the server on `listener`: connect, refuse a schema that is behind.
pub async fn build(config: Config, listener: TcpListener) -> Result<HttpService, String> {
    let pool =
        db::pool(&config.database(), "BSS_DATABASE_URL", config.db_pool_size).map_err(|e| e.0)?;
    db::check_schema(&pool, "bss", MIGRATIONS)
        .await
        .map_err(|e| e.to_string())?;
    let workers = config.workers;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        // SMD is on the cluster network; a site's HTTP proxy must not intercept it.
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let state = web::Data::new(AppState {
        store: store::Store::new(pool),
        config,
        http,
    });
    HttpService::start(listener, workers, move |cfg| {
        api::configure(cfg, state.clone())
    })
    .map_err(|e| format!("cannot start the HTTP server: {e}"))
}

/// Run the daemon until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), String> {
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {} (BSS_LISTEN): {e}", config.listen))?;
    let service = build(config, listener).await?;
    tracing::info!(addr = %service.addr, "bss listening");
    service.server.await.map_err(|e| e.to_string())
}

/// `bss migrate`: apply pending migrations.
pub async fn migrate(config: &Config) -> Result<(), String> {
    let mut client = db::connect(&config.database())
        .await
        .map_err(|e| e.to_string())?;
    let applied = db::migrate(&mut client, "bss", MIGRATIONS)
        .await
        .map_err(|e| e.to_string())?;
    if applied.is_empty() {
        tracing::info!("bss schema is up to date");
    }
    Ok(())
}

/// The OpenAPI document, as committed in `openapi/bss.json`.
pub fn openapi_json() -> String {
    api::openapi_json()
}
