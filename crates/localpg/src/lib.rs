//! A local PostgreSQL cluster driven by the system's `initdb` and `pg_ctl`.
//!
//! Two uses: [`Cluster::temporary`] for tests (a throwaway cluster in a temp
//! dir, stopped and deleted by a watchdog when the test process exits, even on
//! panic), and [`Cluster::persistent`] for `cargo xtask up` (a data dir kept
//! across runs, stopped cleanly by [`Cluster::stop_when_gone`] when its owner
//! dies). PostgreSQL refuses to run as root, so when we are root the
//! server runs as the `postgres` user (or `nobody`) via `runuser`.
//!
//! This crate has no dependencies and never talks SQL itself: databases are
//! created with the cluster's own `createdb`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or startable) cluster listening on 127.0.0.1:`port`, superuser
/// `postgres` with trust authentication on loopback.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    run_as: Option<String>,
    /// Command prefix every tool runs under, e.g. `ip netns exec NS`.
    wrap: Vec<String>,
}

/// The PostgreSQL server binaries directory: Debian's newest
/// `/usr/lib/postgresql/*/bin`, else wherever `pg_ctl` is on `PATH`.
pub fn find_bin() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("pg_ctl").exists() && dir.join("initdb").exists() {
                return Ok(dir);
            }
        }
    }
    Err("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH; \
         install them with: apt-get install postgresql (the test command `cargo xtask test` does this as root)"
        .into())
}

/// True when this process runs as root (the server must then run as
/// another user; callers use it for their own root-only steps too).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// Which unprivileged user runs the server when we are root.
fn server_user() -> Option<String> {
    if !is_root() {
        return None;
    }
    let has = |u: &str| {
        Command::new("id")
            .arg(u)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    Some(if has("postgres") {
        "postgres".into()
    } else {
        "nobody".into()
    })
}

/// A free TCP port on 127.0.0.1 (bind to 0, read, release).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

impl Cluster {
    /// A throwaway cluster in a fresh temp dir on a free port, started. A
    /// watchdog stops it and deletes the dir when this process exits.
    pub fn temporary() -> Result<Cluster, String> {
        Self::temporary_wrapped(&[])
    }

    /// Like [`Cluster::temporary`], with every PostgreSQL tool run under the
    /// command prefix `wrap` — e.g. `["ip", "netns", "exec", "ns1"]` to run the
    /// server inside a network namespace (its 127.0.0.1 is the namespace's).
    pub fn temporary_wrapped(wrap: &[&str]) -> Result<Cluster, String> {
        let base =
            std::env::temp_dir().join(format!("ochami-pg-{}-{}", std::process::id(), nanos()));
        let mut cluster = Cluster::at(&base, free_port()?)?;
        cluster.wrap = wrap.iter().map(|s| s.to_string()).collect();
        cluster.init(&["--no-sync"])?;
        cluster.start(&[
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ])?;
        cluster.watchdog(std::process::id(), "immediate", true)?;
        Ok(cluster)
    }

    /// A cluster kept in `dir` (created and initialised on first use), started
    /// on `port`. Reuses the data on later runs.
    pub fn persistent(dir: &Path, port: u16) -> Result<Cluster, String> {
        let cluster = Cluster::at(dir, port)?;
        if !cluster.data.join("PG_VERSION").exists() {
            cluster.init(&[])?;
        }
        cluster.start(&[])?;
        Ok(cluster)
    }

    fn at(dir: &Path, port: u16) -> Result<Cluster, String> {
        let bin = find_bin()?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let run_as = server_user();
        if let Some(user) = &run_as {
            // The server user must reach and own its data dir.
            run(Command::new("chown").arg("-R").arg(user).arg(&dir))?;
            let mut p = dir.clone();
            while let Some(parent) = p.parent() {
                let _ = Command::new("chmod").arg("o+x").arg(parent).status();
                p = parent.to_path_buf();
            }
        }
        Ok(Cluster {
            bin,
            data: dir.join("data"),
            port,
            run_as,
            wrap: Vec::new(),
        })
    }

    fn cmd(&self, tool: &str) -> Command {
        let mut argv: Vec<std::ffi::OsString> = self.wrap.iter().map(Into::into).collect();
        if let Some(user) = &self.run_as {
            argv.extend(["runuser".into(), "-u".into(), user.into(), "--".into()]);
        }
        argv.push(self.bin.join(tool).into());
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    }

    fn init(&self, extra: &[&str]) -> Result<(), String> {
        run(self
            .cmd("initdb")
            .arg("-D")
            .arg(&self.data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .args(extra))
    }

    fn start(&self, extra: &[&str]) -> Result<(), String> {
        let log = self
            .data
            .parent()
            .unwrap_or(&self.data)
            .join("postgres.log");
        if let Some(user) = &self.run_as {
            let _ = std::fs::File::create(&log);
            let _ = Command::new("chown").arg(user).arg(&log).status();
        }
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' -c max_connections=300 {}",
            self.port,
            self.data.display(),
            extra.join(" ")
        );
        let status = self.status();
        if status {
            return Ok(());
        }
        run(self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &opts, "start"]))
        .map_err(|e| format!("{e}; see {}", log.display()))?;
        // pg_ctl -w waits for the socket; make sure TCP answers too (from our
        // namespace only when not wrapped into another one).
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.wrap.is_empty()
            && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err()
        {
            if Instant::now() > deadline {
                return Err(format!(
                    "postgres did not listen on 127.0.0.1:{}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// True if the server of this data dir is running.
    pub fn status(&self) -> bool {
        self.cmd("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Stop the server (fast shutdown), keeping the data.
    pub fn stop(&self) -> Result<(), String> {
        run(self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"]))
    }

    /// Start it again after [`Cluster::stop`].
    pub fn restart(&self) -> Result<(), String> {
        self.start(&["-c", "fsync=off"])
    }

    /// Stop the server (fast shutdown, data kept) once process `pid` is gone,
    /// however it ends: the guard of a kept cluster whose owner may be
    /// killed before it can stop it itself (`cargo xtask up`).
    pub fn stop_when_gone(&self, pid: u32) -> Result<(), String> {
        self.watchdog(pid, "fast", false)
    }

    fn watchdog(&self, pid: u32, mode: &str, remove: bool) -> Result<(), String> {
        let base = self.data.parent().unwrap_or(&self.data);
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = match &self.run_as {
            Some(u) => format!(
                "runuser -u {u} -- {} -D '{}' -m {mode} -w stop",
                pg_ctl.display(),
                self.data.display()
            ),
            None => format!(
                "{} -D '{}' -m {mode} -w stop",
                pg_ctl.display(),
                self.data.display()
            ),
        };
        let remove = if remove {
            format!("; rm -rf '{}'", base.display())
        } else {
            String::new()
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; {stop} >/dev/null 2>&1{remove}"
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| format!("cannot start the cluster watchdog: {e}"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// libpq URL of database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Create database `db` unless it exists.
    pub fn create_database(&self, db: &str) -> Result<(), String> {
        let out = self
            .cmd("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                db,
            ])
            .output()
            .map_err(|e| format!("cannot run createdb: {e}"))?;
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || err.contains("already exists") {
            Ok(())
        } else {
            Err(format!("createdb {db} failed: {}", err.trim()))
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_cluster_starts_creates_databases_and_restarts() {
        let c = Cluster::temporary().expect("cluster");
        assert!(c.status());
        c.create_database("one").unwrap();
        c.create_database("one").unwrap(); // idempotent
        c.stop().unwrap();
        assert!(!c.status());
        assert!(std::net::TcpStream::connect(("127.0.0.1", c.port())).is_err());
        c.restart().unwrap();
        assert!(c.status());
        assert!(c.url("one").ends_with("/one"));
    }
}
