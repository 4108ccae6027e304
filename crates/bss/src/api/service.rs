//! `/boot/v1/service/*`: OpenCHAMI's status bodies, byte for byte (plus a JSON
//! content type, which OpenCHAMI leaves to Go's sniffing); `/boot/v1/openapi.json`:
//! this API's document.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::allow;
use serde::Serialize;

use crate::AppState;

/// Storage backend status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Storage {
    pub name: &'static str,
    pub status: &'static str,
}

/// The union of OpenCHAMI's status bodies; absent fields are omitted.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Status {
    #[serde(rename = "bss-version", skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    #[serde(rename = "bss-status", skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(rename = "bss-status-hsm", skip_serializing_if = "Option::is_none")]
    pub hsm: Option<&'static str>,
    #[serde(
        rename = "bss-storage-backend",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage: Option<Storage>,
}

fn reply(code: StatusCode, body: &Status) -> HttpResponse {
    // OpenCHAMI writes with fmt.Fprintln: a trailing newline.
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes.push(b'\n');
    HttpResponse::build(code)
        .content_type("application/json")
        .body(bytes)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service/status")
            .route(web::get().to(status))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/status/all")
            .route(web::get().to(status_all))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/version")
            .route(web::get().to(version))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/hsm")
            .route(web::get().to(hsm))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/storage/status")
            .route(web::get().to(storage_status))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/openapi.json")
            .route(web::get().to(openapi))
            .default_service(allow("GET")),
    );
}

/// This OpenAPI document, byte for byte as committed in `openapi/bss.json`.
#[utoipa::path(get, path = "/boot/v1/openapi.json", operation_id = "openapi_get", tag = "service",
    responses((status = 200, description = "OpenAPI 3.1 document", body = serde_json::Value)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(super::openapi_json())
}

/// `{"bss-status":"running"}` whenever the process serves HTTP.
#[utoipa::path(get, path = "/boot/v1/service/status", operation_id = "service_status_get", tag = "service", responses((status = 200, body = Status)))]
pub async fn status() -> HttpResponse {
    reply(
        StatusCode::OK,
        &Status {
            status: Some("running"),
            ..Default::default()
        },
    )
}

/// `{"bss-version":"..."}`.
#[utoipa::path(get, path = "/boot/v1/service/version", operation_id = "service_version_get", tag = "service", responses((status = 200, body = Status)))]
pub async fn version() -> HttpResponse {
    reply(
        StatusCode::OK,
        &Status {
            version: Some(env!("CARGO_PKG_VERSION")),
            ..Default::default()
        },
    )
}

async fn hsm_ok(state: &AppState) -> bool {
    // A live probe, not the cache's last refresh: the status must say whether
    // SMD answers now. As OpenCHAMI: any HTTP answer counts as connected.
    state.smd.client().probe().await
}

async fn storage_ok(state: &AppState) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(4), state.store.ping()).await,
        Ok(Ok(()))
    )
}

fn storage(ok: bool) -> Storage {
    Storage {
        name: "postgres",
        status: if ok { "connected" } else { "error" },
    }
}

/// `{"bss-status-hsm":"connected"}`, 500 `error` when SMD does not answer.
#[utoipa::path(get, path = "/boot/v1/service/hsm", operation_id = "service_hsm_get", tag = "service",
    responses((status = 200, body = Status), (status = 500, body = Status)))]
pub async fn hsm(state: web::Data<AppState>) -> HttpResponse {
    let ok = hsm_ok(&state).await;
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    reply(
        code,
        &Status {
            hsm: Some(if ok { "connected" } else { "error" }),
            ..Default::default()
        },
    )
}

/// `{"bss-storage-backend":{"name":"postgres","status":"connected"}}`.
#[utoipa::path(get, path = "/boot/v1/service/storage/status", operation_id = "service_storage_status_get", tag = "service",
    responses((status = 200, body = Status), (status = 500, body = Status)))]
pub async fn storage_status(state: web::Data<AppState>) -> HttpResponse {
    let ok = storage_ok(&state).await;
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    reply(
        code,
        &Status {
            storage: Some(storage(ok)),
            ..Default::default()
        },
    )
}

/// Everything at once; 500 when SMD or the database is unreachable.
#[utoipa::path(get, path = "/boot/v1/service/status/all", operation_id = "service_status_all_get", tag = "service",
    responses((status = 200, body = Status), (status = 500, body = Status)))]
pub async fn status_all(state: web::Data<AppState>) -> HttpResponse {
    let (hsm, db) = tokio::join!(hsm_ok(&state), storage_ok(&state));
    let code = if hsm && db {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    reply(
        code,
        &Status {
            version: Some(env!("CARGO_PKG_VERSION")),
            status: Some("running"),
            hsm: Some(if hsm { "connected" } else { "error" }),
            storage: Some(storage(db)),
        },
    )
}
