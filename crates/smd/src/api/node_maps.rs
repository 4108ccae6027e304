//! `/hsm/v2/Defaults/NodeMaps`: default NID, Role and SubRole per node xname,
//! applied when a node is created without them (State/Components POST/PUT and
//! RedfishEndpoints ingestion).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use ochami_types::Xname;

use super::{deleted, json, ok_message, xname_or};
use crate::model::node_map::{NodeMap, NodeMapArray, NodeMapArrayIn, NodeMapIn};
use crate::store::node_maps::{DUP_NID_POST, DUP_NID_PUT};
use crate::AppState;

const BASE: &str = "/Defaults/NodeMaps";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, POST, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{xname}}"))
            .route(web::get().to(get_one))
            .route(web::put().to(put_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PUT, DELETE")),
    );
}

/// Every node map.
#[utoipa::path(get, path = "/hsm/v2/Defaults/NodeMaps", operation_id = "doNodeMapsGet", tag = "node-maps",
    responses((status = 200, body = NodeMapArray)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let node_maps = state.store.node_maps(None).await?;
    Ok(json(StatusCode::OK, &NodeMapArray { node_maps }))
}

/// Create or replace node maps, all or nothing.
#[utoipa::path(post, path = "/hsm/v2/Defaults/NodeMaps", operation_id = "doNodeMapPost", tag = "node-maps",
    request_body = NodeMapArrayIn,
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<NodeMapArrayIn>,
) -> Result<HttpResponse, Problem> {
    let maps = body
        .0
        .node_maps
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.to_map().map_err(|e| {
                Problem::bad_request(format!("couldn't validate map data at idx {i}: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    state.store.upsert_node_maps(&maps, DUP_NID_POST).await?;
    Ok(ok_message(format!(
        "Created or modified {} entries",
        maps.len()
    )))
}

/// Delete every node map.
#[utoipa::path(delete, path = "/hsm/v2/Defaults/NodeMaps", operation_id = "doNodeMapsDeleteAll", tag = "node-maps",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_node_maps().await?)
}

/// One node map.
#[utoipa::path(get, path = "/hsm/v2/Defaults/NodeMaps/{xname}", operation_id = "doNodeMapGet", tag = "node-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = NodeMap), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed xname is a miss, as in OpenCHAMI.
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    match state.store.node_map(id.as_str()).await? {
        Some(m) => Ok(json(StatusCode::OK, &m)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or replace one node map; answers the stored map.
#[utoipa::path(put, path = "/hsm/v2/Defaults/NodeMaps/{xname}", operation_id = "doNodeMapPut", tag = "node-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = NodeMapIn,
    responses((status = 200, body = NodeMap), (status = 400, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<NodeMapIn>,
) -> Result<HttpResponse, Problem> {
    // As OpenCHAMI's doNodeMapPut: the URL's xname, normalised, is the ID
    // unless the body names another (checked before the values).
    let url = path.trim().to_ascii_lowercase();
    let mut m = body.0;
    match m.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => m.id = Some(url),
        Some(id) if !id.eq_ignore_ascii_case(&url) => {
            let same =
                matches!((id.parse::<Xname>(), url.parse::<Xname>()), (Ok(a), Ok(b)) if a == b);
            if !same {
                return Err(Problem::bad_request(
                    "xname in URL and PUT body do not match",
                ));
            }
        }
        Some(_) => {}
    }
    let m = m
        .to_map()
        .map_err(|e| Problem::bad_request(format!("couldn't validate endpoint data: {e}")))?;
    state
        .store
        .upsert_node_maps(std::slice::from_ref(&m), DUP_NID_PUT)
        .await?;
    Ok(json(StatusCode::OK, &m))
}

/// Delete one node map.
#[utoipa::path(delete, path = "/hsm/v2/Defaults/NodeMaps/{xname}", operation_id = "doNodeMapDelete", tag = "node-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "invalid xname")?;
    if state.store.delete_node_map(id.as_str()).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}
