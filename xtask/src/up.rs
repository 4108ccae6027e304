//! `cargo xtask up`: the whole stack on this machine, one command.
//!
//! Without `SMD_DATABASE_URL` / `BSS_DATABASE_URL` it keeps its own PostgreSQL
//! cluster in the data dir (default `./.ochami/`, reused on later runs), applies
//! the migrations, starts `smd` and `bss` on their ports and waits for their
//! health checks. Ctrl-C, SIGTERM or SIGHUP (to xtask alone, as `timeout` or a
//! supervisor sends it) stops the daemons (they drain and exit 0), then the
//! database (fast shutdown, data kept).
//!
//! Nothing outlives it: every child has its own process group, which we
//! signal, and SIGTERM as its parent-death signal, so even a SIGKILL of xtask
//! ends them; the cluster has a watchdog that stops it when xtask is gone.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use ochami_e2e::proc::{end_with_parent, terminate_group};

use crate::stop;

const USAGE: &str =
    "usage: cargo xtask up [--data-dir DIR] [--pg-port PORT] [--release] [--no-build] \
[--interface IF --server-address IP --subnet CIDR [--pool START-END]]";

struct Options {
    data_dir: PathBuf,
    pg_port: u16,
    release: bool,
    /// Use the binaries already in `target/` (tests do).
    no_build: bool,
    /// Boot network: with an interface, tftpd and dhcpd-shim start too.
    interface: Option<String>,
    server_address: Option<String>,
    subnet: Option<String>,
    pool: Option<(String, String)>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        data_dir: crate::workspace_root().join(".ochami"),
        pg_port: 27432,
        release: false,
        no_build: false,
        interface: None,
        server_address: None,
        subnet: None,
        pool: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--data-dir" => o.data_dir = it.next().ok_or(USAGE)?.into(),
            "--pg-port" => {
                o.pg_port = it
                    .next()
                    .ok_or(USAGE)?
                    .parse()
                    .map_err(|_| "--pg-port: expected a port number")?
            }
            "--release" => o.release = true,
            "--no-build" => o.no_build = true,
            "--interface" => o.interface = Some(it.next().ok_or(USAGE)?.clone()),
            "--server-address" => o.server_address = Some(it.next().ok_or(USAGE)?.clone()),
            "--subnet" => o.subnet = Some(it.next().ok_or(USAGE)?.clone()),
            "--pool" => {
                let p = it.next().ok_or(USAGE)?;
                let (a, b) = p.split_once('-').ok_or("--pool: expected START-END")?;
                o.pool = Some((a.to_owned(), b.to_owned()));
            }
            _ => return Err(USAGE.into()),
        }
    }
    if o.interface.is_some() && (o.server_address.is_none() || o.subnet.is_none()) {
        return Err("--interface needs --server-address and --subnet".into());
    }
    Ok(o)
}

/// The kept cluster, stopped (fast shutdown, data kept) when `up` returns,
/// whichever way.
struct Database(localpg::Cluster);

impl Drop for Database {
    fn drop(&mut self) {
        match self.0.stop() {
            Ok(()) => eprintln!("xtask up: PostgreSQL stopped"),
            Err(e) => eprintln!("xtask up: stopping PostgreSQL: {e}"),
        }
    }
}

/// The running daemons; dropping stops those still running (SIGTERM to each
/// one's process group) and waits for them to drain.
struct Daemons(Vec<(&'static str, Child)>);

impl Daemons {
    fn spawn(&mut self, name: &'static str, cmd: &mut Command) -> Result<(), String> {
        let child = end_with_parent(cmd)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
        self.0.push((name, child));
        Ok(())
    }

    /// The first daemon that has exited, with how.
    fn exited(&mut self) -> Option<String> {
        self.0.iter_mut().find_map(|(name, c)| {
            c.try_wait()
                .ok()
                .flatten()
                .map(|st| format!("{name} exited: {st}"))
        })
    }

    /// Stop every daemon; false if one did not end well.
    fn stop(&mut self) -> bool {
        for (_, c) in &mut self.0 {
            if matches!(c.try_wait(), Ok(None)) {
                terminate_group(c.id());
            }
        }
        let mut ok = true;
        for (name, c) in self.0.drain(..) {
            let mut c = c;
            match c.wait() {
                Ok(st) => {
                    eprintln!("xtask up: {name} exited: {st}");
                    ok &= st.success();
                }
                Err(e) => {
                    eprintln!("xtask up: {name}: {e}");
                    ok = false;
                }
            }
        }
        ok
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Run `cmd` to completion, or stop it (its whole process group) and fail
/// when we are asked to stop.
fn run_stoppable(cmd: &mut Command) -> Result<(), String> {
    let mut child = end_with_parent(cmd)
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            return if st.success() {
                Ok(())
            } else {
                Err(format!("{cmd:?} failed: {st}"))
            };
        }
        if stop::requested() {
            terminate_group(child.id());
            let _ = child.wait();
            return Err("stopped".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    stop::catch();
    let root = crate::workspace_root();
    if !o.no_build {
        let mut build = crate::cargo();
        build
            .args(["build", "-p", "smd", "-p", "bss"])
            .current_dir(&root);
        if o.interface.is_some() {
            build.args(["-p", "tftpd", "-p", "dhcpd-shim"]);
        }
        if o.release {
            build.arg("--release");
        }
        run_stoppable(&mut build)?;
    }
    let bin_dir = crate::target_dir().join(if o.release { "release" } else { "debug" });

    let mut _database = None;
    let smd_db = std::env::var("SMD_DATABASE_URL").ok();
    let bss_db = std::env::var("BSS_DATABASE_URL").ok();
    let (smd_db, bss_db) = match (smd_db, bss_db) {
        (Some(s), Some(b)) => (s, b),
        (s, b) => {
            let dir = o.data_dir.join("pg");
            eprintln!(
                "xtask up: PostgreSQL in {} on 127.0.0.1:{}",
                dir.display(),
                o.pg_port
            );
            let c = localpg::Cluster::persistent(&dir, o.pg_port)?;
            let c = _database.insert(Database(c));
            c.0.stop_when_gone(std::process::id())?;
            c.0.create_database("hmsds")?;
            c.0.create_database("bssdb")?;
            (
                s.unwrap_or_else(|| c.0.url("hmsds")),
                b.unwrap_or_else(|| c.0.url("bssdb")),
            )
        }
    };

    run_stoppable(
        Command::new(bin_dir.join("smd"))
            .arg("migrate")
            .env("SMD_DATABASE_URL", &smd_db),
    )?;
    run_stoppable(
        Command::new(bin_dir.join("bss"))
            .arg("migrate")
            .env("BSS_DATABASE_URL", &bss_db),
    )?;

    let smd_listen = std::env::var("SMD_LISTEN").unwrap_or_else(|_| "0.0.0.0:27779".into());
    let bss_listen = std::env::var("BSS_LISTEN").unwrap_or_else(|_| "0.0.0.0:27778".into());
    let smd_port = smd_listen.rsplit(':').next().unwrap_or("27779").to_owned();
    let bss_port = bss_listen.rsplit(':').next().unwrap_or("27778").to_owned();
    let smd_url = format!("http://127.0.0.1:{smd_port}");

    let mut daemons = Daemons(Vec::new());
    daemons.spawn(
        "smd",
        Command::new(bin_dir.join("smd"))
            .env("SMD_DATABASE_URL", &smd_db)
            .env("SMD_LISTEN", &smd_listen),
    )?;
    daemons.spawn(
        "bss",
        Command::new(bin_dir.join("bss"))
            .env("BSS_DATABASE_URL", &bss_db)
            .env("BSS_LISTEN", &bss_listen)
            .env(
                "BSS_SMD_URL",
                std::env::var("BSS_SMD_URL").unwrap_or_else(|_| smd_url.clone()),
            ),
    )?;
    if let (Some(iface), Some(addr), Some(subnet)) = (&o.interface, &o.server_address, &o.subnet) {
        daemons.spawn(
            "tftpd",
            Command::new(bin_dir.join("tftpd"))
                .env("TFTPD_LISTEN", format!("{addr}:69"))
                .env("TFTPD_HTTP_LISTEN", format!("{addr}:8080")),
        )?;
        let pool = o
            .pool
            .as_ref()
            .map(|(a, b)| format!("pool = {{ start = \"{a}\", end = \"{b}\" }}\n"))
            .unwrap_or_default();
        let conf = o.data_dir.join("dhcpd-shim.toml");
        std::fs::write(
            &conf,
            format!(
                "interface = \"{iface}\"\nserver_address = \"{addr}\"\nsmd_url = \"{smd_url}\"\n\
                 bss_url = \"http://{addr}:{bss_port}\"\ntftp_server = \"{addr}\"\n\
                 lease_file = \"{leases}\"\nhttp_boot_url = \"http://{addr}:8080/ipxe.efi\"\n\n\
                 [[subnets]]\ncidr = \"{subnet}\"\nrouters = [\"{addr}\"]\n{pool}lease_time = \"1h\"\n",
                leases = o.data_dir.join("leases").display()
            ),
        )
        .map_err(|e| format!("{}: {e}", conf.display()))?;
        daemons.spawn(
            "dhcpd-shim",
            Command::new(bin_dir.join("dhcpd-shim"))
                .arg("--config")
                .arg(&conf),
        )?;
    }

    let health = [
        (
            "smd",
            format!("http://127.0.0.1:{smd_port}/hsm/v2/service/ready"),
        ),
        (
            "bss",
            format!("http://127.0.0.1:{bss_port}/boot/v1/service/status"),
        ),
    ];
    for (name, url) in &health {
        wait_healthy(name, url, &mut daemons)?;
    }
    println!("ochami is up:");
    println!(
        "  smd  http://localhost:{smd_port}/hsm/v2   (health: {})",
        health[0].1
    );
    println!(
        "  bss  http://localhost:{bss_port}/boot/v1  (health: {})",
        health[1].1
    );
    if let Some(addr) = &o.server_address {
        println!(
            "  tftpd TFTP {addr}:69, HTTP http://{addr}:8080 (iPXE binaries from /usr/lib/ipxe)"
        );
        println!(
            "  dhcpd-shim on {} (config {})",
            o.interface.as_deref().unwrap_or("-"),
            o.data_dir.join("dhcpd-shim.toml").display()
        );
    }
    println!("Ctrl-C stops everything.");

    let exited = loop {
        if stop::requested() {
            break None;
        }
        if let Some(how) = daemons.exited() {
            break Some(how);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!("xtask up: stopping");
    let drained = daemons.stop();
    match exited {
        Some(how) => Err(how),
        None if !drained => Err("a daemon exited with an error".into()),
        None => Ok(()),
    }
}

fn wait_healthy(name: &str, url: &str, daemons: &mut Daemons) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if stop::requested() {
            return Err("stopped".into());
        }
        if let Some(how) = daemons.exited() {
            return Err(how);
        }
        let ok = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", "--max-time", "2", url])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{name} did not become healthy at {url} within 30 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
