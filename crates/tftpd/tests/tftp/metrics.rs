//! `metrics_listen`: real TFTP traffic over loopback — a download, a refused
//! name, a write request, garbage — then `GET /metrics` shows each counted.

use std::io::{Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use crate::common::{content, file_name, TestServer};
use ochami_service::metrics::sample;
use tftpd::codec::{ErrorCode, Packet, Request};

fn rrq(name: &str) -> Vec<u8> {
    Packet::Rrq(Request {
        filename: name.into(),
        mode: "octet".into(),
        options: Vec::new(),
    })
    .to_bytes()
}

fn recv(c: &UdpSocket) -> (Packet, SocketAddr) {
    let mut buf = [0u8; 2048];
    let (n, from) = c.recv_from(&mut buf).expect("a reply");
    (Packet::decode(&buf[..n]).expect("a valid packet"), from)
}

fn error_code(c: &UdpSocket) -> ErrorCode {
    match recv(c).0 {
        Packet::Error { code, .. } => code,
        p => panic!("expected ERROR, got {p:?}"),
    }
}

/// `GET /metrics` over a plain TCP connection: (status line, content type, body).
fn scrape(addr: SocketAddr) -> (String, String, String) {
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head.lines().next().unwrap_or_default().to_owned();
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    (status, ctype, body.to_owned())
}

fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

#[test]
fn metrics_count_transfers_refusals_drops_and_bytes() {
    let s = TestServer::start(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap()));
    let metrics = s
        .server
        .as_ref()
        .unwrap()
        .metrics_addr()
        .expect("metrics on");
    let (status, ctype, before) = scrape(metrics);
    assert!(status.contains(" 200"), "{status}");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    assert_eq!(value(&before, "tftpd_transfers_started_total"), 0.0);
    assert_eq!(value(&before, "tftpd_sent_bytes_total"), 0.0);

    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Garbage on the listening port: too short to be anything, and an opcode
    // TFTP does not have. Neither stops the next request being served.
    c.send_to(&[0x00], s.addr()).unwrap();
    c.send_to(&[0x00, 0x09, b'x', 0], s.addr()).unwrap();
    assert_eq!(error_code(&c), ErrorCode::IllegalOperation);
    // A name that is not there, and a write request.
    c.send_to(&rrq("no-such-file"), s.addr()).unwrap();
    assert_eq!(error_code(&c), ErrorCode::FileNotFound);
    let wrq = Packet::Wrq(Request {
        filename: "x".into(),
        mode: "octet".into(),
        options: Vec::new(),
    });
    c.send_to(&wrq.to_bytes(), s.addr()).unwrap();
    assert_eq!(error_code(&c), ErrorCode::AccessViolation);
    // One whole download of 513 bytes: two DATA blocks, lockstep.
    let name = file_name(513);
    c.send_to(&rrq(&name), s.addr()).unwrap();
    let mut got = Vec::new();
    loop {
        let (p, from) = recv(&c);
        let Packet::Data { block, data } = p else {
            panic!("expected DATA, got {p:?}")
        };
        got.extend_from_slice(&data);
        c.send_to(&Packet::Ack { block }.to_bytes(), from).unwrap();
        if data.len() < 512 {
            break;
        }
    }
    assert_eq!(got, content(513));
    // A second transfer the client ends with an ERROR after the first block.
    c.send_to(&rrq(&name), s.addr()).unwrap();
    let (_, from) = recv(&c);
    c.send_to(
        &Packet::Error {
            code: ErrorCode::NotDefined,
            message: "stop".into(),
        }
        .to_bytes(),
        from,
    )
    .unwrap();
    // That ERROR arrives on the transfer's own socket, not in order with
    // anything the test can wait for: scrape until the loop has taken it.
    let mut text = scrape(metrics).2;
    for _ in 0..500 {
        if value(&text, "tftpd_transfers_active") == 0.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        text = scrape(metrics).2;
    }

    assert_eq!(value(&text, r#"tftpd_requests_total{type="read"}"#), 3.0);
    assert_eq!(value(&text, r#"tftpd_requests_total{type="write"}"#), 1.0);
    assert_eq!(
        value(&text, r#"tftpd_requests_refused_total{reason="not_found"}"#),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"tftpd_requests_refused_total{reason="write_request"}"#
        ),
        1.0
    );
    assert_eq!(value(&text, "tftpd_transfers_started_total"), 2.0);
    assert_eq!(value(&text, "tftpd_transfers_completed_total"), 1.0);
    assert_eq!(
        value(
            &text,
            r#"tftpd_transfers_failed_total{reason="client_error"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"tftpd_transfers_failed_total{reason="idle_timeout"}"#
        ),
        0.0
    );
    assert_eq!(value(&text, "tftpd_transfers_active"), 0.0);
    assert_eq!(
        value(&text, r#"tftpd_packets_dropped_total{reason="malformed"}"#),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"tftpd_packets_dropped_total{reason="unknown_opcode"}"#
        ),
        1.0
    );
    // 3 DATA (516 + 5 + 516 bytes) and 3 ERRORs at least (more if a slow
    // ACK made the server retransmit).
    let bytes = value(&text, "tftpd_sent_bytes_total");
    assert!(bytes >= 516.0 + 5.0 + 516.0, "{bytes}");
    assert!(value(&text, "tftpd_sent_datagrams_total") >= 6.0, "{text}");
    assert_eq!(value(&text, r#"tftpd_socket_errors_total{op="send"}"#), 0.0);
}

#[test]
fn metrics_are_off_unless_configured() {
    let s = TestServer::start(|_| {});
    assert_eq!(s.server.as_ref().unwrap().metrics_addr(), None);
}
