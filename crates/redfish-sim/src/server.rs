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
    let head = req.method() == hyper::Method::HEAD;
    let path = req.uri().path().trim_end_matches('/').to_owned();
    // DSP0266 §8.1: a client asking for another OData version gets 412.
    let odata_ok = req
        .headers()
        .get("odata-version")
        .is_none_or(|v| v.as_bytes() == b"4.0");
    let mut resp = if odata_ok {
        answer_inner(bmc, req).await
    } else {
        to_response(Reply::error(
            412,
            "PreconditionFailed",
            "Only OData-Version 4.0 is supported.",
        ))
    };
    let h = resp.headers_mut();
    if let Ok(v) = allowed_methods(&path).parse() {
        h.insert("allow", v);
    }
    h.insert("cache-control", "no-cache".parse().expect("static header"));
    if head {
        *resp.body_mut() = Full::new(Bytes::new());
    }
    resp
}

/// Methods a resource supports (the `Allow` header, also on 405s).
fn allowed_methods(path: &str) -> &'static str {
    if path.ends_with("/Actions/ComputerSystem.Reset") || path.ends_with("/Actions/Manager.Reset") {
        "POST"
    } else if path.ends_with("/SessionService/Sessions") || path.ends_with("/Sessions/Members") {
        "GET, HEAD, POST"
    } else if path.contains("/SessionService/Sessions/") {
        "GET, HEAD, DELETE"
    } else {
        "GET, HEAD"
    }
}

async fn answer_inner(bmc: &Bmc, req: Request<Incoming>) -> Response<Full<Bytes>> {
    // HEAD is GET without the body (stripped by the caller).
    let method = match req.method().as_str() {
        "HEAD" => "GET".to_owned(),
        m => m.to_owned(),
    };
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
    if method == "GET" && path == "/redfish/v1/$metadata" {
        let mut resp = Response::new(Full::new(Bytes::from(crate::resources::metadata_xml())));
        resp.headers_mut().insert(
            "content-type",
            "application/xml".parse().expect("static header"),
        );
        resp.headers_mut()
            .insert("odata-version", "4.0".parse().expect("static header"));
        return resp;
    }
    if method == "GET" && path == "/redfish/v1/odata" {
        return to_response(crate::resources::odata_service_document());
    }
    if method == "POST"
        && (path == "/redfish/v1/SessionService/Sessions"
            || path == "/redfish/v1/SessionService/Sessions/Members")
    {
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
    // `Link: <schema>; rel=describedby` (DSP0266 §8.2) from the resource's type.
    let described_by = reply
        .body
        .as_ref()
        .and_then(|b| b.get("@odata.type"))
        .and_then(|t| t.as_str())
        .and_then(|t| t.trim_start_matches('#').split('.').next())
        .map(|schema| {
            format!("<http://redfish.dmtf.org/schemas/v1/{schema}.json>; rel=describedby")
        });
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
    if let Some(link) = described_by {
        builder = builder.header("Link", link);
    }
    if reply.status == 200 && has_body {
        // A weak validator from the representation (DSP0266 §8.2: ETag on
        // ManagerAccount, and harmless elsewhere).
        let hash = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        builder = builder.header("ETag", format!("W/\"{hash:016x}\""));
    }
    builder.body(Full::new(body)).unwrap_or_else(|_| {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
