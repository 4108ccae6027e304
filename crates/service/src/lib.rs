//! What every ochami daemon shares, written once. Each binary links only what
//! it uses, chosen by feature:
//!
//! - always: [`config`] (figment loading: defaults ← TOML ← environment, with
//!   one-line, exit-code-2 errors naming the key), [`logging`]
//!   (tracing-subscriber, text or JSON), [`cli`] (shared flags), [`go_json`]
//!   (JSON read as Go reads it: keys match fields ignoring case), and
//!   [`metrics`]' text exposition and scrape channel for the UDP daemons;
//! - `metrics-listener`: `metrics::listener`, the UDP daemons' `/metrics`
//!   listener (plain hyper);
//! - `http`: `http` (actix-web plumbing: problem JSON for every error,
//!   request ids, extractors that name the bad field), `server` (start on a
//!   given listener, graceful shutdown), `openapi` (what every document says
//!   about errors) and the prometheus registry `metrics::Metrics`;
//! - `db` (with `http`): `db`, the deadpool-postgres pool and the migration runner;
//! - `auth` (with `http`, `client`): `auth`, bearer JWTs against a JWKS;
//! - `client`: `client`, the service-to-service HTTP client, and `cli::healthcheck`;
//! - `test-support`: `auth_testing`, a JWT issuer for other crates' tests.
//!
//! This crate holds no service's routes or tables.

#[cfg(feature = "auth")]
pub mod auth;
#[cfg(feature = "test-support")]
pub mod auth_testing;
pub mod cli;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
#[cfg(feature = "db")]
pub mod db;
pub mod go_json;
#[cfg(feature = "http")]
pub mod http;
pub mod logging;
pub mod metrics;
#[cfg(feature = "http")]
pub mod openapi;
#[cfg(feature = "http")]
pub mod server;
