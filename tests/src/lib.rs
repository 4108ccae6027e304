//! Harness for the end-to-end tests: the guest image (a Debian kernel and a
//! busybox initramfs), a network namespace with a bridge and a tap device,
//! daemons started inside it, and QEMU booting through them.
//!
//! Everything lives inside a namespace the test creates and deletes: no
//! packet ever leaves it. Requires root and the packages `cargo xtask test`
//! installs (qemu-system-x86, ipxe, ovmf, busybox-static, cpio, iproute2).

pub mod assets;
pub mod debian;
pub mod docker;
pub mod need;
pub mod netns;
pub mod proc;
pub mod qemu;
pub mod stack;

use std::path::PathBuf;

/// The directory holding the workspace's built binaries (`target/debug`),
/// found from the running executable: a test (`target/debug/deps/<test>`) or
/// xtask (`target/debug/xtask`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().map(PathBuf::from).expect("executable dir");
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().map(PathBuf::from).unwrap_or(dir)
    } else {
        dir
    }
}

/// A workspace binary, which must have been built (`cargo xtask test` builds
/// them all before running the tests).
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is not built: run `cargo build --workspace --bins` (cargo xtask test does)",
        p.display()
    );
    p
}

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Cache for downloaded and built test assets, kept between runs.
pub fn cache_dir() -> PathBuf {
    let d = bin_dir()
        .parent()
        .map(|t| t.join("e2e-cache"))
        .unwrap_or_else(|| PathBuf::from("target/e2e-cache"));
    std::fs::create_dir_all(&d).expect("create the e2e cache dir");
    d
}

/// True when running as root (namespaces, taps and ports 67/69 need it).
pub use localpg::is_root;
