//! smd's routes under `/hsm/v2`. Handlers are thin: parse, call the store, answer.

pub mod service;

use actix_web::web;
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ochami smd (HSM v2)",
        description = "State Management Database, wire-compatible with OpenCHAMI smd."
    ),
    paths(service::ready, service::liveness),
    components(schemas(ochami_types::ProblemDetails, service::Message))
)]
pub struct ApiDoc;

pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .service(web::scope("/hsm/v2").configure(service::routes));
}
