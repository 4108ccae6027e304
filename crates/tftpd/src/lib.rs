//! tftpd: a read-only boot file server — TFTP (RFC 1350, 2347, 2348, 2349, 7440)
//! and optionally HTTP, serving one directory.
//!
//! - [`codec`]: TFTP packets on the wire; total decoding.
//! - [`options`]: option negotiation (blksize, timeout, tsize, windowsize).
//! - [`transfer`] / [`endpoint`]: the protocol core, sans I/O — fed packets and
//!   time, it describes what to send. Never touches a socket or the clock.
//! - [`path`]: which names may be served (the only place that decides).
//! - [`cache`]: file bytes — small hot files in memory, big ones read at offsets.
//! - [`driver`]: the tokio layer owning sockets and timers.
//! - [`http`]: the same root over HTTP (actix-web).
//! - `metrics`: the counters `GET /metrics` shows on `metrics_listen`.
//! - [`config`]: the typed configuration and its limits.
//!
//! Tests and other crates start a server in-process with [`Server::bind`].

pub mod cache;
pub mod codec;
pub mod config;
mod driver;
pub mod endpoint;
pub mod http;
mod metrics;
pub mod netascii;
pub mod options;
pub mod path;
mod transfer;

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;

use ochami_service::metrics::listener::{self, MetricsServer};
use ochami_service::metrics::scrape_channel;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::Config;

use crate::cache::FileCache;
use crate::endpoint::Endpoint;

/// A running server. Dropping it stops the TFTP and HTTP sides.
pub struct Server {
    tftp_addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    metrics_addr: Option<SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
    tftp_task: JoinHandle<()>,
    /// The HTTP file server, when on.
    http: Vec<actix_web::dev::ServerHandle>,
    /// The metrics listener, when on (dropping it stops it).
    metrics: Option<MetricsServer>,
}

impl Server {
    /// Bind the configured addresses (port 0 picks a free port) and start
    /// serving on the current tokio runtime.
    pub async fn bind(config: Config) -> io::Result<Server> {
        let cache =
            FileCache::new(&config.root, &config.trusted_links, config.cache()).map_err(|e| {
                io::Error::new(e.kind(), format!("root {}: {e}", config.root.display()))
            })?;
        let root = cache.root().clone();
        let listener = tokio::net::UdpSocket::bind(config.listen).await?;
        let tftp_addr = listener.local_addr()?;

        let mut http = Vec::new();
        let http_addr = match config.http_listen {
            Some(addr) => {
                let tcp = std::net::TcpListener::bind(addr)?;
                let bound = tcp.local_addr()?;
                let server = http::server(tcp, root.clone())?;
                http.push(server.handle());
                tokio::spawn(server);
                Some(bound)
            }
            None => None,
        };
        // Without a listener the scraper is dropped and the driver never hears a scrape.
        let (scraper, scrapes) = scrape_channel();
        let mut metrics = None;
        let metrics_addr = match config.metrics_listen {
            Some(addr) => {
                let tcp = std::net::TcpListener::bind(addr)?;
                let bound = tcp.local_addr()?;
                metrics = Some(listener::serve(tcp, scraper)?);
                Some(bound)
            }
            None => None,
        };

        let endpoint = Endpoint::new(config.endpoint(), cache);
        let (tx, rx) = oneshot::channel();
        let tftp_task = tokio::spawn(driver::drive(endpoint, listener, rx, scrapes));
        tracing::info!(tftp = %tftp_addr, http = ?http_addr, metrics = ?metrics_addr,
            root = %root.dir.display(), single_port = config.single_port, "tftpd serving");
        Ok(Server {
            tftp_addr,
            http_addr,
            metrics_addr,
            shutdown: Some(tx),
            tftp_task,
            http,
            metrics,
        })
    }

    /// The bound TFTP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.tftp_addr
    }

    /// The bound HTTP address, if HTTP is on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The bound metrics address, if `metrics_listen` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stop both sides and wait for the TFTP loop to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for h in std::mem::take(&mut self.http) {
            h.stop(true).await;
        }
        if let Some(m) = self.metrics.take() {
            m.stop().await;
        }
        let _ = (&mut self.tftp_task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for h in self.http.drain(..) {
            // The stop command is sent when called; the future only waits for it.
            drop(h.stop(false));
        }
        self.metrics = None;
    }
}

/// Run the daemon until SIGINT/SIGTERM. What `main` calls.
pub fn run(config: Config) -> ExitCode {
    // The protocol loop is one task; a single-threaded runtime avoids
    // cross-thread wake-ups on every datagram (actix runs its own workers).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let server = match Server::bind(config).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        wait_for_signal().await;
        tracing::info!("shutting down");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
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
