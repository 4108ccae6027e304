//! A Redfish BMC simulator: one process serving many DMTF-shaped BMCs, each on
//! its own loopback address or port, over HTTP or HTTPS, with Basic and
//! session auth and `ComputerSystem.Reset` actions that can run host commands.
//!
//! Used by magellan's tests, `cargo xtask bench magellan` and the netboot
//! end-to-end test (a reset hook starts/stops a QEMU VM):
//!
//! ```no_run
//! # async fn demo() -> Result<(), redfish_sim::SimError> {
//! let sim = redfish_sim::Simulator::start(&redfish_sim::Spec { bmcs: 4, ..Default::default() }).await?;
//! for url in sim.urls() { println!("{url}"); }
//! # Ok(()) }
//! ```
//!
//! Layout: `spec` (what to simulate) → `resources` (the Redfish tree, pure
//! state) → `server` (sockets, TLS, auth). Dropping the [`Simulator`] stops it.
//!
//! Invariants: listens only where the spec says (tests use loopback); the same
//! spec always describes the same hardware; the only host side effect is the
//! spec's own `on_reset` commands.

pub mod cli;
pub mod resources;
pub mod server;
pub mod spec;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

pub use resources::{Bmc, RESET_TYPES};
pub use spec::{BmcSpec, Fault, Layout, Scheme, Spec, SystemSpec};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    #[error("cannot listen on {addr}: {err}")]
    Bind {
        addr: SocketAddr,
        err: std::io::Error,
    },
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// One running simulated BMC.
#[derive(Debug, Clone)]
pub struct SimBmc {
    /// Base URL, e.g. `https://127.0.1.7:443`.
    pub url: String,
    pub address: SocketAddr,
    pub state: Arc<Bmc>,
}

/// The running fleet; stops when dropped.
#[derive(Debug)]
pub struct Simulator {
    bmcs: Vec<SimBmc>,
    cert_pem: String,
    stop: watch::Sender<bool>,
}

impl Simulator {
    /// Bind every BMC's listener and start serving. All listeners are bound
    /// before this returns, so the URLs are immediately usable.
    pub async fn start(spec: &Spec) -> Result<Simulator, SimError> {
        let plans = spec.expand()?;
        let mut ips: Vec<String> = plans.iter().map(|p| p.address.ip().to_string()).collect();
        ips.dedup();
        // Thousands of SANs would bloat every handshake; clients of a large
        // fleet use -i anyway.
        ips.truncate(64);
        let (tls_config, cert_pem) = server::tls_config(&ips).map_err(SimError::Tls)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(tls_config);
        let (stop, stop_rx) = watch::channel(false);
        let mut bmcs = Vec::with_capacity(plans.len());
        for plan in plans {
            let listener = bind(plan.address)?;
            let address = listener.local_addr().map_err(|err| SimError::Bind {
                addr: plan.address,
                err,
            })?;
            let mut plan = plan;
            plan.address = address;
            let url = format!("{}://{address}", plan.scheme.as_str());
            let state = Arc::new(Bmc::new(plan));
            tokio::spawn(server::serve(
                listener,
                state.clone(),
                Some(acceptor.clone()),
                stop_rx.clone(),
            ));
            bmcs.push(SimBmc {
                url,
                address,
                state,
            });
        }
        tracing::info!(bmcs = bmcs.len(), "redfish-sim serving");
        Ok(Simulator {
            bmcs,
            cert_pem,
            stop,
        })
    }

    pub fn bmcs(&self) -> &[SimBmc] {
        &self.bmcs
    }

    /// Every BMC's base URL, in spec order.
    pub fn urls(&self) -> Vec<String> {
        self.bmcs.iter().map(|b| b.url.clone()).collect()
    }

    /// PEM of the self-signed certificate the HTTPS BMCs present.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Power state ("On"/"Off", "PoweringOn"/"PoweringOff" while a
    /// transition lasts) of system `system` on BMC `bmc`.
    pub fn power_state(&self, bmc: usize, system: usize) -> Option<&'static str> {
        self.bmcs.get(bmc)?.state.power_state(system)
    }

    /// Resets system `system` on BMC `bmc` has received (ignored ones too).
    pub fn resets(&self, bmc: usize, system: usize) -> Option<u32> {
        self.bmcs.get(bmc)?.state.resets(system)
    }

    /// Sessions BMC `bmc` has created so far.
    pub fn sessions_created(&self, bmc: usize) -> u64 {
        self.bmcs.get(bmc).map_or(0, |b| b.state.sessions_created())
    }

    /// Sessions open on BMC `bmc` now.
    pub fn open_sessions(&self, bmc: usize) -> usize {
        self.bmcs.get(bmc).map_or(0, |b| b.state.open_sessions())
    }

    /// Make BMC `bmc` forget its sessions (a BMC restart, a session timeout).
    pub fn forget_sessions(&self, bmc: usize) {
        if let Some(b) = self.bmcs.get(bmc) {
            b.state.forget_sessions();
        }
    }

    /// Stop accepting and close open connections.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    let err = |err| SimError::Bind { addr, err };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(err)?;
    // Restarting the simulator on the same ports must not wait for TIME_WAIT.
    socket.set_reuseaddr(true).map_err(err)?;
    socket.bind(addr).map_err(err)?;
    socket.listen(1024).map_err(err)
}
