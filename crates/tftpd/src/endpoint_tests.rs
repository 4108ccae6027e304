//! State-machine tests: the endpoint fed packets and a fake clock, no sockets.

use std::collections::HashMap;
use std::sync::Arc;

use super::*;
use crate::codec::Request;
use crate::path::RelPath;

/// Files in memory, keyed by normalized name.
#[derive(Default)]
struct MemStorage(HashMap<String, Arc<[u8]>>);

impl Storage for MemStorage {
    fn open(&mut self, name: &RelPath) -> Result<Blob, PathError> {
        let key = name.as_path().to_str().unwrap_or_default();
        self.0
            .get(key)
            .map(|b| Blob::Memory(b.clone()))
            .ok_or(PathError::NotFound)
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

const CLIENT: &str = "127.0.0.1:40000";

struct Harness {
    ep: Endpoint<MemStorage>,
    now: Instant,
    client: SocketAddr,
}

impl Harness {
    fn new(files: &[(&str, Vec<u8>)]) -> Self {
        Self::with_config(files, EndpointConfig::default())
    }

    fn with_config(files: &[(&str, Vec<u8>)], config: EndpointConfig) -> Self {
        let storage = MemStorage(
            files
                .iter()
                .map(|(n, b)| (n.to_string(), Arc::from(b.as_slice())))
                .collect(),
        );
        Harness {
            ep: Endpoint::new(config, storage),
            now: Instant::now(),
            client: CLIENT.parse().unwrap(),
        }
    }

    fn rrq(&mut self, name: &str, mode: &str, opts: &[(&str, &str)]) -> Vec<(Via, Packet)> {
        let p = Packet::Rrq(Request {
            filename: name.into(),
            mode: mode.into(),
            options: opts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        self.send(Via::Listener, &p.to_bytes())
    }

    fn send(&mut self, via: Via, bytes: &[u8]) -> Vec<(Via, Packet)> {
        let client = self.client;
        self.send_from(via, client, bytes)
    }

    fn send_from(&mut self, via: Via, from: SocketAddr, bytes: &[u8]) -> Vec<(Via, Packet)> {
        self.ep.handle(self.now, via, from, bytes);
        self.drain()
    }

    fn ack(&mut self, via: Via, block: u16) -> Vec<(Via, Packet)> {
        self.send(via, &Packet::Ack { block }.to_bytes())
    }

    fn drain(&mut self) -> Vec<(Via, Packet)> {
        let mut out = Vec::new();
        while let Some(t) = self.ep.poll_transmit() {
            out.push((
                t.via,
                Packet::decode(&t.payload).expect("we send valid packets"),
            ));
        }
        out
    }

    fn events(&mut self) -> Vec<TransferEvent> {
        std::iter::from_fn(|| self.ep.poll_event()).collect()
    }

    fn advance(&mut self, d: Duration) -> Vec<(Via, Packet)> {
        self.now += d;
        self.ep.handle_timeout(self.now);
        self.drain()
    }
}

fn data(block: u16, bytes: &[u8]) -> Packet {
    Packet::Data {
        block,
        data: bytes.to_vec(),
    }
}

fn oack(opts: &[(&str, &str)]) -> Packet {
    Packet::Oack {
        options: opts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn error_code(p: &Packet) -> Option<u16> {
    match p {
        Packet::Error { code, .. } => Some(u16::from(*code)),
        _ => None,
    }
}

const T0: Via = Via::Transfer(TransferId(0));

#[test]
fn rfc1350_lockstep_from_its_own_tid_to_completion() {
    let file = pattern(1030);
    let mut h = Harness::new(&[("ipxe.efi", file.clone())]);
    assert_eq!(
        h.rrq("/ipxe.efi", "octet", &[]),
        vec![(T0, data(1, &file[..512]))]
    );
    assert_eq!(h.events(), vec![TransferEvent::Opened(TransferId(0))]);
    assert_eq!(h.ack(T0, 1), vec![(T0, data(2, &file[512..1024]))]);
    assert_eq!(h.ack(T0, 2), vec![(T0, data(3, &file[1024..]))]);
    assert_eq!(h.ack(T0, 3), vec![]);
    assert_eq!(h.events(), vec![TransferEvent::Closed(TransferId(0))]);
    assert_eq!(h.ep.active_transfers(), 0);
    assert_eq!(h.ep.stats().completed, 1);
    assert_eq!(h.ep.poll_timeout(), None);
}

#[test]
fn sizes_at_block_boundaries_end_with_a_short_block() {
    for (len, blocks) in [
        (0usize, 1u16),
        (1, 1),
        (511, 1),
        (512, 2),
        (513, 2),
        (1024, 3),
    ] {
        let file = pattern(len);
        let mut h = Harness::new(&[("f", file.clone())]);
        let mut got = Vec::new();
        let mut out = h.rrq("f", "octet", &[]);
        for block in 1..=blocks {
            assert_eq!(out.len(), 1, "len {len}");
            let Packet::Data { block: b, data } = &out[0].1 else {
                panic!("expected DATA, got {:?}", out[0].1)
            };
            assert_eq!(*b, block);
            assert_eq!(data.len() < 512, block == blocks, "len {len} block {block}");
            got.extend_from_slice(data);
            out = h.ack(T0, block);
        }
        assert_eq!(got, file, "len {len}");
        assert_eq!(h.ep.stats().completed, 1, "len {len}");
    }
}

#[test]
fn options_are_acknowledged_with_oack_then_data_at_the_new_size() {
    let file = pattern(3000);
    let mut h = Harness::new(&[("f", file.clone())]);
    let out = h.rrq(
        "f",
        "octet",
        &[("tsize", "0"), ("blksize", "1024"), ("x-unknown", "1")],
    );
    assert_eq!(
        out,
        vec![(T0, oack(&[("tsize", "3000"), ("blksize", "1024")]))]
    );
    assert_eq!(h.ack(T0, 0), vec![(T0, data(1, &file[..1024]))]);
    // A repeated ACK 0 is a duplicate, not a restart.
    assert_eq!(h.ack(T0, 0), vec![]);
    assert_eq!(h.ack(T0, 1), vec![(T0, data(2, &file[1024..2048]))]);
}

#[test]
fn blksize_is_capped_by_the_configured_max() {
    let mut config = EndpointConfig::default();
    config.options.blksize_max = 1428;
    let mut h = Harness::with_config(&[("f", pattern(10))], config);
    assert_eq!(
        h.rrq("f", "octet", &[("blksize", "65464")]),
        vec![(T0, oack(&[("blksize", "1428")]))]
    );
}

#[test]
fn oack_answered_with_error_8_ends_quietly_and_the_refetch_works() {
    // OVMF: ask for tsize, read the OACK, abort with ERROR 8, then fetch for real.
    let file = pattern(700);
    let mut h = Harness::new(&[("ipxe.efi", file.clone())]);
    assert_eq!(
        h.rrq("ipxe.efi", "octet", &[("tsize", "0")]),
        vec![(T0, oack(&[("tsize", "700")]))]
    );
    let err = Packet::Error {
        code: ErrorCode::OptionRefused,
        message: "tsize only".into(),
    };
    assert_eq!(h.send(T0, &err.to_bytes()), vec![]);
    assert_eq!(
        h.events(),
        vec![
            TransferEvent::Opened(TransferId(0)),
            TransferEvent::Closed(TransferId(0))
        ]
    );
    assert_eq!(h.ep.active_transfers(), 0);
    assert_eq!(h.ep.stats().aborted_by_client, 1);
    // Nothing is retransmitted later for the aborted transfer.
    assert_eq!(h.advance(Duration::from_secs(60)), vec![]);

    let t1 = Via::Transfer(TransferId(1));
    let out = h.rrq("ipxe.efi", "octet", &[("tsize", "0"), ("blksize", "1468")]);
    assert_eq!(
        out,
        vec![(t1, oack(&[("tsize", "700"), ("blksize", "1468")]))]
    );
    assert_eq!(h.ack(t1, 0), vec![(t1, data(1, &file))]);
    assert_eq!(h.ack(t1, 1), vec![]);
    assert_eq!(h.ep.stats().completed, 1);
}

#[test]
fn timeout_retransmits_the_same_block_then_gives_up() {
    let file = pattern(600);
    let mut h = Harness::new(&[("f", file.clone())]);
    let first = h.rrq("f", "octet", &[]);
    assert_eq!(h.ep.poll_timeout(), Some(h.now + Duration::from_secs(1)));
    assert_eq!(h.advance(Duration::from_millis(999)), vec![]);
    for _ in 0..EndpointConfig::default().max_retries {
        assert_eq!(h.advance(Duration::from_secs(1)), first);
    }
    let out = h.advance(Duration::from_secs(1));
    assert_eq!(out.len(), 1);
    assert_eq!(error_code(&out[0].1), Some(0));
    assert_eq!(h.ep.active_transfers(), 0);
    assert_eq!(h.ep.stats().timed_out, 1);
    assert_eq!(h.ep.stats().failed.get("retries_exhausted"), Some(&1));
    assert_eq!(h.ep.stats().started, 1);
}

#[test]
fn negotiated_timeout_is_used_and_progress_resets_the_retry_budget() {
    let file = pattern(2000);
    let mut h = Harness::new(&[("f", file.clone())]);
    h.rrq("f", "octet", &[("timeout", "3")]);
    assert_eq!(h.ep.poll_timeout(), Some(h.now + Duration::from_secs(3)));
    assert_eq!(
        h.advance(Duration::from_secs(3)),
        vec![(T0, oack(&[("timeout", "3")]))]
    );
    h.ack(T0, 0);
    for block in 1..=3 {
        // Each block needs a retransmit, but progress keeps the transfer alive.
        for _ in 0..4 {
            assert_eq!(h.advance(Duration::from_secs(3)).len(), 1);
        }
        h.ack(T0, block);
    }
    assert_eq!(h.ep.active_transfers(), 1);
}

#[test]
fn idle_timeout_ends_a_silent_transfer() {
    let config = EndpointConfig {
        max_retries: 100,
        idle_timeout: Duration::from_secs(5),
        ..EndpointConfig::default()
    };
    let mut h = Harness::with_config(&[("f", pattern(600))], config);
    h.rrq("f", "octet", &[]);
    for _ in 0..4 {
        assert_eq!(h.advance(Duration::from_secs(1)).len(), 1);
    }
    let out = h.advance(Duration::from_secs(1));
    assert_eq!(error_code(&out[0].1), Some(0));
    assert_eq!(h.ep.active_transfers(), 0);
}

#[test]
fn duplicate_acks_never_cause_duplicate_sends() {
    let file = pattern(2000);
    let mut h = Harness::new(&[("f", file.clone())]);
    h.rrq("f", "octet", &[]);
    assert_eq!(h.ack(T0, 1), vec![(T0, data(2, &file[512..1024]))]);
    // The delayed duplicate of ACK 1 must not send DATA 2 again.
    assert_eq!(h.ack(T0, 1), vec![]);
    assert_eq!(h.ack(T0, 1), vec![]);
    assert_eq!(h.ack(T0, 2), vec![(T0, data(3, &file[1024..1536]))]);
    // An ACK for a block not yet sent is ignored too.
    assert_eq!(h.ack(T0, 9), vec![]);
    assert_eq!(h.ep.stats().duplicate_acks, 2);
    assert_eq!(h.ack(T0, 3), vec![(T0, data(4, &file[1536..]))]);
}

#[test]
fn block_numbers_roll_over_past_65535() {
    // 70 000 blocks of 8 bytes: block 65536 goes out as 0, and the file arrives whole.
    let file = pattern(8 * 70_000 + 3);
    let mut h = Harness::new(&[("big", file.clone())]);
    let mut out = h.rrq("big", "octet", &[("blksize", "8")]);
    assert_eq!(out, vec![(T0, oack(&[("blksize", "8")]))]);
    let mut got = Vec::with_capacity(file.len());
    let mut expect: u16 = 0;
    out = h.ack(T0, 0);
    while let [(_, Packet::Data { block, data })] = out.as_slice() {
        expect = expect.wrapping_add(1);
        assert_eq!(*block, expect);
        got.extend_from_slice(data);
        let block = *block;
        out = h.ack(T0, block);
    }
    assert_eq!(out, vec![]);
    assert_eq!(expect, (70_001u32 % 65_536) as u16);
    assert_eq!(got, file);
    assert_eq!(h.ep.stats().completed, 1);
}

#[test]
fn windowsize_sends_windows_and_restarts_after_a_gap() {
    let file = pattern(100); // 13 blocks of 8
    let mut h = Harness::new(&[("f", file.clone())]);
    let out = h.rrq("f", "octet", &[("blksize", "8"), ("windowsize", "4")]);
    assert_eq!(
        out,
        vec![(T0, oack(&[("blksize", "8"), ("windowsize", "4")]))]
    );
    let blocks = |out: &[(Via, Packet)]| -> Vec<u16> {
        out.iter()
            .map(|(_, p)| match p {
                Packet::Data { block, .. } => *block,
                other => panic!("expected DATA, got {other:?}"),
            })
            .collect()
    };
    assert_eq!(blocks(&h.ack(T0, 0)), [1, 2, 3, 4]);
    assert_eq!(blocks(&h.ack(T0, 4)), [5, 6, 7, 8]);
    // The client lost block 7: it ACKs 6, and the window restarts at 7.
    assert_eq!(blocks(&h.ack(T0, 6)), [7, 8, 9, 10]);
    // A timeout resends the whole outstanding window, once.
    assert_eq!(blocks(&h.advance(Duration::from_secs(1))), [7, 8, 9, 10]);
    assert_eq!(blocks(&h.ack(T0, 10)), [11, 12, 13]);
    assert_eq!(h.ack(T0, 13), vec![]);
    assert_eq!(h.ep.stats().completed, 1);
}

#[test]
fn windowsize_is_capped_by_the_configured_max() {
    let mut config = EndpointConfig::default();
    config.options.windowsize_max = 2;
    let mut h = Harness::with_config(&[("f", pattern(5000))], config);
    assert_eq!(
        h.rrq("f", "octet", &[("windowsize", "16")]),
        vec![(T0, oack(&[("windowsize", "2")]))]
    );
    assert_eq!(h.ack(T0, 0).len(), 2);
}

#[test]
fn netascii_converts_line_ends_and_tsize_counts_wire_bytes() {
    let mut h = Harness::new(&[("cfg", b"a\nb\rc".to_vec())]);
    assert_eq!(
        h.rrq("cfg", "NetASCII", &[("tsize", "0")]),
        vec![(T0, oack(&[("tsize", "7")]))]
    );
    assert_eq!(h.ack(T0, 0), vec![(T0, data(1, b"a\r\nb\r\0c"))]);
}

#[test]
fn writes_unknown_opcodes_and_bad_modes_are_answered_garbage_is_dropped() {
    let mut h = Harness::new(&[("f", pattern(10))]);
    let wrq = Packet::Wrq(Request {
        filename: "f".into(),
        mode: "octet".into(),
        options: vec![],
    });
    let out = h.send(Via::Listener, &wrq.to_bytes());
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0, error_code(&out[0].1)), (Via::Listener, Some(2)));

    let out = h.send(Via::Listener, b"\0\x09hello");
    assert_eq!(error_code(&out[0].1), Some(4));

    let out = h.rrq("f", "mail", &[]);
    assert_eq!(error_code(&out[0].1), Some(4));

    assert_eq!(h.send(Via::Listener, b"\0\x01no-terminator"), vec![]);
    assert_eq!(h.send(Via::Listener, b"\x01"), vec![]);
    // A stray ACK on the listener (late, from a finished transfer) is not answered.
    assert_eq!(h.ack(Via::Listener, 3), vec![]);
    assert_eq!(h.ep.active_transfers(), 0);
    let s = h.ep.stats();
    assert_eq!(
        (s.write_requests, s.unknown_opcode, s.malformed, s.refused),
        (1, 1, 2, 1)
    );
    let by: Vec<_> = s.refused_by.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(by, [("unsupported_mode", 1), ("write_request", 1)]);
}

#[test]
fn hostile_names_get_an_error_and_no_transfer() {
    let long = "x".repeat(2000);
    let mut h = Harness::new(&[("ok", pattern(10)), ("sub/ok", pattern(10))]);
    let table: &[(&str, u16)] = &[
        ("../etc/passwd", 2),
        ("/../../etc/shadow", 2),
        ("sub/../../ok", 2),
        ("..\\..\\windows\\win.ini", 2),
        ("ok\u{1}", 2),
        (&long, 2),
        ("/etc/passwd", 1),
        ("missing", 1),
        ("sub", 1),
    ];
    for (name, code) in table {
        let out = h.rrq(name, "octet", &[]);
        assert_eq!(out.len(), 1, "{name}");
        assert_eq!(error_code(&out[0].1), Some(*code), "{name}");
        assert_eq!(out[0].0, Via::Listener, "{name}");
    }
    assert_eq!(h.ep.active_transfers(), 0);
    assert!(h.events().is_empty());
    // The same names resolve fine when they are legal.
    assert!(matches!(
        h.rrq("/sub/ok", "octet", &[])[0].1,
        Packet::Data { .. }
    ));
}

#[test]
fn transfer_limits_refuse_with_an_error() {
    let config = EndpointConfig {
        max_transfers: 3,
        max_transfers_per_client: 2,
        max_file_size: 100,
        ..EndpointConfig::default()
    };
    let mut h = Harness::with_config(&[("f", pattern(10)), ("huge", pattern(101))], config);
    assert!(matches!(h.rrq("f", "octet", &[])[0].1, Packet::Data { .. }));
    assert!(matches!(h.rrq("f", "octet", &[])[0].1, Packet::Data { .. }));
    // Third from the same address: per-client limit.
    assert_eq!(error_code(&h.rrq("f", "octet", &[])[0].1), Some(0));
    let other: SocketAddr = "127.0.0.2:5000".parse().unwrap();
    let rrq = Packet::Rrq(Request {
        filename: "f".into(),
        mode: "octet".into(),
        options: vec![],
    })
    .to_bytes();
    assert!(matches!(
        h.send_from(Via::Listener, other, &rrq)[0].1,
        Packet::Data { .. }
    ));
    // Fourth overall: the global limit.
    let third: SocketAddr = "127.0.0.3:5000".parse().unwrap();
    assert_eq!(
        error_code(&h.send_from(Via::Listener, third, &rrq)[0].1),
        Some(0)
    );
    assert_eq!(h.ep.active_transfers(), 3);
    // Finishing one frees a slot.
    h.ack(T0, 1);
    assert!(matches!(
        h.send_from(Via::Listener, third, &rrq)[0].1,
        Packet::Data { .. }
    ));
    // Too big a file.
    assert_eq!(
        error_code(
            &h.send_from(
                Via::Listener,
                third,
                &Packet::Rrq(Request {
                    filename: "huge".into(),
                    mode: "octet".into(),
                    options: vec![],
                })
                .to_bytes()
            )[0]
            .1
        ),
        Some(0)
    );
}

#[test]
fn a_stranger_on_a_transfer_port_gets_error_5_and_the_transfer_goes_on() {
    let file = pattern(1000);
    let mut h = Harness::new(&[("f", file.clone())]);
    h.rrq("f", "octet", &[]);
    let stranger: SocketAddr = "127.0.0.1:40001".parse().unwrap();
    let out = h.send_from(T0, stranger, &Packet::Ack { block: 1 }.to_bytes());
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0, error_code(&out[0].1)), (T0, Some(5)));
    assert_eq!(h.ep.stats().unknown_tid, 1);
    assert_eq!(h.ack(T0, 1), vec![(T0, data(2, &file[512..]))]);
}

#[test]
fn two_requests_from_one_address_stay_separate_transfers() {
    // Two busybox clients running at once can share a source port (see
    // `busybox` in tests/interop.rs). The server's part is to keep the two
    // requests apart: each is its own transfer, answered from its own TID with
    // its own file, and ACKs on one TID never move the other. Which client
    // socket the kernel then hands each reply to is beyond any server.
    let (small, empty) = (pattern(511), Vec::new());
    let mut h = Harness::new(&[("f511.bin", small.clone()), ("f0.bin", empty)]);
    let t1 = Via::Transfer(TransferId(1));
    let opts = [("blksize", "1468")];
    assert_eq!(
        h.rrq("f511.bin", "octet", &opts),
        vec![(T0, oack(&[("blksize", "1468")]))]
    );
    assert_eq!(
        h.rrq("f0.bin", "octet", &opts),
        vec![(t1, oack(&[("blksize", "1468")]))]
    );
    assert_eq!(
        h.events(),
        vec![
            TransferEvent::Opened(TransferId(0)),
            TransferEvent::Opened(TransferId(1))
        ]
    );
    // ACKs in the opposite order to the requests: each TID sends its own file.
    assert_eq!(h.ack(t1, 0), vec![(t1, data(1, &[]))]);
    assert_eq!(h.ack(T0, 0), vec![(T0, data(1, &small))]);
    assert_eq!(h.ack(t1, 1), vec![]);
    assert_eq!(h.events(), vec![TransferEvent::Closed(TransferId(1))]);
    // The finished transfer's TID is not reused: a late ACK on it is stale,
    // and the other transfer is still waiting for its own ACK.
    assert_eq!(h.ack(t1, 1), vec![]);
    assert_eq!(h.ep.stats().stale_packets, 1);
    assert_eq!(h.ep.active_transfers(), 1);
    assert_eq!(h.ack(T0, 1), vec![]);
    assert_eq!(h.events(), vec![TransferEvent::Closed(TransferId(0))]);
    assert_eq!(h.ep.stats().completed, 2);
}

#[test]
fn garbage_on_a_transfer_port_is_dropped_a_wrong_packet_ends_it() {
    let mut h = Harness::new(&[("f", pattern(1000))]);
    h.rrq("f", "octet", &[]);
    assert_eq!(h.send(T0, b"\0\x04\0"), vec![]);
    assert_eq!(h.ep.active_transfers(), 1);
    let out = h.send(T0, &data(1, b"x").to_bytes());
    assert_eq!(error_code(&out[0].1), Some(4));
    assert_eq!(h.ep.active_transfers(), 0);
}

#[test]
fn single_port_mode_serves_everything_from_the_listener() {
    let config = EndpointConfig {
        single_port: true,
        ..EndpointConfig::default()
    };
    let file = pattern(600);
    let mut h = Harness::with_config(&[("f", file.clone())], config);
    let l = Via::Listener;
    assert_eq!(
        h.rrq("f", "octet", &[("tsize", "0")]),
        vec![(l, oack(&[("tsize", "600")]))]
    );
    assert_eq!(h.ack(l, 0), vec![(l, data(1, &file[..512]))]);
    // Another client's ACK does not touch this transfer.
    let other: SocketAddr = "127.0.0.1:40002".parse().unwrap();
    assert_eq!(
        h.send_from(l, other, &Packet::Ack { block: 1 }.to_bytes()),
        vec![]
    );
    assert_eq!(h.ack(l, 1), vec![(l, data(2, &file[512..]))]);
    // A new request from the same address replaces the old transfer.
    assert_eq!(h.rrq("f", "octet", &[]), vec![(l, data(1, &file[..512]))]);
    assert_eq!(h.ep.active_transfers(), 1);
    h.ack(l, 1);
    h.ack(l, 2);
    assert_eq!(h.ep.stats().completed, 1);
    assert!(h.events().is_empty());
}

/// xorshift64*: deterministic, fast, and enough to scramble packets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn a_million_random_and_mutated_packets_neither_panic_nor_grow_the_table() {
    let config = EndpointConfig {
        max_transfers: 64,
        max_transfers_per_client: 8,
        ..EndpointConfig::default()
    };
    let max = config.max_transfers;
    let mut h = Harness::with_config(
        &[
            ("a", pattern(5000)),
            ("b", pattern(0)),
            ("dir/c", pattern(70_000)),
        ],
        config,
    );
    let seeds: Vec<Vec<u8>> = vec![
        b"\0\x01a\0octet\0".to_vec(),
        b"\0\x01/dir/c\0octet\0blksize\x001024\0tsize\x000\0windowsize\x008\0".to_vec(),
        b"\0\x01b\0netascii\0timeout\x002\0".to_vec(),
        b"\0\x02a\0octet\0".to_vec(),
        b"\0\x04\0\x01".to_vec(),
        b"\0\x04\0\0".to_vec(),
        b"\0\x05\0\x08no\0".to_vec(),
        b"\0\x03\0\x01data".to_vec(),
        b"\0\x06tsize\x000\0".to_vec(),
    ];
    let mut rng = Rng(0x5eed_0f7f_7d01);
    let mut buf = Vec::new();
    for i in 0..1_000_000u32 {
        buf.clear();
        match rng.below(10) {
            // Pure noise.
            0 => buf.extend((0..rng.below(64)).map(|_| rng.next() as u8)),
            // ACKs with plausible block numbers: drive real transfers forward.
            1..=4 => buf.extend_from_slice(
                &Packet::Ack {
                    block: rng.below(8) as u16,
                }
                .to_bytes(),
            ),
            // Valid seeds, and mutated ones.
            _ => {
                buf.extend_from_slice(&seeds[rng.below(seeds.len() as u64) as usize]);
                for _ in 0..rng.below(4) {
                    let at = rng.below(buf.len() as u64 + 1) as usize;
                    match rng.below(3) {
                        0 if at < buf.len() => buf[at] ^= 1 << rng.below(8),
                        1 => buf.truncate(at),
                        _ => buf.insert(at.min(buf.len()), rng.next() as u8),
                    }
                }
            }
        }
        let from = SocketAddr::from((
            [127, 0, 0, 1 + rng.below(16) as u8],
            1000 + rng.below(4) as u16,
        ));
        let via = if rng.below(2) == 0 {
            Via::Listener
        } else {
            Via::Transfer(TransferId(rng.below(h.ep.next_id + 1)))
        };
        h.ep.handle(h.now, via, from, &buf);
        if i % 64 == 0 {
            h.now += Duration::from_millis(rng.below(400));
            h.ep.handle_timeout(h.now);
        }
        while let Some(t) = h.ep.poll_transmit() {
            assert!(Packet::decode(&t.payload).is_ok());
        }
        while h.ep.poll_event().is_some() {}
        assert!(h.ep.active_transfers() <= max);
        assert_eq!(h.ep.deadlines.len(), h.ep.transfers.len());
        if i % 1024 == 0 {
            // The deadline index matches the transfers exactly.
            for (id, t) in &h.ep.transfers {
                assert!(h.ep.deadlines.contains(&(t.deadline(), *id)));
            }
        }
        assert!(h.ep.per_client.values().all(|&n| n <= 8));
    }
    // Sessions are actually created and ended along the way.
    assert!(h.ep.stats().read_requests > 1000, "{:?}", h.ep.stats());
    // Time alone empties the table.
    for _ in 0..100 {
        h.now += Duration::from_secs(1);
        h.ep.handle_timeout(h.now);
    }
    assert_eq!(h.ep.active_transfers(), 0);
    assert!(h.ep.per_client.is_empty() && h.ep.by_peer.is_empty());
    assert!(h.ep.deadlines.is_empty());
}
