//! The tokio layer over real loopback sockets, with a hand-made client so the
//! test sees ports and packets: one TID per transfer (or the listening port in
//! single-port mode), strangers refused with ERROR 5, OVMF's tsize probe.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use crate::common::{content, TestServer};
use tftpd::codec::{ErrorCode, Packet, Request};

fn client() -> UdpSocket {
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

fn rrq(name: &str, options: &[(&str, &str)]) -> Vec<u8> {
    Packet::Rrq(Request {
        filename: name.into(),
        mode: "octet".into(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
    .to_bytes()
}

fn recv(c: &UdpSocket) -> (Packet, SocketAddr) {
    let mut buf = [0u8; 70_000];
    let (n, from) = c.recv_from(&mut buf).expect("a reply");
    (Packet::decode(&buf[..n]).expect("a valid packet"), from)
}

/// Fetch `name` lockstep; returns the bytes and the port the data came from.
fn fetch(c: &UdpSocket, server: SocketAddr, name: &str) -> (Vec<u8>, SocketAddr) {
    c.send_to(&rrq(name, &[]), server).unwrap();
    let mut got = Vec::new();
    let mut tid = None;
    loop {
        let (p, from) = recv(c);
        assert_eq!(*tid.get_or_insert(from), from, "one TID per transfer");
        let Packet::Data { block, data } = p else {
            panic!("expected DATA, got {p:?}")
        };
        got.extend_from_slice(&data);
        c.send_to(&Packet::Ack { block }.to_bytes(), from).unwrap();
        if data.len() < 512 {
            return (got, from);
        }
    }
}

#[test]
fn each_transfer_gets_its_own_port_and_strangers_get_error_5() {
    let s = TestServer::start(|_| {});
    let c = client();
    c.send_to(&rrq("f1048576.bin", &[]), s.addr()).unwrap();
    let (first, tid) = recv(&c);
    assert!(matches!(first, Packet::Data { block: 1, .. }));
    assert_eq!(tid.ip(), s.addr().ip());
    assert_ne!(tid.port(), s.addr().port());

    // Someone else writes to that TID: they get ERROR 5, the transfer goes on.
    let stranger = client();
    stranger
        .send_to(&Packet::Ack { block: 1 }.to_bytes(), tid)
        .unwrap();
    let (p, _) = recv(&stranger);
    assert!(
        matches!(
            p,
            Packet::Error {
                code: ErrorCode::UnknownTransferId,
                ..
            }
        ),
        "{p:?}"
    );
    c.send_to(&Packet::Ack { block: 1 }.to_bytes(), tid)
        .unwrap();
    let (p, from) = recv(&c);
    assert!(matches!(p, Packet::Data { block: 2, .. }), "{p:?}");
    assert_eq!(from, tid);

    // A second transfer from another client runs on another port.
    let (bytes, tid2) = fetch(&client(), s.addr(), "f513.bin");
    assert_eq!(bytes, content(513));
    assert_ne!(tid2, tid);
}

#[test]
fn single_port_mode_answers_from_the_listening_port() {
    let s = TestServer::start(|c| c.single_port = true);
    let (bytes, from) = fetch(&client(), s.addr(), "f1048576.bin");
    assert_eq!(from, s.addr());
    assert!(bytes == content(1 << 20));
}

#[test]
fn ovmf_asks_for_tsize_aborts_with_error_8_then_fetches() {
    let s = TestServer::start(|_| {});
    let c = client();
    c.send_to(
        &rrq("f1048576.bin", &[("tsize", "0"), ("blksize", "1468")]),
        s.addr(),
    )
    .unwrap();
    let (p, tid) = recv(&c);
    let Packet::Oack { options } = p else {
        panic!("expected OACK, got {p:?}")
    };
    assert!(
        options.contains(&("tsize".into(), "1048576".into())),
        "{options:?}"
    );
    let abort = Packet::Error {
        code: ErrorCode::OptionRefused,
        message: "".into(),
    };
    c.send_to(&abort.to_bytes(), tid).unwrap();
    // The aborted transfer stays silent: no DATA, no retransmitted OACK.
    c.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut buf = [0u8; 100];
    assert!(c.recv_from(&mut buf).is_err(), "aborted transfer sent more");
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();

    let (bytes, _) = fetch(&c, s.addr(), "f1048576.bin");
    assert!(bytes == content(1 << 20));
}

#[test]
fn write_requests_are_refused_with_error_2() {
    let s = TestServer::start(|_| {});
    let c = client();
    let wrq = Packet::Wrq(Request {
        filename: "new".into(),
        mode: "octet".into(),
        options: vec![],
    });
    c.send_to(&wrq.to_bytes(), s.addr()).unwrap();
    let (p, _) = recv(&c);
    assert!(
        matches!(
            p,
            Packet::Error {
                code: ErrorCode::AccessViolation,
                ..
            }
        ),
        "{p:?}"
    );
    assert!(!crate::common::root().join("new").exists());
}
