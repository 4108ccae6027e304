//! The sans-IO core, packet in → packet out, with a fake clock. No network.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dhcpd_shim::config::{Config, Mode, PoolRange, SubnetConfig, UefiBoot};
use dhcpd_shim::lease::LeaseRecord;
use dhcpd_shim::protocol::{request_bytes, Dhcp, Outcome};
use dhcpd_shim::smd::{Reservations, SmdWrite};
use dhcproto::v4::{Architecture, DhcpOption, Message, MessageType, OptionCode};
use dhcproto::{Decodable, Decoder};
use ochami_types::MacAddr;
use smd_api::component::Component;
use smd_api::ethernet_interface::{EthernetInterface, IpAddressMapping as IpAddressEntry};

const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const NODE: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);
const NODE_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);
const KNOWN_NO_IP: MacAddr = MacAddr([2, 0, 0, 0, 0, 2]);
const T0: u64 = 1_700_000_000;
const CLIENT: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68);

fn subnet(cidr: &str, pool: Option<(&str, &str)>) -> SubnetConfig {
    SubnetConfig {
        cidr: cidr.parse().unwrap(),
        routers: vec![cidr
            .split('/')
            .next()
            .unwrap()
            .parse::<Ipv4Addr>()
            .map(|a| Ipv4Addr::from(u32::from(a) + 1))
            .unwrap()],
        dns_servers: None,
        domain: None,
        pool: pool.map(|(a, b)| PoolRange {
            start: a.parse().unwrap(),
            end: b.parse().unwrap(),
        }),
        lease_time: Duration::from_secs(3600),
        pool_lease_time: Duration::from_secs(600),
        uefi_boot: UefiBoot::Pxe,
    }
}

fn config() -> Config {
    Config {
        server_address: SERVER,
        bss_url: Some("http://10.0.0.1:27778".parse().unwrap()),
        http_boot_url: Some("http://10.0.0.1:8080/ipxe.efi".parse().unwrap()),
        domain: Some("cluster".into()),
        dns_servers: vec![SERVER],
        subnets: vec![
            subnet("10.0.0.0/24", Some(("10.0.0.100", "10.0.0.109"))),
            subnet("10.1.0.0/24", Some(("10.1.0.100", "10.1.0.200"))),
            {
                let mut s = subnet("10.2.0.0/24", None);
                s.uefi_boot = UefiBoot::Http;
                s
            },
        ],
        ..Config::default()
    }
}

fn smd() -> Reservations {
    let iface = |mac: &str, comp: &str, ip: Option<&str>| EthernetInterface {
        id: mac.replace(':', ""),
        mac_address: mac.into(),
        component_id: comp.into(),
        type_: "Node".into(),
        ip_addresses: ip
            .map(|i| IpAddressEntry {
                ip_address: i.into(),
                network: String::new(),
            })
            .into_iter()
            .collect(),
        ..Default::default()
    };
    Reservations::from_smd(
        &[
            iface("02:00:00:00:00:01", "x1000c1s7b0n0", Some("10.0.0.5")),
            iface("02:00:00:00:00:02", "x1000c1s7b1n0", None),
            iface("02:00:00:00:00:03", "x1000c1s7b2n0", Some("10.2.0.7")),
        ],
        &[Component {
            id: "x1000c1s7b0n0".into(),
            type_: "Node".into(),
            nid: Some(7),
            role: "Compute".into(),
            ..Default::default()
        }],
    )
}

fn server() -> Dhcp {
    server_with(config())
}

fn server_with(cfg: Config) -> Dhcp {
    let mut d = Dhcp::new(cfg);
    d.set_reservations(smd());
    d
}

fn decode(o: &Outcome) -> Message {
    let t = o.reply.as_ref().expect("a reply");
    Message::decode(&mut Decoder::new(&t.bytes)).expect("a well-formed reply")
}

fn kind(m: &Message) -> MessageType {
    m.opts().msg_type().unwrap()
}

fn opt(m: &Message, c: OptionCode) -> Option<&DhcpOption> {
    m.opts().get(c)
}

fn fname(m: &Message) -> Option<String> {
    // The wire field is NUL-padded; dhcproto keeps the terminator.
    m.fname_str()
        .map(|r| r.unwrap().trim_end_matches(char::from(0)).to_owned())
        .filter(|s| !s.is_empty())
}

fn send(
    d: &mut Dhcp,
    now: u64,
    kind: MessageType,
    mac: MacAddr,
    f: impl FnOnce(&mut Message),
) -> Outcome {
    d.handle(now, CLIENT, 67, &request_bytes(kind, mac, 0x1234, f))
}

fn discover(d: &mut Dhcp, mac: MacAddr, f: impl FnOnce(&mut Message)) -> Outcome {
    send(d, T0, MessageType::Discover, mac, f)
}

fn select(d: &mut Dhcp, now: u64, mac: MacAddr, ip: Ipv4Addr) -> Outcome {
    send(d, now, MessageType::Request, mac, |m| {
        m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
        m.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
    })
}

/// DISCOVER + REQUEST; returns the ACK.
fn dora(d: &mut Dhcp, now: u64, mac: MacAddr) -> Message {
    let offer = decode(&send(d, now, MessageType::Discover, mac, |_| {}));
    assert_eq!(kind(&offer), MessageType::Offer);
    let ack = decode(&select(d, now, mac, offer.yiaddr()));
    assert_eq!(kind(&ack), MessageType::Ack);
    ack
}

fn arch(a: u16) -> impl FnOnce(&mut Message) {
    move |m: &mut Message| {
        m.opts_mut()
            .insert(DhcpOption::ClientSystemArchitecture(Architecture::from(a)));
        m.opts_mut().insert(DhcpOption::ClassIdentifier(
            format!("PXEClient:Arch:{a:05}:UNDI:003000").into_bytes(),
        ));
    }
}

// ---- boot table ----

#[test]
fn pxe_bios_gets_undionly_on_tftp() {
    let mut d = server();
    let m = decode(&discover(&mut d, NODE, arch(0)));
    assert_eq!(fname(&m).as_deref(), Some("undionly.kpxe"));
    assert_eq!(m.siaddr(), SERVER);
    assert_eq!(
        opt(&m, OptionCode::ClassIdentifier),
        Some(&DhcpOption::ClassIdentifier(b"PXEClient".to_vec()))
    );
    assert_eq!(
        opt(&m, OptionCode::VendorExtensions),
        Some(&DhcpOption::VendorExtensions(vec![6, 1, 8, 255]))
    );
}

#[test]
fn pxe_uefi_x64_arch_7_and_9_get_ipxe_efi() {
    for a in [7, 9] {
        let mut d = server();
        let m = decode(&discover(&mut d, NODE, arch(a)));
        assert_eq!(fname(&m).as_deref(), Some("ipxe.efi"), "arch {a}");
        assert_eq!(m.siaddr(), SERVER);
    }
}

#[test]
fn pxe_uefi_other_arches_get_their_build() {
    for (a, f) in [
        (6, "ipxe-i386.efi"),
        (10, "ipxe-arm32.efi"),
        (11, "ipxe-arm64.efi"),
    ] {
        let mut d = server();
        let m = decode(&discover(&mut d, NODE, arch(a)));
        assert_eq!(fname(&m).as_deref(), Some(f), "arch {a}");
    }
    let mut cfg = config();
    cfg.boot_file_efi_arm64 = None;
    let mut d = server_with(cfg);
    let m = decode(&discover(&mut d, NODE, arch(11)));
    assert_eq!(fname(&m), None, "unset build: address only");
    assert_eq!(m.yiaddr(), NODE_IP);
}

#[test]
fn uefi_http_boot_gets_http_url_and_httpclient_class() {
    for a in [16u16, 19] {
        let mut d = server();
        let m = decode(&discover(&mut d, NODE, move |m: &mut Message| {
            m.opts_mut()
                .insert(DhcpOption::ClientSystemArchitecture(Architecture::from(a)));
            m.opts_mut().insert(DhcpOption::ClassIdentifier(
                format!("HTTPClient:Arch:{a:05}:UNDI:003000").into_bytes(),
            ));
        }));
        assert_eq!(fname(&m).as_deref(), Some("http://10.0.0.1:8080/ipxe.efi"));
        assert_eq!(
            opt(&m, OptionCode::ClassIdentifier),
            Some(&DhcpOption::ClassIdentifier(b"HTTPClient".to_vec()))
        );
    }
}

#[test]
fn ipxe_gets_bss_bootscript_url() {
    let mut d = server();
    let m = decode(&discover(&mut d, NODE, |m: &mut Message| {
        arch(7)(m);
        m.opts_mut().insert(DhcpOption::UserClass(b"iPXE".to_vec()));
    }));
    assert_eq!(
        fname(&m).as_deref(),
        Some("http://10.0.0.1:27778/boot/v1/bootscript?mac=02:00:00:00:00:01")
    );
}

#[test]
fn plain_client_gets_address_only() {
    let mut d = server();
    let m = decode(&discover(&mut d, NODE, |_| {}));
    assert_eq!(fname(&m), None);
    assert_eq!(m.siaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(opt(&m, OptionCode::ClassIdentifier), None);
    assert_eq!(m.yiaddr(), NODE_IP);
}

#[test]
fn uefi_boot_http_subnet_gives_uefi_pxe_no_boot_file() {
    let mut d = server();
    let mac = MacAddr([2, 0, 0, 0, 0, 3]);
    let relayed = |m: &mut Message| {
        m.set_giaddr(Ipv4Addr::new(10, 2, 0, 1));
    };
    let m = decode(&discover(&mut d, mac, |m: &mut Message| {
        arch(7)(m);
        relayed(m)
    }));
    assert_eq!(m.yiaddr(), Ipv4Addr::new(10, 2, 0, 7));
    assert_eq!(fname(&m), None);
    // BIOS PXE on the same subnet still gets its file.
    let m = decode(&discover(&mut d, mac, |m: &mut Message| {
        arch(0)(m);
        relayed(m)
    }));
    assert_eq!(fname(&m).as_deref(), Some("undionly.kpxe"));
}

#[test]
fn pxe_uuid_is_echoed() {
    let mut d = server();
    let m = decode(&discover(&mut d, NODE, |m: &mut Message| {
        arch(7)(m);
        m.opts_mut()
            .insert(DhcpOption::ClientMachineIdentifier(vec![0; 17]));
    }));
    assert_eq!(
        opt(&m, OptionCode::ClientMachineIdentifier),
        Some(&DhcpOption::ClientMachineIdentifier(vec![0; 17]))
    );
}

// ---- options ----

#[test]
fn reserved_offer_carries_smd_address_and_options() {
    let mut d = server();
    let o = discover(&mut d, NODE, |_| {});
    let m = decode(&o);
    assert_eq!(kind(&m), MessageType::Offer);
    assert_eq!(m.yiaddr(), NODE_IP);
    assert_eq!(m.xid(), 0x1234);
    // Broadcast flag clear: unicast to yiaddr at chaddr (RFC 2131 §4.1).
    assert_eq!(o.reply.as_ref().unwrap().to, SocketAddrV4::new(NODE_IP, 68));
    assert_eq!(o.reply.as_ref().unwrap().link_addr, Some(NODE));
    assert_eq!(
        opt(&m, OptionCode::SubnetMask),
        Some(&DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)))
    );
    assert_eq!(
        opt(&m, OptionCode::Router),
        Some(&DhcpOption::Router(vec![SERVER]))
    );
    assert_eq!(
        opt(&m, OptionCode::DomainNameServer),
        Some(&DhcpOption::DomainNameServer(vec![SERVER]))
    );
    assert_eq!(
        opt(&m, OptionCode::Hostname),
        Some(&DhcpOption::Hostname("x1000c1s7b0n0".into()))
    );
    assert_eq!(
        opt(&m, OptionCode::DomainName),
        Some(&DhcpOption::DomainName("cluster".into()))
    );
    assert_eq!(
        opt(&m, OptionCode::BroadcastAddr),
        Some(&DhcpOption::BroadcastAddr(Ipv4Addr::new(10, 0, 0, 255)))
    );
    assert_eq!(
        opt(&m, OptionCode::AddressLeaseTime),
        Some(&DhcpOption::AddressLeaseTime(3600))
    );
    assert_eq!(
        opt(&m, OptionCode::Renewal),
        Some(&DhcpOption::Renewal(1800))
    );
    assert_eq!(
        opt(&m, OptionCode::Rebinding),
        Some(&DhcpOption::Rebinding(3150))
    );
    assert_eq!(
        opt(&m, OptionCode::ServerIdentifier),
        Some(&DhcpOption::ServerIdentifier(SERVER))
    );
    assert!(o.records.is_empty(), "offers are not written to disk");
}

#[test]
fn hostname_pattern_with_nid() {
    let mut cfg = config();
    cfg.hostname = "nid{04}".into();
    let mut d = server_with(cfg);
    let m = decode(&discover(&mut d, NODE, |_| {}));
    assert_eq!(
        opt(&m, OptionCode::Hostname),
        Some(&DhcpOption::Hostname("nid0007".into()))
    );
    // No NID in SMD: no host name rather than a wrong one.
    let m = decode(&discover(&mut d, KNOWN_NO_IP, |_| {}));
    assert_eq!(opt(&m, OptionCode::Hostname), None);
}

#[test]
fn parameter_request_list_is_honoured() {
    let mut d = server();
    let m = decode(&discover(&mut d, NODE, |m: &mut Message| {
        m.opts_mut().insert(DhcpOption::ParameterRequestList(vec![
            OptionCode::SubnetMask,
        ]));
    }));
    assert!(opt(&m, OptionCode::SubnetMask).is_some());
    for c in [
        OptionCode::Router,
        OptionCode::DomainNameServer,
        OptionCode::Hostname,
        OptionCode::DomainName,
    ] {
        assert!(opt(&m, c).is_none(), "{c:?} not requested");
    }
}

#[test]
fn options_that_do_not_fit_are_dropped_not_truncated() {
    let mut cfg = config();
    cfg.domain = Some("d".repeat(250));
    cfg.dns_servers = (0..60).map(|i| Ipv4Addr::new(10, 9, 0, i)).collect();
    let mut d = server_with(cfg);
    let o = discover(&mut d, NODE, |m: &mut Message| {
        arch(7)(m);
        m.opts_mut()
            .insert(DhcpOption::ClientMachineIdentifier(vec![1; 17]));
    });
    let bytes = &o.reply.as_ref().unwrap().bytes;
    assert!(bytes.len() <= 548, "{} bytes", bytes.len());
    let m = decode(&o);
    assert_eq!(m.yiaddr(), NODE_IP);
    assert_eq!(fname(&m).as_deref(), Some("ipxe.efi"));
    assert_eq!(
        opt(&m, OptionCode::AddressLeaseTime),
        Some(&DhcpOption::AddressLeaseTime(3600))
    );
    // A larger max-message-size lets everything through.
    let m = decode(&discover(&mut d, NODE, |m: &mut Message| {
        m.opts_mut().insert(DhcpOption::MaxMessageSize(1500));
    }));
    assert!(opt(&m, OptionCode::DomainName).is_some());
}

// ---- RFC 2131 states ----

#[test]
fn selecting_acks_and_records_the_lease() {
    let mut d = server();
    discover(&mut d, NODE, |_| {});
    let o = select(&mut d, T0 + 1, NODE, NODE_IP);
    let m = decode(&o);
    assert_eq!(kind(&m), MessageType::Ack);
    assert_eq!(m.yiaddr(), NODE_IP);
    assert_eq!(
        o.records,
        vec![LeaseRecord::Bound {
            ip: NODE_IP,
            mac: NODE,
            expires: T0 + 1 + 3600
        }]
    );
    assert!(
        o.smd_writes.is_empty(),
        "an SMD address is not written back"
    );
}

#[test]
fn selecting_another_server_frees_our_offer() {
    let mut cfg = config();
    cfg.subnets[0].pool = Some(PoolRange {
        start: "10.0.0.100".parse().unwrap(),
        end: "10.0.0.100".parse().unwrap(),
    });
    let mut d = server_with(cfg);
    let a = MacAddr([2, 9, 0, 0, 0, 1]);
    let b = MacAddr([2, 9, 0, 0, 0, 2]);
    assert_eq!(
        decode(&discover(&mut d, a, |_| {})).yiaddr(),
        Ipv4Addr::new(10, 0, 0, 100)
    );
    assert!(
        discover(&mut d, b, |_| {}).reply.is_none(),
        "the only address is held for a"
    );
    let o = send(&mut d, T0, MessageType::Request, a, |m| {
        m.opts_mut()
            .insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 0, 0, 99)));
        m.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(10, 0, 0, 50)));
    });
    assert!(o.reply.is_none());
    assert_eq!(
        decode(&discover(&mut d, b, |_| {})).yiaddr(),
        Ipv4Addr::new(10, 0, 0, 100)
    );
}

#[test]
fn selecting_an_address_we_did_not_offer_is_naked() {
    let mut d = server();
    discover(&mut d, NODE, |_| {});
    let m = decode(&select(&mut d, T0, NODE, Ipv4Addr::new(10, 0, 0, 101)));
    assert_eq!(kind(&m), MessageType::Nak);
    assert_eq!(m.yiaddr(), Ipv4Addr::UNSPECIFIED);
}

#[test]
fn init_reboot_ack_nak_and_silence() {
    let mut d = server();
    let reboot = |ip: Ipv4Addr| {
        move |m: &mut Message| {
            m.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        }
    };
    // The SMD address: ACK even without a prior lease.
    let m = decode(&send(
        &mut d,
        T0,
        MessageType::Request,
        NODE,
        reboot(NODE_IP),
    ));
    assert_eq!(kind(&m), MessageType::Ack);
    // Someone else's address, and a wrong network: NAK.
    let m = decode(&send(
        &mut d,
        T0,
        MessageType::Request,
        NODE,
        reboot(Ipv4Addr::new(10, 0, 0, 6)),
    ));
    assert_eq!(kind(&m), MessageType::Nak);
    let o = send(
        &mut d,
        T0,
        MessageType::Request,
        NODE,
        reboot(Ipv4Addr::new(192, 168, 1, 5)),
    );
    assert_eq!(kind(&decode(&o)), MessageType::Nak);
    assert_eq!(
        o.reply.unwrap().to,
        SocketAddrV4::new(Ipv4Addr::BROADCAST, 68)
    );
    // Not authoritative: silent about a client it has no record of.
    let mut cfg = config();
    cfg.authoritative = false;
    let mut d = server_with(cfg);
    let o = send(
        &mut d,
        T0,
        MessageType::Request,
        MacAddr([2, 9, 9, 9, 9, 9]),
        reboot(Ipv4Addr::new(10, 0, 0, 101)),
    );
    assert!(o.reply.is_none());
}

#[test]
fn renewing_and_rebinding_extend_the_lease_by_unicast() {
    let mut d = server();
    let mac = MacAddr([2, 9, 0, 0, 0, 1]);
    let ip = dora(&mut d, T0, mac).yiaddr();
    assert!((100..=109).contains(&ip.octets()[3]));
    let renew = |d: &mut Dhcp, now| {
        send(d, now, MessageType::Request, mac, |m| {
            m.set_ciaddr(ip);
        })
    };
    let o = renew(&mut d, T0 + 300);
    assert_eq!(o.reply.as_ref().unwrap().to, SocketAddrV4::new(ip, 68));
    let m = decode(&o);
    assert_eq!(
        (kind(&m), m.yiaddr(), m.ciaddr()),
        (MessageType::Ack, ip, ip)
    );
    assert_eq!(
        o.records,
        vec![LeaseRecord::Bound {
            ip,
            mac,
            expires: T0 + 300 + 600
        }]
    );
    assert!(o.smd_writes.is_empty(), "a renewal is not a new address");
    // Rebinding after the original expiry but within the renewed one.
    let m = decode(&renew(&mut d, T0 + 800));
    assert_eq!(kind(&m), MessageType::Ack);
    // Renewing an address that is not its own: NAK.
    let o = send(
        &mut d,
        T0 + 800,
        MessageType::Request,
        MacAddr([2, 9, 0, 0, 0, 2]),
        |m| {
            m.set_ciaddr(ip);
        },
    );
    assert_eq!(kind(&decode(&o)), MessageType::Nak);
}

#[test]
fn relayed_requests_use_the_giaddr_subnet_and_answer_the_relay() {
    let mut d = server();
    let mac = MacAddr([2, 9, 0, 0, 0, 1]);
    let gi = Ipv4Addr::new(10, 1, 0, 1);
    let o = discover(&mut d, mac, |m: &mut Message| {
        m.set_giaddr(gi);
    });
    assert_eq!(o.reply.as_ref().unwrap().to, SocketAddrV4::new(gi, 67));
    let m = decode(&o);
    assert_eq!(m.giaddr(), gi);
    assert_eq!(m.yiaddr(), Ipv4Addr::new(10, 1, 0, 100));
    assert_eq!(
        opt(&m, OptionCode::Router),
        Some(&DhcpOption::Router(vec![Ipv4Addr::new(10, 1, 0, 1)]))
    );
    let o = send(&mut d, T0, MessageType::Request, mac, |m| {
        m.set_giaddr(gi);
        m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
        m.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(10, 1, 0, 100)));
    });
    assert_eq!(kind(&decode(&o)), MessageType::Ack);
    assert_eq!(o.reply.unwrap().to, SocketAddrV4::new(gi, 67));
    // A relay on a network we do not serve: no answer.
    let o = discover(&mut d, mac, |m: &mut Message| {
        m.set_giaddr(Ipv4Addr::new(192, 168, 0, 1));
    });
    assert!(o.reply.is_none());
    assert_eq!(d.counters().no_subnet, 1);
}

#[test]
fn pool_exhaustion_means_no_offer() {
    let mut d = server();
    for i in 0..10u8 {
        let ack = dora(&mut d, T0, MacAddr([2, 8, 0, 0, 0, i]));
        assert!((100..=109).contains(&ack.yiaddr().octets()[3]));
    }
    assert!(discover(&mut d, MacAddr([2, 8, 0, 0, 0, 10]), |_| {})
        .reply
        .is_none());
    assert_eq!(d.counters().pool_exhausted, 1);
    // Reservations are unaffected by an exhausted pool.
    assert_eq!(decode(&discover(&mut d, NODE, |_| {})).yiaddr(), NODE_IP);
}

#[test]
fn declined_address_is_quarantined() {
    let mut d = server();
    let a = MacAddr([2, 9, 0, 0, 0, 1]);
    let ip = dora(&mut d, T0, a).yiaddr();
    let o = send(&mut d, T0 + 1, MessageType::Decline, a, |m| {
        m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
        m.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
    });
    assert!(o.reply.is_none());
    assert_eq!(
        o.records,
        vec![LeaseRecord::Declined {
            ip,
            until: T0 + 1 + 600
        }]
    );
    for i in 0..20u8 {
        let o = send(
            &mut d,
            T0 + 2,
            MessageType::Discover,
            MacAddr([2, 7, 0, 0, 0, i]),
            |_| {},
        );
        if let Some(t) = &o.reply {
            let m = Message::decode(&mut Decoder::new(&t.bytes)).unwrap();
            assert_ne!(m.yiaddr(), ip, "quarantined address offered");
        }
    }
    // After the quarantine the address is usable again.
    d.expire(T0 + 700);
    let m = decode(&send(&mut d, T0 + 700, MessageType::Discover, a, |m| {
        m.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
    }));
    assert_eq!(m.yiaddr(), ip);
}

#[test]
fn expired_lease_goes_to_another_client() {
    let mut cfg = config();
    cfg.subnets[0].pool = Some(PoolRange {
        start: "10.0.0.100".parse().unwrap(),
        end: "10.0.0.100".parse().unwrap(),
    });
    let mut d = server_with(cfg);
    let a = MacAddr([2, 9, 0, 0, 0, 1]);
    let b = MacAddr([2, 9, 0, 0, 0, 2]);
    let ip = dora(&mut d, T0, a).yiaddr();
    assert!(
        send(&mut d, T0 + 599, MessageType::Discover, b, |_| {})
            .reply
            .is_none(),
        "live lease"
    );
    let m = decode(&send(&mut d, T0 + 600, MessageType::Discover, b, |_| {}));
    assert_eq!(m.yiaddr(), ip);
    // The old owner's renewal is refused.
    let o = send(&mut d, T0 + 601, MessageType::Request, a, |m| {
        m.set_ciaddr(ip);
    });
    assert_eq!(kind(&decode(&o)), MessageType::Nak);
}

#[test]
fn release_frees_the_address() {
    let mut d = server();
    let a = MacAddr([2, 9, 0, 0, 0, 1]);
    let ip = dora(&mut d, T0, a).yiaddr();
    let o = send(&mut d, T0 + 5, MessageType::Release, a, |m| {
        m.set_ciaddr(ip);
        m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
    });
    assert!(o.reply.is_none());
    assert_eq!(o.records, vec![LeaseRecord::Released { ip, mac: a }]);
    assert!(d.leases().by_ip(&ip).is_none());
}

#[test]
fn inform_gets_options_without_an_address() {
    let mut d = server();
    let ip = Ipv4Addr::new(10, 0, 0, 50);
    let o = send(
        &mut d,
        T0,
        MessageType::Inform,
        MacAddr([2, 9, 0, 0, 0, 1]),
        |m| {
            m.set_ciaddr(ip);
        },
    );
    assert_eq!(o.reply.as_ref().unwrap().to, SocketAddrV4::new(ip, 68));
    let m = decode(&o);
    assert_eq!(kind(&m), MessageType::Ack);
    assert_eq!(m.yiaddr(), Ipv4Addr::UNSPECIFIED);
    assert!(opt(&m, OptionCode::AddressLeaseTime).is_none());
    assert!(opt(&m, OptionCode::Router).is_some());
    assert!(o.records.is_empty());
}

// ---- SMD ----

#[test]
fn pool_leases_are_written_back_to_smd() {
    let mut d = server();
    let unknown = MacAddr([2, 9, 0, 0, 0, 1]);
    discover(&mut d, unknown, |_| {});
    let ip = d.leases().of_mac(&unknown, T0).unwrap().ip;
    let o = select(&mut d, T0, unknown, ip);
    assert_eq!(
        o.smd_writes,
        vec![SmdWrite::CreateInterface { mac: unknown, ip }]
    );
    let o = send(&mut d, T0, MessageType::Discover, KNOWN_NO_IP, |_| {});
    let ip2 = decode(&o).yiaddr();
    let o = select(&mut d, T0, KNOWN_NO_IP, ip2);
    assert_eq!(
        o.smd_writes,
        vec![SmdWrite::AddAddress {
            mac: KNOWN_NO_IP,
            ip: ip2
        }]
    );
}

#[test]
fn unknown_mac_triggers_a_rate_limited_refresh_then_moves_to_its_smd_address() {
    let mut d = server();
    let newbie = MacAddr([2, 9, 0, 0, 0, 1]);
    assert!(send(&mut d, T0, MessageType::Discover, newbie, |_| {}).refresh_smd);
    assert!(
        !send(&mut d, T0 + 1, MessageType::Discover, newbie, |_| {}).refresh_smd,
        "rate-limited"
    );
    assert!(
        !send(&mut d, T0 + 1, MessageType::Discover, NODE, |_| {}).refresh_smd,
        "known MAC"
    );
    assert!(
        send(
            &mut d,
            T0 + 5,
            MessageType::Discover,
            MacAddr([2, 9, 0, 0, 0, 2]),
            |_| {}
        )
        .refresh_smd
    );
    let pool_ip = dora(&mut d, T0 + 6, newbie).yiaddr();
    // magellan discovers it; SMD now gives it 10.0.0.20.
    let mut ifaces = vec![EthernetInterface {
        mac_address: newbie.to_string(),
        component_id: "x1000c1s1b0n0".into(),
        ip_addresses: vec![IpAddressEntry {
            ip_address: "10.0.0.20".into(),
            network: String::new(),
        }],
        ..Default::default()
    }];
    ifaces.push(EthernetInterface {
        mac_address: NODE.to_string(),
        ip_addresses: vec![IpAddressEntry {
            ip_address: NODE_IP.to_string(),
            network: String::new(),
        }],
        ..Default::default()
    });
    d.set_reservations(Reservations::from_smd(&ifaces, &[]));
    let o = send(&mut d, T0 + 60, MessageType::Request, newbie, |m| {
        m.set_ciaddr(pool_ip);
    });
    assert_eq!(
        kind(&decode(&o)),
        MessageType::Nak,
        "renewal of the pool address refused"
    );
    assert_eq!(
        dora(&mut d, T0 + 61, newbie).yiaddr(),
        Ipv4Addr::new(10, 0, 0, 20)
    );
}

#[test]
fn smd_outage_keeps_the_last_cache() {
    // The server only replaces the cache on a successful fetch; the core
    // keeps serving what it has.
    let mut d = server();
    assert_eq!(d.reservations().len(), 3);
    assert_eq!(dora(&mut d, T0, NODE).yiaddr(), NODE_IP);
    assert_eq!(dora(&mut d, T0 + 3600 * 24, NODE).yiaddr(), NODE_IP);
}

#[test]
fn smd_reserved_addresses_are_never_given_from_the_pool() {
    let mut cfg = config();
    cfg.subnets[0].pool = Some(PoolRange {
        start: "10.0.0.5".parse().unwrap(),
        end: "10.0.0.6".parse().unwrap(),
    });
    let mut d = server_with(cfg);
    let m = decode(&discover(&mut d, MacAddr([2, 9, 0, 0, 0, 1]), |_| {}));
    assert_eq!(m.yiaddr(), Ipv4Addr::new(10, 0, 0, 6));
    assert!(discover(&mut d, MacAddr([2, 9, 0, 0, 0, 2]), |_| {})
        .reply
        .is_none());
}

// ---- restart, ProxyDHCP ----

#[test]
fn restored_leases_are_honoured() {
    let mut d = server();
    let a = MacAddr([2, 9, 0, 0, 0, 1]);
    let ip = dora(&mut d, T0, a).yiaddr();
    let snap = d.leases().snapshot(T0);
    let mut d2 = server();
    d2.restore(&snap, T0 + 10);
    let m = decode(&send(&mut d2, T0 + 10, MessageType::Request, a, |m| {
        m.set_ciaddr(ip)
            .opts_mut()
            .insert(DhcpOption::Hostname("x".into()))
            .map(|_| ())
            .unwrap_or(())
    }));
    assert_eq!(kind(&m), MessageType::Ack);
    let other = decode(&send(
        &mut d2,
        T0 + 10,
        MessageType::Discover,
        MacAddr([2, 9, 0, 0, 0, 2]),
        |_| {},
    ));
    assert_ne!(other.yiaddr(), ip);
}

#[test]
fn proxy_dhcp_sends_boot_information_only() {
    let mut cfg = config();
    cfg.mode = Mode::Proxy;
    let mut d = server_with(cfg);
    let m = decode(&discover(&mut d, NODE, arch(7)));
    assert_eq!(kind(&m), MessageType::Offer);
    assert_eq!(m.yiaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(fname(&m).as_deref(), Some("ipxe.efi"));
    assert_eq!(
        opt(&m, OptionCode::ClassIdentifier),
        Some(&DhcpOption::ClassIdentifier(b"PXEClient".to_vec()))
    );
    assert!(opt(&m, OptionCode::AddressLeaseTime).is_none());
    assert!(
        discover(&mut d, NODE, |_| {}).reply.is_none(),
        "not a boot client"
    );
    let from = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 77), 4011);
    let o = d.handle(
        T0,
        from,
        4011,
        &request_bytes(MessageType::Request, NODE, 9, |m| {
            m.set_ciaddr(Ipv4Addr::new(10, 0, 0, 77));
            arch(0)(m);
        }),
    );
    assert_eq!(o.reply.as_ref().unwrap().to, from);
    let m = decode(&o);
    assert_eq!(
        (kind(&m), fname(&m).as_deref()),
        (MessageType::Ack, Some("undionly.kpxe"))
    );
    assert!(d.leases().is_empty());
}

#[test]
fn example_config_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/dhcpd-shim.example.toml"
    );
    let cfg: Config =
        ochami_service::config::load("DHCPD_SHIM_TEST_NOPE_", Some(std::path::Path::new(path)))
            .unwrap();
    assert_eq!(cfg.interface.as_deref(), Some("br0"));
    assert_eq!(cfg.server_address, Ipv4Addr::new(172, 16, 0, 253));
    assert_eq!(cfg.subnets[0].uefi_boot, UefiBoot::Pxe);
    assert_eq!(cfg.subnets[0].lease_time, Duration::from_secs(3600));
    assert_eq!(cfg.bss_base(), "http://172.16.0.253:27778");
    cfg.validate().unwrap();
}

#[test]
fn config_errors_name_the_key_and_empty_smd_url_means_none() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "server_address = \"10.0.0.1\"\nsmd_url = \"\"\n[[subnets]]\ncidr = \"10.0.0.0/24\"\nuefi_boot = \"http\"\n").unwrap();
    let cfg: Config = ochami_service::config::load("DHCPD_SHIM_TEST_NOPE_", Some(&p)).unwrap();
    assert_eq!(cfg.smd_url, None);
    assert_eq!(cfg.subnets[0].uefi_boot, UefiBoot::Http);
    std::fs::write(&p, "server_address = \"10.0.0.1\"\n[[subnets]]\ncidr = \"10.0.0.0/24\"\nuefi_boot = \"tftp\"\n").unwrap();
    let e = ochami_service::config::load::<Config>("DHCPD_SHIM_TEST_NOPE_", Some(&p))
        .unwrap_err()
        .0;
    assert!(e.contains("uefi_boot") && e.contains("pxe"), "{e}");
    let mut cfg = config();
    cfg.server_address = Ipv4Addr::UNSPECIFIED;
    assert!(cfg
        .validate()
        .unwrap_err()
        .contains("DHCPD_SHIM_SERVER_ADDRESS"));
}

#[test]
fn client_identifier_and_relay_agent_information_are_echoed() {
    use dhcproto::v4::relay::{RelayAgentInformation, RelayInfo};
    let mut d = server();
    let mut rai = RelayAgentInformation::default();
    rai.insert(RelayInfo::AgentCircuitId(b"port7".to_vec()));
    let r2 = rai.clone();
    let m = decode(&discover(
        &mut d,
        MacAddr([2, 9, 0, 0, 0, 1]),
        move |m: &mut Message| {
            m.set_giaddr(Ipv4Addr::new(10, 1, 0, 1));
            m.opts_mut()
                .insert(DhcpOption::ClientIdentifier(vec![1, 2, 9, 0, 0, 0, 1]));
            m.opts_mut().insert(DhcpOption::RelayAgentInformation(r2));
        },
    ));
    assert_eq!(
        opt(&m, OptionCode::ClientIdentifier),
        Some(&DhcpOption::ClientIdentifier(vec![1, 2, 9, 0, 0, 0, 1]))
    );
    assert_eq!(
        opt(&m, OptionCode::RelayAgentInformation),
        Some(&DhcpOption::RelayAgentInformation(rai))
    );
}

#[test]
fn broadcast_flag_means_broadcast_reply() {
    let mut d = server();
    let o = discover(&mut d, NODE, |m: &mut Message| {
        m.set_flags(dhcproto::v4::Flags::default().set_broadcast());
    });
    let t = o.reply.unwrap();
    assert_eq!(
        (t.to, t.link_addr),
        (SocketAddrV4::new(Ipv4Addr::BROADCAST, 68), None)
    );
}
