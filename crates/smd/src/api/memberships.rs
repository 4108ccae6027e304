//! `/hsm/v2/memberships`: each component's groups and partition.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};

use super::components::filter_from_query;
use super::{json, xname_or};
use crate::model::group::Membership;
use crate::store::components::ComponentFilter;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/memberships")
            .route(web::get().to(list))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/memberships/{xname}")
            .route(web::get().to(get_one))
            .default_service(allow("GET")),
    );
}

/// Memberships of the components selected by the State/Components filters.
#[utoipa::path(get, path = "/hsm/v2/memberships", operation_id = "doMembershipsGet", tag = "memberships",
    params(
        ("id" = Option<Vec<String>>, Query), ("type" = Option<Vec<String>>, Query),
        ("state" = Option<Vec<String>>, Query), ("flag" = Option<Vec<String>>, Query),
        ("role" = Option<Vec<String>>, Query), ("subrole" = Option<Vec<String>>, Query),
        ("enabled" = Option<bool>, Query), ("softwarestatus" = Option<Vec<String>>, Query),
        ("subtype" = Option<Vec<String>>, Query), ("arch" = Option<Vec<String>>, Query),
        ("class" = Option<Vec<String>>, Query), ("nid" = Option<Vec<i64>>, Query),
        ("nid_start" = Option<i64>, Query), ("nid_end" = Option<i64>, Query),
        ("partition" = Option<Vec<String>>, Query, description = "partition name, or NULL for none"),
        ("group" = Option<Vec<String>>, Query, description = "group label, or NULL for none"),
    ),
    responses((status = 200, body = Vec<Membership>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let (f, _) = filter_from_query(&q)?;
    Ok(json(StatusCode::OK, &state.store.memberships(&f).await?))
}

/// One component's membership.
#[utoipa::path(get, path = "/hsm/v2/memberships/{xname}", operation_id = "doMembershipGet", tag = "memberships",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = Membership), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // OpenCHAMI's doMembershipGet texts.
    let id = xname_or(&path, "invalid xname")?;
    let f = ComponentFilter {
        ids: vec![id.as_str().to_owned()],
        ..Default::default()
    };
    match state.store.memberships(&f).await?.into_iter().next() {
        Some(m) => Ok(json(StatusCode::OK, &m)),
        None => Err(Problem::not_found(format!("No such xname: {id}"))),
    }
}
