//! `/hsm/v2/Inventory/Hardware` and `/Inventory/HardwareByFRU`: what
//! hardware sits where (locations, by xname), the field-replaceable units
//! themselves (by FRU ID), and the history of FRUs appearing at and leaving
//! locations (HSM cmd/smd/smd-api.go doHWInv*).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ochami_service::http::{allow, decode_json, Problem, QueryParams};
use ochami_types::{HmsType, Xname};

use super::groups::name_filter;
use super::{deleted, each, json, ok_message, text, xname_or, xname_param, GoBool};
use crate::model::hardware::{
    normalize_event_type, HwInvByFru, HwInvByLoc, HwInvFormat, HwInvHistArray, HwInvHistResp,
    HwInvIn, SystemHwInventory,
};
use crate::store::hardware::{HistFilter, HwFilter};
use crate::AppState;

const LOC: &str = "/Inventory/Hardware";
const FRU: &str = "/Inventory/HardwareByFRU";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(LOC)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, POST, DELETE")),
    )
    .service(
        web::resource(format!("{LOC}/History"))
            .route(web::get().to(history_all))
            .route(web::delete().to(history_delete_all))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{LOC}/History/{{xname}}"))
            .route(web::get().to(history_one))
            .route(web::delete().to(history_delete_one))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{LOC}/Query/{{xname}}"))
            .route(web::get().to(query_get))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{LOC}/{{xname}}"))
            .route(web::get().to(get_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(FRU)
            .route(web::get().to(fru_list))
            .route(web::delete().to(fru_delete_all))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{FRU}/History"))
            .route(web::get().to(fru_history_all))
            .route(web::delete().to(fru_history_as_fru_delete))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{FRU}/History/{{fruid}}"))
            .route(web::get().to(fru_history_one))
            .route(web::delete().to(fru_history_delete))
            .default_service(allow("GET, DELETE")),
    )
    .service(
        web::resource(format!("{FRU}/{{fruid}}"))
            .route(web::get().to(fru_get))
            .route(web::delete().to(fru_delete))
            .default_service(allow("GET, DELETE")),
    );
}

fn strings(q: &QueryParams, name: &str) -> Vec<String> {
    q.all(name).into_iter().map(String::from).collect()
}

/// OpenCHAMI's hwinv words for a bad xname and type (`Invalid xname`,
/// `Invalid HMS type`).
const BAD_XNAME: &str = "Invalid xname";

fn xname_list(q: &QueryParams, name: &str) -> Result<Vec<Xname>, Problem> {
    each(&strings(q, name), "", BAD_XNAME, |x: Xname| x)
}

fn xnames(q: &QueryParams, name: &str) -> Result<Vec<String>, Problem> {
    Ok(q.parse_all::<Xname>(name)?
        .into_iter()
        .map(|x| x.as_str().to_owned())
        .collect())
}

fn types(q: &QueryParams) -> Result<Vec<String>, Problem> {
    each(&strings(q, "type"), "", "Invalid HMS type", text::<HmsType>)
}

/// A Go-style boolean parameter (`parents`, `children`), first value.
fn go_bool(q: &QueryParams, name: &str) -> Result<Option<bool>, Problem> {
    Ok(q.parse_first::<GoBool>(name)?.map(|b| b.0))
}

/// The FRU-side filters every listing shares.
fn fru_filter(q: &QueryParams) -> Result<HwFilter, Problem> {
    Ok(HwFilter {
        types: types(q)?,
        manufacturers: strings(q, "manufacturer"),
        part_numbers: strings(q, "partnumber"),
        serial_numbers: strings(q, "serialnumber"),
        fru_ids: strings(q, "fruid"),
        ..Default::default()
    })
}

/// `xname` and its ancestors up to the cabinet.
fn with_ancestors(x: &Xname) -> Vec<String> {
    let mut out = vec![x.as_str().to_owned()];
    let mut p = x.parent();
    while let Some(a) = p {
        if a.hms_type() != HmsType::System {
            out.push(a.as_str().to_owned());
        }
        p = a.parent();
    }
    out
}

/// Locations of `f` at/under `root` (children), at/above it (parents), or
/// both; `root` None means the whole system.
async fn select(
    state: &AppState,
    mut f: HwFilter,
    root: Option<&Xname>,
    children: bool,
    parents: bool,
) -> Result<Vec<HwInvByLoc>, Problem> {
    let Some(root) = root else {
        return state.store.hw_locations(&f).await;
    };
    let mut out = Vec::new();
    if parents {
        let mut up = f.clone();
        up.ids = with_ancestors(root);
        out = state.store.hw_locations(&up).await?;
    }
    if children || !parents {
        f.under = vec![root.as_str().to_owned()];
        if !children {
            f.under.clear();
            f.ids = vec![root.as_str().to_owned()];
        }
        for l in state.store.hw_locations(&f).await? {
            if !out.iter().any(|o| o.id == l.id) {
                out.push(l);
            }
        }
    }
    out.sort_by_cached_key(|l| l.id.parse::<Xname>().ok());
    Ok(out)
}

/// Locations, filtered (a bare array). `children`/`parents` widen each `id`
/// to what is under/above it.
#[utoipa::path(get, path = "/hsm/v2/Inventory/Hardware", operation_id = "doHWInvByLocationGetAll", tag = "hardware",
    params(("id" = Option<Vec<String>>, Query), ("type" = Option<Vec<String>>, Query),
        ("manufacturer" = Option<Vec<String>>, Query), ("partnumber" = Option<Vec<String>>, Query),
        ("serialnumber" = Option<Vec<String>>, Query), ("fruid" = Option<Vec<String>>, Query),
        ("partition" = Option<Vec<String>>, Query), ("children" = Option<bool>, Query),
        ("parents" = Option<bool>, Query)),
    responses((status = 200, body = Vec<HwInvByLoc>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let mut f = fru_filter(&q)?;
    f.partitions = name_filter(&q, "partition")?;
    let ids = xname_list(&q, "id")?;
    let children = go_bool(&q, "children")?.unwrap_or(false);
    let parents = go_bool(&q, "parents")?.unwrap_or(false);
    let locs = if ids.is_empty() || !(children || parents) {
        f.ids = ids.iter().map(|x| x.as_str().to_owned()).collect();
        state.store.hw_locations(&f).await?
    } else {
        let mut all: Vec<HwInvByLoc> = Vec::new();
        for id in &ids {
            for l in select(&state, f.clone(), Some(id), children, parents).await? {
                if !all.iter().any(|o| o.id == l.id) {
                    all.push(l);
                }
            }
        }
        all.sort_by_cached_key(|l| l.id.parse::<Xname>().ok());
        all
    };
    Ok(json(StatusCode::OK, &locs))
}

/// Create or replace locations with the FRUs in them (`{"Hardware":[...]}`),
/// all or nothing; each new FRU at a location is recorded as `Detected`.
// Rationale: OpenCHAMI answers an undecodable body with 500; we answer 400.
#[utoipa::path(post, path = "/hsm/v2/Inventory/Hardware", operation_id = "doHWInvByLocationPost", tag = "hardware",
    request_body = HwInvIn,
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let hw: HwInvIn = decode_json(&body)?;
    let locs = hw
        .hardware
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.resolve(&format!("Hardware[{i}]."))
                .map_err(|(detail, why)| Problem::bad_request(detail).because(why))
        })
        .collect::<Result<Vec<_>, _>>()?;
    state.store.write_hw(&locs).await?;
    Ok(ok_message(format!("Created {} entries", locs.len())))
}

/// Delete every location (FRUs stay; each held FRU gets a `Removed` event).
#[utoipa::path(delete, path = "/hsm/v2/Inventory/Hardware", operation_id = "doHWInvByLocationDeleteAll", tag = "hardware",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_hw_locations(None).await?)
}

/// One location.
#[utoipa::path(get, path = "/hsm/v2/Inventory/Hardware/{xname}", operation_id = "doHWInvByLocationGet", tag = "hardware",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = HwInvByLoc), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed xname is a miss, as in OpenCHAMI.
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    match state.store.hw_location(id.as_str()).await? {
        Some(l) => Ok(json(StatusCode::OK, &l)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Delete one location (its FRU stays, with a `Removed` event).
#[utoipa::path(delete, path = "/hsm/v2/Inventory/Hardware/{xname}", operation_id = "doHWInvByLocationDelete", tag = "hardware",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    if state.store.delete_hw_locations(Some(id.as_str())).await? > 0 {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}

/// The hardware at and under `xname` (`s0` or `all`: everything; a
/// partition `p<n>`: its members), grouped by
/// type. `children` (default true unless `parents` is given) includes what
/// is under it, `parents` what is above it; `format` is `NestNodesOnly`
/// (default), `FullyFlat` or `Hierarchical`.
// Rationale: OpenCHAMI refuses `Hierarchical` (not implemented there); we
// nest every location in its nearest listed ancestor.
#[utoipa::path(get, path = "/hsm/v2/Inventory/Hardware/Query/{xname}", operation_id = "doHWInvByLocationQueryGet", tag = "hardware",
    params(("xname" = String, Path, example = "x1000c1s7b0n0"), ("type" = Option<Vec<String>>, Query),
        ("partition" = Option<Vec<String>>, Query), ("children" = Option<bool>, Query),
        ("parents" = Option<bool>, Query), ("format" = Option<String>, Query)),
    responses((status = 200, body = SystemHwInventory), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let raw = path.into_inner();
    let mut partitions = name_filter(&q, "partition")?;
    let root = if raw.eq_ignore_ascii_case("all") {
        None
    } else {
        let x = xname_or(&raw, BAD_XNAME)?;
        match x.hms_type() {
            HmsType::System => None,
            // HSM: a partition (`p1`, `p1.2`) in the path selects its members.
            HmsType::Partition => {
                partitions.push(x.as_str().to_owned());
                None
            }
            _ => Some(x),
        }
    };
    let format = q
        .parse_first::<HwInvFormat>("format")?
        .unwrap_or(HwInvFormat::NestNodesOnly);
    let f = HwFilter {
        types: types(&q)?,
        partitions,
        ..Default::default()
    };
    let parents = go_bool(&q, "parents")?.unwrap_or(false);
    let children = go_bool(&q, "children")?.unwrap_or(!parents);
    let locs = select(&state, f, root.as_ref(), children, parents).await?;
    Ok(json(
        StatusCode::OK,
        &SystemHwInventory::build(raw, format, locs),
    ))
}

fn time_param(q: &QueryParams, name: &str) -> Result<Option<DateTime<Utc>>, Problem> {
    q.first(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    Problem::bad_request(format!(
                        "bad query param '{name}': '{v}' is not an RFC 3339 time: {e}"
                    ))
                })
        })
        .transpose()
}

/// `eventtype`, `starttime`, `endtime`.
fn hist_filter(q: &QueryParams) -> Result<HistFilter, Problem> {
    let event_types = q
        .all("eventtype")
        .into_iter()
        .map(|e| {
            normalize_event_type(e).map(String::from).ok_or_else(|| {
                Problem::bad_request(format!(
                    "bad query param 'eventtype': '{e}' is not one of Added, Removed, Scanned, Detected"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(HistFilter {
        event_types,
        start: time_param(q, "starttime")?,
        end: time_param(q, "endtime")?,
        ..Default::default()
    })
}

async fn history_grouped(
    state: &AppState,
    q: &QueryParams,
    by_fru: bool,
) -> Result<HttpResponse, Problem> {
    let mut f = hist_filter(q)?;
    f.ids = xnames(q, "id")?;
    f.fru_ids = strings(q, "fruid");
    let events = state.store.hw_history(&f).await?;
    Ok(json(StatusCode::OK, &HwInvHistResp::group(events, by_fru)))
}

/// Every history event, grouped by location.
#[utoipa::path(get, path = "/hsm/v2/Inventory/Hardware/History", operation_id = "doHWInvHistByLocationsGet", tag = "hardware",
    params(("id" = Option<Vec<String>>, Query), ("fruid" = Option<Vec<String>>, Query),
        ("eventtype" = Option<Vec<String>>, Query), ("starttime" = Option<String>, Query),
        ("endtime" = Option<String>, Query)),
    responses((status = 200, body = HwInvHistResp), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn history_all(
    state: web::Data<AppState>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    history_grouped(&state, &q, false).await
}

/// Delete all history.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/Hardware/History", operation_id = "doHWInvHistByLocationDeleteAll", tag = "hardware",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn history_delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_hw_history(None, None).await?)
}

/// The history of one location (`{"ID":..,"History":[..]}`, possibly empty).
#[utoipa::path(get, path = "/hsm/v2/Inventory/Hardware/History/{xname}", operation_id = "doHWInvHistByLocationGet", tag = "hardware",
    params(("xname" = String, Path, example = "x1000c1s7b0n0"), ("eventtype" = Option<Vec<String>>, Query),
        ("starttime" = Option<String>, Query), ("endtime" = Option<String>, Query)),
    responses((status = 200, body = HwInvHistArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn history_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    let mut f = hist_filter(&q)?;
    f.ids = vec![id.as_str().to_owned()];
    let history = state.store.hw_history(&f).await?;
    Ok(json(
        StatusCode::OK,
        &HwInvHistArray {
            id: id.as_str().to_owned(),
            history,
        },
    ))
}

/// Delete the history of one location.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/Hardware/History/{xname}", operation_id = "doHWInvHistByLocationDelete", tag = "hardware",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn history_delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    deleted(
        state
            .store
            .delete_hw_history(Some(id.as_str()), None)
            .await?,
    )
}

/// FRUs, filtered (a bare array).
#[utoipa::path(get, path = "/hsm/v2/Inventory/HardwareByFRU", operation_id = "doHWInvByFRUGetAll", tag = "hardware",
    params(("type" = Option<Vec<String>>, Query), ("manufacturer" = Option<Vec<String>>, Query),
        ("partnumber" = Option<Vec<String>>, Query), ("serialnumber" = Option<Vec<String>>, Query),
        ("fruid" = Option<Vec<String>>, Query)),
    responses((status = 200, body = Vec<HwInvByFru>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn fru_list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let f = fru_filter(&q)?;
    Ok(json(StatusCode::OK, &state.store.hw_frus(&f).await?))
}

/// Delete every FRU (the locations holding them become Empty).
#[utoipa::path(delete, path = "/hsm/v2/Inventory/HardwareByFRU", operation_id = "doHWInvByFRUDeleteAll", tag = "hardware",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn fru_delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_hw_frus(None).await?)
}

/// One FRU.
#[utoipa::path(get, path = "/hsm/v2/Inventory/HardwareByFRU/{fruid}", operation_id = "doHWInvByFRUGet", tag = "hardware",
    params(("fruid" = String, Path, example = "Node.ochamirs.SIM000000N0")),
    responses((status = 200, body = HwInvByFru), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn fru_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match state.store.hw_fru(&path).await? {
        Some(f) => Ok(json(StatusCode::OK, &f)),
        None => Err(Problem::not_found("no such FRU ID.")),
    }
}

/// Delete one FRU (its location becomes Empty, with a `Removed` event).
#[utoipa::path(delete, path = "/hsm/v2/Inventory/HardwareByFRU/{fruid}", operation_id = "doHWInvByFRUDelete", tag = "hardware",
    params(("fruid" = String, Path, example = "FRUIDforx1000c1s7b0n1p1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn fru_delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    delete_fru(&state, &path).await
}

/// Delete the FRU whose ID is `History`: OpenCHAMI's router has no DELETE
/// on `HardwareByFRU/History` and falls through to the FRU-ID delete.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/HardwareByFRU/History", operation_id = "doHWInvByFRUHistoryAsFRUDelete", tag = "hardware",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn fru_history_as_fru_delete(
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    delete_fru(&state, "History").await
}

async fn delete_fru(state: &AppState, fru_id: &str) -> Result<HttpResponse, Problem> {
    if state.store.delete_hw_frus(Some(fru_id)).await? > 0 {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such FRU ID."))
    }
}

/// Every history event, grouped by FRU.
#[utoipa::path(get, path = "/hsm/v2/Inventory/HardwareByFRU/History", operation_id = "doHWInvHistByFRUsGet", tag = "hardware",
    params(("id" = Option<Vec<String>>, Query), ("fruid" = Option<Vec<String>>, Query),
        ("eventtype" = Option<Vec<String>>, Query), ("starttime" = Option<String>, Query),
        ("endtime" = Option<String>, Query)),
    responses((status = 200, body = HwInvHistResp), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn fru_history_all(
    state: web::Data<AppState>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    history_grouped(&state, &q, true).await
}

/// The history of one FRU: where it was and when.
#[utoipa::path(get, path = "/hsm/v2/Inventory/HardwareByFRU/History/{fruid}", operation_id = "doHWInvHistByFRUGet", tag = "hardware",
    params(("fruid" = String, Path, example = "Node.ochamirs.SIM000000N0"), ("eventtype" = Option<Vec<String>>, Query),
        ("starttime" = Option<String>, Query), ("endtime" = Option<String>, Query)),
    responses((status = 200, body = HwInvHistArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn fru_history_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let fru_id = path.into_inner();
    let mut f = hist_filter(&q)?;
    f.fru_ids = vec![fru_id.clone()];
    let history = state.store.hw_history(&f).await?;
    Ok(json(
        StatusCode::OK,
        &HwInvHistArray {
            id: fru_id,
            history,
        },
    ))
}

/// Delete the history of one FRU.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/HardwareByFRU/History/{fruid}", operation_id = "doHWInvHistByFRUDelete", tag = "hardware",
    params(("fruid" = String, Path, example = "FRUIDforx1000c1s7b0n1p0")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn fru_history_delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_hw_history(None, Some(&path)).await?)
}
