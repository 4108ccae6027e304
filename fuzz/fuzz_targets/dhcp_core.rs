//! Any sequence of datagrams into the dhcpd-shim core (with clock steps and
//! expiry runs between them): no panic, replies fit a datagram, state stays
//! within the address space. The same core and checks as the seeded smoke
//! test `crates/dhcpd-shim/tests/shim/fuzz.rs`.

#![no_main]

#[path = "../../crates/dhcpd-shim/tests/shim/fuzz_core.rs"]
mod fuzz_core;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_core::run(data));
