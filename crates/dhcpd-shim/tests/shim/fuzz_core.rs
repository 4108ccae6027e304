//! The dhcpd-shim core the fuzzers drive, and the checks after every packet;
//! shared by the seeded smoke run (`tests/fuzz.rs`) and the coverage-guided
//! `cargo fuzz` target (`fuzz/fuzz_targets/dhcp_core.rs`), so both test the
//! same thing.

#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dhcpd_shim::config::{Config, PoolRange, SubnetConfig, UefiBoot};
use dhcpd_shim::protocol::Dhcp;
use dhcpd_shim::smd::Reservations;
use ochami_types::MacAddr;
use smd_api::ethernet_interface::{EthernetInterface, IpAddressMapping as IpAddressEntry};

/// Addresses the core can hand out: two pools (51 + 11) and 8 reservations.
pub const ADDRESS_SPACE: usize = 51 + 11 + 8;

/// Largest reply a client must accept (an Ethernet MTU less IP and UDP headers).
pub const MAX_REPLY: usize = 1472;

/// A core with two subnets (one with a long domain, one with 30 DNS servers
/// and HTTP boot) and SMD reservations for 8 MACs.
pub fn core() -> Dhcp {
    let cfg = Config {
        server_address: Ipv4Addr::new(10, 0, 0, 1),
        smd_url: Some("http://127.0.0.1:1".parse().unwrap()),
        subnets: vec![
            SubnetConfig {
                cidr: "10.0.0.0/24".parse().unwrap(),
                routers: vec![Ipv4Addr::new(10, 0, 0, 1)],
                dns_servers: None,
                domain: Some("x".repeat(200)),
                pool: Some(PoolRange {
                    start: Ipv4Addr::new(10, 0, 0, 10),
                    end: Ipv4Addr::new(10, 0, 0, 60),
                }),
                lease_time: Duration::from_secs(3600),
                pool_lease_time: Duration::from_secs(120),
                uefi_boot: UefiBoot::Pxe,
            },
            SubnetConfig {
                cidr: "10.1.0.0/24".parse().unwrap(),
                routers: vec![],
                dns_servers: Some(vec![Ipv4Addr::new(1, 1, 1, 1); 30]),
                domain: None,
                pool: Some(PoolRange {
                    start: Ipv4Addr::new(10, 1, 0, 10),
                    end: Ipv4Addr::new(10, 1, 0, 20),
                }),
                lease_time: Duration::from_secs(3600),
                pool_lease_time: Duration::from_secs(120),
                uefi_boot: UefiBoot::Http,
            },
        ],
        ..Config::default()
    };
    let mut d = Dhcp::new(cfg);
    let ifaces: Vec<EthernetInterface> = (0..8u8)
        .map(|i| EthernetInterface {
            mac_address: MacAddr([2, 0, 0, 0, 0, i]).to_string(),
            component_id: format!("x1000c1s{i}b0n0"),
            ip_addresses: vec![IpAddressEntry {
                ip_address: format!("10.0.0.{}", 100 + i),
                network: String::new(),
            }],
            ..Default::default()
        })
        .collect();
    d.set_reservations(Reservations::from_smd(&ifaces, &[]));

    d
}

/// Feed one datagram; panic if a reply is too large or state outgrows the
/// address space. Returns whether the core replied.
pub fn feed(d: &mut Dhcp, now: u64, from: SocketAddrV4, port: u16, bytes: &[u8]) -> bool {
    let out = d.handle(now, from, port, bytes);
    let replied = match out.reply {
        Some(t) => {
            assert!(
                t.bytes.len() <= MAX_REPLY,
                "reply of {} bytes",
                t.bytes.len()
            );
            true
        }
        None => false,
    };
    assert!(
        d.leases().len() <= ADDRESS_SPACE,
        "{} leases",
        d.leases().len()
    );
    replied
}

/// Split fuzzer input into datagrams: each is `[len_hi, len_lo, flags, bytes..]`;
/// `flags` picks the port (4011 when bit 0), the source's last octet (bits 1-7)
/// and, with the length's top bit, a clock step and an expiry run.
pub fn run(data: &[u8]) {
    let mut d = core();
    let mut now = 1_700_000_000u64;
    let mut rest = data;
    while let [hi, lo, flags, tail @ ..] = rest {
        let len = (usize::from(*hi & 0x7f) << 8 | usize::from(*lo)).min(tail.len());
        let (bytes, next) = tail.split_at(len);
        if hi & 0x80 != 0 {
            now += u64::from(*flags) * 30;
            d.expire(now);
        }
        let port = if flags & 1 != 0 { 4011 } else { 67 };
        let from = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, flags >> 1), 68);
        feed(&mut d, now, from, port, bytes);
        rest = next;
    }
}
