//! Shared by the integration tests: the test files, an in-process server, and
//! a check for the real client binaries.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tftpd::{Config, Server};

/// The sizes every client downloads: empty, one byte, around one 512-byte
/// block, an iPXE-sized file, and 40 MiB (past the 65 535-block rollover at 512).
pub const SIZES: &[usize] = &[0, 1, 511, 512, 513, 1 << 20, 40 << 20];

pub fn file_name(size: usize) -> String {
    format!("f{size}.bin")
}

/// Deterministic, non-repeating-per-block content, so a misplaced block shows.
pub fn content(size: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9 ^ size as u32;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The served directory, written once per test binary (under cargo's
/// per-target temp dir, so it is reused between runs and never leaks to /tmp).
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tftpd-files");
        std::fs::create_dir_all(dir.join("sub")).expect("create test root");
        for &size in SIZES {
            let p = dir.join(file_name(size));
            if std::fs::metadata(&p).map(|m| m.len() as usize).ok() != Some(size) {
                std::fs::write(&p, content(size)).expect("write test file");
            }
        }
        std::fs::write(
            dir.join("sub/text.cfg"),
            b"#!ipxe\nchain boot.ipxe\r\nend\n",
        )
        .expect("write text file");
        let _ = std::fs::remove_file(dir.join("escape"));
        std::os::unix::fs::symlink("/etc/passwd", dir.join("escape")).expect("symlink");
        dir
    })
}

/// A server on 127.0.0.1 ephemeral ports, with its own runtime.
pub struct TestServer {
    pub server: Option<Server>,
    pub rt: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start(edit: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            root: root().to_path_buf(),
            listen: "127.0.0.1:0".parse().unwrap(),
            http_listen: Some("127.0.0.1:0".parse().unwrap()),
            ..Config::default()
        };
        edit(&mut config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(Server::bind(config)).expect("server starts");
        TestServer {
            server: Some(server),
            rt,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().local_addr()
    }

    pub fn http(&self) -> SocketAddr {
        self.server.as_ref().unwrap().http_addr().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// Whether a client binary is installed: a missing one fails the test unless
/// `OCHAMI_SKIP` names it (`ochami_e2e::need`).
pub fn have(binary: &str) -> bool {
    ochami_e2e::need::tool(binary)
}

/// Compare a downloaded file with what the server holds, naming the case.
pub fn assert_same(downloaded: &Path, size: usize, what: &str) {
    let got = std::fs::read(downloaded).unwrap_or_else(|e| panic!("{what}: no output file: {e}"));
    assert_eq!(got.len(), size, "{what}: length");
    assert!(got == content(size), "{what}: content differs");
}
