//! `/hsm/v2/State/Components`: component state, HMS-style.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::{Arch, Class, Flag, HmsType, Role, State, SubRole, Xname};

use super::{deleted, json, ok_message, xname_param, GoBool};
use crate::model::component::{
    BulkNidPatch, Component, ComponentArray, ComponentIn, ComponentPut, ComponentsPost,
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

fn strs<T: std::fmt::Display>(v: Vec<T>) -> Vec<String> {
    v.into_iter().map(|x| x.to_string()).collect()
}

/// The GET filters (names case-insensitive, values repeatable).
pub(crate) fn filter_from_query(q: &QueryParams) -> Result<(ComponentFilter, Projection), Problem> {
    let nid_start: Vec<i64> = q.parse_all("nid_start")?;
    let nid_end: Vec<i64> = q.parse_all("nid_end")?;
    let n = nid_start.len().max(nid_end.len());
    let nid_ranges = (0..n)
        .map(|i| (nid_start.get(i).copied(), nid_end.get(i).copied()))
        .collect();
    let f = ComponentFilter {
        ids: strs(q.parse_all::<Xname>("id")?),
        under: None,
        types: strs(q.parse_all::<HmsType>("type")?),
        states: strs(q.parse_all::<State>("state")?),
        flags: strs(q.parse_all::<Flag>("flag")?),
        roles: strs(q.parse_all::<Role>("role")?),
        sub_roles: strs(q.parse_all::<SubRole>("subrole")?),
        enabled: q
            .parse_all::<GoBool>("enabled")?
            .into_iter()
            .map(|b| b.0)
            .collect(),
        software_status: q
            .all("softwarestatus")
            .into_iter()
            .map(String::from)
            .collect(),
        subtypes: q.all("subtype").into_iter().map(String::from).collect(),
        arch: strs(q.parse_all::<Arch>("arch")?),
        class: strs(q.parse_all::<Class>("class")?),
        nids: q.parse_all("nid")?,
        nid_ranges,
        groups: group_params(q, "group")?,
        partitions: group_params(q, "partition")?,
    };
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
#[utoipa::path(get, path = "/hsm/v2/State/Components", tag = "components",
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

/// Validate one component of a body; `at` names it in errors.
fn row_of(c: &ComponentIn, at: &str, url_id: Option<&Xname>) -> Result<Component, Problem> {
    let id = match (&c.id, url_id) {
        (Some(id), Some(u)) if id != u => {
            return Err(Problem::bad_request("ID in URL and POST body do not match"))
        }
        (Some(id), _) => id,
        (None, Some(u)) => u,
        (None, None) => return Err(Problem::bad_request(format!("{at}.ID: missing"))),
    };
    c.check_type(id)
        .map_err(|e| Problem::bad_request(format!("{at}.Type: {e}")))?;
    Ok(c.to_row(id))
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
            && (c.nid.is_none() || c.role.is_none())
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
        if c.role.is_none() && !m.role.is_empty() {
            r.role = m.role.clone();
            if c.sub_role.is_none() {
                r.sub_role = m.sub_role.clone();
            }
        }
    }
    Ok(())
}

/// Create or update components in one transaction; existing ones change only
/// with `Force` (State, Flag, Subtype, NetType, Arch).
#[utoipa::path(post, path = "/hsm/v2/State/Components", tag = "components",
    request_body = ComponentsPost,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<ComponentsPost>,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    if body.components.is_empty() {
        return Err(Problem::bad_request("Missing Components"));
    }
    let rows = body
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| row_of(c, &format!("Components[{i}]"), None))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = rows;
    apply_node_maps(&state, &body.components, &mut rows).await?;
    state.store.upsert_components(&rows, body.force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete every component.
#[utoipa::path(delete, path = "/hsm/v2/State/Components", tag = "components",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_components().await?)
}

/// One component.
#[utoipa::path(get, path = "/hsm/v2/State/Components/{xname}", tag = "components",
    params(("xname" = String, Path)),
    responses((status = 200, body = Component), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    match state.store.component(id.as_str()).await? {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(Problem::not_found("no such xname.")),
    }
}

/// Create or update one component (`{"Component":{..},"Force":bool}`).
#[utoipa::path(put, path = "/hsm/v2/State/Components/{xname}", tag = "components",
    params(("xname" = String, Path)), request_body = ComponentPut,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<ComponentPut>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    let mut rows = [row_of(&body.0.component, "Component", Some(&id))?];
    apply_node_maps(&state, std::slice::from_ref(&body.0.component), &mut rows).await?;
    state.store.upsert_components(&rows, body.0.force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete one component.
#[utoipa::path(delete, path = "/hsm/v2/State/Components/{xname}", tag = "components",
    params(("xname" = String, Path)),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    if state.store.delete_component(id.as_str()).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such xname."))
    }
}

async fn apply(
    state: &AppState,
    ids: Vec<String>,
    patch: ComponentPatch,
) -> Result<HttpResponse, Problem> {
    if ids.is_empty() {
        return Err(Problem::bad_request("ComponentIDs: missing or empty"));
    }
    match state.store.patch_components(&ids, &patch).await? {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(id) => Err(Problem::not_found(format!("no such xname: {id}"))),
    }
}

fn one_id(path: &str) -> Result<Vec<String>, Problem> {
    Ok(vec![xname_param(path)?.as_str().to_owned()])
}

fn many(ids: Vec<Xname>) -> Vec<String> {
    ids.into_iter().map(|x| x.as_str().to_owned()).collect()
}

fn state_patch(b: &StatePatch) -> ComponentPatch {
    // HMS rule: a state change resets the flag to OK unless one is given.
    ComponentPatch::State {
        state: b.state.as_str().into(),
        flag: b.flag.unwrap_or(Flag::Ok).as_str().into(),
    }
}

fn role_patch(b: &RolePatch) -> ComponentPatch {
    ComponentPatch::Role {
        role: b.role.as_str().into(),
        sub_role: b
            .sub_role
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    }
}

/// Set State (Flag resets to OK unless given).
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/StateData", tag = "components",
    params(("xname" = String, Path)), request_body = StatePatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_state(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<StatePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path)?, state_patch(&body.0)).await
}

/// Set Flag.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/FlagOnly", tag = "components",
    params(("xname" = String, Path)), request_body = FlagPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_flag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<FlagPatch>,
) -> Result<HttpResponse, Problem> {
    apply(
        &state,
        one_id(&path)?,
        ComponentPatch::Flag(body.0.flag.as_str().into()),
    )
    .await
}

/// Set Enabled.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/Enabled", tag = "components",
    params(("xname" = String, Path)), request_body = EnabledPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_enabled(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<EnabledPatch>,
) -> Result<HttpResponse, Problem> {
    apply(
        &state,
        one_id(&path)?,
        ComponentPatch::Enabled(body.0.enabled),
    )
    .await
}

/// Set SoftwareStatus.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/SoftwareStatus", tag = "components",
    params(("xname" = String, Path)), request_body = SoftwareStatusPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_software_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SoftwareStatusPatch>,
) -> Result<HttpResponse, Problem> {
    apply(
        &state,
        one_id(&path)?,
        ComponentPatch::SoftwareStatus(body.0.software_status),
    )
    .await
}

/// Set Role (and SubRole).
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/Role", tag = "components",
    params(("xname" = String, Path)), request_body = RolePatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_role(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<RolePatch>,
) -> Result<HttpResponse, Problem> {
    apply(&state, one_id(&path)?, role_patch(&body.0)).await
}

/// Set NID.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/{xname}/NID", tag = "components",
    params(("xname" = String, Path)), request_body = NidPatch,
    responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_nid(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<NidPatch>,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    match state
        .store
        .patch_nids(&[(id.as_str().to_owned(), body.0.nid)])
        .await?
    {
        None => Ok(HttpResponse::NoContent().finish()),
        Some(_) => Err(Problem::not_found("no such xname.")),
    }
}

/// Set State on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkStateData", tag = "components",
    request_body = StatePatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_state(
    state: web::Data<AppState>,
    body: ApiJson<StatePatch>,
) -> Result<HttpResponse, Problem> {
    let p = state_patch(&body.0);
    apply(&state, many(body.0.component_ids), p).await
}

/// Set Flag on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkFlagOnly", tag = "components",
    request_body = FlagPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_flag(
    state: web::Data<AppState>,
    body: ApiJson<FlagPatch>,
) -> Result<HttpResponse, Problem> {
    let p = ComponentPatch::Flag(body.0.flag.as_str().into());
    apply(&state, many(body.0.component_ids), p).await
}

/// Set Enabled on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkEnabled", tag = "components",
    request_body = EnabledPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_enabled(
    state: web::Data<AppState>,
    body: ApiJson<EnabledPatch>,
) -> Result<HttpResponse, Problem> {
    let p = ComponentPatch::Enabled(body.0.enabled);
    apply(&state, many(body.0.component_ids), p).await
}

/// Set SoftwareStatus on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkSoftwareStatus", tag = "components",
    request_body = SoftwareStatusPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_software_status(
    state: web::Data<AppState>,
    body: ApiJson<SoftwareStatusPatch>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    apply(
        &state,
        many(b.component_ids),
        ComponentPatch::SoftwareStatus(b.software_status),
    )
    .await
}

/// Set Role on many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkRole", tag = "components",
    request_body = RolePatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_role(
    state: web::Data<AppState>,
    body: ApiJson<RolePatch>,
) -> Result<HttpResponse, Problem> {
    let p = role_patch(&body.0);
    apply(&state, many(body.0.component_ids), p).await
}

/// Set NIDs of many components.
#[utoipa::path(patch, path = "/hsm/v2/State/Components/BulkNID", tag = "components",
    request_body = BulkNidPatch, responses((status = 204), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn bulk_nid(
    state: web::Data<AppState>,
    body: ApiJson<BulkNidPatch>,
) -> Result<HttpResponse, Problem> {
    if body.0.components.is_empty() {
        return Err(Problem::bad_request("Components: missing or empty"));
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
#[utoipa::path(get, path = "/hsm/v2/State/Components/ByNID/{nid}", tag = "components",
    params(("nid" = i64, Path)),
    responses((status = 200, body = Component), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn by_nid(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let nid: i64 = path
        .trim()
        .parse()
        .map_err(|_| Problem::bad_request(format!("invalid NID '{}': not an integer", path)))?;
    match state.store.component_by_nid(nid).await? {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(Problem::not_found("no such NID.")),
    }
}

/// `"1-3"` or `"5"` → an inclusive range.
fn nid_range(s: &str, at: &str) -> Result<(Option<i64>, Option<i64>), Problem> {
    let bad = || Problem::bad_request(format!("{at}: invalid NID range '{s}' (expected N or N-M)"));
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
#[utoipa::path(post, path = "/hsm/v2/State/Components/ByNID/Query", tag = "components",
    request_body = NidQuery,
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn by_nid_query(
    state: web::Data<AppState>,
    body: ApiJson<NidQuery>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    if b.nid_ranges.is_empty() {
        return Err(Problem::bad_request("NIDRanges: missing or empty"));
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
#[utoipa::path(post, path = "/hsm/v2/State/Components/Query", tag = "components",
    request_body = ComponentsQuery,
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_post(
    state: web::Data<AppState>,
    body: ApiJson<ComponentsQuery>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    if b.component_ids.is_empty() {
        return Err(Problem::bad_request("ComponentIDs: missing or empty"));
    }
    let f = ComponentFilter {
        ids: many(b.component_ids),
        types: strs(b.types),
        states: strs(b.states),
        flags: strs(b.flags),
        roles: strs(b.roles),
        sub_roles: strs(b.sub_roles),
        enabled: b.enabled,
        software_status: b.software_status,
        subtypes: b.subtypes,
        arch: strs(b.arch),
        class: strs(b.class),
        ..Default::default()
    };
    let p = Projection::from_flags(b.state_only, b.flag_only, b.role_only, b.nid_only);
    Ok(components_body(state.store.components(&f, p).await?))
}

/// A component and everything it contains, filtered.
#[utoipa::path(get, path = "/hsm/v2/State/Components/Query/{xname}", tag = "components",
    params(("xname" = String, Path), ("type" = Option<Vec<String>>, Query)),
    responses((status = 200, body = ComponentArray), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn query_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let id = xname_param(&path)?;
    let (mut f, p) = filter_from_query(&q)?;
    f.ids.clear();
    f.under = Some(id.as_str().to_owned());
    Ok(components_body(state.store.components(&f, p).await?))
}
