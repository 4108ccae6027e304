//! redfish-sim's integration tests, one binary: the simulator's behaviour and
//! DMTF's Redfish Protocol Validator against it.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod dmtf_validator;
mod sim;
