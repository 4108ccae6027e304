//! `cargo xtask fuzz <target> [--time S] [--jobs N]`: coverage-guided fuzzing
//! with `cargo fuzz` (libFuzzer) of a target in `fuzz/` (`cargo xtask fuzz
//! list` names them). Installs cargo-fuzz when missing. libFuzzer needs
//! nightly rustc flags: with a nightly toolchain installed it is used, else
//! the stable compiler runs with `RUSTC_BOOTSTRAP=1`.
//!
//! No sanitizer: the targets are safe Rust, where AddressSanitizer finds
//! nothing a panic would not, at several times the cost per input. Crashes
//! land in `fuzz/artifacts/<target>/`; the corpus grows in `fuzz/corpus/<target>/`.

use std::process::Command;

use crate::run_cmd;

const USAGE: &str = "usage: cargo xtask fuzz <target|list> [--time SECONDS] [--jobs N]";

fn have_cargo_fuzz() -> bool {
    crate::cargo()
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn have_nightly() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        })
}

/// `cargo fuzz ..` on nightly, or on this toolchain with `RUSTC_BOOTSTRAP=1`.
fn cargo_fuzz() -> Command {
    let mut c = crate::cargo();
    if have_nightly() {
        // Rationale: `cargo +nightly` needs rustup's proxy, not the cargo
        // binary that runs us.
        c = Command::new("cargo");
        c.arg("+nightly");
    } else {
        eprintln!(
            "xtask fuzz: no nightly toolchain; using RUSTC_BOOTSTRAP=1 with {:?}",
            c.get_program()
        );
        c.env("RUSTC_BOOTSTRAP", "1");
    }
    c.arg("fuzz").current_dir(crate::workspace_root());
    c
}

pub fn run(args: &[String]) -> Result<(), String> {
    let (mut target, mut time, mut jobs) = (None, 60u64, 1u32);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--time" => time = it.next().and_then(|s| s.parse().ok()).ok_or(USAGE)?,
            "--jobs" => jobs = it.next().and_then(|s| s.parse().ok()).ok_or(USAGE)?,
            t if target.is_none() && !t.starts_with('-') => target = Some(t.to_owned()),
            _ => return Err(USAGE.into()),
        }
    }
    let target = target.ok_or(USAGE)?;
    if !have_cargo_fuzz() {
        eprintln!("xtask fuzz: installing cargo-fuzz");
        run_cmd(crate::cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    if target == "list" {
        return run_cmd(cargo_fuzz().args(["list", "--fuzz-dir", "fuzz"]));
    }
    run_cmd(cargo_fuzz().args([
        "run",
        "--fuzz-dir",
        "fuzz",
        "--sanitizer",
        "none",
        "--jobs",
        &jobs.to_string(),
        &target,
        "--",
        &format!("-max_total_time={time}"),
        "-print_final_stats=1",
    ]))
}
