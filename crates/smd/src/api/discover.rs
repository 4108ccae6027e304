//! `/hsm/v2/Inventory/Discover` and `/hsm/v2/Inventory/DiscoveryStatus`
//! (HSM's doInventoryDiscoverPost, doDiscoveryStatusGet[All]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use super::{json, xname_param};
use crate::model::discovery::{DiscoverIn, DiscoveryStatus};
use crate::model::redfish_endpoint::ResourceUri;
use crate::store::discovery::Claim;
use crate::store::redfish_endpoints::RedfishEndpointFilter;
use crate::AppState;

const STATUS_URI: &str = "/hsm/v2/Inventory/DiscoveryStatus";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Inventory/Discover")
            .route(web::post().to(discover))
            .default_service(allow("POST")),
    )
    .service(
        web::resource("/Inventory/DiscoveryStatus")
            .route(web::get().to(status_all))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/Inventory/DiscoveryStatus/{id}")
            .route(web::get().to(status_one))
            .default_service(allow("GET")),
    );
}

/// Walk RedfishEndpoints (the `xnames` given, or all) in the background and
/// answer with the DiscoveryStatus to watch. As in OpenCHAMI, unknown
/// endpoints are 404s and, with discovery off, nothing is walked.
#[utoipa::path(post, path = "/hsm/v2/Inventory/Discover", operation_id = "doInventoryDiscoverPost", tag = "discover",
    request_body = DiscoverIn,
    responses((status = 200, body = Vec<ResourceUri>), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn discover(
    state: web::Data<AppState>,
    body: ApiJson<DiscoverIn>,
) -> Result<HttpResponse, Problem> {
    let mut ids: Vec<String> = Vec::new();
    for (i, raw) in body.0.xnames.iter().enumerate() {
        // OpenCHAMI looks a malformed xname up and answers 404; naming the
        // bad entry with a 400 is more useful.
        let x = xname_param(raw)
            .map_err(|p| Problem::bad_request(format!("xnames[{i}]: {}", p.detail)))?;
        let id = x.as_str().to_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        let all = state
            .store
            .redfish_endpoints(&RedfishEndpointFilter::default())
            .await?;
        if all.is_empty() {
            return Err(Problem::not_found("RedfishEndpoints collection is empty"));
        }
    } else {
        let found = state
            .store
            .redfish_endpoints(&RedfishEndpointFilter {
                ids: ids.clone(),
                ..Default::default()
            })
            .await?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|e| &e.id == *id)) {
            return Err(Problem::not_found(format!(
                "No such RedfishEndpoint: {missing}"
            )));
        }
    }
    if let Some(d) = &state.discovery {
        let claim = Claim {
            ids: (!ids.is_empty()).then_some(ids),
            only_rediscover: false,
            force: body.0.force,
        };
        d.start(&claim).await?;
    }
    // One DiscoveryStatus (ID 0) reports every walk, as in HSM.
    Ok(json(
        StatusCode::OK,
        &[ResourceUri {
            uri: format!("{STATUS_URI}/0"),
        }],
    ))
}

/// Every DiscoveryStatus entry (a bare array).
#[utoipa::path(get, path = "/hsm/v2/Inventory/DiscoveryStatus", operation_id = "doDiscoveryStatusGetAll", tag = "discover",
    responses((status = 200, body = Vec<DiscoveryStatus>)))]
pub async fn status_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(json(
        StatusCode::OK,
        &state.store.discovery_statuses().await?,
    ))
}

/// One DiscoveryStatus entry.
#[utoipa::path(get, path = "/hsm/v2/Inventory/DiscoveryStatus/{id}", operation_id = "doDiscoveryStatusGet", tag = "discover",
    params(("id" = u32, Path, example = 0)),
    responses((status = 200, body = DiscoveryStatus), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn status_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id: u32 = path
        .parse()
        .map_err(|_| Problem::bad_request("DiscoveryStatus ID not an unsigned integer"))?;
    match state.store.discovery_status(id).await? {
        Some(s) => Ok(json(StatusCode::OK, &s)),
        None => Err(Problem::not_found("no such DiscoveryStatus ID.")),
    }
}
