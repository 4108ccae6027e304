//! `cargo xtask bench magellan [--bmcs N] [--concurrency J] [--smd URL]`
//!
//! Builds the release `redfish-sim` and `magellan`, starts N (default 1000)
//! simulated HTTPS BMCs on 127.200.0.1.. (one loopback address each, port
//! 8443), then times `magellan scan` of the whole 127.200.0.0/16 (65 534
//! addresses) and `magellan collect` of everything found into SMD: the real
//! one given with `--smd` (or `MAGELLAN_BENCH_SMD_URL`), else a recording sink
//! here that answers 201 like SMD. Prints figures; asserts nothing but counts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

const SUBNET: &str = "127.200.0.0/16";
const FIRST: &str = "127.200.0.1";
const PORT: &str = "8443";

struct Opts {
    bmcs: usize,
    concurrency: usize,
    smd: Option<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        bmcs: 1000,
        concurrency: 1024,
        smd: std::env::var("MAGELLAN_BENCH_SMD_URL").ok(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--bmcs" => o.bmcs = val()?.parse().map_err(|_| "--bmcs: a number")?,
            "--concurrency" | "-j" => {
                o.concurrency = val()?.parse().map_err(|_| "--concurrency: a number")?
            }
            "--smd" => o.smd = Some(val()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.bmcs == 0 || o.bmcs > 65000 {
        return Err("--bmcs: 1..65000".into());
    }
    Ok(o)
}

/// Kills the child when the benchmark ends, however it ends.
pub(super) struct Guard(pub(super) Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let (sim_bin, magellan) = release_binaries()?;

    let t = Instant::now();
    let mut sim = Command::new(&sim_bin)
        .args([
            "--bmcs",
            &o.bmcs.to_string(),
            "--listen",
            FIRST,
            "--port-base",
            PORT,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {sim_bin}: {e}"))?;
    let stdout = sim.stdout.take().ok_or("no simulator stdout")?;
    let sim = Guard(sim);
    let mut lines = BufReader::new(stdout).lines();
    for i in 0..o.bmcs {
        match lines.next() {
            Some(Ok(_)) => {}
            _ => return Err(format!("simulator stopped after {i} BMCs")),
        }
    }
    println!("simulator: {} BMCs up in {:.2?}", o.bmcs, t.elapsed());

    let (smd_url, sink) = match &o.smd {
        Some(u) => (u.clone(), None),
        None => {
            let (url, count) = start_sink()?;
            (url, Some(count))
        }
    };

    let work = std::env::temp_dir().join(format!("magellan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let cache = work.join("assets.db");
    let cache = cache.to_str().ok_or("temp path")?;
    let j = o.concurrency.to_string();

    let t = Instant::now();
    let scan = Command::new(&magellan)
        .args([
            "scan", "--subnet", SUBNET, "--port", PORT, "-i", "-t", "2", "-j", &j,
        ])
        .args(["--cache", cache, "-l", "warn"])
        .output()
        .map_err(|e| format!("cannot run magellan: {e}"))?;
    let scan_time = t.elapsed();
    let scan_msg = String::from_utf8_lossy(&scan.stderr);
    if !scan.status.success() {
        return Err(format!("scan failed: {scan_msg}"));
    }
    println!(
        "scan    {SUBNET} (-j {j}): {scan_time:.2?} — {}",
        last_line(&scan_msg)
    );

    let (host, port) = smd_url.rsplit_once(':').ok_or("SMD URL needs a port")?;
    let t = Instant::now();
    let collect = Command::new(&magellan)
        .args([
            "collect", "-u", "admin", "-p", "password", "-i", "-t", "10", "-j", &j,
        ])
        .args([
            "--cache", cache, "-l", "warn", "--host", host, "--port", port,
        ])
        .args([
            "--force-update",
            "-o",
            work.join("inventory.json").to_str().ok_or("temp path")?,
        ])
        .output()
        .map_err(|e| format!("cannot run magellan: {e}"))?;
    let collect_time = t.elapsed();
    let collect_msg = String::from_utf8_lossy(&collect.stderr);
    println!(
        "collect {} BMCs into {smd_url}: {collect_time:.2?} — {}",
        o.bmcs,
        collect_msg
            .lines()
            .filter(|l| l.starts_with("collect:") || l.starts_with("send:"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let Some(count) = sink {
        println!(
            "recording SMD received {} RedfishEndpoints",
            count.load(Ordering::SeqCst)
        );
    }
    println!(
        "targets: scan < 60 s ({}), collect < 30 s ({})",
        verdict(scan_time.as_secs_f64() < 60.0),
        verdict(collect_time.as_secs_f64() < 30.0)
    );
    drop(sim);
    let _ = std::fs::remove_dir_all(&work);
    if !collect.status.success() {
        return Err(format!("collect reported failures:\n{collect_msg}"));
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

/// Build magellan and redfish-sim in release mode; the paths of
/// `redfish-sim` and `magellan`.
pub(super) fn release_binaries() -> Result<(String, String), String> {
    crate::run_cmd(crate::cargo().args([
        "build",
        "--release",
        "-p",
        "magellan",
        "-p",
        "redfish-sim",
    ]))?;
    let bin_dir = release_dir()?;
    Ok((
        format!("{bin_dir}/redfish-sim"),
        format!("{bin_dir}/magellan"),
    ))
}

fn release_dir() -> Result<String, String> {
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        return Ok(format!("{t}/release"));
    }
    let out = crate::cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // Dependency-free: pick "target_directory":"..." out of the JSON by hand.
    let key = "\"target_directory\":\"";
    let start = text
        .find(key)
        .ok_or("cargo metadata: no target_directory")?
        + key.len();
    let end = text[start..].find('"').ok_or("cargo metadata: bad JSON")? + start;
    Ok(format!("{}/release", &text[start..end]))
}

/// A minimal HTTP/1.1 sink that answers every request 201 like SMD's POST
/// RedfishEndpoints and counts them. Keep-alive, one thread per connection.
fn start_sink() -> Result<(String, Arc<AtomicUsize>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || serve(stream, &c));
        }
    });
    Ok((url, count))
}

fn serve(stream: TcpStream, count: &AtomicUsize) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut len = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if first {
                first = false;
                continue;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::SeqCst);
        let reply = b"[{\"URI\":\"/hsm/v2/Inventory/RedfishEndpoints\"}]";
        let head = format!(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            reply.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(reply).is_err() {
            return;
        }
    }
}
