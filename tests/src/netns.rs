//! A network namespace of the test's own: a bridge `br0` holding the server
//! address and a tap device for QEMU. Deleted (with everything running in it)
//! when dropped, also when the test fails.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Netns {
    pub name: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Netns {
    /// A fresh namespace with `br0` = `server_cidr` (e.g. `172.16.0.253/24`),
    /// extra addresses on the bridge, and `taps` tap devices `tap0`, `tap1`, ...
    /// enslaved to it.
    pub fn with_bridge(
        server_cidr: &str,
        extra_cidrs: &[String],
        taps: usize,
    ) -> Result<Netns, String> {
        let name = format!(
            "ochami-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name])?;
        let ns = Netns { name };
        let n = ns.name.as_str();
        ip(&["-n", n, "link", "set", "lo", "up"])?;
        ip(&["-n", n, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", n, "addr", "add", server_cidr, "dev", "br0"])?;
        for cidr in extra_cidrs {
            ip(&["-n", n, "addr", "add", cidr, "dev", "br0"])?;
        }
        for i in 0..taps {
            let tap = format!("tap{i}");
            ip(&["-n", n, "tuntap", "add", &tap, "mode", "tap"])?;
            ip(&["-n", n, "link", "set", &tap, "master", "br0"])?;
            ip(&["-n", n, "link", "set", &tap, "up"])?;
        }
        ip(&["-n", n, "link", "set", "br0", "up"])?;
        Ok(ns)
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// The prefix that runs a command inside the namespace.
    pub fn prefix(&self) -> [&str; 4] {
        ["ip", "netns", "exec", &self.name]
    }

    /// `curl` inside the namespace; returns (HTTP status, body).
    pub fn curl(&self, args: &[&str]) -> Result<(u16, String), String> {
        let out = self
            .command("curl")
            .args(["-s", "--max-time", "20", "-w", "\n%{http_code}"])
            .args(args)
            .output()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        Ok((code.trim().parse().unwrap_or(0), body.to_owned()))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Kill whatever still runs inside (daemons, QEMU), then the namespace.
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).status();
            }
        }
        let _ = ip(&["netns", "del", &self.name]);
    }
}
