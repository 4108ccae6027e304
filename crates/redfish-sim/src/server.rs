//! Transport for the simulated BMCs: one listener per BMC, HTTP/1.1 over plain
//! TCP or TLS (one generated self-signed certificate for all), Basic and
//! session authentication, and the fault behaviours. The resource tree itself
//! lives in `resources`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::resources::{Bmc, Reply};
use crate::spec::{Fault, Scheme};

/// Request bodies larger than this are refused (Redfish actions are tiny).
const MAX_BODY: usize = 64 * 1024;

/// A self-signed certificate covering `localhost` and the given IPs.
pub fn tls_config(ips: &[String]) -> Result<(Arc<rustls::ServerConfig>, String), String> {
    let mut names = vec!["localhost".to_owned()];
    names.extend(ips.iter().cloned());
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(vec![ck.cert.der().clone()], key)
    .map_err(|e| e.to_string())?;
    Ok((Arc::new(config), ck.cert.pem()))
}

/// Accept connections for one BMC until `stop` flips.
pub async fn serve(
    listener: TcpListener,
    bmc: Arc<Bmc>,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let (stream, _) = match accepted {
            Ok(s) => s,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(bmc = %bmc.plan.address, "accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let bmc = bmc.clone();
        let tls = tls.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let work = async {
                match (tls, bmc.plan.scheme) {
                    (Some(acceptor), Scheme::Https) => match acceptor.accept(stream).await {
                        Ok(s) => connection(s, bmc).await,
                        Err(e) => tracing::debug!("TLS handshake: {e}"),
                    },
                    _ => connection(stream, bmc).await,
                }
            };
            tokio::select! {
                _ = work => {}
                _ = stop.changed() => {}
            }
        });
    }
}

async fn connection<S>(mut stream: S, bmc: Arc<Bmc>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if bmc.plan.fault == Some(Fault::Hang) {
        // Swallow whatever arrives and never answer: a wedged BMC.
        let mut sink = [0u8; 1024];
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
        return;
    }
    let service = hyper::service::service_fn(move |req| {
        let bmc = bmc.clone();
        async move { Ok::<_, Infallible>(answer(&bmc, req).await) }
    });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!("connection: {e}");
    }
}

async fn answer(bmc: &Bmc, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let headers = req.headers().clone();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return to_response(Reply::error(
                413,
                "PayloadTooLarge",
                "The request body is too large.",
            ))
        }
    };
    // The service root is readable without credentials (DMTF DSP0266 §13.3.4).
    if method == "GET" && (path == "/redfish/v1" || path == "/redfish") {
        if path == "/redfish" {
            return to_response(Reply {
                status: 200,
                body: Some(serde_json::json!({"v1": "/redfish/v1/"})),
                headers: Vec::new(),
            });
        }
        return to_response(bmc.service_root());
    }
    if method == "POST" && path == "/redfish/v1/SessionService/Sessions" {
        let creds = serde_json::from_slice::<serde_json::Value>(&body).ok();
        let user = creds
            .as_ref()
            .and_then(|c| c.get("UserName"))
            .and_then(|v| v.as_str());
        let pass = creds
            .as_ref()
            .and_then(|c| c.get("Password"))
            .and_then(|v| v.as_str());
        return match (user, pass) {
            (Some(u), Some(p)) if bmc.credentials_match(u, p) => to_response(bmc.create_session()),
            _ => unauthorized(),
        };
    }
    if !authorized(bmc, &headers) {
        return unauthorized();
    }
    match bmc.plan.fault {
        Some(Fault::InternalError) => {
            return to_response(Reply::error(
                500,
                "InternalError",
                "The request failed due to an internal service error.",
            ))
        }
        Some(Fault::MalformedJson) => {
            let mut resp = Response::new(Full::new(Bytes::from_static(
                b"{\"@odata.id\": \"/redfish/v1/Systems\", \"Members\": [",
            )));
            resp.headers_mut()
                .insert("content-type", "application/json".parse().expect("static"));
            return resp;
        }
        Some(Fault::SlowResources) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        _ => {}
    }
    to_response(bmc.handle(&method, &path, &body))
}

fn authorized(bmc: &Bmc, headers: &hyper::HeaderMap) -> bool {
    if let Some(token) = headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
        return bmc.session_valid(token);
    }
    let Some(basic) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&decoded);
    match text.split_once(':') {
        Some((u, p)) => bmc.credentials_match(u, p),
        None => false,
    }
}

fn unauthorized() -> Response<Full<Bytes>> {
    let mut reply = Reply::error(
        401,
        "InsufficientPrivilege",
        "There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.",
    );
    reply
        .headers
        .push(("WWW-Authenticate", "Basic realm=\"redfish\"".into()));
    to_response(reply)
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let body = reply
        .body
        .map(|v| Bytes::from(serde_json::to_vec(&v).unwrap_or_default()))
        .unwrap_or_default();
    let has_body = !body.is_empty();
    let mut builder = Response::builder()
        .status(reply.status)
        .header("OData-Version", "4.0");
    if has_body {
        builder = builder.header("Content-Type", "application/json; charset=utf-8");
    }
    for (k, v) in reply.headers {
        builder = builder.header(k, v);
    }
    builder.body(Full::new(body)).unwrap_or_else(|_| {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
