//! `/hsm/v2/Inventory/RedfishEndpoints`: BMCs and other controllers, and the
//! door through which magellan's inventory arrives (SchemaVersion 1 bodies,
//! or OpenCHAMI's legacy raw-Redfish bodies).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, decode_json, ApiJson, Problem, QueryParams};
use ochami_types::{HmsType, Xname};
use serde_json::Value;

use super::hms_text::{BAD_ID, BAD_TYPE};
use super::{deleted, each, json, ok_message, text, xname_or, xname_param};
use crate::model::ethernet_interface::parse_ip;
use crate::model::redfish_endpoint::{
    endpoint_mac, RedfishEndpoint, RedfishEndpointArray, RedfishEndpointArrayIn, RedfishEndpointIn,
    RedfishEndpointPatch, ResourceUri,
};
use crate::store::discovery::Claim;
use crate::store::redfish_endpoints::{Ingest, RedfishEndpointFilter};
use crate::AppState;
use crate::{inventory, legacy_inventory};

const BASE: &str = "/Inventory/RedfishEndpoints";
const URI_BASE: &str = "/hsm/v2/Inventory/RedfishEndpoints";
const INVALID: &str = "couldn't validate endpoint data: ";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, POST, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/Query/{{xname}}"))
            .route(web::get().to(query_get))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{BASE}/{{xname}}"))
            .route(web::get().to(get_one))
            .route(web::put().to(put_one))
            .route(web::patch().to(patch_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PUT, PATCH, DELETE")),
    );
}

/// Blank passwords when the configuration says so (`SMD_HIDE_PASSWORDS`,
/// OpenCHAMI's `SMD_RVAULT`).
fn shown(state: &AppState, mut eps: Vec<RedfishEndpoint>) -> Vec<RedfishEndpoint> {
    if state.config.passwords_hidden() {
        for e in &mut eps {
            e.password.clear();
        }
    }
    eps
}

/// With discovery on, walk the written endpoints that ask for it
/// (`RediscoverOnUpdate`, as HSM's discoverFromEndpoints(update=true)). The
/// write is already acknowledged, so a failure to start is logged, not answered.
async fn rediscover<'a>(state: &AppState, ids: impl IntoIterator<Item = &'a str>) {
    let Some(d) = &state.discovery else {
        return;
    };
    let claim = Claim {
        ids: Some(ids.into_iter().map(str::to_owned).collect()),
        only_rediscover: true,
        force: false,
    };
    if let Err(e) = d.start(&claim).await {
        tracing::error!("discovery: cannot start: {}", e.detail);
    }
}

fn filter_from_query(q: &QueryParams) -> Result<RedfishEndpointFilter, Problem> {
    let macs = q
        .all("macaddr")
        .into_iter()
        .map(|m| {
            endpoint_mac(m)
                .map_err(|e| Problem::bad_request(format!("bad query param 'macaddr': {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ips = q
        .all("ipaddress")
        .into_iter()
        .map(|v| {
            parse_ip(v)
                .map_err(|e| Problem::bad_request(format!("bad query param 'ipaddress': {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut statuses: Vec<String> = q.all("laststatus").into_iter().map(String::from).collect();
    statuses.extend(q.all("lastdiscoverystatus").into_iter().map(String::from));
    let all = |name: &str| -> Vec<String> { q.all(name).into_iter().map(String::from).collect() };
    const Q: &str = "bad query param: ";
    Ok(RedfishEndpointFilter {
        ids: each(&all("id"), Q, BAD_ID, |x: Xname| x.as_str().to_owned())?,
        under: None,
        fqdns: all("fqdn"),
        types: each(&all("type"), Q, BAD_TYPE, text::<HmsType>)?,
        uuids: all("uuid"),
        macs,
        ips,
        statuses,
    })
}

/// List endpoints, filtered.
#[utoipa::path(get, path = "/hsm/v2/Inventory/RedfishEndpoints", operation_id = "doRedfishEndpointsGet", tag = "redfish-endpoints",
    params(("id" = Option<Vec<String>>, Query), ("fqdn" = Option<Vec<String>>, Query),
        ("type" = Option<Vec<String>>, Query), ("uuid" = Option<Vec<String>>, Query),
        ("macaddr" = Option<Vec<String>>, Query), ("ipaddress" = Option<Vec<String>>, Query),
        ("laststatus" = Option<Vec<String>>, Query)),
    responses((status = 200, body = RedfishEndpointArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let f = filter_from_query(&q)?;
    let redfish_endpoints = shown(&state, state.store.redfish_endpoints(&f).await?);
    Ok(json(
        StatusCode::OK,
        &RedfishEndpointArray { redfish_endpoints },
    ))
}

/// Validate one body entry (`raw` is the same entry undecoded) and plan its
/// inventory: magellan's SchemaVersion 1, or OpenCHAMI's legacy raw-Redfish
/// `Systems[].Data` payload, which creates the same rows.
///
/// A body OpenCHAMI would not accept is its sentence after `invalid`
/// (`couldn't validate endpoint data[ at idx N]: `).
fn ingest_of(
    ep: &RedfishEndpointIn,
    raw: &Value,
    at: &str,
    invalid: &str,
) -> Result<Ingest, Problem> {
    let endpoint = ep
        .resolve()
        .map_err(|e| Problem::bad_request(format!("{invalid}{e}")))?;
    let planned = |systems: &[_], managers: &[_]| {
        inventory::plan(&endpoint.id, &endpoint.mac_addr, systems, managers, at)
            .map_err(Problem::bad_request)
    };
    let plan = match ep.schema_version {
        Some(v) if v >= 1 => Some(planned(&ep.systems, &ep.managers)?),
        _ if legacy_inventory::is_legacy(raw) => {
            let (systems, managers) =
                legacy_inventory::read(raw, at).map_err(Problem::bad_request)?;
            Some(planned(&systems, &managers)?)
        }
        _ => None,
    };
    Ok(Ingest { endpoint, plan })
}

/// Create endpoints: one object or `{"RedfishEndpoints":[...]}`. A magellan
/// body (`SchemaVersion` 1) also creates its components, component endpoints
/// and Ethernet interfaces, all in one transaction.
#[utoipa::path(post, path = "/hsm/v2/Inventory/RedfishEndpoints", operation_id = "doRedfishEndpointsPost", tag = "redfish-endpoints",
    request_body = RedfishEndpointIn,
    responses((status = 201, body = Vec<ResourceUri>, headers(("Location" = String))),
        (status = 400, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let v: serde_json::Value = decode_json(&body)?;
    let items: Vec<Ingest> = if v.get("RedfishEndpoints").is_some() {
        let arr: RedfishEndpointArrayIn = decode_json(&body)?;
        arr.redfish_endpoints
            .iter()
            .enumerate()
            .map(|(i, ep)| {
                let raw = v["RedfishEndpoints"].get(i).unwrap_or(&Value::Null);
                ingest_of(
                    ep,
                    raw,
                    &format!("RedfishEndpoints[{i}]."),
                    &format!("couldn't validate endpoint data at idx {i}: "),
                )
            })
            .collect::<Result<_, _>>()?
    } else {
        let ep: RedfishEndpointIn = decode_json(&body)?;
        vec![ingest_of(&ep, &v, "", INVALID)?]
    };
    if items.is_empty() {
        return Err(Problem::bad_request("RedfishEndpoints: empty"));
    }
    state.store.ingest(&items, false).await?;
    rediscover(&state, items.iter().map(|it| it.endpoint.id.as_str())).await;
    let uris: Vec<ResourceUri> = items
        .iter()
        .map(|it| ResourceUri {
            uri: format!("{URI_BASE}/{}", it.endpoint.id),
        })
        .collect();
    let location = if uris.len() == 1 {
        uris[0].uri.clone()
    } else {
        URI_BASE.to_owned()
    };
    let mut res = json(StatusCode::CREATED, &uris);
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Delete every endpoint (their component endpoints too; their components
/// become State Empty).
#[utoipa::path(delete, path = "/hsm/v2/Inventory/RedfishEndpoints", operation_id = "doRedfishEndpointsDeleteAll", tag = "redfish-endpoints",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_redfish_endpoints(None).await?)
}

async fn one(state: &AppState, id: &Xname) -> Result<Option<RedfishEndpoint>, Problem> {
    Ok(state
        .store
        .redfish_endpoint(id.as_str())
        .await?
        .map(|e| shown(state, vec![e]).remove(0)))
}

/// One endpoint.
#[utoipa::path(get, path = "/hsm/v2/Inventory/RedfishEndpoints/{xname}", operation_id = "doRedfishEndpointGet", tag = "redfish-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0")),
    responses((status = 200, body = RedfishEndpoint), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed xname is a miss, as in OpenCHAMI.
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    match one(&state, &id).await? {
        Some(e) => Ok(json(StatusCode::OK, &e)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or replace an endpoint (magellan's `--force-update`): its
/// inventory is upserted and MACs owned by other components are taken over.
/// 200 with the endpoint when it existed, 204 when it was created (as OpenCHAMI).
#[utoipa::path(put, path = "/hsm/v2/Inventory/RedfishEndpoints/{xname}", operation_id = "doRedfishEndpointPut", tag = "redfish-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0")), request_body = RedfishEndpointIn,
    responses((status = 200, body = RedfishEndpoint), (status = 204),
        (status = 400, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let raw: Value = decode_json(&body)?;
    let mut ep: RedfishEndpointIn = decode_json(&body)?;
    // As OpenCHAMI's doRedfishEndpointPut: the IDs are compared (normalised)
    // before the body is validated; a missing body ID is the URL's.
    let url = path.trim().to_ascii_lowercase();
    if ep.id.trim().is_empty() {
        ep.id = url.clone();
    } else if !ep.id.trim().eq_ignore_ascii_case(&url) {
        let same = matches!(
            (ep.id.trim().parse::<Xname>(), url.parse::<Xname>()),
            (Ok(a), Ok(b)) if a == b
        );
        if !same {
            return Err(Problem::bad_request(
                "xname in URL and PUT body do not match",
            ));
        }
    }
    let ingest = ingest_of(&ep, &raw, "", INVALID)?;
    let id = ingest.endpoint.id.clone();
    let created = state.store.ingest(&[ingest], true).await?;
    // The answer is the record as stored, before discovery starts (OpenCHAMI
    // discovers in a goroutine after answering); later GETs show progress.
    let stored = if created.first().copied().unwrap_or(false) {
        None
    } else {
        Some(one(&state, &id).await?)
    };
    rediscover(&state, [id.as_str()]).await;
    match stored {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(Some(e)) => Ok(json(StatusCode::OK, &e)),
        Some(None) => Err(Problem::not_found("no such xname.")),
    }
}

/// Change some fields of an endpoint.
#[utoipa::path(patch, path = "/hsm/v2/Inventory/RedfishEndpoints/{xname}", operation_id = "doRedfishEndpointPatch", tag = "redfish-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0")), request_body = RedfishEndpointPatch,
    responses((status = 200, body = RedfishEndpoint), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<RedfishEndpointPatch>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "xname in URL is not valid")?;
    let mut p = body.0;
    let Some(old) = state.store.redfish_endpoint(id.as_str()).await? else {
        return Err(Problem::not_found(format!("No such entry: {id}")));
    };
    // OpenCHAMI merges the patch into the stored endpoint and validates the
    // result as a new one (PatchRFEndpointNoDiscInfo); a conflict it cannot
    // store is its 500 "operation 'PATCH' failed during store", a 400 here.
    let merged = p.merged_into(&old);
    let ep = merged
        .resolve()
        .map_err(|e| Problem::bad_request("operation 'PATCH' failed during store").because(e))?;
    p.hostname = Some(ep.hostname);
    p.domain = Some(ep.domain);
    p.fqdn = Some(ep.fqdn);
    p.mac_addr = Some(ep.mac_addr);
    p.ip_address = Some(ep.ip_address);
    match state.store.patch_redfish_endpoint(id.as_str(), &p).await? {
        Some(e) => {
            rediscover(&state, [id.as_str()]).await;
            Ok(json(StatusCode::OK, &shown(&state, vec![e]).remove(0)))
        }
        None => Err(Problem::not_found(format!("No such entry: {id}"))),
    }
}

/// Delete one endpoint.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/RedfishEndpoints/{xname}", operation_id = "doRedfishEndpointDelete", tag = "redfish-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, BAD_ID)?;
    if state
        .store
        .delete_redfish_endpoints(Some(id.as_str()))
        .await?
        > 0
    {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}

/// Endpoints at or under `xname` (`s0` or `all` for every one).
#[utoipa::path(get, path = "/hsm/v2/Inventory/RedfishEndpoints/Query/{xname}", operation_id = "doRedfishEndpointQueryGet", tag = "redfish-endpoints",
    params(("xname" = String, Path, example = "x1000c1s7b0")),
    responses((status = 200, body = RedfishEndpointArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let under = if path.eq_ignore_ascii_case("all") {
        "s0".to_owned()
    } else {
        xname_param(&path)?.as_str().to_owned()
    };
    let f = RedfishEndpointFilter {
        under: Some(under),
        ..Default::default()
    };
    let redfish_endpoints = shown(&state, state.store.redfish_endpoints(&f).await?);
    Ok(json(
        StatusCode::OK,
        &RedfishEndpointArray { redfish_endpoints },
    ))
}
