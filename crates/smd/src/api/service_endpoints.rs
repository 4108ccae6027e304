//! `/hsm/v2/Inventory/ServiceEndpoints`: Redfish services per endpoint.
//! Nothing creates them yet (they come from active discovery, which the
//! OpenCHAMI build leaves off); read and delete work.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};
use ochami_types::Xname;

use super::{deleted, json, ok_message};
use crate::model::component_endpoint::{ServiceEndpoint, ServiceEndpointArray};
use crate::store::service_endpoints::ServiceEndpointFilter;
use crate::AppState;

const BASE: &str = "/Inventory/ServiceEndpoints";
/// OpenCHAMI's miss for `{service}/RedfishEndpoints/{xname}`.
const NO_SUCH: &str = "no such service under redfish endpoint.";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{service}}"))
            .route(web::get().to(by_service))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{BASE}/{{service}}/RedfishEndpoints/{{xname}}"))
            .route(web::get().to(get_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, DELETE")),
    );
}

fn body(service_endpoints: Vec<ServiceEndpoint>) -> HttpResponse {
    json(StatusCode::OK, &ServiceEndpointArray { service_endpoints })
}

/// List service endpoints (`redfish_ep`, `service` filters).
#[utoipa::path(get, path = "/hsm/v2/Inventory/ServiceEndpoints", operation_id = "doServiceEndpointsGetAll", tag = "service-endpoints",
    params(("redfish_ep" = Option<Vec<String>>, Query), ("service" = Option<Vec<String>>, Query)),
    responses((status = 200, body = ServiceEndpointArray)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let f = ServiceEndpointFilter {
        services: q.all("service").into_iter().map(String::from).collect(),
        redfish_eps: q
            .parse_all::<Xname>("redfish_ep")?
            .into_iter()
            .map(|x| x.as_str().to_owned())
            .collect(),
    };
    Ok(body(state.store.service_endpoints(&f).await?))
}

/// Delete every service endpoint.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/ServiceEndpoints", operation_id = "doServiceEndpointsDeleteAll", tag = "service-endpoints",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_service_endpoints(None).await?)
}

/// One service across endpoints.
#[utoipa::path(get, path = "/hsm/v2/Inventory/ServiceEndpoints/{service}", operation_id = "doServiceEndpointsGet", tag = "service-endpoints",
    params(("service" = String, Path, example = "AccountService")), responses((status = 200, body = ServiceEndpointArray)))]
pub async fn by_service(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let f = ServiceEndpointFilter {
        services: vec![path.into_inner()],
        ..Default::default()
    };
    Ok(body(state.store.service_endpoints(&f).await?))
}

/// One service of one endpoint.
#[utoipa::path(get, path = "/hsm/v2/Inventory/ServiceEndpoints/{service}/RedfishEndpoints/{xname}", operation_id = "doServiceEndpointGet",
    tag = "service-endpoints", params(("service" = String, Path, example = "AccountService"), ("xname" = String, Path, example = "x1000c1s7b0")),
    responses((status = 200, body = ServiceEndpoint), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (service, xname) = path.into_inner();
    // A malformed xname is a miss, as in OpenCHAMI.
    let Ok(id) = xname.trim().parse::<Xname>() else {
        return Err(Problem::not_found(NO_SUCH));
    };
    let f = ServiceEndpointFilter {
        services: vec![service],
        redfish_eps: vec![id.as_str().to_owned()],
    };
    match state.store.service_endpoints(&f).await?.into_iter().next() {
        Some(s) => Ok(json(StatusCode::OK, &s)),
        None => Err(Problem::not_found(NO_SUCH)),
    }
}

/// Delete one service of one endpoint.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/ServiceEndpoints/{service}/RedfishEndpoints/{xname}", operation_id = "doServiceEndpointDelete",
    tag = "service-endpoints", params(("service" = String, Path, example = "SessionService"), ("xname" = String, Path, example = "x1000c1s7b0")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (service, xname) = path.into_inner();
    let Ok(id) = xname.trim().parse::<Xname>() else {
        return Err(Problem::not_found(NO_SUCH));
    };
    if state
        .store
        .delete_service_endpoints(Some((&service, id.as_str())))
        .await?
        > 0
    {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found(NO_SUCH))
    }
}
