//! `/hsm/v2/Inventory/ComponentEndpoints`: how each component is reached.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};
use ochami_types::{HmsType, Xname};

use super::hms_text::{BAD_ID, BAD_TYPE};
use super::{deleted, each, json, ok_message, xname_or};
use crate::model::component_endpoint::{ComponentEndpoint, ComponentEndpointArray};
use crate::store::component_endpoints::ComponentEndpointFilter;
use crate::AppState;

const BASE: &str = "/Inventory/ComponentEndpoints";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{xname}}"))
            .route(web::get().to(get_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, DELETE")),
    );
}

/// Filter values in OpenCHAMI's words (`sendJsonDBError(w, "bad query
/// param: ", ..)` with hmsds's sentence).
fn values<T, U>(
    q: &QueryParams,
    name: &str,
    text: &str,
    canon: impl Fn(T) -> U,
) -> Result<Vec<U>, Problem>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let v: Vec<String> = q.all(name).into_iter().map(String::from).collect();
    each(&v, "bad query param: ", text, canon)
}

fn xnames(q: &QueryParams, name: &str) -> Result<Vec<String>, Problem> {
    values(q, name, BAD_ID, |x: Xname| x.as_str().to_owned())
}

/// List component endpoints, filtered.
#[utoipa::path(get, path = "/hsm/v2/Inventory/ComponentEndpoints", operation_id = "doComponentEndpointsGet", tag = "component-endpoints",
    params(("id" = Option<Vec<String>>, Query), ("redfish_ep" = Option<Vec<String>>, Query),
        ("type" = Option<Vec<String>>, Query), ("redfish_type" = Option<Vec<String>>, Query)),
    responses((status = 200, body = ComponentEndpointArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let f = ComponentEndpointFilter {
        ids: xnames(&q, "id")?,
        redfish_eps: xnames(&q, "redfish_ep")?,
        types: values(&q, "type", BAD_TYPE, |t: HmsType| t.as_str().to_owned())?,
        redfish_types: q
            .all("redfish_type")
            .into_iter()
            .map(String::from)
            .collect(),
    };
    let component_endpoints = state.store.component_endpoints(&f).await?;
    Ok(json(
        StatusCode::OK,
        &ComponentEndpointArray {
            component_endpoints,
        },
    ))
}

/// Delete every component endpoint.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/ComponentEndpoints", operation_id = "doComponentEndpointsDeleteAll", tag = "component-endpoints",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_component_endpoints(None).await?)
}

/// One component endpoint.
#[utoipa::path(get, path = "/hsm/v2/Inventory/ComponentEndpoints/{xname}", operation_id = "doComponentEndpointGet", tag = "component-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = ComponentEndpoint), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed xname is a miss, as in OpenCHAMI.
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    let f = ComponentEndpointFilter {
        ids: vec![id.as_str().to_owned()],
        ..Default::default()
    };
    match state
        .store
        .component_endpoints(&f)
        .await?
        .into_iter()
        .next()
    {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Delete one component endpoint.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/ComponentEndpoints/{xname}", operation_id = "doComponentEndpointDelete", tag = "component-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, BAD_ID)?;
    if state
        .store
        .delete_component_endpoints(Some(id.as_str()))
        .await?
        > 0
    {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}
