//! `cargo xtask test`: make sure the system tools the tests drive are installed,
//! then run the whole suite, and say how many tests were skipped and why
//! (only `OCHAMI_SKIP` lets a test skip: `ochami_e2e::need`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::run_cmd;

use ochami_e2e::need::{PACKAGES, PYTHON_TOOLS, SKIPPED, SKIP_VAR};

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
            "xtask: missing Python tools ({}); tests using them will fail. Install with: pip install {}",
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
            "xtask: pip install {} failed; tests using them will fail",
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
    if let Ok(v) = std::env::var(SKIP_VAR) {
        eprintln!("xtask test: {SKIP_VAR}={v}: tests needing that are skipped");
    }
    run_counting_skips(crate::cargo().args(["test", "--workspace"]).args(args)).map(drop)
}

/// Run `cmd`, passing its stderr through, and collect the `SKIPPED (...)`
/// lines skipped tests print there; fails like [`run_cmd`].
fn run_counting_skips(cmd: &mut Command) -> Result<Vec<String>, String> {
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let mut skipped = Vec::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(at) = line.find(SKIPPED) {
                skipped.push(line[at..].to_owned());
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    report_skips(&skipped);
    if status.success() {
        Ok(skipped)
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

/// One line per reason: how many tests were skipped for it.
fn report_skips(skipped: &[String]) {
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for l in skipped {
        let reason = l[SKIPPED.len()..].split(')').next().unwrap_or("");
        *by_reason.entry(reason).or_default() += 1;
    }
    eprintln!("xtask test: {} skipped", skipped.len());
    for (reason, n) in by_reason {
        eprintln!("xtask test:   {n} skipped ({reason})");
    }
}
