//! `/boot/v1/bootparameters`: boot parameters per host, MAC, NID or role.
//!
//! Deliberately different from OpenCHAMI: GET with nothing stored is `[]`
//! (not `null`); a GET filter lists only the keys it matched; bad input to a
//! write is a 400 naming the field, never a 500. A GET filter that names no
//! possible key (a malformed MAC, a name that is no host) is a miss, 404, as
//! in OpenCHAMI.

use actix_web::http::header::HeaderName;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, decode_json, ApiJson, Problem, QueryParams};
use ochami_types::MacAddr;

use crate::model::{fields_of, keys_of, parse_host, BootParams, Key, Kind};
use crate::AppState;

/// The header POST and PUT answer with.
pub const BSS_REFERRAL_TOKEN: HeaderName = HeaderName::from_static("bss-referral-token");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/bootparameters")
            .route(web::get().to(get))
            .route(web::post().to(post))
            .route(web::put().to(put))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete))
            .default_service(allow("GET, POST, PUT, PATCH, DELETE")),
    );
}

fn empty(code: actix_web::http::StatusCode, token: Option<&str>) -> HttpResponse {
    let mut res = HttpResponse::build(code);
    res.content_type("application/json; charset=UTF-8");
    if let Some(t) = token {
        res.insert_header((BSS_REFERRAL_TOKEN, t.to_owned()));
    }
    res.finish()
}

/// The filter of the query (`name`, `mac`, `nid`; repeatable, comma lists):
/// what was asked for (for the 404's text) and the keys it names. A name or
/// MAC that cannot be a key is a miss, as OpenCHAMI (which does not validate
/// look-ups) answers; a NID that is not a number is a 400.
fn query_keys(q: &QueryParams) -> Result<(BootParams, Vec<Key>), Problem> {
    let mut asked = BootParams::default();
    let mut keys = Vec::new();
    for n in q.all("name") {
        asked.hosts.push(n.to_owned());
        match parse_host(n) {
            Ok(h) => keys.push(Key::host(h)),
            Err(e) => tracing::info!(name = n, reason = %e, "look-up of a name that is no key"),
        }
    }
    for m in q.all("mac") {
        asked.macs.push(m.to_owned());
        match m.parse::<MacAddr>() {
            Ok(mac) => keys.push(Key::mac(mac)),
            Err(e) => tracing::info!(mac = m, reason = %e, "look-up of a MAC that is no key"),
        }
    }
    asked.nids = q.parse_all::<i32>("nid")?;
    keys.extend(keys_of(&BootParams {
        nids: asked.nids.clone(),
        ..Default::default()
    })?);
    Ok((asked, keys))
}

fn not_found_text(bp: &BootParams) -> String {
    let mut kinds = Vec::new();
    if !bp.hosts.is_empty() {
        kinds.push("Hosts");
    }
    if !bp.macs.is_empty() {
        kinds.push("MACs");
    }
    if !bp.nids.is_empty() {
        kinds.push("NIDs");
    }
    let list = match kinds.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_owned(),
        None => String::new(),
    };
    format!("Cannot find boot parameters for requested {list}")
}

/// The body of a GET, read but not documented. Rationale: named so that
/// utoipa does not infer a request body from `web::Bytes`.
type GetBody = web::Bytes;

/// All boot parameters, or those of the given hosts, MACs and NIDs.
// A JSON body (`hosts`, `macs`, `nids`) is read as a filter too, as OpenCHAMI
// does. Rationale for leaving it out of the document: a GET with a body is
// undefined in HTTP and OpenAPI, and generated clients refuse or drop it.
#[utoipa::path(get, path = "/boot/v1/bootparameters", operation_id = "bootparameters_get", tag = "bootparameters",
    params(
        ("name" = Option<String>, Query, description = "host (xname, Default, Unknown-<arch>, role); repeatable, comma lists", example = "x1000c1s7b0n0"),
        ("mac" = Option<String>, Query, description = "MAC; repeatable, comma lists", example = "52:54:00:00:00:00"),
        ("nid" = Option<i32>, Query, description = "NID; repeatable, comma lists", example = 1),
    ),
    responses(
        (status = 200, body = Vec<BootParams>),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, description = "nothing matched", body = ochami_types::ProblemDetails),
    ))]
pub async fn get(
    q: QueryParams,
    body: GetBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (mut filter, mut keys) = query_keys(&q)?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let b: BootParams = decode_json(&body)?;
        keys.extend(keys_of(&b)?);
        filter.hosts.extend(b.hosts);
        filter.macs.extend(b.macs);
        filter.nids.extend(b.nids);
    }
    let asked = !(filter.hosts.is_empty() && filter.macs.is_empty() && filter.nids.is_empty());
    // Both spellings: parameters stored under a MAC before SMD knew it still match.
    let keys = with_resolved(&state, keys).await;
    let configs = state.store.boot_configs().await?;
    let out: Vec<BootParams> = if !asked {
        configs
            .iter()
            .map(|c| c.to_wire(&c.keys.iter().collect::<Vec<_>>()))
            .collect()
    } else {
        let out: Vec<BootParams> = configs
            .iter()
            .filter_map(|c| {
                let matched: Vec<&Key> = c.keys.iter().filter(|k| keys.contains(k)).collect();
                (!matched.is_empty()).then(|| c.to_wire(&matched))
            })
            .collect();
        if out.is_empty() {
            return Err(Problem::not_found(not_found_text(&filter)));
        }
        out
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .json(out))
}

/// MACs and NIDs SMD knows become the node's xname, as OpenCHAMI's default
/// (etcd) backend stores and answers them (`hosts:[xname]`); unknown ones stay
/// as given. (OpenCHAMI's Postgres backend keeps MACs; we follow the one its
/// clients and tests see by default.)
async fn resolved(state: &AppState, keys: Vec<Key>) -> Vec<Key> {
    let resolve = |snap: &crate::smd::Snapshot, k: &Key| -> Option<Key> {
        let node = match k.kind {
            Kind::Mac => k.key.parse::<MacAddr>().ok().and_then(|m| snap.by_mac(&m)),
            Kind::Nid => k.key.parse::<i64>().ok().and_then(|n| snap.by_nid(n)),
            Kind::Host => return Some(k.clone()),
        };
        node.map(|n| Key::host(n.id.clone()))
    };
    let mut snap = state.smd.snapshot();
    // A miss: SMD may know it by now (rate-limited, shared by all misses).
    if keys.iter().any(|k| resolve(&snap, k).is_none()) && state.smd.refresh(false).await {
        snap = state.smd.snapshot();
    }
    let mut out: Vec<Key> = keys
        .into_iter()
        .map(|k| resolve(&snap, &k).unwrap_or(k))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `keys` and what they resolve to.
async fn with_resolved(state: &AppState, keys: Vec<Key>) -> Vec<Key> {
    let mut all = resolved(state, keys.clone()).await;
    all.extend(keys);
    all.sort();
    all.dedup();
    all
}

fn keys_required(bp: &BootParams) -> Result<Vec<Key>, Problem> {
    let keys = keys_of(bp)?;
    if keys.is_empty() {
        return Err(Problem::bad_request(
            "hosts, macs, nids: at least one host, MAC or NID is required",
        ));
    }
    Ok(keys)
}

/// Create parameters; 400 if any named host, MAC or NID already has some.
#[utoipa::path(post, path = "/boot/v1/bootparameters", operation_id = "bootparameters_post", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 201, description = "created; header BSS-Referral-Token"),
        (status = 400, body = ochami_types::ProblemDetails),
    ))]
pub async fn post(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = resolved(&state, keys_required(&bp)?).await;
    let fields = fields_of(&bp)?;
    let token = uuid::Uuid::new_v4().to_string();
    let result = state.store.create(&keys, &fields, &token).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::CREATED, Some(&token)))
}

/// Replace (or create) the parameters of the named hosts, MACs and NIDs.
#[utoipa::path(put, path = "/boot/v1/bootparameters", operation_id = "bootparameters_put", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 200, description = "stored; header BSS-Referral-Token"),
        (status = 400, body = ochami_types::ProblemDetails),
    ))]
pub async fn put(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = resolved(&state, keys_required(&bp)?).await;
    let fields = fields_of(&bp)?;
    let token = uuid::Uuid::new_v4().to_string();
    let result = state.store.replace(&keys, &fields, &token).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::OK, Some(&token)))
}

/// Change the given fields of existing parameters; 404 if one has none.
#[utoipa::path(patch, path = "/boot/v1/bootparameters", operation_id = "bootparameters_patch", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 200, description = "updated"),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails),
    ))]
pub async fn patch(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = resolved(&state, keys_required(&bp)?).await;
    let fields = fields_of(&bp)?;
    let result = state.store.patch(&keys, &fields).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::OK, None))
}

/// Forget the named hosts, MACs and NIDs (or, naming none, every config with
/// the given kernel/initrd); 400 when nothing matches, as OpenCHAMI.
#[utoipa::path(delete, path = "/boot/v1/bootparameters", operation_id = "bootparameters_delete", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 200, description = "deleted"),
        (status = 400, description = "bad input, or nothing matched", body = ochami_types::ProblemDetails),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = with_resolved(&state, keys_of(&bp)?).await;
    let kernel = bp.kernel.as_deref().filter(|s| !s.is_empty());
    let initrd = bp.initrd.as_deref().filter(|s| !s.is_empty());
    if keys.is_empty() && kernel.is_none() && initrd.is_none() {
        return Err(Problem::bad_request(
            "hosts, macs, nids, kernel, initrd: name what to delete",
        ));
    }
    let result = state.store.delete(&keys, kernel, initrd).await;
    state.params.invalidate();
    // As OpenCHAMI's Postgres backend: deleting what is not there fails
    // (its text, after deleteNodesById finds no node to delete).
    if result? == 0 {
        return Err(
            Problem::bad_request("postgres.Delete: no node IDs specified for deletion")
                .because("nothing stored matches the request"),
        );
    }
    Ok(empty(actix_web::http::StatusCode::OK, None))
}
