//! Configuration and the binary's command line: the shipped example loads, bad
//! values are one-line errors with exit code 2, `--help`/`--version` work, and
//! the binary serves what its environment says.

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use tftpd::Config;

const BIN: &str = env!("CARGO_BIN_EXE_tftpd");

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/tftpd.example.toml")
}

#[test]
fn the_example_file_loads_and_matches_the_defaults_except_http() {
    let c: Config = ochami_service::config::load("TFTPD_EXAMPLE_UNUSED_", Some(&example()))
        .unwrap_or_else(|e| panic!("{e}"));
    c.validate().unwrap();
    let want = Config {
        http_listen: Some("0.0.0.0:8080".parse().unwrap()),
        ..Config::default()
    };
    assert_eq!(c, want);
    assert_eq!(c.root, Path::new("/usr/lib/ipxe"));
    assert_eq!(c.effective_blksize_max(), 1468);
}

#[test]
fn help_and_version() {
    let o = Command::new(BIN).arg("--help").output().unwrap();
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("--config") && help.contains("--log-format"),
        "{help}"
    );
    let o = Command::new(BIN).arg("--version").output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn bad_values_are_one_line_errors_with_exit_code_2() {
    for (key, value, expect) in [
        ("TFTPD_LISTEN", "nonsense", "TFTPD_LISTEN"),
        ("TFTPD_BLKSIZE_MAX", "70000", "TFTPD_BLKSIZE_MAX"),
        ("TFTPD_BLKSIZE_MAX", "4", "TFTPD_BLKSIZE_MAX"),
        ("TFTPD_MAX_TRANSFERS", "many", "TFTPD_MAX_TRANSFERS"),
        ("TFTPD_SINGLE_PORT", "maybe", "TFTPD_SINGLE_PORT"),
    ] {
        let o = Command::new(BIN).env(key, value).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{key}={value}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expect), "{key}={value}: {err}");
    }
    let o = Command::new(BIN)
        .env("TFTPD_ROOT", "/nonexistent/boot")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("TFTPD_ROOT") && err.contains("/nonexistent/boot"),
        "{err}"
    );
    let o = Command::new(BIN)
        .args(["--config", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_binary_serves_its_configured_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), b"hello").unwrap();
    // Find a free port, release it, and hand it to the daemon.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .env("TFTPD_ROOT", dir.path())
        .env("TFTPD_LISTEN", format!("127.0.0.1:{port}"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 600];
    let mut reply = None;
    // The daemon needs a moment to bind; retry the request until it answers.
    for _ in 0..50 {
        client
            .send_to(b"\0\x01hello.txt\0octet\0", ("127.0.0.1", port))
            .unwrap();
        if let Ok((n, _)) = client.recv_from(&mut buf) {
            reply = Some(buf[..n].to_vec());
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(reply.as_deref(), Some(&b"\0\x03\0\x01hello"[..]));
}
