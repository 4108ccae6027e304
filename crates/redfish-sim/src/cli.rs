//! The `redfish-sim` command line: a spec from a file or flags, then serve
//! until SIGINT/SIGTERM. Prints one BMC base URL per line on stdout once all
//! listeners are bound (scripts wait for that).

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::spec::{Layout, Scheme, Spec};
use crate::Simulator;

/// Serve many simulated Redfish BMCs.
#[derive(Debug, Parser)]
#[command(name = "redfish-sim", version)]
pub struct Args {
    /// TOML or JSON spec (flags given explicitly override its top-level values).
    #[arg(long, short = 'c', alias = "config")]
    pub spec: Option<PathBuf>,
    #[arg(long)]
    pub bmcs: Option<usize>,
    #[arg(long)]
    pub systems_per_bmc: Option<usize>,
    /// First three octets of generated MACs.
    #[arg(long)]
    pub mac_prefix: Option<String>,
    /// First BMC's address; with `--layout addresses` BMC i gets this + i.
    #[arg(long)]
    pub listen: Option<IpAddr>,
    /// Port of every BMC (addresses layout) or of the first (ports layout); 0 = ephemeral.
    #[arg(long)]
    pub port_base: Option<u16>,
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    #[arg(long, value_enum)]
    pub scheme: Option<Scheme>,
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub password: Option<String>,
    /// Milliseconds a power change takes (PowerState reads PoweringOn/PoweringOff meanwhile).
    #[arg(long)]
    pub power_transition_ms: Option<u64>,
    /// Write the PEM certificate of the HTTPS BMCs here.
    #[arg(long)]
    pub cert_out: Option<PathBuf>,
}

impl Args {
    pub fn spec(&self) -> Result<Spec, crate::SimError> {
        let mut spec = match &self.spec {
            Some(path) => Spec::from_file(path)?,
            None => Spec::default(),
        };
        if let Some(v) = self.bmcs {
            spec.bmcs = v;
        }
        if let Some(v) = self.systems_per_bmc {
            spec.systems_per_bmc = v;
        }
        if let Some(v) = &self.mac_prefix {
            spec.mac_prefix = v.clone();
        }
        if let Some(v) = self.listen {
            spec.listen = v;
        }
        if let Some(v) = self.port_base {
            spec.port_base = v;
        }
        if let Some(v) = self.layout {
            spec.layout = v;
        }
        if let Some(v) = self.scheme {
            spec.scheme = v;
        }
        if let Some(v) = &self.username {
            spec.username = v.clone();
        }
        if let Some(v) = &self.password {
            spec.password = v.clone();
        }
        if let Some(v) = self.power_transition_ms {
            spec.power_transition_ms = v;
        }
        Ok(spec)
    }
}

/// Entry point of the binary; returns the process exit code.
pub async fn run(args: Args) -> i32 {
    let spec = match args.spec() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let sim = match Simulator::start(&spec).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Some(path) = &args.cert_out {
        if let Err(e) = std::fs::write(path, sim.cert_pem()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 1;
        }
    }
    {
        let mut out = std::io::stdout().lock();
        for url in sim.urls() {
            let _ = writeln!(out, "{url}");
        }
        let _ = out.flush();
    }
    wait_for_signal().await;
    sim.stop();
    0
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
