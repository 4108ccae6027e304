//! `cargo xtask <command>` — the project's only build glue.
//!
//! Keep dependencies few: this crate shells out to cargo, apt-get and the
//! project's own binaries.

mod bench;
mod compose;
mod demo;
mod fuzz;
mod images;
mod openapi;
mod test;
#[cfg(test)]
mod tidy;
mod tools;
mod up;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  up [--data-dir DIR] [--pg-port PORT] [--release] [--no-build]
                    run the stack: PostgreSQL (own cluster in ./.ochami unless
                    SMD_DATABASE_URL/BSS_DATABASE_URL are set), smd on :27779, bss on :27778;
                    Ctrl-C, SIGTERM or SIGHUP stops it all (daemons and database)
  demo [--nodes N] [--uefi|--uefi-http] [--keep]
                    the seed's story in a network namespace (root): N simulated BMCs,
                    magellan discovery, boot parameters, power-on, a live table of
                    each node's boot stages
  bench <what>      run a benchmark and print its figures (smd, bss, tftp, dhcp, magellan, power)
  build-images [--engine docker|podman] [--save DIR] [--postgres] [--no-build]
                    one image per service (ochami/smd, bss, tftpd, dhcpd-shim, magellan,
                    redfish-sim; :<version> and :latest), offline, FROM scratch, from the
                    release binaries; --save writes `docker save` archives; --postgres also
                    builds ochami/postgres:15 from Debian packages (root, debootstrap)
  compose [--check] write deploy/compose.yaml (PostgreSQL, migrations, smd, bss, tftpd,
                    dhcpd-shim; magellan and redfish-sim as profiles) and, when missing,
                    deploy/.env with random passwords
  fuzz <target|list> [--time S] [--jobs N]
                    coverage-guided fuzzing of a target in fuzz/ with cargo fuzz (libFuzzer;
                    installs cargo-fuzz, uses nightly or RUSTC_BOOTSTRAP=1); crashes in
                    fuzz/artifacts/<target>/
  openapi [--check]  write openapi/smd.json and openapi/bss.json from the code (--check: fail if stale)
  test [ARGS..]     install what the tests drive (see tools), then run every test:
                    cargo test --workspace [ARGS..]
  tools             install what the tests drive: missing system packages (as root, with
                    apt-get), PyPI tools, and the pinned client generators under target/tools
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        "test" => test::run(rest),
        "tools" => test::ensure_packages(),
        "bench" => bench::run(rest),
        "openapi" => openapi::run(rest),
        "compose" => compose::run(rest),
        "build-images" => images::run(rest),
        "up" => up::run(rest),
        "demo" => demo::run(rest),
        "fuzz" => fuzz::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown command '{other}'\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Run a command, failing with its name when it does not succeed.
pub fn run_cmd(cmd: &mut std::process::Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {status}", cmd))
    }
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> std::path::PathBuf {
    // At run time first: `cargo run` sets it for the checkout being run, while
    // the compile-time value may belong to another worktree sharing the target dir.
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    here.parent().map(|p| p.to_path_buf()).unwrap_or(here)
}

/// A command running the cargo that runs us, without the variables `cargo
/// run` set for xtask itself: build scripts track some of them (ring's
/// tracks `CARGO_MANIFEST_DIR`), so passing them on would make every build
/// started from here and from a shell rebuild what the other built.
pub fn cargo() -> std::process::Command {
    let mut c =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_PACKAGE",
        ]
        .iter()
        .any(|p| n.starts_with(p))
        {
            c.env_remove(&name);
        }
    }
    c
}

/// Where cargo puts build output (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(Into::into)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Stop requests: SIGINT, SIGTERM and SIGHUP, caught once
/// [`stop::catch`] is called, so that a long-running command (`up`, `demo`)
/// stops its children and its database itself, however it is asked to end.
pub mod stop {
    use std::sync::atomic::{AtomicBool, Ordering};

    static REQUESTED: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_signal(_: libc::c_int) {
        REQUESTED.store(true, Ordering::SeqCst);
    }

    /// From now on SIGINT, SIGTERM and SIGHUP only set [`requested`].
    pub fn catch() {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: the handler only stores to an atomic (async-signal-safe).
            unsafe {
                libc::signal(
                    sig,
                    on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
    }

    /// True once one of those signals arrived.
    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }
}
