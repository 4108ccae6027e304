//! Daemons started for a test: output to a log file, killed when dropped (and
//! when the test process dies: [`end_with_parent`]), and a health wait that
//! shows the log when the daemon does not come up.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Run `cmd` to completion; its output (stdout then stderr), or an error
/// carrying the command and that output.
pub fn run_ok(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{cmd:?} failed:\n{text}"))
    }
}

/// Poll `ok` every 200 ms until it holds; an error naming `what` after
/// `timeout`.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut ok: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while !ok() {
        if Instant::now() > deadline {
            return Err(format!("{what}: not after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Make the process `cmd` starts end when the thread that starts it ends,
/// however that ends (even SIGKILL): SIGTERM is its parent-death signal.
/// It also gets a process group of its own, so a Ctrl-C meant for us does
/// not reach it first: we forward the stop and wait for it to drain.
pub fn end_with_parent(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    cmd.process_group(0);
    // SAFETY: between fork and exec the closure makes only async-signal-safe
    // calls (prctl, getppid, _exit) and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Rationale: a parent gone before prctl sends no signal at all.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        })
    };
    cmd
}

/// Ask the process group led by `pid` (a child started with
/// [`end_with_parent`]) to stop: SIGTERM to it and whatever it started.
pub fn terminate_group(pid: u32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGTERM);
    }
}

pub struct Daemon {
    pub name: String,
    pub log: PathBuf,
    child: Child,
}

impl Daemon {
    /// Start `cmd`, logging stdout and stderr to `log`.
    pub fn start(name: &str, mut cmd: Command, log: PathBuf) -> Result<Daemon, String> {
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let child = end_with_parent(&mut cmd)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Daemon {
            name: name.into(),
            log,
            child,
        })
    }

    /// The daemon's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait until `check` returns true, failing with the log if the process
    /// exits or `timeout` passes.
    pub fn wait_until(
        &mut self,
        timeout: Duration,
        mut check: impl FnMut() -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if check() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before it was ready:\n{}",
                    self.name,
                    self.log_text()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} not ready after {timeout:?}:\n{}",
                    self.name,
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
