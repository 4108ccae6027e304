//! Middleware: every error leaves as problem JSON, actix's own plain-text
//! answers too.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::Next;
use ochami_types::ProblemDetails;

use super::problem::problem_response;

/// Rewrite any error response that is not JSON already (actix's own plain-text
/// 400/404/405/413s) into problem JSON, keeping status and headers.
pub(super) async fn problem_everywhere(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    // A handler that answered JSON meant it (bss's 500 status bodies); only
    // actix's own plain-text or empty error bodies are rewritten.
    let is_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.as_bytes().starts_with(b"application/") && ct.as_bytes().windows(4).any(|w| w == b"json")
    });
    if status.as_u16() < 400 || is_json {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let headers: Vec<(HeaderName, String)> = res
        .headers()
        .iter()
        .filter(|(k, _)| *k != header::CONTENT_TYPE && *k != header::CONTENT_LENGTH)
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.clone(), v.to_owned())))
        .collect();
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&body).trim().to_owned();
    let detail = if detail.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        detail
    };
    let body = ProblemDetails::new(
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        detail,
    );
    Ok(ServiceResponse::new(
        req,
        problem_response(status, body, &headers),
    ))
}
