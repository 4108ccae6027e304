//! `/boot/v1/endpoint-history`: when each node last fetched its script or user-data.

use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};

use crate::model::EndpointAccess;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/endpoint-history")
            .route(web::get().to(get))
            .default_service(allow("GET")),
    );
}

/// Last accesses, filtered by `name` (xname) and `endpoint` (`bootscript`,
/// `user-data`). Both are plain string matches, as OpenCHAMI's: an endpoint
/// no record has is an empty list, not an error.
#[utoipa::path(get, path = "/boot/v1/endpoint-history", operation_id = "endpoint_history_get", tag = "endpoint-history",
    params(
        ("name" = Option<String>, Query, description = "node xname", example = "x1000c1s7b0n0"),
        ("endpoint" = Option<String>, Query, description = "bootscript or user-data", example = "bootscript"),
    ),
    responses((status = 200, body = Vec<EndpointAccess>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn get(q: QueryParams, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let endpoint = q.first("endpoint").filter(|e| !e.is_empty());
    // Accesses are written in batches; this read must see them all.
    state.access.flush(&state.store).await?;
    let name = q.first("name").filter(|n| !n.is_empty());
    let out = state.store.access_history(name, endpoint).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .json(out))
}
