//! A private Docker engine inside the test's network namespace
//! (NETBOOT-LAB.md, "Docker engine"): a containerd and a dockerd of its own,
//! started with `nsenter --net` so bridge networks and host-network
//! containers both live in the namespace, and every client pointed at its
//! socket (`DOCKER_HOST`). Dropping it stops both, unmounts what dockerd left
//! behind and deletes its directories, also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::netns::Netns;
use crate::proc::wait_until;

/// Programs the engine needs, with the Debian package of each.
pub const TOOLS: &[(&str, &str)] = &[
    ("/usr/sbin/dockerd", "docker.io"),
    ("/usr/bin/containerd", "containerd"),
    ("/usr/bin/docker", "docker.io"),
    ("/usr/bin/docker-compose", "docker-compose"),
    ("/usr/bin/nsenter", "util-linux"),
];

pub struct Engine {
    /// `unix://…/docker.sock`, for `DOCKER_HOST`.
    pub host: String,
    dir: PathBuf,
    dockerd: Child,
    containerd: Child,
}

/// Fail naming the first missing tool and its package.
pub fn require_tools() -> Result<(), String> {
    for (path, package) in TOOLS {
        if !Path::new(path).exists() {
            return Err(format!(
                "{path} is missing: apt-get install {package} (cargo xtask test installs it)"
            ));
        }
    }
    Ok(())
}

fn spawn(ns: &Netns, program: &str, args: &[String], log: &Path) -> Result<Child, String> {
    let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    // nsenter itself, not a shell around it, so the child is the daemon.
    Command::new("nsenter")
        .arg(format!("--net=/var/run/netns/{}", ns.name))
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))
}

/// [`wait_until`], with the daemon's log in the error.
fn wait_for(
    what: &str,
    log: &Path,
    timeout: Duration,
    ok: impl FnMut() -> bool,
) -> Result<(), String> {
    wait_until(what, timeout, ok)
        .map_err(|e| format!("{e}:\n{}", std::fs::read_to_string(log).unwrap_or_default()))
}

impl Engine {
    /// Start containerd and dockerd inside `ns`, with all their state under
    /// `dir` (kept short: socket paths have a length limit).
    pub fn start(ns: &Netns, dir: &Path) -> Result<Engine, String> {
        require_tools()?;
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let p = |name: &str| dir.join(name).display().to_string();
        // Empty configuration files: neither daemon reads the machine's own.
        std::fs::write(dir.join("containerd.toml"), "").map_err(|e| e.to_string())?;
        std::fs::write(dir.join("daemon.json"), "{}").map_err(|e| e.to_string())?;
        let csock = dir.join("containerd.sock");
        let containerd = spawn(
            ns,
            "containerd",
            &[
                "--config".into(),
                p("containerd.toml"),
                "--root".into(),
                p("containerd"),
                "--state".into(),
                p("containerd-state"),
                "--address".into(),
                csock.display().to_string(),
            ],
            &dir.join("containerd.log"),
        )?;
        let mut containerd = containerd;
        if let Err(e) = wait_for(
            "containerd",
            &dir.join("containerd.log"),
            Duration::from_secs(30),
            || csock.exists(),
        ) {
            stop(&mut containerd, Duration::from_secs(5));
            return Err(e);
        }
        let host = format!("unix://{}", p("docker.sock"));
        let dockerd = spawn(
            ns,
            "dockerd",
            &[
                "--data-root".into(),
                p("data"),
                "--exec-root".into(),
                p("exec"),
                "--pidfile".into(),
                p("docker.pid"),
                "-H".into(),
                host.clone(),
                "--containerd".into(),
                csock.display().to_string(),
                "--config-file".into(),
                p("daemon.json"),
            ],
            &dir.join("dockerd.log"),
        );
        let dockerd = match dockerd {
            Ok(d) => d,
            Err(e) => {
                stop(&mut containerd, Duration::from_secs(5));
                return Err(e);
            }
        };
        // From here on, dropping the engine cleans up.
        let engine = Engine {
            host,
            dir: dir.to_path_buf(),
            dockerd,
            containerd,
        };
        let host = engine.host.clone();
        wait_for(
            "dockerd",
            &dir.join("dockerd.log"),
            Duration::from_secs(60),
            || {
                Command::new("docker")
                    .args(["version", "--format", "{{.Server.Version}}"])
                    .env("DOCKER_HOST", &host)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            },
        )?;
        Ok(engine)
    }

    /// A `docker` client command for this engine.
    pub fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", &self.host).env("DOCKER_BUILDKIT", "0");
        c
    }

    /// Any command with `DOCKER_HOST` pointing at this engine.
    pub fn client(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("DOCKER_HOST", &self.host).env("DOCKER_BUILDKIT", "0");
        c
    }

    /// dockerd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
    }
}

fn stop(child: &mut Child, grace: Duration) {
    // SIGTERM first: dockerd stops its containers and unmounts what it can.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Unmount everything mounted under `dir`, deepest first.
fn unmount_under(dir: &Path) {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let prefix = dir.display().to_string();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|m| m.starts_with(&prefix))
        .collect();
    points.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for m in points {
        let _ = Command::new("umount").args(["-l", m]).status();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        stop(&mut self.dockerd, Duration::from_secs(20));
        stop(&mut self.containerd, Duration::from_secs(10));
        unmount_under(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
