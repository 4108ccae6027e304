//! bss's routes under `/boot/v1`. Handlers are thin: parse, call the store, answer.

pub mod service;

use actix_web::web;
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ochami bss",
        description = "Boot Script Service, wire-compatible with OpenCHAMI bss."
    ),
    paths(
        service::status,
        service::version,
        service::status_all,
        service::hsm,
        service::storage_status
    ),
    components(schemas(ochami_types::ProblemDetails, service::Status))
)]
pub struct ApiDoc;

pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .service(web::scope("/boot/v1").configure(service::routes));
}
