//! `/hsm/v2/service/*`: health; `/hsm/v2/openapi.json`: this API's document.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem};
use serde::Serialize;

use crate::AppState;

/// OpenCHAMI's `{"code":0,"message":...}` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub code: i32,
    pub message: String,
}

/// A `{"code":..,"message":..}` response with Go's json.Encoder trailing newline.
pub fn message(
    status: actix_web::http::StatusCode,
    code: i32,
    message: impl Into<String>,
) -> HttpResponse {
    let mut body = serde_json::to_vec(&Message {
        code,
        message: message.into(),
    })
    .unwrap_or_default();
    body.push(b'\n');
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service/ready")
            .route(web::get().to(ready))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/liveness")
            .route(web::get().to(liveness))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/openapi.json")
            .route(web::get().to(openapi))
            .default_service(allow("GET")),
    );
}

/// Readiness: 200 when the database answers within 4 s, else 503.
#[utoipa::path(get, path = "/hsm/v2/service/ready", operation_id = "doReadyGet", tag = "service",
    responses((status = 200, body = Message), (status = 503, body = ochami_types::ProblemDetails)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    match tokio::time::timeout(Duration::from_secs(4), state.store.ping()).await {
        Ok(Ok(())) => Ok(message(
            actix_web::http::StatusCode::OK,
            0,
            "HSM is healthy",
        )),
        Ok(Err(p)) => Err(Problem::unavailable(format!(
            "HSM's database is unhealthy: {}",
            p.detail
        ))),
        Err(_) => Err(Problem::unavailable(
            "HSM's database is unhealthy: no answer within 4 s",
        )),
    }
}

/// Liveness: 204 while the process serves HTTP.
#[utoipa::path(get, path = "/hsm/v2/service/liveness", operation_id = "doLivenessGet", tag = "service", responses((status = 204)))]
pub async fn liveness() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// This OpenAPI document, byte for byte as committed in `openapi/smd.json`.
#[utoipa::path(get, path = "/hsm/v2/openapi.json", operation_id = "doOpenAPIGet", tag = "service",
    responses((status = 200, description = "OpenAPI 3.1 document", body = serde_json::Value)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(super::openapi_json())
}
