//! `/hsm/v2/State/Components`: component state, HMS-style.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::{Arch, Class, Flag, HmsType, Role, State, SubRole, Xname};

use super::hms_text::{
    BAD_ARCH, BAD_CLASS, BAD_FLAG, BAD_ID, BAD_ROLE, BAD_STATE, BAD_SUBROLE, BAD_TYPE, NOT_AN_INT,
    NO_MATCH,
};
use super::{deleted, each, json, ok_message, text, xname_or, GoBool};
use crate::model::component::{
    given, BulkNidPatch, Component, ComponentArray, ComponentIn, ComponentPut, ComponentsPost,
    ComponentsQuery, EnabledPatch, FlagPatch, NidPatch, NidQuery, RolePatch, SoftwareStatusPatch,
    StatePatch,
};
use crate::model::group::group_field;
use crate::store::components::{ComponentFilter, ComponentPatch, Projection};
use crate::AppState;

const BASE: &str = "/State/Components";

pub fn routes(cfg: &mut web::ServiceConfig) {
    let bulk = |cfg: &mut web::ServiceConfig, name: &str, h: fn() -> actix_web::Route| {
        cfg.service(
            web::resource(format!("{BASE}/{name}"))
                .route(h())
                .default_service(allow("PATCH")),
        );
    };
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, POST, DELETE")),
    );
    bulk(cfg, "BulkStateData", || web::patch().to(bulk_state));
    bulk(cfg, "BulkFlagOnly", || web::patch().to(bulk_flag));
    bulk(cfg, "BulkEnabled", || web::patch().to(bulk_enabled));
    bulk(cfg, "BulkSoftwareStatus", || {
        web::patch().to(bulk_software_status)
    });
    bulk(cfg, "BulkRole", || web::patch().to(bulk_role));
    bulk(cfg, "BulkNID", || web::patch().to(bulk_nid));
    cfg.service(
        web::resource(format!("{BASE}/ByNID/Query"))
            .route(web::post().to(by_nid_query))
            .default_service(allow("POST")),
    )
    .service(
        web::resource(format!("{BASE}/ByNID/{{nid}}"))
            .route(web::get().to(by_nid))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{BASE}/Query"))
            .route(web::post().to(query_post))
            .default_service(allow("POST")),
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
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PUT, DELETE")),
    );
    let one = |cfg: &mut web::ServiceConfig, name: &str, h: fn() -> actix_web::Route| {
        cfg.service(
            web::resource(format!("{BASE}/{{xname}}/{name}"))
                .route(h())
                .default_service(allow("PATCH")),
        );
    };
    one(cfg, "StateData", || web::patch().to(patch_state));
    one(cfg, "FlagOnly", || web::patch().to(patch_flag));
    one(cfg, "Enabled", || web::patch().to(patch_enabled));
    one(cfg, "SoftwareStatus", || {
        web::patch().to(patch_software_status)
    });
    one(cfg, "Role", || web::patch().to(patch_role));
    one(cfg, "NID", || web::patch().to(patch_nid));
}

/// The filter lists of OpenCHAMI's `hmsds.ComponentFilter`, as strings: from
/// the query string of a GET, or from the body of `POST Query` (where Go
/// takes `"Enabled":["true"]` and `"NID":["1"]`). A bad value is
/// `bad query param: <hmsds sentence>`, as `ComponentFilter.VerifyNormalize`.
#[derive(Debug, Default)]
pub(crate) struct FilterLists {
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub states: Vec<String>,
    pub flags: Vec<String>,
    pub roles: Vec<String>,
    pub sub_roles: Vec<String>,
    pub enabled: Vec<String>,
    pub software_status: Vec<String>,
    pub subtypes: Vec<String>,
    pub arch: Vec<String>,
    pub class: Vec<String>,
    pub nids: Vec<String>,
    pub nid_start: Vec<String>,
    pub nid_end: Vec<String>,
}

impl FilterLists {
    fn from_query(q: &QueryParams) -> Self {
        let all =
            |name: &str| -> Vec<String> { q.all(name).into_iter().map(String::from).collect() };
        FilterLists {
            ids: all("id"),
            types: all("type"),
            states: all("state"),
            flags: all("flag"),
            roles: all("role"),
            sub_roles: all("subrole"),
            enabled: all("enabled"),
            software_status: all("softwarestatus"),
            subtypes: all("subtype"),
            arch: all("arch"),
            class: all("class"),
            nids: all("nid"),
            nid_start: all("nid_start"),
            nid_end: all("nid_end"),
        }
    }

    /// The store's filter (groups and partitions are the caller's).
    pub(crate) fn to_filter(&self) -> Result<ComponentFilter, Problem> {
        const Q: &str = "bad query param: ";
        let nid_start: Vec<i64> = each(&self.nid_start, Q, NOT_AN_INT, |n: i64| n)?;
        let nid_end: Vec<i64> = each(&self.nid_end, Q, NOT_AN_INT, |n: i64| n)?;
        let n = nid_start.len().max(nid_end.len());
        let nid_ranges = (0..n)
            .map(|i| (nid_start.get(i).copied(), nid_end.get(i).copied()))
            .collect();
        Ok(ComponentFilter {
            ids: each(&self.ids, Q, BAD_ID, |x: Xname| x.as_str().to_owned())?,
            under: None,
            types: each(&self.types, Q, BAD_TYPE, text::<HmsType>)?,
            states: each(&self.states, Q, BAD_STATE, text::<State>)?,
            flags: each(&self.flags, Q, BAD_FLAG, text::<Flag>)?,
            roles: each(&self.roles, Q, BAD_ROLE, text::<Role>)?,
            sub_roles: each(&self.sub_roles, Q, BAD_SUBROLE, text::<SubRole>)?,
            enabled: each(&self.enabled, Q, NO_MATCH, |b: GoBool| b.0)?,
            software_status: self.software_status.clone(),
            subtypes: self.subtypes.clone(),
            arch: each(&self.arch, Q, BAD_ARCH, text::<Arch>)?,
            class: each(&self.class, Q, BAD_CLASS, text::<Class>)?,
            nids: each(&self.nids, Q, NOT_AN_INT, |n: i64| n)?,
            nid_ranges,
            groups: Vec::new(),
            partitions: Vec::new(),
        })
    }
}

/// The GET filters (names case-insensitive, values repeatable).
pub(crate) fn filter_from_query(q: &QueryParams) -> Result<(ComponentFilter, Projection), Problem> {
    let mut f = FilterLists::from_query(q).to_filter()?;
    f.groups = group_params(q, "group")?;
    f.partitions = group_params(q, "partition")?;
    let p = Projection::from_flags(
        q.flag("stateonly")?,
        q.flag("flagonly")?,
        q.flag("roleonly")?,
        q.flag("nidonly")?,
    );
    Ok((f, p))
}

/// `group=`/`partition=` values: labels (lower-cased, checked), or `NULL`.
fn group_params(q: &QueryParams, name: &str) -> Result<Vec<String>, Problem> {
    q.all(name)
        .into_iter()
        .map(|v| {
            if v.eq_ignore_ascii_case("null") {
                Ok("NULL".to_owned())
            } else {
                group_field(&format!("'{name}'"), v)
                    .map_err(|e| Problem::bad_request(format!("bad query param {e}")))
            }
        })
        .collect()
}

fn components_body(components: Vec<Component>) -> HttpResponse {
    json(StatusCode::OK, &ComponentArray { components })
}

/// List components, filtered.
#[utoipa::path(get, path = "/hsm/v2/State/Components", operation_id = "doComponentsGet", tag = "components",
    params(
        ("id" = Option<Vec<String>>, Query, description = "xname (repeatable)"),
        ("type" = Option<Vec<String>>, Query, description = "HMS type, e.g. Node (repeatable)"),
        ("state" = Option<Vec<String>>, Query), ("flag" = Option<Vec<String>>, Query),
        ("role" = Option<Vec<String>>, Query), ("subrole" = Option<Vec<String>>, Query),
        ("enabled" = Option<bool>, Query), ("softwarestatus" = Option<Vec<String>>, Query),
        ("subtype" = Option<Vec<String>>, Query), ("arch" = Option<Vec<String>>, Query),
        ("class" = Option<Vec<String>>, Query), ("nid" = Option<Vec<i64>>, Query),
        ("nid_start" = Option<i64>, Query), ("nid_end" = Option<i64>, Query),
        ("stateonly" = Option<bool>, Query), ("flagonly" = Option<bool>, Query),
        ("roleonly" = Option<bool>, Query), ("nidonly" = Option<bool>, Query),
    ),
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let (f, p) = filter_from_query(&q)?;
    Ok(components_body(state.store.components(&f, p).await?))
}

/// Validate one component of a body in OpenCHAMI's words; `prefix` is its
/// `couldn't validate component[s]: `, `at` names the entry in the log line.
fn row_of(c: &ComponentIn, prefix: &str, at: &str) -> Result<Component, Problem> {
    let bad = |e: String| Problem::bad_request(format!("{prefix}{e}"));
    let id = c.xname().map_err(|e| {
        let why =
            c.id.as_deref()
                .unwrap_or_default()
                .parse::<Xname>()
                .err()
                .map(|x| x.to_string())
                .unwrap_or_default();
        bad(e).because(format_args!("{at}.ID: {why}"))
    })?;
    c.check_type(&id)
        .map_err(|e| Problem::bad_request(format!("{at}.Type: {e}")))?;
    c.to_row(&id).map_err(bad)
}

/// Nodes given without NID or Role take them from Defaults/NodeMaps (as
/// OpenCHAMI's GetCompDefaults); values in the body win.
async fn apply_node_maps(
    state: &AppState,
    inputs: &[ComponentIn],
    rows: &mut [Component],
) -> Result<(), Problem> {
    let wants = |r: &Component, c: &ComponentIn| {
        (r.type_ == HmsType::Node.as_str() || r.type_ == HmsType::VirtualNode.as_str())
            && (c.nid.is_none() || given(&c.role).is_none())
    };
    let ids: Vec<String> = rows
        .iter()
        .zip(inputs)
        .filter(|(r, c)| wants(r, c))
        .map(|(r, _)| r.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let maps: std::collections::HashMap<String, _> = state
        .store
        .node_maps(Some(&ids))
        .await?
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    for (r, c) in rows.iter_mut().zip(inputs) {
        let Some(m) = maps.get(&r.id) else { continue };
        if c.nid.is_none() {
            r.nid = Some(m.nid);
        }
        if given(&c.role).is_none() && !m.role.is_empty() {
            r.role = m.role.clone();
            if given(&c.sub_role).is_none() {
                r.sub_role = m.sub_role.clone();
            }
        }
    }
    Ok(())
}

/// Create or update components in one transaction; existing ones change only
/// with `Force` (State, Flag, Subtype, NetType, Arch, Class).
#[utoipa::path(post, path = "/hsm/v2/State/Components", operation_id = "doComponentsPost", tag = "components",
    request_body = ComponentsPost,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<ComponentsPost>,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    // OpenCHAMI checks only the first entry's ID here; a later one without
    // an ID is `xname ID '' is invalid`.
    if body.components.first().and_then(|c| given(&c.id)).is_none() {
        return Err(Problem::bad_request("Missing Components"));
    }
    let rows = body
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            row_of(
                c,
                "couldn't validate components: ",
                &format!("Components[{i}]"),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = rows;
    apply_node_maps(&state, &body.components, &mut rows).await?;
    state.store.upsert_components(&rows, body.force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete every component.
#[utoipa::path(delete, path = "/hsm/v2/State/Components", operation_id = "doComponentsDeleteAll", tag = "components",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_components().await?)
}

/// One component.
#[utoipa::path(get, path = "/hsm/v2/State/Components/{xname}", operation_id = "doComponentGet", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = Component), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed xname is a miss, as in OpenCHAMI (which only normalises here).
    let Ok(id) = path.trim().parse::<Xname>() else {
        return Err(Problem::not_found("no such xname."));
    };
    match state.store.component(id.as_str()).await? {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or update one component (`{"Component":{..},"Force":bool}`).
#[utoipa::path(put, path = "/hsm/v2/State/Components/{xname}", operation_id = "doComponentPut", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = ComponentPut,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<ComponentPut>,
) -> Result<HttpResponse, Problem> {
    // As OpenCHAMI's doComponentPut: the body's ID, normalised, must be the
    // URL's; a missing one is the URL's; then the values are checked.
    let mut c = body.0.component.clone();
    let url = path.trim().to_ascii_lowercase();
    match given(&c.id) {
        None => c.id = Some(url),
        Some(id) if !id.eq_ignore_ascii_case(&url) => {
            let same = matches!(
                (id.parse::<Xname>(), url.parse::<Xname>()),
                (Ok(a), Ok(b)) if a == b
            );
            if !same {
                return Err(Problem::bad_request("ID in URL and POST body do not match"));
            }
        }
        Some(_) => {}
    }
    let mut rows = [row_of(&c, "couldn't validate component: ", "Component")?];
    apply_node_maps(&state, std::slice::from_ref(&c), &mut rows).await?;
    state.store.upsert_components(&rows, body.0.force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete one component.
#[utoipa::path(delete, path = "/hsm/v2/State/Components/{xname}", operation_id = "doComponentDelete", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n1")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "invalid xname")?;
    if state.store.delete_component(id.as_str()).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}

async fn apply(
    state: &AppState,
    ids: Result<Vec<String>, Problem>,
    patch: Result<ComponentPatch, Problem>,
) -> Result<HttpResponse, Problem> {
    // OpenCHAMI's doCompUpdate: the IDs first, then the value.
    let ids = ids?;
    let patch = patch?;
    match state.store.patch_components(&ids, &patch).await? {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(id) => Err(Problem::not_found(format!("no such xname: {id}"))),
    }
}

/// A PATCH target's xname, or OpenCHAMI's `invalid xname ID`.
fn patch_id(raw: &str) -> Result<String, Problem> {
    raw.trim()
        .parse::<Xname>()
        .map(|x| x.as_str().to_owned())
        .map_err(|e| Problem::bad_request("invalid xname ID").because(e))
}

fn one_id(path: &str) -> Result<Vec<String>, Problem> {
    Ok(vec![patch_id(path)?])
}

/// A bulk body's `ComponentIDs`: `Missing IDs` when empty.
fn many(ids: &[String]) -> Result<Vec<String>, Problem> {
    if ids.is_empty() {
        return Err(Problem::bad_request("Missing IDs"));
    }
    ids.iter().map(|id| patch_id(id)).collect()
}

/// A required value, or `missing` (OpenCHAMI's `Missing State` and friends).
fn required<'a>(v: &'a Option<String>, missing: &str) -> Result<&'a str, Problem> {
    given(v).ok_or_else(|| Problem::bad_request(missing))
}

/// Parse `v` as `T`, or `detail` with the parse error in the log line.
fn value<T>(v: &str, detail: &str) -> Result<T, Problem>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    v.parse()
        .map_err(|e: T::Err| Problem::bad_request(detail).because(e))
}

fn state_patch(b: &StatePatch) -> Result<ComponentPatch, Problem> {
    let st: State = value(required(&b.state, "Missing State")?, BAD_STATE)?;
    // HMS rule: a state change resets the flag to OK unless one is given.
    let flag = match given(&b.flag) {
        None => Flag::Ok,
        Some(f) => value(f, NO_MATCH)?,
    };
    Ok(ComponentPatch::State {
        state: st.as_str().into(),
        flag: flag.as_str().into(),
    })
}

fn flag_patch(b: &FlagPatch) -> Result<ComponentPatch, Problem> {
    let flag: Flag = value(required(&b.flag, "Missing Flag")?, NO_MATCH)?;
    Ok(ComponentPatch::Flag(flag.as_str().into()))
}

fn enabled_patch(b: &EnabledPatch) -> Result<ComponentPatch, Problem> {
    b.enabled
        .map(ComponentPatch::Enabled)
        .ok_or_else(|| Problem::bad_request("Missing Enabled field"))
}

fn software_status_patch(b: &SoftwareStatusPatch) -> Result<ComponentPatch, Problem> {
    // An empty SoftwareStatus is a value (Go's `*string`), only absence is missing.
    b.software_status
        .clone()
        .map(ComponentPatch::SoftwareStatus)
        .ok_or_else(|| Problem::bad_request("Missing SoftwareStatus"))
}

fn role_patch(b: &RolePatch) -> Result<ComponentPatch, Problem> {
    let role: Role = value(required(&b.role, "Missing Role")?, NO_MATCH)?;
    let sub_role = match given(&b.sub_role) {
        None => String::new(),
        Some(s) => value::<SubRole>(s, NO_MATCH)?.as_str().to_owned(),
    };
    Ok(ComponentPatch::Role {
        role: role.as_str().into(),
        sub_role,
    })
}

/// Set State (Flag resets to OK unless given).
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/StateData", operation_id = "doCompStatePatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = StatePatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_state(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<StatePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path), state_patch(&body.0)).await
}

/// Set Flag.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/FlagOnly", operation_id = "doCompFlagOnlyPatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = FlagPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_flag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<FlagPatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path), flag_patch(&body.0)).await
}

/// Set Enabled.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/Enabled", operation_id = "doCompEnabledPatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = EnabledPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_enabled(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<EnabledPatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path), enabled_patch(&body.0)).await
}

/// Set SoftwareStatus.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/SoftwareStatus", operation_id = "doCompSwStatusPatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = SoftwareStatusPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_software_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SoftwareStatusPatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path), software_status_patch(&body.0)).await
}

/// Set Role (and SubRole).
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/Role", operation_id = "doCompRolePatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = RolePatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_role(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<RolePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path), role_patch(&body.0)).await
}

/// Set NID.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/NID", operation_id = "doCompNIDPatch", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0")), request_body = NidPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_nid(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<NidPatch>,
) -> Result<HttpResponse, Problem> {
    let id = patch_id(&path)?;
    let nid = body
        .0
        .nid
        .ok_or_else(|| Problem::bad_request("Missing NID"))?;
    match state.store.patch_nids(&[(id, Some(nid))]).await? {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(_) => Err(Problem::not_found("no such xname.")),
    }
}

/// Set State on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkStateData", operation_id = "doCompBulkStateDataPatch", tag = "components",
    request_body = StatePatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_state(
    state: web::Data<AppState>,
    body: ApiJson<StatePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, many(&body.0.component_ids), state_patch(&body.0)).await
}

/// Set Flag on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkFlagOnly", operation_id = "doCompBulkFlagOnlyPatch", tag = "components",
    request_body = FlagPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_flag(
    state: web::Data<AppState>,
    body: ApiJson<FlagPatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, many(&body.0.component_ids), flag_patch(&body.0)).await
}

/// Set Enabled on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkEnabled", operation_id = "doCompBulkEnabledPatch", tag = "components",
    request_body = EnabledPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_enabled(
    state: web::Data<AppState>,
    body: ApiJson<EnabledPatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, many(&body.0.component_ids), enabled_patch(&body.0)).await
}

/// Set SoftwareStatus on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkSoftwareStatus", operation_id = "doCompBulkSwStatusPatch", tag = "components",
    request_body = SoftwareStatusPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_software_status(
    state: web::Data<AppState>,
    body: ApiJson<SoftwareStatusPatch>,
) -> Result<HttpResponse, Problem> {
    apply(
        &state,
        many(&body.0.component_ids),
        software_status_patch(&body.0),
    )
    .await
}

/// Set Role on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkRole", operation_id = "doCompBulkRolePatch", tag = "components",
    request_body = RolePatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_role(
    state: web::Data<AppState>,
    body: ApiJson<RolePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, many(&body.0.component_ids), role_patch(&body.0)).await
}

/// Set NIDs of many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkNID", operation_id = "doCompArrayNIDPatch", tag = "components",
    request_body = BulkNidPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_nid(
    state: web::Data<AppState>,
    body: ApiJson<BulkNidPatch>,
) -> Result<HttpResponse, Problem> {
    if body.0.components.is_empty() {
        return Err(Problem::bad_request("Missing Components"));
    }
    let nids: Vec<(String, Option<i64>)> = body
        .0
        .components
        .into_iter()
        .map(|c| (c.id.as_str().to_owned(), c.nid))
        .collect();
    match state.store.patch_nids(&nids).await? {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(id) => Err(Problem::not_found(format!("no such xname: {id}"))),
    }
}

/// The component with NID `nid`.
#[utoipa::path(get, path = "/hsm/v2/State/Components/ByNID/{nid}", operation_id = "doComponentByNIDGet", tag = "components",
    params(("nid" = i64, Path, example = 1)),
    responses((status = 200, body = Component), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn by_nid(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let nid: i64 = path
        .trim()
        .parse()
        .map_err(|e| Problem::bad_request(NOT_AN_INT).because(format_args!("'{path}': {e}")))?;
    match state.store.component_by_nid(nid).await? {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(Problem::not_found("no such NID.")),
    }
}

/// `"1-3"` or `"5"` → an inclusive range; otherwise OpenCHAMI's
/// `bad query param: a required argument was not an integer`.
fn nid_range(s: &str, at: &str) -> Result<(Option<i64>, Option<i64>), Problem> {
    let bad = || {
        Problem::bad_request(format!("bad query param: {NOT_AN_INT}"))
            .because(format_args!("{at}: '{s}' is not N or N-M"))
    };
    let t = s.trim();
    match t.split_once('-') {
        Some((a, b)) => {
            let a: i64 = a.trim().parse().map_err(|_| bad())?;
            let b: i64 = b.trim().parse().map_err(|_| bad())?;
            if a > b {
                return Err(bad());
            }
            Ok((Some(a), Some(b)))
        }
        None => {
            let n: i64 = t.parse().map_err(|_| bad())?;
            Ok((Some(n), Some(n)))
        }
    }
}

/// Components whose NIDs fall in `NIDRanges`.
#[utoipa::path(post, path = "/hsm/v2/State/Components/ByNID/Query", operation_id = "doComponentByNIDQueryPost", tag = "components",
    request_body = NidQuery,
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn by_nid_query(
    state: web::Data<AppState>,
    body: ApiJson<NidQuery>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    if b.nid_ranges.is_empty() {
        return Err(Problem::bad_request("Missing NID ranges"));
    }
    let nid_ranges = b
        .nid_ranges
        .iter()
        .enumerate()
        .map(|(i, r)| nid_range(r, &format!("NIDRanges[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let f = ComponentFilter {
        nid_ranges,
        ..Default::default()
    };
    let p = Projection::from_flags(b.state_only, b.flag_only, b.role_only, b.nid_only);
    Ok(components_body(state.store.components(&f, p).await?))
}

/// Components by ID list plus filters.
#[utoipa::path(post, path = "/hsm/v2/State/Components/Query", operation_id = "doComponentsQueryPost", tag = "components",
    request_body = ComponentsQuery,
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_post(
    state: web::Data<AppState>,
    body: ApiJson<ComponentsQuery>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    if b.component_ids.is_empty() {
        return Err(Problem::bad_request("Missing IDs"));
    }
    let lists = FilterLists {
        ids: b.component_ids,
        types: b.types,
        states: b.states,
        flags: b.flags,
        roles: b.roles,
        sub_roles: b.sub_roles,
        enabled: b.enabled,
        software_status: b.software_status,
        subtypes: b.subtypes,
        arch: b.arch,
        class: b.class,
        nids: b.nids,
        nid_start: b.nid_start,
        nid_end: b.nid_end,
    };
    let f = lists.to_filter()?;
    let p = Projection::from_flags(b.state_only, b.flag_only, b.role_only, b.nid_only);
    Ok(components_body(state.store.components(&f, p).await?))
}

/// A component and everything it contains, filtered.
#[utoipa::path(get, path = "/hsm/v2/State/Components/Query/{xname}", operation_id = "doComponentQueryGet", tag = "components",
    params(("xname" = String, Path, example = "x1000c1s7b0n0"), ("type" = Option<Vec<String>>, Query)),
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let id = xname_or(&path, "bad query param: Argument was not a valid xname ID")?;
    let (mut f, p) = filter_from_query(&q)?;
    f.ids.clear();
    f.under = Some(id.as_str().to_owned());
    Ok(components_body(state.store.components(&f, p).await?))
}
