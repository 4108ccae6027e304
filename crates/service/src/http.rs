//! actix-web plumbing shared by smd and bss (and tftpd's optional HTTP side).
//!
//! Every error leaves as RFC 7807 problem JSON: handler errors ([`Problem`]), bad
//! bodies and query strings ([`ApiJson`], [`QueryParams`]), unknown routes
//! ([`not_found`]), wrong methods ([`allow`]), and anything actix itself answers
//! with plain text (rewritten by the [`app`] middleware). Every request runs in a
//! tracing span carrying its request id, which is echoed in `X-Request-Id`.

use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next, NormalizePath, TrailingSlash};
use actix_web::{web, App, FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use ochami_types::ProblemDetails;

use crate::auth::{is_write, AuthError, AuthPolicy};
use crate::metrics::{Metrics, Scraper};
use serde::de::{self, DeserializeOwned};
use tracing::Instrument;

/// The request-id header, accepted from the client or generated.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

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

fn problem_response(
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

/// A JSON body, decoded whatever the `Content-Type` (curl `-d` sends
/// form-urlencoded; OpenCHAMI accepts it). Decoding errors are 400 problem JSON
/// naming the field path, e.g. `Components[0].State: invalid state 'Bogus' ...`.
///
/// Rationale: OpenCHAMI answers 500 to undecodable bodies; a 400 that says
/// which field is wrong is what a user needs.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|e| {
                Problem::new(
                    e.as_response_error().status_code(),
                    format!("could not read request body: {e}"),
                )
            })?;
            decode_json(&bytes).map(ApiJson)
        })
    }
}

/// Decode JSON with the error naming the path of the bad field.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request(
            "request body is empty; expected a JSON document",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(ObjectsOnly(de)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Problem::bad_request(format!("invalid JSON body: {inner}"))
        } else {
            Problem::bad_request(format!("invalid JSON body: field '{path}': {inner}"))
        }
    })
}

/// A JSON deserializer whose structs, at every depth, must be JSON objects.
/// Rationale: serde_json also fills a struct from an array (`[]` becomes a
/// struct of defaults, `[null, null]` its first two fields), so
/// `POST {"NodeMaps":[..]}` took `[]` as "no entries" and
/// `PUT {"Component":[null,null]}` was stored (both found by schemathesis);
/// OpenCHAMI's Go decoder answers 400 there, so do we.
struct ObjectsOnly<D>(D);

macro_rules! forward {
    ($($method:ident),*) => {$(
        fn $method<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
            self.0.$method(Deep(v))
        }
    )*};
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Deep(v))
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Deep(v))
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Deep(v))
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Deep(v))
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Deep(v))
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, v)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose nested values are read through [`ObjectsOnly`] again.
struct Deep<V>(V);

macro_rules! visit {
    ($($method:ident($t:ty)),*) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<Self::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: de::Visitor<'de>> de::Visitor<'de> for Deep<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }

    visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>)
    );

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_some(ObjectsOnly(d))
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_newtype_struct(ObjectsOnly(d))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(Deep(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(Deep(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.0.visit_enum(data)
    }
}

impl<'de, S: de::DeserializeSeed<'de>> de::DeserializeSeed<'de> for Deep<S> {
    type Value = S::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly(d))
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Deep<A> {
    type Error = A::Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Deep(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Deep<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Deep(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// The query string as (lower-cased name, value) pairs: names are
/// case-insensitive and repeatable (`type=Node&type=NodeBMC`), as OpenCHAMI's
/// `r.ParseForm` makes them.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query: &str) -> Self {
        QueryParams(
            url_pairs(query)
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    /// Every value of `name` (case-insensitive), comma lists split.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of `name`, if any.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// Parse every value of `name`; a bad one is a 400 naming the parameter.
    pub fn parse_all<T>(&self, name: &str) -> Result<Vec<T>, Problem>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        // `?enabled=` or `?nid=` is no value of the parameter's type: a 400
        // naming it, not a silent "no filter" (found by schemathesis; the spec
        // says bool/integer). Empty items of a comma list are still skipped.
        if self
            .0
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.trim().is_empty())
        {
            return Err(Problem::bad_request(format!(
                "bad query param '{name}': empty value"
            )));
        }
        self.all(name)
            .into_iter()
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| Problem::bad_request(format!("bad query param '{name}': {e}")))
            })
            .collect()
    }

    /// Parse the first value of `name`.
    pub fn parse_first<T>(&self, name: &str) -> Result<Option<T>, Problem>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.first(name)
            .map(|v| {
                v.trim().parse::<T>().map_err(|e| {
                    Problem::bad_request(format!("bad query param '{name}': '{v}': {e}"))
                })
            })
            .transpose()
    }

    /// A boolean flag: present without value, or `true`/`1`/`yes`.
    pub fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.first(name) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "" | "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(Problem::bad_request(format!(
                    "bad query param '{name}': '{v}' is not a boolean"
                ))),
            },
        }
    }
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 3 <= bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FromRequest for QueryParams {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(QueryParams::parse(req.query_string())))
    }
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

/// A new actix App with the shared middleware: request ids and access log,
/// trailing-slash tolerance, problem JSON for every error, JSON 404s.
pub fn app(
    configure: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .route("/metrics", web::get().to(metrics_text))
        // Bulk writes (10 000 components, a big BMC's inventory) exceed
        // actix's 256 KiB default.
        .app_data(web::PayloadConfig::new(MAX_BODY))
        .configure(configure)
        .default_service(web::to(not_found))
        .wrap(from_fn(authenticate))
        .wrap(from_fn(problem_everywhere))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(from_fn(request_id))
}

/// `GET /metrics`: Prometheus text, when the service registered [`Metrics`]
/// (HTTP services) or a [`Scraper`] (the UDP daemons' metrics listeners).
async fn metrics_text(req: HttpRequest) -> HttpResponse {
    let text = |body: String| {
        HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(body)
    };
    if let Some(m) = req.app_data::<web::Data<Metrics>>() {
        return text(m.render());
    }
    match req.app_data::<web::Data<Scraper>>() {
        Some(s) => match s.scrape().await {
            Some(body) => text(body),
            None => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping")
                .error_response(),
        },
        None => Problem::not_found("no metrics here").error_response(),
    }
}

/// A listener that serves only `GET /metrics`, answered by `scraper` (for the
/// UDP daemons' `metrics_listen`). The returned server runs once spawned.
pub fn metrics_listener(
    listener: std::net::TcpListener,
    scraper: Scraper,
) -> std::io::Result<actix_web::dev::Server> {
    let scraper = web::Data::new(scraper);
    Ok(actix_web::HttpServer::new(move || {
        let scraper = scraper.clone();
        app(move |cfg| {
            cfg.app_data(scraper);
        })
    })
    // Rationale: scrapes are rare and tiny; no thread per core for them.
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

/// Bearer-token check for non-public routes when the service enabled auth
/// (an [`AuthPolicy`] with a verifier in app data). 401/403 problem JSON.
async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = req.app_data::<web::Data<AuthPolicy>>().cloned();
    let Some((verifier, policy)) = policy.and_then(|p| p.verifier.clone().map(|v| (v, p))) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if (policy.is_public)(req.method(), req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let result = match token {
        None => Err(AuthError::Missing),
        Some(t) => verifier.verify(t, is_write(req.method())).await,
    };
    match result {
        Ok(_) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => {
            let status = match e {
                AuthError::Forbidden(_) => StatusCode::FORBIDDEN,
                AuthError::Jwks(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            tracing::info!(error = %e, "request refused");
            let problem =
                Problem::new(status, e.to_string()).with_header(header::WWW_AUTHENTICATE, "Bearer");
            Ok(req.into_response(problem.error_response()))
        }
    }
}

/// Give every request a span with its request id; echo the id; log the outcome.
async fn request_id(
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

/// Rewrite any error response that is not JSON already (actix's own plain-text
/// 400/404/405/413s) into problem JSON, keeping status and headers.
async fn problem_everywhere(
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

/// How long a stopping server waits for in-flight requests.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_case_insensitive_repeatable_and_split() {
        let q = QueryParams::parse("Type=Node&type=NodeBMC,Chassis&mac=aa%3Abb&x=a+b&flag");
        assert_eq!(q.all("TYPE"), ["Node", "NodeBMC", "Chassis"]);
        assert_eq!(q.first("mac"), Some("aa:bb"));
        assert_eq!(q.first("x"), Some("a b"));
        assert!(q.flag("flag").unwrap());
        assert!(!q.flag("nope").unwrap());
        let e = q.parse_all::<u32>("type").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.detail.starts_with("bad query param 'type'"),
            "{}",
            e.detail
        );
        let q = QueryParams::parse("nid=1,,2&enabled=");
        assert_eq!(q.parse_all::<u32>("nid").unwrap(), [1, 2]);
        let e = q.parse_all::<bool>("enabled").unwrap_err();
        assert_eq!(e.detail, "bad query param 'enabled': empty value");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[actix_web::test]
    async fn every_error_leaves_as_problem_json() {
        use actix_web::test;
        #[derive(serde::Deserialize)]
        struct Body {
            #[allow(dead_code)]
            n: u32,
        }
        async fn echo(ApiJson(_b): ApiJson<Body>) -> HttpResponse {
            HttpResponse::NoContent().finish()
        }
        let svc = test::init_service(app(|cfg| {
            cfg.service(
                web::resource("/x")
                    .route(web::post().to(echo))
                    .default_service(allow("POST")),
            );
        }))
        .await;
        fn check<B>(res: ServiceResponse<B>, status: u16) -> ServiceResponse<B> {
            assert_eq!(res.status().as_u16(), status);
            assert_eq!(
                res.headers().get(header::CONTENT_TYPE).unwrap(),
                "application/problem+json"
            );
            res
        }
        // Unknown route.
        let res =
            test::call_service(&svc, test::TestRequest::get().uri("/nope").to_request()).await;
        let body: ProblemDetails = test::read_body_json(check(res, 404)).await;
        assert_eq!(body.detail, "no such route: GET /nope");
        // Wrong method, with Allow.
        let res = test::call_service(&svc, test::TestRequest::get().uri("/x").to_request()).await;
        assert_eq!(res.headers().get(header::ALLOW).unwrap(), "POST");
        check(res, 405);
        // A body naming the bad field.
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x")
                .set_payload(r#"{"n":"x"}"#)
                .to_request(),
        )
        .await;
        let body: ProblemDetails = test::read_body_json(check(res, 400)).await;
        assert!(body.detail.contains("field 'n'"), "{}", body.detail);
        // Trailing slash tolerated.
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x/")
                .set_payload(r#"{"n":1}"#)
                .to_request(),
        )
        .await;
        assert_eq!(res.status().as_u16(), 204);
        // Too large: actix's own plain-text 413, rewritten.
        let big = vec![b' '; MAX_BODY + 1];
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x")
                .set_payload(big)
                .to_request(),
        )
        .await;
        check(res, 413);
    }

    #[actix_web::test]
    async fn metrics_count_requests_by_route_pattern() {
        use actix_web::test;
        let metrics = web::Data::new(Metrics::new("svc").gauge("svc_answer", "a gauge", || 42.0));
        let svc = test::init_service(app(move |cfg| {
            cfg.app_data(metrics.clone()).route(
                "/items/{id}",
                web::get().to(|| async { HttpResponse::NoContent().finish() }),
            );
        }))
        .await;
        for id in ["a", "b"] {
            let req = test::TestRequest::get()
                .uri(&format!("/items/{id}"))
                .to_request();
            assert_eq!(test::call_service(&svc, req).await.status().as_u16(), 204);
        }
        let res =
            test::call_service(&svc, test::TestRequest::get().uri("/metrics").to_request()).await;
        let text = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(
            text.contains(
                r#"svc_http_requests_total{method="GET",route="/items/{id}",status="204"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains("svc_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(text.contains("svc_answer 42"), "{text}");
    }

    #[test]
    fn a_struct_body_must_be_an_object() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Entries {
            #[serde(default)]
            entries: Vec<u32>,
        }
        let err = decode_json::<Entries>(b"[]").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(
            err.detail.contains("expected struct Entries"),
            "{}",
            err.detail
        );
        assert_eq!(
            decode_json::<Entries>(br#"{"entries":[1]}"#)
                .unwrap()
                .entries,
            [1]
        );
        assert_eq!(decode_json::<Vec<u32>>(b"[2]").unwrap(), [2]);
    }

    #[test]
    fn a_nested_struct_must_be_an_object_too() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            id: Option<String>,
            n: Option<u32>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            one: Option<Inner>,
            #[serde(default)]
            many: Vec<Inner>,
            any: Option<serde_json::Value>,
        }
        let e = decode_json::<Outer>(br#"{"one":[null,null]}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.detail.contains("field 'one'"), "{}", e.detail);
        let e = decode_json::<Outer>(br#"{"many":[{"n":1},["x"]]}"#).unwrap_err();
        assert!(e.detail.contains("field 'many[1]'"), "{}", e.detail);
        // Arrays stay arrays, and untyped values anything.
        let ok = decode_json::<Outer>(br#"{"one":{"id":"a"},"many":[{"n":2}],"any":[null,[1]]}"#)
            .unwrap();
        assert_eq!(ok.many[0].n, Some(2));
        assert_eq!(ok.any, Some(serde_json::json!([null, [1]])));
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            items: Vec<Inner>,
        }
        let e = decode_json::<Outer>(br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        assert!(e.detail.contains("field 'items[1].n'"), "{}", e.detail);
        let e = decode_json::<Outer>(b"  ").unwrap_err();
        assert!(e.detail.contains("empty"));
        let e = decode_json::<Outer>(b"{nope").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
