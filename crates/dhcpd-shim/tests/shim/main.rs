//! dhcpd-shim's integration tests, one binary: the core, the journal, the CLI,
//! real DHCP clients in network namespaces, metrics, a seeded fuzz smoke run.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod fuzz_core;
mod support;

mod cli;
mod clients;
mod fuzz;
mod lease_file;
mod metrics;
mod protocol;
