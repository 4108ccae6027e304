//! The UDP daemons' `metrics_listen`: a TCP listener that serves only
//! `GET /metrics`, answered by the task that owns the counters (a
//! [`Scraper`]). Plain hyper: a daemon that needs one scrape route links no
//! web framework. Anything else is problem JSON (404, 405, 503).

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ochami_types::ProblemDetails;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::Scraper;

/// A running metrics listener; [`MetricsServer::stop`] closes it and waits,
/// dropping it closes it too.
pub struct MetricsServer {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Stop accepting and wait for the accept loop to end (a scrape in flight
    /// is tiny and finishes on its own).
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Serve `GET /metrics` on `listener` (already bound by the caller), from
/// `scraper`. Must be called inside a tokio runtime.
pub fn serve(listener: std::net::TcpListener, scraper: Scraper) -> std::io::Result<MetricsServer> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let (stop, mut stopped) = oneshot::channel();
    let task = tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("metrics listener: accept failed: {e}");
                        continue;
                    }
                },
            };
            let scraper = scraper.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let scraper = scraper.clone();
                    async move { Ok::<_, Infallible>(answer(&scraper, &req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(MetricsServer {
        stop: Some(stop),
        task,
    })
}

async fn answer(scraper: &Scraper, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    // Trailing slashes tolerated, as on the HTTP services.
    let path = req.uri().path().trim_end_matches('/');
    if path != "/metrics" {
        return problem(StatusCode::NOT_FOUND, format!("no such route: {path}"));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = problem(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {} not allowed on /metrics; allow GET", req.method()),
        );
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    match scraper.scrape().await {
        Some(text) => {
            let mut res = Response::new(Full::new(Bytes::from(text)));
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            res
        }
        None => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping".into(),
        ),
    }
}

fn problem(status: StatusCode, detail: String) -> Response<Full<Bytes>> {
    let body = ProblemDetails::new(
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        detail,
    );
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    bytes.push(b'\n');
    let mut res = Response::new(Full::new(Bytes::from(bytes)));
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(ProblemDetails::CONTENT_TYPE),
    );
    res
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::scrape_channel;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: std::net::SocketAddr, line: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("{line}\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_the_owners_text_and_problem_json_elsewhere() {
        let (scraper, mut requests) = scrape_channel();
        let owner = tokio::spawn(async move {
            loop {
                let reply = requests.next().await;
                let _ = reply.send("n 1\n".into());
            }
        });
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = tcp.local_addr().unwrap();
        let server = serve(tcp, scraper).unwrap();
        let ok = get(addr, "GET /metrics HTTP/1.1").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("text/plain; version=0.0.4"), "{ok}");
        assert!(ok.ends_with("n 1\n"), "{ok}");
        let missing = get(addr, "GET /nope HTTP/1.1").await;
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        assert!(missing.contains("application/problem+json"), "{missing}");
        let post = get(addr, "POST /metrics/ HTTP/1.1").await;
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
        owner.abort();
        let _ = owner.await;
        let gone = get(addr, "GET /metrics HTTP/1.1").await;
        assert!(gone.starts_with("HTTP/1.1 503"), "{gone}");
        server.stop().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
