//! `cargo xtask bench tftp [--transfers N]`: our tftpd against tftpd-hpa on
//! the same machine, in the same run.
//!
//! Both servers serve a 1 MiB file on loopback. Each cell is a boot storm: 1,
//! 50 or 200 parallel clients (threads of a small built-in RFC 1350 client, so
//! the client costs the same for both servers) fetch it until at least N
//! transfers (default 100) are done, with 512-byte blocks (no options, like an
//! old PXE ROM) and with `blksize 1468` (like iPXE); the clock stops when the
//! last client is done. Prints transfers/s, MB/s, failed transfers (a client
//! gives up after 10 silent half-seconds) and the servers' peak RSS (tftpd-hpa
//! forks a process per transfer, so its figure is the sum over the daemon and
//! its children, sampled every 20 ms).

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FILE: &str = "bench-1m.bin";
const FILE_SIZE: usize = 1 << 20;
const CONCURRENCY: &[usize] = &[1, 50, 200];
const BLKSIZES: &[Option<u16>] = &[None, Some(1468)];

pub fn run(args: &[String]) -> Result<(), String> {
    let transfers = match args {
        [] => 100,
        [flag, n] if flag == "--transfers" => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("bad --transfers '{n}'"))?,
        _ => return Err("usage: cargo xtask bench tftp [--transfers N]".into()),
    };
    let hpa = Path::new("/usr/sbin/in.tftpd");
    if !hpa.exists() {
        return Err("in.tftpd not found: apt-get install tftpd-hpa".into());
    }
    let ours = build_release()?;
    let dir = std::env::temp_dir().join(format!("ochami-bench-tftp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let data: Vec<u8> = (0..FILE_SIZE).map(|i| (i * 31 + i / 4099) as u8).collect();
    std::fs::write(dir.join(FILE), &data).map_err(|e| e.to_string())?;
    let result = bench(&ours, hpa, &dir, transfers);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn build_release() -> Result<PathBuf, String> {
    crate::run_cmd(crate::cargo().args(["build", "--release", "-p", "tftpd"]))?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release/tftpd");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!("{} was not built", bin.display()))
    }
}

fn free_port() -> Result<u16, String> {
    let s = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(s.local_addr().map_err(|e| e.to_string())?.port())
}

struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_ours(bin: &Path, dir: &Path) -> Result<Server, String> {
    let port = free_port()?;
    let child = Command::new(bin)
        .env("TFTPD_ROOT", dir)
        .env("TFTPD_LISTEN", format!("127.0.0.1:{port}"))
        // Every bench client comes from 127.0.0.1: lift the per-client limit.
        .env("TFTPD_MAX_TRANSFERS", "4096")
        .env("TFTPD_MAX_TRANSFERS_PER_CLIENT", "4096")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    ready(Server {
        name: "ochami tftpd",
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    })
}

fn start_hpa(bin: &Path, dir: &Path) -> Result<Server, String> {
    let port = free_port()?;
    let child = Command::new(bin)
        .args(["-L", "-s"])
        .arg(dir)
        .args(["-a", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    ready(Server {
        name: "tftpd-hpa",
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    })
}

/// Wait until the server answers a fetch.
fn ready(s: Server) -> Result<Server, String> {
    for _ in 0..50 {
        if fetch(s.addr, None, &AtomicU64::new(0)).is_some() {
            return Ok(s);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{} does not answer on {}", s.name, s.addr))
}

/// One lockstep RRQ; the bytes received, or None on failure.
fn fetch(server: SocketAddr, blksize: Option<u16>, received: &AtomicU64) -> Option<usize> {
    let sock = UdpSocket::bind("127.0.0.1:0").ok()?;
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    let mut rrq = b"\0\x01".to_vec();
    rrq.extend_from_slice(FILE.as_bytes());
    rrq.extend_from_slice(b"\0octet\0");
    if let Some(b) = blksize {
        rrq.extend_from_slice(format!("blksize\0{b}\0").as_bytes());
    }
    let size = usize::from(blksize.unwrap_or(512));
    let mut last: Vec<u8> = rrq.clone();
    let mut dest = server;
    sock.send_to(&rrq, dest).ok()?;
    let mut buf = vec![0u8; 65536];
    let (mut expect, mut total, mut misses) = (1u16, 0usize, 0);
    loop {
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(r) => r,
            Err(_) => {
                misses += 1;
                if misses > 10 {
                    return None;
                }
                sock.send_to(&last, dest).ok()?;
                continue;
            }
        };
        let p = &buf[..n];
        match p.get(..2) {
            Some([0, 6]) if expect == 1 => {
                dest = from;
                last = b"\0\x04\0\0".to_vec();
            }
            Some([0, 3]) if p.len() >= 4 && u16::from_be_bytes([p[2], p[3]]) == expect => {
                dest = from;
                total += n - 4;
                received.fetch_add((n - 4) as u64, Ordering::Relaxed);
                last = vec![0, 4, p[2], p[3]];
                expect = expect.wrapping_add(1);
                if n - 4 < size {
                    sock.send_to(&last, dest).ok()?;
                    return Some(total);
                }
            }
            Some([0, 3]) => continue,
            _ => return None,
        }
        sock.send_to(&last, dest).ok()?;
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// RSS of `pid` plus its direct children (tftpd-hpa's per-transfer forks).
fn tree_rss_kib(pid: u32) -> u64 {
    let mut total = rss_kib(pid);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(child) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // Field 4 (ppid) follows the parenthesised command name.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(pid) {
                total += rss_kib(child);
            }
        }
    }
    total
}

struct Figures {
    transfers: u64,
    failed: u64,
    bytes: u64,
    elapsed: Duration,
    peak_rss_kib: u64,
}

/// A boot storm: `clients` threads each fetch the file `rounds` times; the
/// clock runs until the last one is done.
fn measure(server: &Server, clients: usize, blksize: Option<u16>, rounds: usize) -> Figures {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let addr = server.addr;
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (done, failed, bytes) = (done.clone(), failed.clone(), bytes.clone());
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    match fetch(addr, blksize, &bytes) {
                        Some(n) if n == FILE_SIZE => done.fetch_add(1, Ordering::Relaxed),
                        _ => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    let pid = server.child.id();
    let mut peak = 0;
    while !workers.iter().all(|w| w.is_finished()) {
        peak = peak.max(tree_rss_kib(pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    for w in workers {
        let _ = w.join();
    }
    Figures {
        transfers: done.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        elapsed,
        peak_rss_kib: peak,
    }
}

fn bench(ours: &Path, hpa: &Path, dir: &Path, transfers: usize) -> Result<(), String> {
    let servers = [start_ours(ours, dir)?, start_hpa(hpa, dir)?];
    // The clients stand in for other machines: lower their priority (threads
    // spawned from now on inherit it; the servers already run) so the servers,
    // not 200 client threads competing for the same two cores, are measured.
    let reniced = Command::new("renice")
        .args(["-n", "10", "-p", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "1 MiB file over loopback, at least {} transfers per cell, {} cores, load average {}, clients at {}",
        transfers,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        if reniced {
            "nice 10"
        } else {
            "normal priority"
        }
    );
    println!(
        "{:<14} {:>7} {:>7} {:>12} {:>9} {:>7} {:>14}",
        "server", "blksize", "clients", "transfers/s", "MB/s", "failed", "peak RSS MiB"
    );
    for &blksize in BLKSIZES {
        for &clients in CONCURRENCY {
            for server in &servers {
                let f = measure(server, clients, blksize, transfers.div_ceil(clients));
                let s = f.elapsed.as_secs_f64();
                println!(
                    "{:<14} {:>7} {:>7} {:>12.1} {:>9.1} {:>7} {:>14.1}",
                    server.name,
                    blksize.unwrap_or(512),
                    clients,
                    f.transfers as f64 / s,
                    f.bytes as f64 / s / 1e6,
                    f.failed,
                    f.peak_rss_kib as f64 / 1024.0
                );
            }
        }
    }
    Ok(())
}
