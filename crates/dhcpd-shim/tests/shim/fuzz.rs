//! A seeded smoke run of random and mutated packets into the core: no panic,
//! replies fit a datagram, state bounded by the configured address space.
//! Short (20 000 packets; `DHCPD_FUZZ_PACKETS` for more) and reproducible:
//! exhaustive, coverage-guided fuzzing is `cargo xtask fuzz dhcp_core`
//! (`fuzz/`), which checks the same properties (`fuzz_core`).

use std::net::{Ipv4Addr, SocketAddrV4};

use dhcpd_shim::protocol::request_bytes;
use dhcproto::v4::{Architecture, DhcpOption, MessageType};
use ochami_types::MacAddr;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn seeded_random_and_mutated_packets() {
    let n: u64 = std::env::var("DHCPD_FUZZ_PACKETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let mut d = crate::fuzz_core::core();
    let mut rng = XorShift(0x5eed_d4c9_0000_0001);
    let kinds = [
        MessageType::Discover,
        MessageType::Request,
        MessageType::Decline,
        MessageType::Release,
        MessageType::Inform,
        MessageType::Offer,
        MessageType::Unknown(200),
    ];
    let mut now = 1_700_000_000u64;
    let mut replies = 0u64;
    for i in 0..n {
        now += rng.below(3);
        let bytes = if i % 3 == 0 {
            let len = rng.below(700) as usize;
            let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            // Often give it a plausible header so the option walker is exercised.
            if len >= 240 && rng.below(2) == 0 {
                b[0] = 1;
                b[1] = 1;
                b[2] = 6;
                b[236..240].copy_from_slice(&[99, 130, 83, 99]);
            }
            b
        } else {
            let mac = MacAddr([2, 0, 0, 0, (rng.below(2)) as u8, rng.below(40) as u8]);
            let kind = kinds[rng.below(kinds.len() as u64) as usize];
            let r = rng.next();
            let mut b = request_bytes(kind, mac, r as u32, |m| {
                let o = m.opts_mut();
                if r & 1 != 0 {
                    o.insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(
                        10,
                        (r >> 8) as u8 & 1,
                        0,
                        (r >> 16) as u8,
                    )));
                }
                if r & 2 != 0 {
                    o.insert(DhcpOption::ServerIdentifier(if r & 4 != 0 {
                        Ipv4Addr::new(10, 0, 0, 1)
                    } else {
                        Ipv4Addr::new(10, 0, 0, 2)
                    }));
                }
                if r & 8 != 0 {
                    o.insert(DhcpOption::ClientSystemArchitecture(Architecture::from(
                        (r >> 24) as u16 % 20,
                    )));
                }
                if r & 16 != 0 {
                    o.insert(DhcpOption::UserClass(b"iPXE".to_vec()));
                }
                if r & 32 != 0 {
                    m.set_giaddr(Ipv4Addr::new(10, (r >> 32) as u8 % 3, 0, 1));
                }
                if r & 64 != 0 {
                    m.set_ciaddr(Ipv4Addr::new(10, 0, 0, (r >> 40) as u8));
                }
            });
            // Mutate: flip bytes, truncate, or append garbage options.
            for _ in 0..rng.below(4) {
                let at = rng.below(b.len() as u64) as usize;
                b[at] = rng.next() as u8;
            }
            match rng.below(6) {
                0 => b.truncate(rng.below(b.len() as u64 + 1) as usize),
                1 => {
                    let pos = b.len().saturating_sub(1);
                    let extra: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                    b.splice(pos..pos, extra);
                }
                _ => {}
            }
            b
        };
        let from = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, rng.below(255) as u8), 68);
        let port = if rng.below(50) == 0 { 4011 } else { 67 };
        if crate::fuzz_core::feed(&mut d, now, from, port, &bytes) {
            replies += 1;
        }
        if i % 10_000 == 0 {
            d.expire(now);
        }
    }
    let c = d.counters();
    assert_eq!(c.received, n);
    assert!(c.malformed > n / 4, "{c:?}");
    assert!(replies > n / 10, "{replies} replies; {c:?}");
    println!("{n} packets: {replies} replies, {c:?}");
}
