//! Real TFTP clients (tftp-hpa, atftp, busybox, curl) against the server on
//! loopback: every size downloaded and compared byte for byte.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

use crate::common::{assert_same, file_name, have, TestServer, SIZES};

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()))
}

/// Held while a busybox client runs: never two at once, in any test.
///
/// busybox's tftp client sets SO_REUSEADDR on its socket and leaves it unbound
/// until the first `sendto` (networking/tftp.c, `tftp_protocol`:
/// `setsockopt_reuseaddr(socket_fd)` is done for client and server alike).
/// Linux's UDP autobind does not count a port held by another SO_REUSEADDR
/// socket as taken, so two busybox clients running at once can be given the
/// same source port (about 1 in 28 000 per pair with the default port range;
/// `busybox-shared-port.sh` here forces it and shows the swap). The server
/// then gets two RRQs from one address and rightly answers each from its own
/// TID, but the kernel queues both replies on one of the two sockets; each
/// client `connect`s to the first reply it reads, and the two files swap. CI
/// saw it once: the 511-byte client got 0 bytes and the 0-byte client 511,
/// both exiting 0. No server can tell such clients apart, so this is not
/// papered over with retries: busybox runs one at a time, and the server's
/// part (two requests from one address stay separate transfers) is the
/// endpoint test `two_requests_from_one_address_stay_separate_transfers`.
/// The other clients do not set SO_REUSEADDR and still run in parallel.
static BUSYBOX: Mutex<()> = Mutex::new(());

fn busybox(args: &[&str], local: &Path, host: &str, port: &str) -> Output {
    let _one_at_a_time = BUSYBOX.lock().unwrap_or_else(PoisonError::into_inner);
    run(Command::new("busybox")
        .arg("tftp")
        .args(args)
        .arg("-l")
        .arg(local)
        .args([host, port]))
}

/// Download every size with `fetch(remote, local)`, in parallel threads (the
/// 40 MiB lockstep transfers dominate; in parallel they overlap).
fn all_sizes(label: &str, fetch: impl Fn(&str, &Path) -> Output + Sync) {
    sizes(label, SIZES, fetch)
}

/// curl 7.88 fails any empty TFTP download with "getpeername() failed with
/// errno 107" — against tftpd-hpa too — so curl skips the 0-byte file.
const CURL_SIZES: &[usize] = &[1, 511, 512, 513, 1 << 20, 40 << 20];

fn sizes(label: &str, sizes: &[usize], fetch: impl Fn(&str, &Path) -> Output + Sync) {
    let out = tempfile::tempdir().unwrap();
    std::thread::scope(|s| {
        for &size in sizes {
            let (fetch, out) = (&fetch, out.path());
            s.spawn(move || {
                let local = out.join(file_name(size));
                let o = fetch(&file_name(size), &local);
                let what = format!("{label}, {size} bytes");
                assert!(o.status.success(), "{what}: {o:?}");
                assert_same(&local, size, &what);
            });
        }
    });
}

fn host_port(s: &TestServer) -> (String, String) {
    (s.addr().ip().to_string(), s.addr().port().to_string())
}

#[test]
fn tftp_hpa_octet_and_netascii() {
    if !have("tftp") {
        return;
    }
    let s = TestServer::start(|_| {});
    let (host, port) = host_port(&s);
    // tftp-hpa's client sends no RFC 2347 options: this is plain RFC 1350, and
    // 40 MiB at 512-byte blocks crosses the block-number rollover.
    all_sizes("tftp-hpa octet", |remote, local| {
        run(Command::new("tftp")
            .args(["-m", "binary", &host, &port, "-c", "get", remote])
            .arg(local))
    });
    // netascii: the client turns CR LF back into LF and CR NUL into CR.
    let out = tempfile::tempdir().unwrap();
    let local = out.path().join("text.cfg");
    let o = run(Command::new("tftp")
        .args(["-m", "netascii", &host, &port, "-c", "get", "/sub/text.cfg"])
        .arg(&local));
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        std::fs::read(&local).unwrap(),
        std::fs::read(crate::common::root().join("sub/text.cfg")).unwrap()
    );
}

#[test]
fn tftp_hpa_gets_errors_for_missing_and_hostile_names() {
    if !have("tftp") {
        return;
    }
    let s = TestServer::start(|_| {});
    let (host, port) = host_port(&s);
    let out = tempfile::tempdir().unwrap();
    for name in ["missing.efi", "../../etc/passwd", "escape", "sub"] {
        let local = out.path().join("x");
        let o = run(Command::new("tftp")
            .args(["-m", "binary", &host, &port, "-c", "get", name])
            .arg(&local));
        let text =
            String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Error code"), "{name}: {text}");
        let got = std::fs::read(&local).unwrap_or_default();
        assert!(got.is_empty(), "{name}: received {} bytes", got.len());
    }
}

#[test]
fn atftp_plain_with_options_and_windowsize() {
    if !have("atftp") {
        return;
    }
    let s = TestServer::start(|_| {});
    let (host, port) = host_port(&s);
    let variants: &[(&str, &[&str])] = &[
        (
            "atftp plain",
            &["--option", "tsize disable", "--option", "blksize disable"],
        ),
        (
            "atftp blksize+tsize",
            &["--option", "blksize 1428", "--option", "tsize enable"],
        ),
        (
            "atftp windowsize 8",
            &["--option", "blksize 1428", "--option", "windowsize 8"],
        ),
    ];
    for (label, opts) in variants {
        all_sizes(label, |remote, local| {
            run(Command::new("atftp")
                .args(*opts)
                .args(["--get", "-r", remote, "-l"])
                .arg(local)
                .args([&host, &port]))
        });
    }
}

#[test]
fn busybox_default_and_blksize() {
    if !have("busybox") {
        return;
    }
    let s = TestServer::start(|_| {});
    let (host, port) = host_port(&s);
    all_sizes("busybox", |remote, local| {
        busybox(&["-g", "-r", remote], local, &host, &port)
    });
    all_sizes("busybox -b 1468", |remote, local| {
        busybox(&["-b", "1468", "-g", "-r", remote], local, &host, &port)
    });
}

#[test]
fn curl_tftp_with_and_without_options() {
    if !have("curl") {
        return;
    }
    let s = TestServer::start(|_| {});
    let base = format!("tftp://{}", s.addr());
    let variants: &[(&str, &[&str])] = &[
        ("curl default (tsize)", &[]),
        ("curl blksize 1468", &["--tftp-blksize", "1468"]),
        ("curl no options", &["--tftp-no-options"]),
    ];
    for (label, opts) in variants {
        sizes(label, CURL_SIZES, |remote, local| {
            run(Command::new("curl")
                .args(["-sS", "--fail", "-o"])
                .arg(local)
                .args(*opts)
                .arg(format!("{base}/{remote}")))
        });
    }
}

#[test]
fn single_port_mode_serves_real_clients() {
    if !have("busybox") || !have("curl") {
        return;
    }
    let s = TestServer::start(|c| c.single_port = true);
    let (host, port) = host_port(&s);
    all_sizes("busybox single-port", |remote, local| {
        busybox(&["-b", "1468", "-g", "-r", remote], local, &host, &port)
    });
    sizes("curl single-port", CURL_SIZES, |remote, local| {
        run(Command::new("curl")
            .args(["-sS", "--fail", "-o"])
            .arg(local)
            .arg(format!("tftp://{}/{remote}", s.addr())))
    });
}
