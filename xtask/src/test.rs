//! `cargo xtask test`: make sure the system tools the tests drive are installed,
//! then run the whole suite.

use std::path::Path;
use std::process::Command;

use crate::run_cmd;

/// Debian packages the test suite drives, and a file each one provides (to
/// tell whether it is installed without asking dpkg).
pub const PACKAGES: &[(&str, &str)] = &[
    ("postgresql", "/usr/lib/postgresql"),
    ("qemu-system-x86", "/usr/bin/qemu-system-x86_64"),
    ("ipxe", "/usr/lib/ipxe/undionly.kpxe"),
    ("ovmf", "/usr/share/OVMF/OVMF_CODE_4M.fd"),
    ("busybox-static", "/bin/busybox"),
    ("cpio", "/usr/bin/cpio"),
    ("iproute2", "/usr/sbin/ip"),
    ("curl", "/usr/bin/curl"),
    ("tftp-hpa", "/usr/bin/tftp"),
    ("atftp", "/usr/bin/atftp"),
    ("tftpd-hpa", "/usr/sbin/in.tftpd"),
    ("isc-dhcp-client", "/usr/sbin/dhclient"),
    ("udhcpc", "/usr/sbin/udhcpc"),
    ("kea-admin", "/usr/sbin/perfdhcp"),
    ("kea-dhcp4-server", "/usr/sbin/kea-dhcp4"),
    ("dnsmasq-base", "/usr/sbin/dnsmasq"),
    ("nginx-light", "/usr/sbin/nginx"),
    ("wrk", "/usr/bin/wrk"),
    ("sqlite3", "/usr/bin/sqlite3"),
    // The container test: a private Docker engine, Compose v1, the offline
    // PostgreSQL image, and what `build-images` uses (strip, setcap).
    ("docker.io", "/usr/sbin/dockerd"),
    ("containerd", "/usr/bin/containerd"),
    ("docker-compose", "/usr/bin/docker-compose"),
    ("debootstrap", "/usr/sbin/debootstrap"),
    ("binutils", "/usr/bin/strip"),
    ("libcap2-bin", "/usr/sbin/setcap"),
    // The generated-client tests: node runs the TypeScript client, npm and
    // Python's venv install the generators (xtask/src/tools.rs).
    ("nodejs", "/usr/bin/node"),
    ("npm", "/usr/bin/npm"),
];

/// PyPI tools tests drive (magellan against sushy-emulator, a Redfish
/// implementation we did not write; redfish-sim against DMTF's protocol
/// validator; smd and bss against their OpenAPI documents with schemathesis),
/// and a command each one provides. Tests using them skip, saying
/// so, when they are absent.
pub const PYTHON_TOOLS: &[(&str, &str)] = &[
    ("sushy-tools", "sushy-emulator"),
    ("redfish-protocol-validator", "rf_protocol_validator"),
    ("schemathesis>=4,<5", "schemathesis"),
    // bss's S3 presigning test runs a moto S3 server (boto3 comes with it).
    ("moto[server]", "moto_server"),
];

fn have_command(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// pip install missing Python tools (as root; elsewhere just say what is missing).
pub fn ensure_python_tools() -> Result<(), String> {
    let missing: Vec<&str> = PYTHON_TOOLS
        .iter()
        .filter(|(_, cmd)| !have_command(cmd))
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !localpg::is_root() {
        eprintln!(
            "xtask: missing Python tools ({}); tests using them will skip. Install with: pip install {}",
            missing.join(", "),
            missing.join(" ")
        );
        return Ok(());
    }
    eprintln!("xtask: pip installing {}", missing.join(" "));
    let pip = |extra: &[&str]| {
        Command::new("python3")
            .args(["-m", "pip", "install", "--quiet"])
            .args(extra)
            .args(&missing)
            .status()
            .is_ok_and(|s| s.success())
    };
    // Debian's system Python refuses pip without this flag (PEP 668).
    if !pip(&[]) && !pip(&["--break-system-packages"]) {
        eprintln!(
            "xtask: pip install {} failed; tests using them will skip",
            missing.join(" ")
        );
    }
    Ok(())
}

/// Everything the tests drive: system packages, PyPI tools, then the client
/// generators (which need npm and Python from the first two).
pub fn ensure_packages() -> Result<(), String> {
    ensure_system_packages()?;
    ensure_python_tools()?;
    crate::tools::ensure()
}

fn ensure_system_packages() -> Result<(), String> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, f)| !Path::new(f).exists())
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !localpg::is_root() {
        return Err(format!(
            "missing system packages: {}; install them with: sudo apt-get install -y {}",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run_cmd(
        Command::new("apt-get")
            .args(["update", "-qq"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    // Debian starts some daemons on install; the tests start their own.
    for svc in [
        "postgresql",
        "tftpd-hpa",
        "nginx",
        "kea-dhcp4-server",
        "docker",
        "containerd",
    ] {
        let _ = Command::new("service").args([svc, "stop"]).output();
    }
    Ok(())
}

pub fn run(args: &[String]) -> Result<(), String> {
    ensure_packages()?;
    // Generated files must match their generators (openapi has its own test).
    crate::compose::run(&["--check".into()])?;
    run_cmd(crate::cargo().args(["build", "--workspace", "--bins"]))?;
    // The container test builds its images from release binaries
    // (`build-images`); build them here, outside the test run.
    run_cmd(
        crate::cargo()
            .args(["build", "--release", "--locked", "--bins"])
            .args(crate::images::service_names().flat_map(|s| ["-p", s])),
    )?;
    run_cmd(crate::cargo().args(["test", "--workspace"]).args(args))
}
