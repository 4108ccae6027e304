//! The guest image itself boots (kernel + initramfs straight from QEMU, no
//! network boot): separates "our stack is broken" from "the guest is broken"
//! when the netboot test fails.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::process::Command;
use std::time::Duration;

use ochami_e2e::{assets, cache_dir, qemu};

#[test]
fn guest_kernel_and_initramfs_boot_to_the_login_banner() {
    if !std::path::Path::new("/usr/bin/qemu-system-x86_64").exists() {
        panic!(
            "qemu-system-x86_64 missing: run the tests with `cargo xtask test`, which installs it"
        );
    }
    let guest = assets::guest(&cache_dir()).expect("guest image");
    let dir = tempdir();
    let console = dir.join("console.log");
    let mut child = Command::new("qemu-system-x86_64")
        .args([
            "-accel",
            "tcg",
            "-machine",
            "q35",
            "-m",
            "512",
            "-display",
            "none",
            "-monitor",
            "none",
            "-no-reboot",
        ])
        .arg("-serial")
        .arg(format!("file:{}", console.display()))
        .arg("-kernel")
        .arg(&guest.kernel)
        .arg("-initrd")
        .arg(&guest.initrd)
        .args([
            "-append",
            "console=ttyS0,115200 quiet xname=x9c0s0b0n0 nid=42",
            "-nic",
            "none",
        ])
        .spawn()
        .expect("start qemu");
    let text = qemu::wait_for_console(&console, assets::LOGIN_MARKER, Duration::from_secs(120));
    let _ = child.kill();
    let _ = child.wait();
    let text = text.unwrap();
    assert!(
        text.contains("OCHAMI-E2E-CMDLINE console=ttyS0,115200 quiet xname=x9c0s0b0n0 nid=42"),
        "{text}"
    );
    assert!(
        text.contains("x9c0s0b0n0 login: OCHAMI-E2E-LOGIN"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ochami-guest-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
