//! tftpd's integration tests, one binary: configuration, sockets, HTTP,
//! metrics, and interoperation with real TFTP clients.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

mod config;
mod http;
mod interop;
mod metrics;
mod sockets;
