//! `metrics_listen`: dhcpd-shim in-process on loopback, a relay agent made of
//! one UDP socket speaking dhcproto, a DISCOVER/REQUEST exchange, a refused
//! REQUEST, a RELEASE and malformed packets; then `GET /metrics` shows each.
//!
//! Replies to a relay go to `giaddr:67`, so the test's relay socket needs port
//! 67 on a loopback address: it needs root (as CI runs it), and fails without
//! it unless `OCHAMI_SKIP=root`.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use dhcpd_shim::config::{PoolRange, SubnetConfig};
use dhcpd_shim::protocol::request_bytes;
use dhcpd_shim::Config;
use dhcproto::v4::{DhcpOption, Message, MessageType};
use dhcproto::{Decodable, Decoder};
use ochami_service::metrics::sample;
use ochami_types::MacAddr;
use tokio::net::UdpSocket;

const SERVER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);

/// A relay address of its own per test process, on the loopback /8.
fn relay_ip() -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(127, 66, (pid >> 8) as u8, (pid as u8).max(2))
}

fn relay_socket(ip: Ipv4Addr) -> Option<UdpSocket> {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).ok()?;
    s.set_reuse_address(true).ok()?;
    s.set_nonblocking(true).ok()?;
    match s.bind(&SocketAddr::V4(SocketAddrV4::new(ip, 67)).into()) {
        Ok(()) => UdpSocket::from_std(s.into()).ok(),
        Err(e) => panic!("cannot bind {ip}:67 for the relay: {e}"),
    }
}

async fn exchange(relay: &UdpSocket, server: SocketAddrV4, bytes: &[u8]) -> Message {
    relay.send_to(bytes, server).await.unwrap();
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(10), relay.recv_from(&mut buf))
        .await
        .expect("a reply within 10 s")
        .unwrap();
    Message::decode(&mut Decoder::new(&buf[..n])).expect("a well-formed reply")
}

async fn scrape(addr: SocketAddr) -> String {
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    res.text().await.unwrap()
}

fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

fn kind(m: &Message) -> Option<MessageType> {
    m.opts().msg_type()
}

#[tokio::test]
async fn metrics_count_packets_leases_and_malformed_drops() {
    if !ochami_e2e::need::root("binding UDP port 67 for the relay") {
        return;
    }
    let relay_ip = relay_ip();
    let relay = relay_socket(relay_ip).expect("the relay socket");
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        listen: SocketAddrV4::new(SERVER, 0),
        server_address: SERVER,
        smd_url: None,
        lease_file: dir.path().join("leases"),
        metrics_listen: Some("127.0.0.1:0".parse().unwrap()),
        subnets: vec![SubnetConfig {
            cidr: "127.66.0.0/16".parse().unwrap(),
            routers: vec![relay_ip],
            dns_servers: None,
            domain: None,
            pool: Some(PoolRange {
                start: Ipv4Addr::new(127, 66, 255, 100),
                end: Ipv4Addr::new(127, 66, 255, 150),
            }),
            lease_time: Duration::from_secs(3600),
            pool_lease_time: Duration::from_secs(600),
            uefi_boot: Default::default(),
        }],
        ..Config::default()
    };
    let running = dhcpd_shim::server::start(cfg).await.expect("server starts");
    let server = running.local_addr;
    let metrics = running.metrics_addr.expect("metrics on");
    let before = scrape(metrics).await;
    assert_eq!(
        value(
            &before,
            r#"dhcpd_shim_packets_received_total{type="discover"}"#
        ),
        0.0
    );
    assert_eq!(value(&before, "dhcpd_shim_leases_active"), 0.0);

    let mac = MacAddr([0x02, 0x66, 0, 0, 0, 1]);
    let via_relay = |m: &mut Message| {
        m.set_giaddr(relay_ip);
    };
    let offer = exchange(
        &relay,
        server,
        &request_bytes(MessageType::Discover, mac, 1, via_relay),
    )
    .await;
    assert_eq!(kind(&offer), Some(MessageType::Offer));
    let ip = offer.yiaddr();
    let ack = exchange(
        &relay,
        server,
        &request_bytes(MessageType::Request, mac, 2, |m| {
            m.set_giaddr(relay_ip);
            m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
            m.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        }),
    )
    .await;
    assert_eq!(kind(&ack), Some(MessageType::Ack));
    let bound = scrape(metrics).await;
    assert_eq!(value(&bound, "dhcpd_shim_leases_active"), 1.0);

    // A REQUEST for an address off this client's network is refused.
    let nak = exchange(
        &relay,
        server,
        &request_bytes(MessageType::Request, mac, 3, |m| {
            m.set_giaddr(relay_ip);
            m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
            m.opts_mut()
                .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(10, 9, 9, 9)));
        }),
    )
    .await;
    assert_eq!(kind(&nak), Some(MessageType::Nak));
    // RELEASE (no reply), garbage, a BOOTREPLY where a request belongs.
    let release = request_bytes(MessageType::Release, mac, 4, |m| {
        m.set_giaddr(relay_ip).set_ciaddr(ip);
    });
    relay.send_to(&release, server).await.unwrap();
    relay.send_to(b"not dhcp", server).await.unwrap();
    let mut reply_shaped = request_bytes(MessageType::Discover, mac, 5, via_relay);
    reply_shaped[0] = 2;
    relay.send_to(&reply_shaped, server).await.unwrap();
    // The socket is read in order: once this OFFER is back, all of the above was handled.
    let other = MacAddr([0x02, 0x66, 0, 0, 0, 2]);
    let offer2 = exchange(
        &relay,
        server,
        &request_bytes(MessageType::Discover, other, 6, via_relay),
    )
    .await;
    assert_eq!(kind(&offer2), Some(MessageType::Offer));

    let text = scrape(metrics).await;
    let received = |t: &str| {
        value(
            &text,
            &format!(r#"dhcpd_shim_packets_received_total{{type="{t}"}}"#),
        )
    };
    let sent = |t: &str| {
        value(
            &text,
            &format!(r#"dhcpd_shim_packets_sent_total{{type="{t}"}}"#),
        )
    };
    let leases = |e: &str| value(&text, &format!(r#"dhcpd_shim_leases_total{{event="{e}"}}"#));
    let malformed = |r: &str| {
        value(
            &text,
            &format!(r#"dhcpd_shim_malformed_packets_total{{reason="{r}"}}"#),
        )
    };
    assert_eq!(
        (
            received("discover"),
            received("request"),
            received("release")
        ),
        (2.0, 2.0, 1.0)
    );
    assert_eq!(received("offer"), 0.0);
    assert_eq!((sent("offer"), sent("ack"), sent("nak")), (2.0, 1.0, 1.0));
    assert_eq!(
        (
            leases("offered"),
            leases("acked"),
            leases("naked"),
            leases("released"),
            leases("declined")
        ),
        (2.0, 1.0, 1.0, 1.0, 0.0)
    );
    assert_eq!(value(&text, "dhcpd_shim_leases_active"), 0.0, "released");
    assert_eq!(
        (malformed("too_short"), malformed("not_bootrequest")),
        (1.0, 1.0)
    );
    assert_eq!(malformed("bad_option"), 0.0);
    assert_eq!(
        value(
            &text,
            r#"dhcpd_shim_packets_dropped_total{reason="pool_exhausted"}"#
        ),
        0.0
    );
    running.stop().await;
}

#[tokio::test]
async fn metrics_are_off_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        listen: SocketAddrV4::new(SERVER, 0),
        server_address: SERVER,
        smd_url: None,
        lease_file: dir.path().join("leases"),
        subnets: vec![SubnetConfig {
            cidr: "127.0.0.0/8".parse().unwrap(),
            routers: Vec::new(),
            dns_servers: None,
            domain: None,
            pool: None,
            lease_time: Duration::from_secs(3600),
            pool_lease_time: Duration::from_secs(600),
            uefi_boot: Default::default(),
        }],
        ..Config::default()
    };
    let running = dhcpd_shim::server::start(cfg).await.expect("server starts");
    assert_eq!(running.metrics_addr, None);
    running.stop().await;
}
