//! smd: the State Management Database (HSM v2 API) on PostgreSQL.
//!
//! `api` holds the routes (thin actix handlers), `store` every SQL statement,
//! `model` (the `smd-api` crate) the wire types. smd calls no other service; with discovery on
//! (`discovery`) it talks Redfish to BMCs.

pub mod api;
pub mod config;
pub mod discovery;
pub mod inventory;
pub mod legacy_inventory;
pub use smd_api as model;
pub mod scn;
pub mod store;

use std::net::TcpListener;

use actix_web::web;
use ochami_service::auth::{AuthPolicy, Verifier};
use ochami_service::db::service_metrics;
use ochami_service::db::{self, Migration};
use ochami_service::server::HttpService;

pub use config::Config;

/// smd's schema, in order. Files live in `migrations/smd/`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../../migrations/smd/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "groups",
        sql: include_str!("../../../migrations/smd/0002_groups.sql"),
    },
    Migration {
        version: 3,
        name: "node_maps",
        sql: include_str!("../../../migrations/smd/0003_node_maps.sql"),
    },
    Migration {
        version: 4,
        name: "power_maps",
        sql: include_str!("../../../migrations/smd/0004_power_maps.sql"),
    },
    Migration {
        version: 5,
        name: "locks",
        sql: include_str!("../../../migrations/smd/0005_locks.sql"),
    },
    Migration {
        version: 6,
        name: "hardware",
        sql: include_str!("../../../migrations/smd/0006_hardware.sql"),
    },
    Migration {
        version: 7,
        name: "scn",
        sql: include_str!("../../../migrations/smd/0007_scn.sql"),
    },
    Migration {
        version: 8,
        name: "discovery",
        sql: include_str!("../../../migrations/smd/0008_discovery.sql"),
    },
];

/// Shared state of the handlers.
pub struct AppState {
    pub store: store::Store,
    pub config: Config,
    /// Present when `enable_discovery` is on.
    pub discovery: Option<discovery::Discovery>,
}

/// Build the server on `listener`: connect, refuse a schema that is behind.
pub async fn build(config: Config, listener: TcpListener) -> Result<HttpService, String> {
    let pool =
        db::pool(&config.database(), "SMD_DATABASE_URL", config.db_pool_size).map_err(|e| e.0)?;
    db::check_schema(&pool, "smd", MIGRATIONS)
        .await
        .map_err(|e| e.to_string())?;
    let workers = config.workers;
    let policy = web::Data::new(AuthPolicy {
        verifier: Verifier::from_settings(&config.auth),
        is_public: api::is_public,
    });
    let metrics = web::Data::new(service_metrics("smd", &pool));
    let delivery = config.scn_delivery();
    let database = config.database();
    let store = store::Store::new(pool);
    let discovery = if config.enable_discovery {
        store
            .forget_unfinished_walks()
            .await
            .map_err(|e| format!("discovery: {}", e.detail))?;
        Some(discovery::Discovery::new(store.clone())?)
    } else {
        None
    };
    let state = web::Data::new(AppState {
        store,
        config,
        discovery,
    });
    scn::spawn(
        std::sync::Arc::downgrade(&state.clone().into_inner()),
        database,
        delivery,
    )?;
    HttpService::start(listener, workers, move |cfg| {
        cfg.app_data(policy.clone()).app_data(metrics.clone());
        api::configure(cfg, state.clone())
    })
    .map_err(|e| format!("cannot start the HTTP server: {e}"))
}

/// Run the daemon until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), String> {
    let listener = HttpService::bind(config.listen, "SMD_LISTEN")?;
    build(config, listener).await?.serve("smd").await
}

/// `smd migrate`: apply pending migrations.
pub async fn migrate(config: &Config) -> Result<(), String> {
    db::migrate_database(&config.database(), "smd", MIGRATIONS).await
}

/// The OpenAPI document, byte for byte as committed in `openapi/smd.json`
/// and served at its `openapi.json` route.
pub fn openapi_json() -> &'static str {
    api::openapi_json()
}
