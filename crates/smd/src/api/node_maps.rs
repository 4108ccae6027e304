//! `/hsm/v2/Defaults/NodeMaps`: default NID, Role and SubRole per node xname,
//! applied when a node is created without them (State/Components POST/PUT and
//! RedfishEndpoints ingestion).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use super::{deleted, json, ok_message, xname_param};
use crate::model::node_map::{NodeMap, NodeMapArray, NodeMapArrayIn, NodeMapIn};
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
#[utoipa::path(get, path = "/hsm/v2/Defaults/NodeMaps", tag = "node-maps",
    responses((status = 200, body = NodeMapArray)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let node_maps = state.store.node_maps(None).await?;
    Ok(json(StatusCode::OK, &NodeMapArray { node_maps }))
}

/// Create or replace node maps, all or nothing.
#[utoipa::path(post, path = "/hsm/v2/Defaults/NodeMaps", tag = "node-maps",
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
        .map(|(i, m)| m.to_map(&format!("NodeMaps[{i}]"), None))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Problem::bad_request)?;
    state.store.upsert_node_maps(&maps).await?;
    Ok(ok_message(format!(
        "Created or modified {} entries",
        maps.len()
    )))
}

/// Delete every node map.
#[utoipa::path(delete, path = "/hsm/v2/Defaults/NodeMaps", tag = "node-maps",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_node_maps().await?)
}

/// One node map.
#[utoipa::path(get, path = "/hsm/v2/Defaults/NodeMaps/{xname}", tag = "node-maps",
    params(("xname" = String, Path)),
    responses((status = 200, body = NodeMap), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    match state.store.node_map(id.as_str()).await? {
        Some(m) => Ok(json(StatusCode::OK, &m)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or replace one node map; answers the stored map.
#[utoipa::path(put, path = "/hsm/v2/Defaults/NodeMaps/{xname}", tag = "node-maps",
    params(("xname" = String, Path)), request_body = NodeMapIn,
    responses((status = 200, body = NodeMap), (status = 400, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<NodeMapIn>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    let m = body
        .0
        .to_map("NodeMap", Some(&id))
        .map_err(Problem::bad_request)?;
    state
        .store
        .upsert_node_maps(std::slice::from_ref(&m))
        .await?;
    Ok(json(StatusCode::OK, &m))
}

/// Delete one node map.
#[utoipa::path(delete, path = "/hsm/v2/Defaults/NodeMaps/{xname}", tag = "node-maps",
    params(("xname" = String, Path)),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    if state.store.delete_node_map(id.as_str()).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}
