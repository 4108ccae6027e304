//! `cargo xtask bench power [--nodes N] [--per-bmc K] [--concurrency J]
//! [--transition-ms MS] [--smd URL]`
//!
//! Builds the release `redfish-sim` and `magellan`, starts N/K (default
//! 1000/4 = 250) simulated HTTPS BMCs with K nodes each on 127.0.0.2..
//! (one loopback address each, port 8443), collects them into an inventory
//! file (and into SMD with `--smd`, e.g. `cargo xtask up`'s), then times
//! `magellan power -q --all`, `power on --all`, `power cycle --all` (forced
//! off, wait, on, wait) and a second query. Prints figures; asserts nothing but the
//! outcome of the commands.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::magellan::{release_binaries, Guard};

const FIRST: &str = "127.0.0.2";
const PORT: &str = "8443";

struct Opts {
    nodes: usize,
    per_bmc: usize,
    concurrency: usize,
    transition_ms: u64,
    smd: Option<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        nodes: 1000,
        per_bmc: 4,
        concurrency: 256,
        transition_ms: 0,
        smd: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        let num =
            |v: String, what: &str| v.parse::<usize>().map_err(|_| format!("{what}: a number"));
        match a.as_str() {
            "--nodes" => o.nodes = num(val()?, "--nodes")?,
            "--per-bmc" => o.per_bmc = num(val()?, "--per-bmc")?,
            "--concurrency" | "-j" => o.concurrency = num(val()?, "--concurrency")?,
            "--transition-ms" => o.transition_ms = num(val()?, "--transition-ms")? as u64,
            "--smd" => o.smd = Some(val()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.per_bmc == 0 || o.nodes == 0 || !o.nodes.is_multiple_of(o.per_bmc) {
        return Err("--nodes must be a positive multiple of --per-bmc".into());
    }
    // All BMCs on 127.0.0.x: at most 127.0.0.2 ..= 127.0.0.254.
    if o.nodes / o.per_bmc > 253 {
        return Err("at most 253 BMCs (127.0.0.2-254): raise --per-bmc".into());
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let (sim_bin, magellan) = release_binaries()?;
    let bmcs = o.nodes / o.per_bmc;

    let t = Instant::now();
    let mut sim = Command::new(&sim_bin)
        .args(["--bmcs", &bmcs.to_string()])
        .args(["--systems-per-bmc", &o.per_bmc.to_string()])
        .args(["--listen", FIRST, "--port-base", PORT])
        .args(["--power-transition-ms", &o.transition_ms.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {sim_bin}: {e}"))?;
    let stdout = sim.stdout.take().ok_or("no simulator stdout")?;
    let sim = Guard(sim);
    let mut urls = Vec::with_capacity(bmcs);
    let mut lines = BufReader::new(stdout).lines();
    for i in 0..bmcs {
        match lines.next() {
            Some(Ok(u)) => urls.push(u),
            _ => return Err(format!("simulator stopped after {i} BMCs")),
        }
    }
    println!(
        "simulator: {bmcs} BMCs × {} nodes up in {:.2?}",
        o.per_bmc,
        t.elapsed()
    );

    let work = std::env::temp_dir().join(format!("power-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let inventory = work.join("inventory.json");
    let inventory = inventory.to_str().ok_or("temp path")?.to_owned();
    let cache = work.join("assets.db");
    let cache = cache.to_str().ok_or("temp path")?.to_owned();
    let j = o.concurrency.to_string();

    let mut collect = Command::new(&magellan);
    collect
        .arg("collect")
        .args(&urls)
        .args(["-u", "admin", "-p", "password", "-i", "-t", "10", "-j", &j])
        .args(["--cache", &cache, "-l", "warn", "-o", &inventory]);
    if let Some(smd) = &o.smd {
        collect.args(["--host", smd, "--force-update"]);
    }
    let out = collect
        .output()
        .map_err(|e| format!("cannot run magellan: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "collect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    // BMCs from SMD when given one (State written back), else the file.
    let source: Vec<String> = match &o.smd {
        Some(smd) => vec!["--smd-url".into(), smd.clone()],
        None => vec!["-f".into(), inventory.clone()],
    };
    let power = |args: &[&str]| -> Result<(std::time::Duration, String), String> {
        let t = Instant::now();
        let out = Command::new(&magellan)
            .arg("power")
            .args(args)
            .args(["--all", "-i", "-u", "admin", "-p", "password"])
            .args(["-j", &j, "--log-level", "warn"])
            .args(["--poll-interval", "0.2", "--retry-after", "5", "-t", "120"])
            .args(&source)
            .output()
            .map_err(|e| format!("cannot run magellan: {e}"))?;
        let took = t.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(format!(
                "magellan power {args:?} failed:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok((took, stdout))
    };
    let (q1, s1) = power(&["-q"])?;
    println!("power -q --all ({} nodes): {q1:.2?}", o.nodes);
    print!("{s1}");
    // The simulated nodes start off: power them on, so the cycle is one.
    let (on, s_on) = power(&["on"])?;
    println!("power on --all ({} nodes): {on:.2?}", o.nodes);
    print!("{s_on}");
    let (cycle, s2) = power(&["cycle"])?;
    println!(
        "power cycle --all ({} nodes, -j {j}, transition {} ms): {cycle:.2?}",
        o.nodes, o.transition_ms
    );
    print!("{s2}");
    let (q2, _) = power(&["-q"])?;
    println!("power -q --all again: {q2:.2?}");
    drop(sim);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
