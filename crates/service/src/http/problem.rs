//! [`Problem`]: an error answered as RFC 7807 problem JSON, and the default
//! services that answer unknown routes (404) and wrong methods (405) with one.

use std::fmt;

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use ochami_types::ProblemDetails;

/// An HTTP error answered as problem JSON. Build one with the constructors; the
/// `detail` should name the field and value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: String,
    /// Extra headers, e.g. `Allow` on a 405.
    pub headers: Vec<(HeaderName, String)>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            status,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }
    /// Log `why` (our richer explanation: the field path, the allowed values,
    /// the failed IDs) on the request's log line, keeping `detail` as the
    /// client sees it. Rationale: OpenCHAMI's clients and tests compare
    /// `detail` exactly, so what we know beyond it goes to the log, which
    /// carries the request id.
    pub fn because(self, why: impl fmt::Display) -> Self {
        tracing::info!(status = self.status.as_u16(), detail = %self.detail, reason = %why, "client error");
        self
    }
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The RFC 7807 body.
    pub fn body(&self) -> ProblemDetails {
        ProblemDetails::new(
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("Error"),
            self.detail.clone(),
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        problem_response(self.status, self.body(), &self.headers)
    }
}

pub(crate) fn problem_response(
    status: StatusCode,
    body: ProblemDetails,
    headers: &[(HeaderName, String)],
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, ProblemDetails::CONTENT_TYPE));
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            res.insert_header((name.clone(), v));
        }
    }
    // hms-base writes with json.Encoder: a trailing newline.
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    bytes.push(b'\n');
    res.body(bytes)
}

/// Default service for unknown routes: 404 problem JSON.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    Problem::not_found(format!("no such route: {} {}", req.method(), req.path())).error_response()
}

/// Default service for a resource: 405 problem JSON with an `Allow` header.
/// Use as `web::resource(p).route(..).default_service(allow("GET, POST"))`.
pub fn allow(methods: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "method {} not allowed on {}; allow {methods}",
                req.method(),
                req.path()
            ),
        )
        .with_header(header::ALLOW, methods)
        .error_response()
    })
}
