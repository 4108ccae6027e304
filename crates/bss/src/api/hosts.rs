//! `/boot/v1/hosts` (bss's view of SMD's nodes) and `/boot/v1/dumpstate`.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};
use ochami_types::MacAddr;
use serde::Serialize;
use serde_json::Value;

use crate::model::BootParams;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/hosts")
            .route(web::get().to(get))
            .route(web::post().to(post))
            .default_service(allow("GET, POST")),
    )
    .service(
        web::resource("/dumpstate")
            .route(web::get().to(dumpstate))
            .default_service(allow("GET")),
    );
}

/// SMD's nodes as bss sees them (`SMComponent`: the component plus `FQDN`,
/// `MAC`, `EndpointEnabled`), all or by `name`, `mac`, `nid`.
#[utoipa::path(get, path = "/boot/v1/hosts", operation_id = "hosts_get", tag = "hosts",
    params(
        ("name" = Option<String>, Query, description = "xname; repeatable, comma lists", example = "x1000c1s7b0n0"),
        ("mac" = Option<String>, Query, description = "MAC; repeatable, comma lists", example = "52:54:00:00:00:00"),
        ("nid" = Option<i64>, Query, description = "NID; repeatable, comma lists", example = 1),
    ),
    responses(
        (status = 200, body = Vec<Object>),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails),
    ))]
pub async fn get(q: QueryParams, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let names = q.all("name");
    let macs = q.parse_all::<MacAddr>("mac")?;
    let nids = q.parse_all::<i64>("nid")?;
    let snap = state.smd.snapshot();
    let out: Vec<Value> = if names.is_empty() && macs.is_empty() && nids.is_empty() {
        snap.nodes.iter().map(|n| n.to_wire()).collect()
    } else {
        let mut out = Vec::new();
        for n in names {
            let node = snap.by_name(n).ok_or_else(|| {
                Problem::not_found(format!("Not Found - Unknown host name '{n}'"))
            })?;
            out.push(node.to_wire());
        }
        for m in macs {
            let node = snap.by_mac(&m).ok_or_else(|| {
                Problem::not_found(format!("Not Found - Unknown MAC address '{m}'"))
            })?;
            out.push(node.to_wire());
        }
        for n in nids {
            let node = snap
                .by_nid(n)
                .ok_or_else(|| Problem::not_found(format!("Not Found - Unknown NID '{n}'")))?;
            out.push(node.to_wire());
        }
        out
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .json(out))
}

/// Refresh bss's view of SMD now.
#[utoipa::path(post, path = "/boot/v1/hosts", operation_id = "hosts_post", tag = "hosts",
    responses((status = 204, description = "refreshed (or SMD did not answer; the last view stays)")))]
pub async fn post(state: web::Data<AppState>) -> HttpResponse {
    state.smd.refresh(true).await;
    HttpResponse::NoContent()
        .content_type("application/json; charset=UTF-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .finish()
}

/// `/dumpstate`'s body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dump {
    #[serde(rename = "Components")]
    #[schema(value_type = Vec<Object>)]
    pub components: Vec<Value>,
    #[serde(rename = "Params")]
    pub params: Vec<BootParams>,
}

/// Everything bss knows: SMD's nodes and all boot parameters.
#[utoipa::path(get, path = "/boot/v1/dumpstate", operation_id = "dumpstate_get", tag = "hosts",
    responses((status = 200, body = Dump), (status = 500, body = ochami_types::ProblemDetails)))]
pub async fn dumpstate(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let configs = state.store.boot_configs().await?;
    let snap = state.smd.snapshot();
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .json(Dump {
            components: snap.nodes.iter().map(|n| n.to_wire()).collect(),
            params: configs
                .iter()
                .map(|c| c.to_wire(&c.keys.iter().collect::<Vec<_>>()))
                .collect(),
        }))
}
