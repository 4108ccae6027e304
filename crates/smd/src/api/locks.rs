//! `/hsm/v2/locks`: component locks and reservations (OpenCHAMI smd
//! cmd/smd/smd-api.go doCompLocks*, routes in cmd/smd/routers.go).
//!
//! A lock marks a component as held by an administrator; an admin reservation
//! (no expiry) needs the component locked, a service reservation (1-15
//! minutes) needs it unlocked; disabling reservations releases any held.
//! `ProcessingModel` rigid (the default) changes nothing and answers 400 when
//! any component fails; flexible changes what it can and lists the rest in
//! `Failure`.
//!
//! Errors are OpenCHAMI's sentences exactly (`Invalid Processing Model`,
//! `Component not found`, `Component is Locked`, ...); which components failed
//! and why goes to the request's log line. A selection that matches no
//! component is 400 `Component not found`, as in OpenCHAMI.
//!
//! Deliberate differences from OpenCHAMI, which silently drops unknown IDs
//! when others match: here every requested ID that is not a component is
//! reported in `Failure` as `NotFound` (in `NotFound` for status).
//! Undecodable bodies are 400 (OpenCHAMI: 500). A flexible lock/unlock where
//! every component fails answers 200 with the failures (OpenCHAMI: 400
//! "Component is Reserved").

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::{Arch, Class, Flag, HmsType, Role, State, SubRole, Xname};

use super::hms_text::{
    BAD_ARCH, BAD_CLASS, BAD_FLAG, BAD_ID, BAD_ROLE, BAD_STATE, BAD_SUBROLE, BAD_TYPE,
};
use super::{each, json, text};
use crate::model::group::group_field;
use crate::model::lock::{
    parse_go_bool, DeputyKeys, LockAction, LockFilter, LockStatusArray, ProcessingModel,
    ReservationKeys, ReservationResult, UpdateResult, XnameWithKey, MAX_DURATION,
};
use crate::store::components::ComponentFilter;
use crate::store::locks::LockSelect;
use crate::AppState;

const BASE: &str = "/locks";

pub fn routes(cfg: &mut web::ServiceConfig) {
    let post = |path: &str, cfg: &mut web::ServiceConfig, h| {
        cfg.service(
            web::resource(format!("{BASE}{path}"))
                .route(h)
                .default_service(allow("POST")),
        );
    };
    post("/reservations", cfg, web::post().to(reservations_create));
    post(
        "/reservations/remove",
        cfg,
        web::post().to(reservations_remove),
    );
    post(
        "/reservations/release",
        cfg,
        web::post().to(reservations_release),
    );
    post(
        "/service/reservations",
        cfg,
        web::post().to(service_reservations_create),
    );
    post(
        "/service/reservations/renew",
        cfg,
        web::post().to(service_reservations_renew),
    );
    post(
        "/service/reservations/release",
        cfg,
        web::post().to(service_reservations_release),
    );
    post(
        "/service/reservations/check",
        cfg,
        web::post().to(service_reservations_check),
    );
    cfg.service(
        web::resource(format!("{BASE}/status"))
            .route(web::get().to(status_get))
            .route(web::post().to(status_post))
            .default_service(allow("GET, POST")),
    );
    post("/lock", cfg, web::post().to(lock));
    post("/unlock", cfg, web::post().to(unlock));
    post("/repair", cfg, web::post().to(repair));
    post("/disable", cfg, web::post().to(disable));
}

/// `Group`/`Partition` names, lower-cased and checked (`NULL`: in none).
fn names(field: &str, vals: Vec<String>) -> Result<Vec<String>, Problem> {
    vals.into_iter()
        .enumerate()
        .map(|(i, v)| {
            if v.eq_ignore_ascii_case("null") {
                Ok("NULL".to_owned())
            } else {
                group_field(&format!("{field}[{i}]"), &v).map_err(Problem::bad_request)
            }
        })
        .collect()
}

/// The component selection of a body; a bad value is OpenCHAMI's sentence
/// (`Argument was not a valid xname ID`, `... HMS Role`, ...).
fn select(f: LockFilter) -> Result<LockSelect, Problem> {
    let mut ids = each(&f.component_ids, "", BAD_ID, |x: Xname| {
        x.as_str().to_owned()
    })?;
    ids.sort();
    ids.dedup();
    Ok(LockSelect {
        filter: ComponentFilter {
            ids,
            types: each(&f.types, "", BAD_TYPE, text::<HmsType>)?,
            states: each(&f.state, "", BAD_STATE, text::<State>)?,
            flags: each(&f.flag, "", BAD_FLAG, text::<Flag>)?,
            roles: each(&f.role, "", BAD_ROLE, text::<Role>)?,
            sub_roles: each(&f.sub_role, "", BAD_SUBROLE, text::<SubRole>)?,
            enabled: f.enabled,
            software_status: f.software_status,
            subtypes: f.subtype,
            arch: each(&f.arch, "", BAD_ARCH, text::<Arch>)?,
            class: each(&f.class, "", BAD_CLASS, text::<Class>)?,
            nids: f.nid,
            groups: names("Group", f.group)?,
            partitions: names("Partition", f.partition)?,
            ..Default::default()
        },
        locked: f.locked,
        reservation_disabled: f.reservation_disabled,
        reserved: f.reserved,
    })
}

fn rigid(raw: &str) -> Result<bool, Problem> {
    ProcessingModel::parse(raw)
        .map(|m| m == ProcessingModel::Rigid)
        .map_err(|e| Problem::bad_request("Invalid Processing Model").because(e))
}

/// A service reservation length: 1 to 15 minutes, required.
fn duration(d: Option<i64>) -> Result<i32, Problem> {
    match d {
        Some(m) if (1..=MAX_DURATION).contains(&m) => Ok(m as i32),
        Some(m) if m > MAX_DURATION => Err(Problem::bad_request("Invalid Reservation Duration")
            .because(format_args!("{m} minutes, at most {MAX_DURATION}"))),
        _ => Err(Problem::bad_request(
            "ReservationDuration must be greater than 0",
        )),
    }
}

/// OpenCHAMI checks the duration limit on every filter body.
fn duration_limit(d: Option<i64>) -> Result<(), Problem> {
    match d {
        Some(m) if m > MAX_DURATION => duration(d).map(|_| ()),
        _ => Ok(()),
    }
}

/// (ID, key) pairs; keys lower-cased as OpenCHAMI; no keys, or an empty
/// one, is 400 `<sub> required for operation` (OpenCHAMI's
/// ErrCompLockV2RKey/DKey).
fn keys(field: &str, sub: &str, v: Vec<XnameWithKey>) -> Result<Vec<(String, String)>, Problem> {
    let missing = || Problem::bad_request(format!("{sub} required for operation"));
    if v.is_empty() {
        return Err(missing().because(format_args!("{field}: missing or empty")));
    }
    v.into_iter()
        .enumerate()
        .map(|(i, k)| {
            let key = k.key.trim().to_ascii_lowercase();
            if key.is_empty() {
                Err(missing().because(format_args!("{field}[{i}].Key: missing")))
            } else {
                Ok((k.id.as_str().to_owned(), key))
            }
        })
        .collect()
}

fn update(r: UpdateResult) -> HttpResponse {
    json(StatusCode::OK, &r)
}

fn reservation(r: ReservationResult) -> HttpResponse {
    json(StatusCode::OK, &r)
}

/// Create admin reservations (no expiry) on locked components.
#[utoipa::path(post, path = "/hsm/v2/locks/reservations", operation_id = "doCompLocksReservationCreate", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = ReservationResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn reservations_create(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    let f = body.0;
    duration_limit(f.reservation_duration)?;
    let rigid = rigid(&f.processing_model)?;
    // OpenCHAMI ignores ReservationDuration here: admin reservations never expire.
    let r = state.store.reserve(&select(f)?, rigid, None).await?;
    Ok(reservation(r))
}

/// Forcibly remove the reservations of the selected components (no key needed).
#[utoipa::path(post, path = "/hsm/v2/locks/reservations/remove", operation_id = "doCompLocksReservationRemove", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn reservations_remove(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    let f = body.0;
    duration_limit(f.reservation_duration)?;
    let rigid = rigid(&f.processing_model)?;
    let r = state.store.remove_reservations(&select(f)?, rigid).await?;
    Ok(update(r))
}

async fn release(state: &AppState, b: ReservationKeys) -> Result<HttpResponse, Problem> {
    duration_limit(b.reservation_duration)?;
    let rigid = rigid(&b.processing_model)?;
    let keys = keys("ReservationKeys", "Reservation Key", b.reservation_keys)?;
    Ok(update(
        state.store.release_reservations(&keys, rigid).await?,
    ))
}

/// Release reservations with their reservation keys.
#[utoipa::path(post, path = "/hsm/v2/locks/reservations/release", operation_id = "doCompLocksReservationRelease", tag = "locks", request_body = ReservationKeys,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn reservations_release(
    state: web::Data<AppState>,
    body: ApiJson<ReservationKeys>,
) -> Result<HttpResponse, Problem> {
    release(&state, body.0).await
}

/// Create service reservations (expiring after `ReservationDuration`
/// minutes) on unlocked components.
#[utoipa::path(post, path = "/hsm/v2/locks/service/reservations", operation_id = "doCompLocksServiceReservationCreate", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = ReservationResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn service_reservations_create(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    let f = body.0;
    let rigid = rigid(&f.processing_model)?;
    let minutes = duration(f.reservation_duration)?;
    let r = state
        .store
        .reserve(&select(f)?, rigid, Some(minutes))
        .await?;
    Ok(reservation(r))
}

/// Renew service reservations: they now expire `ReservationDuration`
/// minutes from now.
#[utoipa::path(post, path = "/hsm/v2/locks/service/reservations/renew", operation_id = "doCompLocksServiceReservationRenew", tag = "locks", request_body = ReservationKeys,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn service_reservations_renew(
    state: web::Data<AppState>,
    body: ApiJson<ReservationKeys>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let rigid = rigid(&b.processing_model)?;
    let minutes = duration(b.reservation_duration)?;
    let keys = keys("ReservationKeys", "Reservation Key", b.reservation_keys)?;
    Ok(update(
        state
            .store
            .renew_reservations(&keys, rigid, minutes)
            .await?,
    ))
}

/// Release service reservations with their reservation keys (same as
/// `/locks/reservations/release`, as in OpenCHAMI).
#[utoipa::path(post, path = "/hsm/v2/locks/service/reservations/release", operation_id = "doCompLocksServiceReservationRelease", tag = "locks", request_body = ReservationKeys,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn service_reservations_release(
    state: web::Data<AppState>,
    body: ApiJson<ReservationKeys>,
) -> Result<HttpResponse, Problem> {
    release(&state, body.0).await
}

/// Check reservations with their deputy keys: a delegate learns whether the
/// reservation still holds and when it expires.
#[utoipa::path(post, path = "/hsm/v2/locks/service/reservations/check", operation_id = "doCompLocksServiceReservationCheck", tag = "locks", request_body = DeputyKeys,
    responses((status = 200, body = ReservationResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn service_reservations_check(
    state: web::Data<AppState>,
    body: ApiJson<DeputyKeys>,
) -> Result<HttpResponse, Problem> {
    let keys = keys("DeputyKeys", "Deputy Key", body.0.deputy_keys)?;
    Ok(reservation(state.store.check_reservations(&keys).await?))
}

/// Boolean query values (`Locked=true`), each checked.
fn bool_params(q: &QueryParams, name: &str) -> Result<Vec<bool>, Problem> {
    q.all(name)
        .into_iter()
        .map(|v| {
            parse_go_bool(v).map_err(|e| {
                Problem::bad_request(super::hms_text::NO_MATCH).because(format_args!("{name}: {e}"))
            })
        })
        .collect()
}

/// Every value of query parameter `name`.
fn values(q: &QueryParams, name: &str) -> Vec<String> {
    q.all(name).into_iter().map(String::from).collect()
}

fn status_body(
    components: Vec<crate::model::lock::LockStatus>,
    not_found: Vec<String>,
) -> HttpResponse {
    json(
        StatusCode::OK,
        &LockStatusArray {
            components,
            not_found,
        },
    )
}

/// Lock status of components selected by query parameters. A selection
/// that matches nothing is 400 `Component not found`, as in OpenCHAMI.
#[utoipa::path(get, path = "/hsm/v2/locks/status", operation_id = "doCompLocksStatusGet", tag = "locks",
    params(("Type" = Option<Vec<String>>, Query), ("State" = Option<Vec<String>>, Query),
        ("Role" = Option<Vec<String>>, Query), ("Subrole" = Option<Vec<String>>, Query),
        ("Locked" = Option<bool>, Query), ("Reserved" = Option<bool>, Query),
        ("ReservationDisabled" = Option<bool>, Query)),
    responses((status = 200, body = LockStatusArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn status_get(
    state: web::Data<AppState>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    // OpenCHAMI honours only the first Reserved value.
    let reserved = bool_params(&q, "Reserved")?.into_iter().take(1).collect();
    let sel = LockSelect {
        filter: ComponentFilter {
            types: each(&values(&q, "Type"), "", BAD_TYPE, text::<HmsType>)?,
            states: each(&values(&q, "State"), "", BAD_STATE, text::<State>)?,
            roles: each(&values(&q, "Role"), "", BAD_ROLE, text::<Role>)?,
            sub_roles: each(&values(&q, "Subrole"), "", BAD_SUBROLE, text::<SubRole>)?,
            ..Default::default()
        },
        locked: bool_params(&q, "Locked")?,
        reservation_disabled: bool_params(&q, "ReservationDisabled")?,
        reserved,
    };
    let (components, _) = state.store.lock_status(&sel).await?;
    Ok(status_body(components, Vec::new()))
}

/// Lock status of components selected by a body; requested IDs that are not
/// components are listed in `NotFound`.
#[utoipa::path(post, path = "/hsm/v2/locks/status", operation_id = "doCompLocksStatus", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = LockStatusArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn status_post(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    let f = body.0;
    duration_limit(f.reservation_duration)?;
    rigid(&f.processing_model)?;
    let (components, not_found) = state.store.lock_status(&select(f)?).await?;
    Ok(status_body(components, not_found))
}

async fn lock_action(
    state: &AppState,
    f: LockFilter,
    action: LockAction,
) -> Result<HttpResponse, Problem> {
    duration_limit(f.reservation_duration)?;
    let rigid = rigid(&f.processing_model)?;
    Ok(update(
        state.store.update_locks(&select(f)?, action, rigid).await?,
    ))
}

/// Lock components (refused while reserved or reservations are disabled).
#[utoipa::path(post, path = "/hsm/v2/locks/lock", operation_id = "doCompLocksLock", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn lock(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    lock_action(&state, body.0, LockAction::Lock).await
}

/// Unlock components (refused while reserved or reservations are disabled).
#[utoipa::path(post, path = "/hsm/v2/locks/unlock", operation_id = "doCompLocksUnlock", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn unlock(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    lock_action(&state, body.0, LockAction::Unlock).await
}

/// Re-enable reservations on components.
#[utoipa::path(post, path = "/hsm/v2/locks/repair", operation_id = "doCompLocksRepair", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn repair(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    lock_action(&state, body.0, LockAction::Repair).await
}

/// Disable reservations on components, releasing any they hold.
#[utoipa::path(post, path = "/hsm/v2/locks/disable", operation_id = "doCompLocksDisable", tag = "locks", request_body = LockFilter,
    responses((status = 200, body = UpdateResult), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn disable(
    state: web::Data<AppState>,
    body: ApiJson<LockFilter>,
) -> Result<HttpResponse, Problem> {
    lock_action(&state, body.0, LockAction::Disable).await
}
