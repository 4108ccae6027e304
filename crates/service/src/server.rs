//! Starting an actix-web server on a listener the caller bound, so daemons bind
//! their configured address and tests bind `127.0.0.1:0` through the same path.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, HttpServer};

use crate::http::SHUTDOWN_TIMEOUT_SECS;

/// A started (not yet awaited) HTTP server and the address it listens on.
pub struct HttpService {
    pub addr: SocketAddr,
    pub server: Server,
}

impl HttpService {
    /// Serve the routes `configure` registers (inside [`crate::http::app`]'s
    /// shared middleware) on `listener`. `workers` 0 means one per core.
    /// SIGTERM/SIGINT stop accepting, drain in-flight requests for up to
    /// 30 s, then the server future completes (and `main` exits 0).
    pub fn start<C>(
        listener: TcpListener,
        workers: usize,
        configure: C,
    ) -> std::io::Result<HttpService>
    where
        C: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        let addr = listener.local_addr()?;
        let mut server = HttpServer::new(move || crate::http::app(configure.clone()))
            .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS);
        if workers > 0 {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        Ok(HttpService { addr, server })
    }

    /// Bind `addr` for a daemon; the error names the config key.
    pub fn bind(addr: SocketAddr, key: &str) -> Result<TcpListener, String> {
        TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr} ({key}): {e}"))
    }

    /// Serve until SIGTERM/SIGINT and the drain are done.
    pub async fn serve(self, name: &str) -> Result<(), String> {
        tracing::info!(addr = %self.addr, "{name} listening");
        self.server.await.map_err(|e| e.to_string())
    }

    /// Run in the background (tests, xtask); the handle stops it.
    pub fn spawn(self) -> (SocketAddr, ServerHandle) {
        let handle = self.server.handle();
        tokio::spawn(self.server);
        (self.addr, handle)
    }
}
