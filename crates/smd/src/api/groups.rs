//! `/hsm/v2/groups`: labelled sets of components. A group with an
//! `exclusiveGroup` shares its components with no other group of the same
//! exclusive set.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use serde_json::json as j;

use super::{json, member_id, ok_message};
use crate::model::group::{group_field, Group, GroupIn, GroupPatch, MemberIn, Members, MembersIn};
use crate::store::groups::{Kind, SetRow};
use crate::AppState;

const BASE: &str = "/groups";
const URI_BASE: &str = "/hsm/v2/groups";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .default_service(allow("GET, POST")),
    )
    .service(
        web::resource(format!("{BASE}/labels"))
            .route(web::get().to(labels))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{BASE}/{{label}}"))
            .route(web::get().to(get_one))
            .route(web::patch().to(patch_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PATCH, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{label}}/members"))
            .route(web::get().to(members_get))
            .route(web::post().to(members_post))
            .route(web::put().to(members_put))
            .default_service(allow("GET, POST, PUT")),
    )
    .service(
        web::resource(format!("{BASE}/{{label}}/members/{{xname}}"))
            .route(web::delete().to(member_delete))
            .default_service(allow("DELETE")),
    );
}

/// 201 with `[{"URI":..}]` and Location, as sendJsonNewResourceIDArray.
pub(crate) fn created(uri: String) -> HttpResponse {
    let mut res = json(StatusCode::CREATED, &j!([{ "URI": uri }]));
    if let Ok(v) = header::HeaderValue::from_str(&uri) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A label from the URL: lower-cased; 400 when it cannot be a label.
pub(crate) fn name_param(field: &str, raw: &str) -> Result<String, Problem> {
    group_field(field, raw).map_err(Problem::bad_request)
}

/// Tags, lower-cased and checked; `at` names the field.
pub(crate) fn tags_of(at: &str, tags: &[String]) -> Result<Vec<String>, Problem> {
    let mut out = tags
        .iter()
        .enumerate()
        .map(|(i, t)| group_field(&format!("{at}[{i}]"), t).map_err(Problem::bad_request))
        .collect::<Result<Vec<_>, _>>()?;
    out.dedup();
    Ok(out)
}

/// A group label or partition name from the URL, lower-cased; a bad one is
/// OpenCHAMI's `Invalid group label.` / `Invalid partition name.`.
pub(crate) fn url_name(kind: Kind, raw: &str) -> Result<String, Problem> {
    let field = match kind {
        Kind::Group => "label",
        Kind::Partition => "name",
    };
    group_field(field, raw).map_err(|e| Problem::bad_request(invalid_text(field)).because(e))
}

/// OpenCHAMI's text for a bad group label, partition name or tag (as a URL
/// segment or a filter value).
fn invalid_text(field: &str) -> &'static str {
    match field {
        "tag" => "Invalid tag.",
        "partition" | "name" => "Invalid partition name.",
        _ => "Invalid group label.",
    }
}

/// Filter values of `name` (`group`, `partition`, `tag`), lower-cased and
/// checked; a bad one is OpenCHAMI's `Invalid tag.` (and friends).
pub(crate) fn name_filter(q: &QueryParams, name: &str) -> Result<Vec<String>, Problem> {
    q.all(name)
        .into_iter()
        .map(|v| {
            group_field(&format!("'{name}'"), v)
                .map_err(|e| Problem::bad_request(invalid_text(name)).because(e))
        })
        .collect()
}

/// The `partition` filter of `/groups/{label}[/members]` (OpenCHAMI
/// `GrpPartFltr`, first value only): keep the members that are also in that
/// partition, or with `NULL` those in no partition.
async fn partition_filter(
    state: &AppState,
    q: &QueryParams,
    members: Vec<String>,
) -> Result<Vec<String>, Problem> {
    let Some(raw) = q.all("partition").first().copied() else {
        return Ok(members);
    };
    let in_part: std::collections::HashSet<String> = if raw == "NULL" {
        state
            .store
            .sets(Kind::Partition, &[], &[])
            .await?
            .into_iter()
            .flat_map(|p| p.members)
            .collect()
    } else {
        let name = group_field("partition", raw)
            .map_err(|e| Problem::bad_request("Invalid partition name.").because(e))?;
        state
            .store
            .set(Kind::Partition, &name)
            .await?
            .map(|p| p.members.into_iter().collect())
            .unwrap_or_default()
    };
    let keep_in = raw != "NULL";
    Ok(members
        .into_iter()
        .filter(|m| in_part.contains(m) == keep_in)
        .collect())
}

fn group_of(s: SetRow) -> Group {
    Group {
        label: s.name,
        description: s.description,
        exclusive_group: s.exclusive_group,
        tags: s.tags,
        members: Members { ids: s.members },
    }
}

/// List groups, filtered by label (`group`) and tag (`tag`).
#[utoipa::path(get, path = "/hsm/v2/groups", operation_id = "doGroupsGet", tag = "groups",
    params(("group" = Option<Vec<String>>, Query), ("tag" = Option<Vec<String>>, Query)),
    responses((status = 200, body = Vec<Group>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let names = name_filter(&q, "group")?;
    let tags = name_filter(&q, "tag")?;
    let groups: Vec<Group> = state
        .store
        .sets(Kind::Group, &names, &tags)
        .await?
        .into_iter()
        .map(group_of)
        .collect();
    Ok(json(StatusCode::OK, &groups))
}

/// Create a group with its members (which must be existing components).
#[utoipa::path(post, path = "/hsm/v2/groups", operation_id = "doGroupsPost", tag = "groups", request_body = GroupIn,
    responses((status = 201, body = Vec<crate::model::redfish_endpoint::ResourceUri>, headers(("Location" = String))),
        (status = 400, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<GroupIn>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let label = name_param("label", &b.label)?;
    let exclusive_group = if b.exclusive_group.trim().is_empty() {
        String::new()
    } else {
        name_param("exclusiveGroup", &b.exclusive_group)?
    };
    let row = SetRow {
        name: label.clone(),
        description: b.description,
        exclusive_group,
        tags: tags_of("tags", &b.tags)?,
        members: b
            .members
            .ids
            .iter()
            .map(|x| x.as_str().to_owned())
            .collect(),
    };
    state.store.insert_set(Kind::Group, &row).await?;
    Ok(created(format!("{URI_BASE}/{label}")))
}

/// Every group label.
#[utoipa::path(get, path = "/hsm/v2/groups/labels", operation_id = "doGroupLabelsGet", tag = "groups",
    responses((status = 200, body = Vec<String>)))]
pub async fn labels(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(json(
        StatusCode::OK,
        &state.store.set_names(Kind::Group).await?,
    ))
}

/// One group.
#[utoipa::path(get, path = "/hsm/v2/groups/{label}", operation_id = "doGroupGet", tag = "groups",
    params(("label" = String, Path, example = "compute"),
        ("partition" = Option<String>, Query, description = "only members also in this partition (NULL: in none)")),
    responses((status = 200, body = Group), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    match state.store.set(Kind::Group, &label).await? {
        Some(mut s) => {
            s.members = partition_filter(&state, &q, std::mem::take(&mut s.members)).await?;
            Ok(json(StatusCode::OK, &group_of(s)))
        }
        None => Err(Problem::not_found(format!("No such group: {label}"))),
    }
}

/// Change a group's description and/or tags.
#[utoipa::path(patch, path = "/hsm/v2/groups/{label}", operation_id = "doGroupPatch", tag = "groups",
    params(("label" = String, Path, example = "compute")), request_body = GroupPatch,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<GroupPatch>,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    let b = body.0;
    let tags = b.tags.as_deref().map(|t| tags_of("tags", t)).transpose()?;
    if state
        .store
        .patch_set(
            Kind::Group,
            &label,
            b.description.as_deref(),
            tags.as_deref(),
        )
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Problem::not_found("no such group."))
    }
}

/// Delete a group (its components stay).
#[utoipa::path(delete, path = "/hsm/v2/groups/{label}", operation_id = "doGroupDelete", tag = "groups",
    params(("label" = String, Path, example = "scratch")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    if state.store.delete_set(Kind::Group, &label).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such group."))
    }
}

/// A group's members.
#[utoipa::path(get, path = "/hsm/v2/groups/{group_label}/members", operation_id = "doGroupMembersGet", tag = "groups",
    params(("group_label" = String, Path, example = "blue"),
        ("partition" = Option<String>, Query, description = "only members also in this partition (NULL: in none)")),
    responses((status = 200, body = Members), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn members_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: QueryParams,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    match state.store.set(Kind::Group, &label).await? {
        Some(s) => {
            let ids = partition_filter(&state, &q, s.members).await?;
            Ok(json(StatusCode::OK, &Members { ids }))
        }
        None => Err(Problem::not_found(format!("No such group: {label}"))),
    }
}

/// Add a member (`{"id":"x.."}`).
#[utoipa::path(post, path = "/hsm/v2/groups/{group_label}/members", operation_id = "doGroupMembersPost", tag = "groups",
    params(("group_label" = String, Path, example = "blue")),
    request_body(content = MemberIn, example = json!({"id": "x1000c1s7b0n1"})),
    responses((status = 201, body = Vec<crate::model::redfish_endpoint::ResourceUri>, headers(("Location" = String))),
        (status = 400, body = ochami_types::ProblemDetails), (status = 404, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn members_post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<MemberIn>,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    let id = member_id(&body.0.id)?;
    if state
        .store
        .add_member(Kind::Group, &label, id.as_str())
        .await?
    {
        Ok(created(format!("{URI_BASE}/{label}/members/{id}")))
    } else {
        Err(Problem::not_found(format!("No such group: {label}")))
    }
}

/// Replace the members (`{"ids":[..]}`): 201 with a URI per member, 204
/// when the group is left empty.
#[utoipa::path(put, path = "/hsm/v2/groups/{group_label}/members", operation_id = "doGroupMembersPut", tag = "groups",
    params(("group_label" = String, Path, example = "blue")),
    request_body(content = MembersIn, example = json!({"ids": ["x1000c1s7b0n0"]})),
    responses((status = 201, body = Vec<crate::model::redfish_endpoint::ResourceUri>, headers(("Location" = String))),
        (status = 204), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn members_put(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<MembersIn>,
) -> Result<HttpResponse, Problem> {
    let label = url_name(Kind::Group, &path)?;
    let ids: Vec<String> = body.0.ids.iter().map(|x| x.as_str().to_owned()).collect();
    if !state
        .store
        .replace_members(Kind::Group, &label, &ids)
        .await?
    {
        return Err(Problem::not_found("no such group."));
    }
    let base = format!("{URI_BASE}/{label}/members");
    let uris: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| j!({ "URI": format!("{base}/{id}") }))
        .collect();
    let location = match ids.as_slice() {
        [] => return Ok(HttpResponse::NoContent().finish()),
        [one] => format!("{base}/{one}"),
        _ => base,
    };
    let mut res = json(StatusCode::CREATED, &uris);
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Remove a member.
#[utoipa::path(delete, path = "/hsm/v2/groups/{group_label}/members/{xname}", operation_id = "doGroupMemberDelete", tag = "groups",
    params(("group_label" = String, Path, example = "blue"), ("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn member_delete(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (label, xname) = path.into_inner();
    let label = url_name(Kind::Group, &label)?;
    let id = member_id(&xname)?;
    match state
        .store
        .remove_member(Kind::Group, &label, id.as_str())
        .await?
    {
        (false, _) => Err(Problem::not_found(format!("No such group: {label}"))),
        (true, false) => Err(Problem::not_found("group has no such member.")),
        (true, true) => Ok(ok_message("deleted 1 entry")),
    }
}
