//! smd's integration tests, one binary (one PostgreSQL cluster per run, one
//! database per test, copied from a migrated template): a module per resource.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod support;

mod auth_metrics;
mod client;
mod components;
mod discover;
mod ethernet_interfaces;
mod foundation;
mod generated_clients;
mod groups;
mod hardware;
mod legacy_inventory;
mod locks;
mod node_maps;
mod partitions;
mod power_maps;
mod redfish_endpoints;
mod schemathesis;
mod served_openapi;
mod subscriptions;
