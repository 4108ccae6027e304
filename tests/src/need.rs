//! What a test needs from the machine (root, a tool), and the one way to go
//! without it. Every test crate uses this (directly or as `ochami_testkit::need`).
//!
//! A test that cannot run fails, naming what is missing and how to get it.
//! Only `OCHAMI_SKIP` (comma-separated: `root`, a tool's command name such as
//! `schemathesis` or `qemu-system-x86_64`, or `all`) lets it pass without
//! running; it then prints one line `SKIPPED (<kind> missing, OCHAMI_SKIP) <test>: <how>`
//! on stderr,
//! past the test harness's capture, and `cargo xtask test` counts those lines.
//! CI never sets `OCHAMI_SKIP`.

use std::io::Write;
use std::process::{Command, Stdio};

/// The variable that names what may be skipped.
pub const SKIP_VAR: &str = "OCHAMI_SKIP";

/// The line a skipped test prints starts with this.
pub const SKIPPED: &str = "SKIPPED (";

/// Debian packages the test suite drives, and a file each one provides (to
/// tell whether it is installed without asking dpkg). `cargo xtask test`
/// installs the missing ones as root.
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
/// and a command each one provides. `cargo xtask test` pip-installs them as root.
pub const PYTHON_TOOLS: &[(&str, &str)] = &[
    ("sushy-tools", "sushy-emulator"),
    ("redfish-protocol-validator", "rf_protocol_validator"),
    ("schemathesis>=4,<5", "schemathesis"),
    // bss's S3 presigning test runs a moto S3 server (boto3 comes with it).
    ("moto[server]", "moto_server"),
];

/// True if the list `value` (`OCHAMI_SKIP`'s) names `kind` (or `all`).
fn names(value: &str, kind: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|k| k == kind || k == "all")
}

fn skip_allowed(kind: &str) -> bool {
    std::env::var(SKIP_VAR).is_ok_and(|v| names(&v, kind))
}

/// Go on when `present`; else skip (printing why) if `OCHAMI_SKIP` names
/// `kind`, or fail naming what is missing and how to get it.
///
/// ```ignore
/// if !need::available("schemathesis", found, "pip install schemathesis") { return; }
/// ```
pub fn available(kind: &str, present: bool, how: &str) -> bool {
    if present {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned();
    if skip_allowed(kind) {
        // Rationale: straight to the stream, not eprintln!, which the test
        // harness captures and shows only for failures.
        let _ = writeln!(
            std::io::stderr(),
            "{SKIPPED}{kind} missing, {SKIP_VAR}) {test}: {how}"
        );
        return false;
    }
    panic!(
        "this test needs {kind}, which is missing: {how}. \
         To skip such tests instead, set {SKIP_VAR}={kind} (CI never does)"
    );
}

/// This test must run as root (`what`: what needs it, e.g. network namespaces).
pub fn root(what: &str) -> bool {
    available(
        "root",
        crate::is_root(),
        &format!("run as root (for {what}), as CI and `cargo xtask test` do"),
    )
}

/// Whether `cmd` is on `PATH`.
pub fn on_path(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// How to get the command `cmd`: its Debian package or PyPI package.
pub fn how_to_get(cmd: &str) -> String {
    if let Some((pkg, _)) = PACKAGES
        .iter()
        .find(|(_, f)| f.rsplit('/').next() == Some(cmd))
    {
        return format!(
            "install Debian's {pkg} (`cargo xtask test` does as root: apt-get install {pkg})"
        );
    }
    if let Some((pkg, _)) = PYTHON_TOOLS.iter().find(|(_, c)| *c == cmd) {
        return format!("pip install '{pkg}' (`cargo xtask test` does as root)");
    }
    format!("install {cmd}")
}

/// This test needs every command in `cmds` on `PATH`.
pub fn tools(cmds: &[&str]) -> bool {
    cmds.iter().all(|c| {
        available(
            c,
            on_path(c),
            &format!("{c} is not installed; {}", how_to_get(c)),
        )
    })
}

/// This test needs the command `cmd` on `PATH`.
pub fn tool(cmd: &str) -> bool {
    tools(&[cmd])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_tools_pass_and_hints_name_the_package() {
        assert!(tool("sh"));
        assert!(how_to_get("perfdhcp").contains("kea-admin"));
        assert!(how_to_get("schemathesis").contains("pip install"));
    }

    #[test]
    fn only_what_the_variable_names_may_be_skipped() {
        assert!(names("root, qemu-system-x86_64", "root"));
        assert!(names("root,qemu-system-x86_64", "qemu-system-x86_64"));
        assert!(names("all", "schemathesis"));
        assert!(!names("", "root"));
        assert!(!names("rooted", "root"));
    }
}
