//! `/boot/v1/bootparameters`: boot parameters per host, MAC, NID or role.
//!
//! Deliberately different from OpenCHAMI: GET with nothing stored is `[]`
//! (not `null`); a GET filter lists only the keys it matched; bad input of
//! any kind is a 400 naming the field, never a 500.

use actix_web::http::header::HeaderName;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, decode_json, ApiJson, Problem, QueryParams};
use ochami_types::MacAddr;

use crate::model::{fields_of, keys_of, parse_host, BootParams, Key};
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

/// The filter keys from the query (`name`, `mac`, `nid`; repeatable, comma lists).
fn query_keys(q: &QueryParams) -> Result<BootParams, Problem> {
    let mut bp = BootParams::default();
    for n in q.all("name") {
        parse_host(n).map_err(|e| Problem::bad_request(format!("bad query param 'name': {e}")))?;
        bp.hosts.push(n.to_owned());
    }
    for m in q.parse_all::<MacAddr>("mac")? {
        bp.macs.push(m.to_string());
    }
    bp.nids = q.parse_all::<i32>("nid")?;
    Ok(bp)
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

/// All boot parameters, or those of the given hosts, MACs and NIDs.
#[utoipa::path(get, path = "/boot/v1/bootparameters", tag = "bootparameters",
    params(
        ("name" = Option<String>, Query, description = "host (xname, Default, Unknown-<arch>, role); repeatable, comma lists"),
        ("mac" = Option<String>, Query, description = "MAC; repeatable, comma lists"),
        ("nid" = Option<i32>, Query, description = "NID; repeatable, comma lists"),
    ),
    request_body(content = Option<BootParams>, description = "alternative filter: hosts, macs, nids"),
    responses(
        (status = 200, body = Vec<BootParams>),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, description = "nothing matched", body = ochami_types::ProblemDetails),
    ))]
pub async fn get(
    q: QueryParams,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let mut filter = query_keys(&q)?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let b: BootParams = decode_json(&body)?;
        filter.hosts.extend(b.hosts);
        filter.macs.extend(b.macs);
        filter.nids.extend(b.nids);
    }
    let keys = keys_of(&filter)?;
    let configs = state.store.boot_configs().await?;
    let out: Vec<BootParams> = if keys.is_empty() {
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
#[utoipa::path(post, path = "/boot/v1/bootparameters", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 201, description = "created; header BSS-Referral-Token"),
        (status = 400, body = ochami_types::ProblemDetails),
    ))]
pub async fn post(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = keys_required(&bp)?;
    let fields = fields_of(&bp)?;
    let token = uuid::Uuid::new_v4().to_string();
    let result = state.store.create(&keys, &fields, &token).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::CREATED, Some(&token)))
}

/// Replace (or create) the parameters of the named hosts, MACs and NIDs.
#[utoipa::path(put, path = "/boot/v1/bootparameters", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 200, description = "stored; header BSS-Referral-Token"),
        (status = 400, body = ochami_types::ProblemDetails),
    ))]
pub async fn put(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = keys_required(&bp)?;
    let fields = fields_of(&bp)?;
    let token = uuid::Uuid::new_v4().to_string();
    let result = state.store.replace(&keys, &fields, &token).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::OK, Some(&token)))
}

/// Change the given fields of existing parameters; 404 if one has none.
#[utoipa::path(patch, path = "/boot/v1/bootparameters", tag = "bootparameters",
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
    let keys = keys_required(&bp)?;
    let fields = fields_of(&bp)?;
    let result = state.store.patch(&keys, &fields).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::OK, None))
}

/// Forget the named hosts, MACs and NIDs (or, naming none, every config with
/// the given kernel/initrd).
#[utoipa::path(delete, path = "/boot/v1/bootparameters", tag = "bootparameters",
    request_body = BootParams,
    responses(
        (status = 200, description = "deleted"),
        (status = 400, body = ochami_types::ProblemDetails),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    ApiJson(bp): ApiJson<BootParams>,
) -> Result<HttpResponse, Problem> {
    let keys = keys_of(&bp)?;
    let kernel = bp.kernel.as_deref().filter(|s| !s.is_empty());
    let initrd = bp.initrd.as_deref().filter(|s| !s.is_empty());
    if keys.is_empty() && kernel.is_none() && initrd.is_none() {
        return Err(Problem::bad_request(
            "hosts, macs, nids, kernel, initrd: name what to delete",
        ));
    }
    let result = state.store.delete(&keys, kernel, initrd).await;
    state.params.invalidate();
    result?;
    Ok(empty(actix_web::http::StatusCode::OK, None))
}
