//! What every ochami daemon shares, written once.
//!
//! - [`config`]: figment loading (defaults ← TOML ← environment) with one-line,
//!   exit-code-2 errors naming the key.
//! - [`logging`]: tracing-subscriber in text or JSON.
//! - [`http`]: actix-web plumbing — problem JSON for every error, request ids,
//!   a JSON/query extractor that names the bad field, server start on a given
//!   listener with graceful shutdown.
//! - [`db`]: the deadpool-postgres pool and the migration runner.
//! - [`metrics`]: Prometheus text for HTTP services and the UDP daemons.
//! - [`openapi`]: what every OpenAPI document says about errors.
//!
//! This crate holds no service's routes or tables.

pub mod auth;
#[cfg(feature = "test-support")]
pub mod auth_testing;
pub mod cli;
pub mod client;
pub mod config;
pub mod db;
pub mod go_json;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod server;
