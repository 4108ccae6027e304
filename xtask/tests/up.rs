//! `cargo xtask up` leaves nothing behind, however it is ended: a signal to
//! the xtask process alone (as `timeout` or a supervisor sends it, not the
//! terminal's Ctrl-C to the whole group) stops smd, bss and PostgreSQL, and
//! frees their ports.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use ochami_e2e::proc::wait_until;

/// Every process's parent, from /proc.
fn parents() -> BTreeMap<u32, u32> {
    let mut map = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        if let Some(ppid) = fields.get(1).and_then(|s| s.parse().ok()) {
            map.insert(pid, ppid);
        }
    }
    map
}

/// The processes below `root`, with their names.
fn descendants(root: u32) -> BTreeMap<u32, String> {
    let parents = parents();
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid) in &parents {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            break;
        }
    }
    found.remove(&root);
    found
        .into_iter()
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            (pid, comm.trim().to_owned())
        })
        .collect()
}

/// True while `pid` runs (a zombie waiting for its reaper has ended).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim_start().to_owned()))
        .is_some_and(|r| !r.starts_with('Z'))
}

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Start `xtask up` on free ports with its own cluster, wait until it is up,
/// send `signal` to the xtask process only, then check what is left.
fn up_then(signal: i32) {
    let bin_dir = ochami_e2e::bin_dir();
    for b in ["smd", "bss"] {
        assert!(
            bin_dir.join(b).exists(),
            "{} is not built: run `cargo build -p smd -p bss` (cargo xtask test builds every binary)",
            bin_dir.join(b).display()
        );
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("ochami-xtask-up-{}-{signal}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = || localpg::free_port().expect("free port");
    let (pg, smd, bss) = (port(), port(), port());
    let mut xtask = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["up", "--no-build", "--data-dir"])
        .arg(&dir)
        .args(["--pg-port", &pg.to_string()])
        .env("SMD_LISTEN", format!("127.0.0.1:{smd}"))
        .env("BSS_LISTEN", format!("127.0.0.1:{bss}"))
        .env_remove("SMD_DATABASE_URL")
        .env_remove("BSS_DATABASE_URL")
        .env_remove("BSS_SMD_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start xtask up");
    let stdout = xtask.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let up = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l == "ochami is up:");
    assert!(up, "xtask up ended before it was up: {:?}", xtask.wait());
    // Keep reading so that xtask never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let children = descendants(xtask.id());
    let names: BTreeSet<&str> = children.values().map(String::as_str).collect();
    assert!(
        names.contains("smd") && names.contains("bss"),
        "xtask up's children: {children:?}"
    );
    let pid_file = dir.join("pg/data/postmaster.pid");
    let postmaster: u32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no PostgreSQL pid in {}", pid_file.display()));
    assert!(listening(pg) && listening(smd) && listening(bss));

    // SAFETY: kill(2) has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(xtask.id() as libc::pid_t, signal) }, 0);
    let status = xtask.wait().expect("wait for xtask");
    if signal != libc::SIGKILL {
        assert!(
            status.success(),
            "xtask up stopped by signal {signal}: {status}"
        );
        // It stopped the daemons and the database before exiting itself.
        let left: Vec<_> = children
            .iter()
            .filter(|(pid, name)| alive(**pid) && name.as_str() != "sh")
            .collect();
        assert!(left.is_empty(), "still running after xtask: {left:?}");
        assert!(!alive(postmaster), "PostgreSQL still runs after xtask");
    }
    // Whatever remains (the cluster's watchdog; after SIGKILL, the daemons
    // draining on their parent-death signal) ends on its own.
    let mut pids: Vec<u32> = children.keys().copied().collect();
    pids.push(postmaster);
    wait_until(
        "every child of xtask up ended",
        Duration::from_secs(60),
        || !pids.iter().any(|p| alive(*p)),
    )
    .unwrap_or_else(|e| {
        let left: Vec<_> = children.iter().filter(|(p, _)| alive(**p)).collect();
        panic!("{e}: {left:?}, postgres alive: {}", alive(postmaster))
    });
    for p in [pg, smd, bss] {
        assert!(!listening(p), "port {p} still open after xtask up ended");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_to_xtask_alone_stops_daemons_and_database() {
    up_then(libc::SIGTERM);
}

#[test]
fn sigint_to_xtask_alone_stops_daemons_and_database() {
    up_then(libc::SIGINT);
}

#[test]
fn sigkill_of_xtask_still_ends_daemons_and_database() {
    up_then(libc::SIGKILL);
}
