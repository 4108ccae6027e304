//! `/hsm/v2/sysinfo/powermaps`: what powers each component.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use super::{deleted, json, ok_message, xname_or, xname_param};
use crate::model::power_map::{PowerMap, PowerMapIn};
use crate::AppState;

const BASE: &str = "/sysinfo/powermaps";

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

/// Every power map (a bare array).
#[utoipa::path(get, path = "/hsm/v2/sysinfo/powermaps", operation_id = "doPowerMapsGet", tag = "power-maps",
    responses((status = 200, body = Vec<PowerMap>)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(json(StatusCode::OK, &state.store.power_maps(None).await?))
}

/// Create or replace power maps, all or nothing.
#[utoipa::path(post, path = "/hsm/v2/sysinfo/powermaps", operation_id = "doPowerMapsPost", tag = "power-maps",
    request_body = Vec<PowerMapIn>,
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<Vec<PowerMapIn>>,
) -> Result<HttpResponse, Problem> {
    let maps = body
        .0
        .iter()
        .enumerate()
        .map(|(i, m)| m.to_map(&format!("[{i}]"), None))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Problem::bad_request)?;
    state.store.upsert_power_maps(&maps).await?;
    Ok(ok_message(format!(
        "Created or modified {} entries",
        maps.len()
    )))
}

/// Delete every power map.
#[utoipa::path(delete, path = "/hsm/v2/sysinfo/powermaps", operation_id = "doPowerMapsDeleteAll", tag = "power-maps",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_power_maps(None).await?)
}

/// One power map.
#[utoipa::path(get, path = "/hsm/v2/sysinfo/powermaps/{xname}", operation_id = "doPowerMapGet", tag = "power-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = PowerMap), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "invalid xname")?;
    match state.store.power_maps(Some(id.as_str())).await?.pop() {
        Some(m) => Ok(json(StatusCode::OK, &m)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or replace one power map; answers the stored map.
#[utoipa::path(put, path = "/hsm/v2/sysinfo/powermaps/{xname}", operation_id = "doPowerMapPut", tag = "power-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = PowerMapIn,
    responses((status = 200, body = PowerMap), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<PowerMapIn>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    let m = body
        .0
        .to_map("PowerMap", Some(&id))
        .map_err(Problem::bad_request)?;
    state
        .store
        .upsert_power_maps(std::slice::from_ref(&m))
        .await?;
    Ok(json(StatusCode::OK, &m))
}

/// Delete one power map.
#[utoipa::path(delete, path = "/hsm/v2/sysinfo/powermaps/{xname}", operation_id = "doPowerMapDelete", tag = "power-maps",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "invalid xname")?;
    if state.store.delete_power_maps(Some(id.as_str())).await? > 0 {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}
