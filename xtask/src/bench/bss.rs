//! `cargo xtask bench bss [--nodes N] [--duration 10s] [--connections 64]`:
//! boot-script requests per second and p99 latency with N nodes (default
//! 10 000) known to a real smd, next to nginx serving a static file of the
//! same size from the same machine (the ceiling).
//!
//! Release `smd` and `bss` binaries on a throwaway PostgreSQL cluster; SMD
//! seeded over HTTP with curl; load from `wrk` with a Lua script rotating
//! through every node's MAC. Prints figures; asserts nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Opts {
    nodes: usize,
    duration: String,
    connections: usize,
}

fn opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        nodes: 10_000,
        duration: "10s".into(),
        connections: 64,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--nodes" => o.nodes = val()?.parse().map_err(|e| format!("--nodes: {e}"))?,
            "--duration" => o.duration = val()?,
            "--connections" => {
                o.connections = val()?.parse().map_err(|e| format!("--connections: {e}"))?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Kills its child when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mac(i: usize) -> String {
    format!(
        "02:00:00:{:02x}:{:02x}:{:02x}",
        (i >> 16) & 0xff,
        (i >> 8) & 0xff,
        i & 0xff
    )
}

fn xname(i: usize) -> String {
    // 8 nodes per slot, 64 slots per chassis, 8 chassis per cabinet.
    format!(
        "x{}c{}s{}b0n{}",
        1000 + i / (8 * 64 * 8),
        (i / (8 * 64)) % 8,
        (i / 8) % 64,
        i % 8
    )
}

fn run_ok(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_http(url: &str) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let ok = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", url])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("{url} did not come up"))
}

fn curl_json(method: &str, url: &str, body: &str) -> Result<String, String> {
    run_ok(
        Command::new("curl").args([
            "-sS",
            "-f",
            "-X",
            method,
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
            url,
        ]),
        &format!("curl {method} {url}"),
    )
}

/// Figures from wrk's `--latency` output.
struct Figures {
    rps: f64,
    p99: String,
    non_2xx: String,
}

fn wrk(url: &str, lua: Option<&Path>, o: &Opts) -> Result<Figures, String> {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{}", o.connections),
        &format!("-d{}", o.duration),
        "--latency",
    ]);
    if let Some(l) = lua {
        cmd.arg("-s").arg(l);
    }
    cmd.arg(url);
    let out = run_ok(&mut cmd, "wrk")?;
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output:\n{out}"))?;
    let p99 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "?".into());
    let non_2xx = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "0".into());
    Ok(Figures { rps, p99, non_2xx })
}

fn free_port() -> Result<u16, String> {
    localpg::free_port()
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = opts(args)?;
    let root = crate::workspace_root();
    eprintln!("building release smd and bss ...");
    run_ok(
        crate::cargo()
            .args(["build", "--release", "-p", "smd", "-p", "bss"])
            .current_dir(&root),
        "cargo build --release",
    )?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let bin = |n: &str| target.join("release").join(n);

    let work = std::env::temp_dir().join(format!("ochami-bench-bss-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let pg = localpg::Cluster::temporary()?;
    pg.create_database("smd")?;
    pg.create_database("bss")?;
    let (smd_port, bss_port) = (free_port()?, free_port()?);
    let smd_url = format!("http://127.0.0.1:{smd_port}");
    let bss_url = format!("http://127.0.0.1:{bss_port}");
    let env = [
        ("SMD_DATABASE_URL", pg.url("smd")),
        ("SMD_LISTEN", format!("127.0.0.1:{smd_port}")),
        ("BSS_DATABASE_URL", pg.url("bss")),
        ("BSS_LISTEN", format!("127.0.0.1:{bss_port}")),
        ("BSS_SMD_URL", smd_url.clone()),
        ("RUST_LOG", "warn".into()),
    ];
    let daemon = |name: &str, args: &[&str]| -> Result<Daemon, String> {
        let mut cmd = Command::new(bin(name));
        cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        if args.is_empty() {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        cmd.spawn()
            .map(Daemon)
            .map_err(|e| format!("cannot start {name}: {e}"))
    };
    for svc in ["smd", "bss"] {
        let status = daemon(svc, &["migrate"])?
            .0
            .wait()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{svc} migrate failed"));
        }
    }
    let _smd = daemon("smd", &[])?;
    wait_http(&format!("{smd_url}/hsm/v2/service/ready"))?;

    eprintln!("seeding {} nodes into smd ...", o.nodes);
    let started = Instant::now();
    let mut comps = String::from("{\"Components\":[");
    for i in 0..o.nodes {
        if i > 0 {
            comps.push(',');
        }
        let _ = write!(
            comps,
            "{{\"ID\":\"{}\",\"State\":\"On\",\"NID\":{},\"Role\":\"Compute\"}}",
            xname(i),
            i + 1
        );
    }
    comps.push_str("]}");
    let comps_file = work.join("components.json");
    std::fs::write(&comps_file, comps).map_err(|e| e.to_string())?;
    curl_json(
        "POST",
        &format!("{smd_url}/hsm/v2/State/Components"),
        &format!("@{}", comps_file.display()),
    )?;
    // One curl process, many requests: a config file with `next` between them.
    let mut cfg = String::new();
    for i in 0..o.nodes {
        if i > 0 {
            cfg.push_str("next\n");
        }
        let _ = writeln!(
            cfg,
            "url = \"{smd_url}/hsm/v2/Inventory/EthernetInterfaces\"\nheader = \"Content-Type: application/json\"\n\
             data = \"{{\\\"MACAddress\\\":\\\"{}\\\",\\\"ComponentID\\\":\\\"{}\\\",\\\"IPAddresses\\\":[{{\\\"IPAddress\\\":\\\"10.{}.{}.{}\\\"}}]}}\"\n\
             output = \"/dev/null\"",
            mac(i),
            xname(i),
            100 + (i >> 16) % 100,
            (i >> 8) & 0xff,
            i & 0xff
        );
    }
    let cfg_file = work.join("interfaces.curl");
    std::fs::write(&cfg_file, cfg).map_err(|e| e.to_string())?;
    run_ok(
        Command::new("curl")
            .args(["-sS", "-f", "--parallel", "--parallel-max", "8", "-K"])
            .arg(&cfg_file),
        "curl (EthernetInterfaces)",
    )?;
    eprintln!("seeded in {:.1}s", started.elapsed().as_secs_f64());

    let _bss = daemon("bss", &[])?;
    wait_http(&format!("{bss_url}/boot/v1/service/status"))?;
    let macs: Vec<String> = (0..o.nodes).map(mac).collect();
    let body = format!(
        "{{\"kernel\":\"http://10.0.0.1/vmlinuz\",\"initrd\":\"http://10.0.0.1/initrd.img\",\
         \"params\":\"console=ttyS0,115200 ip=dhcp\",\"macs\":[\"{}\"]}}",
        macs.join("\",\"")
    );
    let bp_file = work.join("bootparams.json");
    std::fs::write(&bp_file, body).map_err(|e| e.to_string())?;
    curl_json(
        "POST",
        &format!("{bss_url}/boot/v1/bootparameters"),
        &format!("@{}", bp_file.display()),
    )?;
    curl_json("POST", &format!("{bss_url}/boot/v1/hosts"), "")?;
    let sample = run_ok(
        Command::new("curl").args([
            "-sS",
            "-f",
            &format!("{bss_url}/boot/v1/bootscript?mac={}", macs[o.nodes / 2]),
        ]),
        "curl bootscript",
    )?;
    if !sample.contains("kernel --name kernel") {
        return Err(format!("unexpected boot script:\n{sample}"));
    }

    let mut lua = String::from("macs = {\n");
    for m in &macs {
        let _ = writeln!(lua, "\"{m}\",");
    }
    lua.push_str(
        "}\ncounter = 0\n\
         function setup(thread) thread:set(\"offset\", counter * 7919); counter = counter + 1 end\n\
         function init(args) i = offset end\n\
         request = function()\n  i = i + 1\n  \
         return wrk.format(\"GET\", \"/boot/v1/bootscript?mac=\" .. macs[(i % #macs) + 1])\nend\n",
    );
    let lua_file = work.join("rotate.lua");
    std::fs::write(&lua_file, lua).map_err(|e| e.to_string())?;
    eprintln!(
        "wrk against bss ({} connections, {}) ...",
        o.connections, o.duration
    );
    let ours = wrk(&bss_url, Some(&lua_file), &o)?;

    // The ceiling: nginx serving a static file of the script's size.
    let www = work.join("www");
    std::fs::create_dir_all(&www).map_err(|e| e.to_string())?;
    std::fs::write(www.join("script"), vec![b'x'; sample.len()]).map_err(|e| e.to_string())?;
    let ngx_port = free_port()?;
    let user = if run_ok(Command::new("id").arg("-u"), "id")?.trim() == "0" {
        "user root;\n"
    } else {
        ""
    };
    let conf = format!(
        "{user}worker_processes 2;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {w}/tmp;\n  proxy_temp_path {w}/tmp;\n  \
         fastcgi_temp_path {w}/tmp;\n  uwsgi_temp_path {w}/tmp;\n  scgi_temp_path {w}/tmp;\n  \
         server {{\n    listen 127.0.0.1:{ngx_port};\n    root {www};\n    \
         default_type text/plain;\n  }}\n}}\n",
        w = work.display(),
        www = www.display()
    );
    let conf_file = work.join("nginx.conf");
    std::fs::write(&conf_file, conf).map_err(|e| e.to_string())?;
    let _nginx = Command::new("nginx")
        .arg("-p")
        .arg(&work)
        .arg("-c")
        .arg(&conf_file)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Daemon)
        .map_err(|e| format!("cannot start nginx: {e}"))?;
    let ngx_url = format!("http://127.0.0.1:{ngx_port}/script");
    wait_http(&ngx_url)?;
    eprintln!("wrk against nginx ...");
    let ceiling = wrk(&ngx_url, None, &o)?;

    println!(
        "bss bootscript, {} nodes, {}-byte script, {} connections, {}:",
        o.nodes,
        sample.len(),
        o.connections,
        o.duration
    );
    println!(
        "  bss   : {:>10.0} req/s  p99 {:>9}  non-2xx {}",
        ours.rps, ours.p99, ours.non_2xx
    );
    println!(
        "  nginx : {:>10.0} req/s  p99 {:>9}  (static file, the ceiling)",
        ceiling.rps, ceiling.p99
    );
    println!("  ratio : {:.2} of the ceiling", ours.rps / ceiling.rps);
    drop(pg);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_nodes() {
        let xs: std::collections::HashSet<String> = (0..10_000).map(xname).collect();
        assert_eq!(xs.len(), 10_000);
        assert_eq!(xname(0), "x1000c0s0b0n0");
        assert_eq!(mac(258), "02:00:00:00:01:02");
    }
}
