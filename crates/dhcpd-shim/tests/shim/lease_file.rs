//! The lease journal on a real file system (a temp dir): replay, torn tail,
//! expiry, compaction.

use std::io::Write;
use std::net::Ipv4Addr;

use dhcpd_shim::lease::{LeaseBook, LeaseRecord, LeaseState};
use dhcpd_shim::lease_file::LeaseFile;
use ochami_types::MacAddr;

const T0: u64 = 1_700_000_000;

#[test]
fn journal_replays_drops_expired_and_survives_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/leases");
    let a = MacAddr([2, 0, 0, 0, 0, 1]);
    let b = MacAddr([2, 0, 0, 0, 0, 2]);
    let ip = |n| Ipv4Addr::new(10, 0, 0, n);
    {
        let (mut f, live) = LeaseFile::open(&path, T0).unwrap();
        assert!(live.is_empty());
        f.append(&[
            LeaseRecord::Bound {
                ip: ip(1),
                mac: a,
                expires: T0 + 100,
            },
            LeaseRecord::Bound {
                ip: ip(2),
                mac: b,
                expires: T0 + 10,
            },
            LeaseRecord::Bound {
                ip: ip(3),
                mac: MacAddr([2, 0, 0, 0, 0, 3]),
                expires: T0 + 100,
            },
            LeaseRecord::Released {
                ip: ip(3),
                mac: MacAddr([2, 0, 0, 0, 0, 3]),
            },
            LeaseRecord::Declined {
                ip: ip(4),
                until: T0 + 100,
            },
            LeaseRecord::Bound {
                ip: ip(1),
                mac: a,
                expires: T0 + 200,
            },
        ])
        .unwrap();
    }
    // A crash mid-write leaves half a line.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"bound 10.0.0.9 02:00:00:0")
        .unwrap();
    let (_f, live) = LeaseFile::open(&path, T0 + 50).unwrap();
    assert_eq!(
        live,
        vec![
            LeaseRecord::Bound {
                ip: ip(1),
                mac: a,
                expires: T0 + 200
            },
            LeaseRecord::Declined {
                ip: ip(4),
                until: T0 + 100
            },
        ]
    );
    // Opening compacted the file to exactly the live state.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        format!(
            "bound 10.0.0.1 02:00:00:00:00:01 {}\ndeclined 10.0.0.4 {}\n",
            T0 + 200,
            T0 + 100
        )
    );
    let mut book = LeaseBook::default();
    for r in &live {
        book.apply(r, T0 + 50);
    }
    assert_eq!(
        book.of_mac(&a, T0 + 50).map(|l| (l.ip, l.state)),
        Some((ip(1), LeaseState::Bound))
    );
    assert!(!book.free_for(&ip(4), &b, T0 + 50), "still quarantined");
}
