//! `/hsm/v2/partitions`: disjoint sets of components (a component is in at
//! most one partition).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};

use super::groups::{created, name_filter, name_param, tags_of, url_name};
use super::{json, member_id, ok_message};
use crate::model::group::{GroupPatch, MemberIn, Members, Partition, PartitionIn};
use crate::store::groups::{Kind, SetRow};
use crate::AppState;

const BASE: &str = "/partitions";
const URI_BASE: &str = "/hsm/v2/partitions";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .default_service(allow("GET, POST")),
    )
    .service(
        web::resource(format!("{BASE}/names"))
            .route(web::get().to(names))
            .default_service(allow("GET")),
    )
    .service(
        web::resource(format!("{BASE}/{{name}}"))
            .route(web::get().to(get_one))
            .route(web::patch().to(patch_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PATCH, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{name}}/members"))
            .route(web::get().to(members_get))
            .route(web::post().to(members_post))
            .default_service(allow("GET, POST")),
    )
    .service(
        web::resource(format!("{BASE}/{{name}}/members/{{xname}}"))
            .route(web::delete().to(member_delete))
            .default_service(allow("DELETE")),
    );
}

fn partition_of(s: SetRow) -> Partition {
    Partition {
        name: s.name,
        description: s.description,
        tags: s.tags,
        members: Members { ids: s.members },
    }
}

/// List partitions, filtered by name (`partition`) and tag (`tag`).
#[utoipa::path(get, path = "/hsm/v2/partitions", operation_id = "doPartitionsGet", tag = "partitions",
    params(("partition" = Option<Vec<String>>, Query), ("tag" = Option<Vec<String>>, Query)),
    responses((status = 200, body = Vec<Partition>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    let names = name_filter(&q, "partition")?;
    let tags = name_filter(&q, "tag")?;
    let parts: Vec<Partition> = state
        .store
        .sets(Kind::Partition, &names, &tags)
        .await?
        .into_iter()
        .map(partition_of)
        .collect();
    Ok(json(StatusCode::OK, &parts))
}

/// Create a partition with its members (which must be existing components).
#[utoipa::path(post, path = "/hsm/v2/partitions", operation_id = "doPartitionsPost", tag = "partitions", request_body = PartitionIn,
    responses((status = 201, body = Vec<crate::model::redfish_endpoint::ResourceUri>, headers(("Location" = String))),
        (status = 400, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<PartitionIn>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let name = name_param("name", &b.name)?;
    let row = SetRow {
        name: name.clone(),
        description: b.description,
        exclusive_group: String::new(),
        tags: tags_of("tags", &b.tags)?,
        members: b
            .members
            .ids
            .iter()
            .map(|x| x.as_str().to_owned())
            .collect(),
    };
    state.store.insert_set(Kind::Partition, &row).await?;
    Ok(created(format!("{URI_BASE}/{name}")))
}

/// Every partition name.
#[utoipa::path(get, path = "/hsm/v2/partitions/names", operation_id = "doPartitionNamesGet", tag = "partitions",
    responses((status = 200, body = Vec<String>)))]
pub async fn names(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(json(
        StatusCode::OK,
        &state.store.set_names(Kind::Partition).await?,
    ))
}

/// One partition.
#[utoipa::path(get, path = "/hsm/v2/partitions/{name}", operation_id = "doPartitionGet", tag = "partitions",
    params(("name" = String, Path, example = "p1")),
    responses((status = 200, body = Partition), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let name = url_name(Kind::Partition, &path)?;
    match state.store.set(Kind::Partition, &name).await? {
        Some(s) => Ok(json(StatusCode::OK, &partition_of(s))),
        None => Err(Problem::not_found(format!("No such partition: {name}"))),
    }
}

/// Change a partition's description and/or tags.
#[utoipa::path(patch, path = "/hsm/v2/partitions/{name}", operation_id = "doPartitionPatch", tag = "partitions",
    params(("name" = String, Path, example = "p1")), request_body = GroupPatch,
    responses((status = 204), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<GroupPatch>,
) -> Result<HttpResponse, Problem> {
    let name = url_name(Kind::Partition, &path)?;
    let b = body.0;
    let tags = b.tags.as_deref().map(|t| tags_of("tags", t)).transpose()?;
    if state
        .store
        .patch_set(
            Kind::Partition,
            &name,
            b.description.as_deref(),
            tags.as_deref(),
        )
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Problem::not_found("no such partition."))
    }
}

/// Delete a partition (its components stay).
#[utoipa::path(delete, path = "/hsm/v2/partitions/{name}", operation_id = "doPartitionDelete", tag = "partitions",
    params(("name" = String, Path, example = "p2")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let name = url_name(Kind::Partition, &path)?;
    if state.store.delete_set(Kind::Partition, &name).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such partition."))
    }
}

/// A partition's members.
#[utoipa::path(get, path = "/hsm/v2/partitions/{partition_name}/members", operation_id = "doPartitionMembersGet", tag = "partitions",
    params(("partition_name" = String, Path, example = "p3")),
    responses((status = 200, body = Members), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn members_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let name = url_name(Kind::Partition, &path)?;
    match state.store.set(Kind::Partition, &name).await? {
        Some(s) => Ok(json(StatusCode::OK, &Members { ids: s.members })),
        None => Err(Problem::not_found(format!("No such partition: {name}"))),
    }
}

/// Add a member (`{"id":"x.."}`).
#[utoipa::path(post, path = "/hsm/v2/partitions/{partition_name}/members", operation_id = "doPartitionMembersPost", tag = "partitions",
    params(("partition_name" = String, Path, example = "p3")),
    request_body(content = MemberIn, example = json!({"id": "x1000c1s7b0n1"})),
    responses((status = 201, body = Vec<crate::model::redfish_endpoint::ResourceUri>, headers(("Location" = String))),
        (status = 400, body = ochami_types::ProblemDetails), (status = 404, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn members_post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<MemberIn>,
) -> Result<HttpResponse, Problem> {
    let name = url_name(Kind::Partition, &path)?;
    let id = member_id(&body.0.id)?;
    if state
        .store
        .add_member(Kind::Partition, &name, id.as_str())
        .await?
    {
        Ok(created(format!("{URI_BASE}/{name}/members/{id}")))
    } else {
        Err(Problem::not_found(format!("No such partition: {name}")))
    }
}

/// Remove a member.
#[utoipa::path(delete, path = "/hsm/v2/partitions/{partition_name}/members/{xname}", operation_id = "doPartitionMemberDelete", tag = "partitions",
    params(("partition_name" = String, Path, example = "p3"), ("xname" = String, Path, example = "x1000c1s7b0n0")),
    responses((status = 200, body = super::service::Message), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn member_delete(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (name, xname) = path.into_inner();
    let name = url_name(Kind::Partition, &name)?;
    let id = member_id(&xname)?;
    match state
        .store
        .remove_member(Kind::Partition, &name, id.as_str())
        .await?
    {
        (false, _) => Err(Problem::not_found(format!("No such partition: {name}"))),
        (true, false) => Err(Problem::not_found("partition has no such member.")),
        (true, true) => Ok(ok_message("deleted 1 entry")),
    }
}
