//! Middleware: a tracing span per request carrying its request id (taken from
//! `X-Request-Id` or made), echoed in the answer; request metrics; the access log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::metrics::Metrics;

/// The request-id header, accepted from the client or generated.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Give every request a span with its request id; echo the id; log the outcome.
pub(super) async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Some(m) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        m.observe(
            &route,
            &method,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, v);
    }
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "served"
        )
    });
    Ok(res)
}
