//! `/hsm/v2/Subscriptions/SCN`: who is told about component state changes.
//! Delivery itself is `crate::scn`; the notifications are queued by the
//! database (migration 0007) whatever write path changed the components.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use super::{json, ok_message};
use crate::model::subscription::{
    PatchOp, Subscription, SubscriptionIn, SubscriptionList, SubscriptionPatch,
};
use crate::AppState;

const BASE: &str = "/Subscriptions/SCN";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(post))
            .route(web::delete().to(delete_all))
            .default_service(allow("GET, POST, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{id}}"))
            .route(web::get().to(get_one))
            .route(web::put().to(put_one))
            .route(web::patch().to(patch_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PUT, PATCH, DELETE")),
    );
}

fn names<T: std::fmt::Display>(v: &[T]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for s in v.iter().map(ToString::to_string) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Software status values as given, without blanks or repeats.
fn statuses(at: &str, v: &[String]) -> Result<Vec<String>, Problem> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for (i, s) in v.iter().enumerate() {
        let s = s.trim();
        if s.is_empty() {
            return Err(Problem::bad_request(format!("{at}[{i}]: empty value")));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

/// The subscription a POST/PUT body describes; 400 naming the field that is
/// missing or bad. Rationale: HSM stores any Url; one that is not an http(s)
/// URL could never be delivered to, so it is refused up front.
fn subscription_of(id: i64, b: SubscriptionIn) -> Result<Subscription, Problem> {
    let subscriber = b.subscriber.trim().to_owned();
    if subscriber.is_empty() {
        return Err(Problem::bad_request("Subscriber: required"));
    }
    let url = b.url.trim().to_owned();
    if url.is_empty() {
        return Err(Problem::bad_request("Url: required"));
    }
    match reqwest::Url::parse(&url) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {}
        Ok(_) => {
            return Err(Problem::bad_request(format!(
                "Url: '{url}' is not an http or https URL"
            )))
        }
        Err(e) => return Err(Problem::bad_request(format!("Url: '{url}': {e}"))),
    }
    Ok(Subscription {
        id,
        subscriber,
        url,
        enabled: b.enabled,
        roles: names(&b.roles),
        sub_roles: names(&b.sub_roles),
        software_status: statuses("SoftwareStatus", &b.software_status)?,
        states: names(&b.states),
    })
}

/// A subscription ID from the path: 400 when it is not a number.
fn id_param(raw: &str) -> Result<i64, Problem> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| Problem::bad_request(format!("id: '{raw}' is not a subscription ID")))
}

fn not_found() -> Problem {
    Problem::not_found("Subscription does not exist")
}

/// List every SCN subscription.
#[utoipa::path(get, path = "/hsm/v2/Subscriptions/SCN", operation_id = "doGetSCNSubscriptionsAll", tag = "subscriptions",
    responses((status = 200, body = SubscriptionList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let subscription_list = state.store.subscriptions().await?;
    Ok(json(
        StatusCode::OK,
        &SubscriptionList { subscription_list },
    ))
}

/// Subscribe `Url` to changes of the listed States, Roles, SubRoles,
/// SoftwareStatus values, and (`Enabled: true`) of Enabled. Answers the
/// stored subscription with its `ID`.
#[utoipa::path(post, path = "/hsm/v2/Subscriptions/SCN", operation_id = "doPostSCNSubscription", tag = "subscriptions",
    request_body = SubscriptionIn,
    responses((status = 200, body = Subscription),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<SubscriptionIn>,
) -> Result<HttpResponse, Problem> {
    let s = subscription_of(0, body.0)?;
    let stored = state.store.insert_subscription(&s).await?;
    Ok(json(StatusCode::OK, &stored))
}

/// Delete every SCN subscription (and what was still queued for them).
#[utoipa::path(delete, path = "/hsm/v2/Subscriptions/SCN", operation_id = "doDeleteSCNSubscriptionsAll", tag = "subscriptions",
    responses((status = 200, body = crate::api::service::Message)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let n = state.store.delete_subscriptions().await?;
    Ok(ok_message(format!("{n} Subscriptions deleted")))
}

/// One subscription.
#[utoipa::path(get, path = "/hsm/v2/Subscriptions/SCN/{id}", operation_id = "doGetSCNSubscription", tag = "subscriptions",
    params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = Subscription),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id_param(&path)?;
    let s = state.store.subscription(id).await?.ok_or_else(not_found)?;
    Ok(json(StatusCode::OK, &s))
}

/// Replace a subscription whole.
#[utoipa::path(put, path = "/hsm/v2/Subscriptions/SCN/{id}", operation_id = "doPutSCNSubscription", tag = "subscriptions",
    params(("id" = i64, Path, example = 1)), request_body = SubscriptionIn,
    responses((status = 204),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails),
        (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn put_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SubscriptionIn>,
) -> Result<HttpResponse, Problem> {
    let id = id_param(&path)?;
    let s = subscription_of(id, body.0)?;
    if !state.store.update_subscription(&s).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Add to, remove from or replace the trigger lists given (`Op`), and set
/// `Enabled` when given.
#[utoipa::path(patch, path = "/hsm/v2/Subscriptions/SCN/{id}", operation_id = "doPatchSCNSubscription", tag = "subscriptions",
    params(("id" = i64, Path, example = 1)), request_body = SubscriptionPatch,
    responses((status = 204),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SubscriptionPatch>,
) -> Result<HttpResponse, Problem> {
    let id = id_param(&path)?;
    let p = body.0;
    let op = PatchOp::parse(&p.op).ok_or_else(|| {
        Problem::bad_request(format!(
            "Op: '{}' is not a patch operation (add, remove or replace)",
            p.op
        ))
    })?;
    let software_status = match &p.software_status {
        Some(v) => Some(statuses("SoftwareStatus", v)?),
        None => None,
    };
    let roles = p.roles.as_deref().map(names);
    let sub_roles = p.sub_roles.as_deref().map(names);
    let states = p.states.as_deref().map(names);
    let found = state
        .store
        .patch_subscription(id, |s| {
            if let Some(e) = p.enabled {
                s.enabled = Some(e);
            }
            for (list, values) in [
                (&mut s.roles, &roles),
                (&mut s.sub_roles, &sub_roles),
                (&mut s.software_status, &software_status),
                (&mut s.states, &states),
            ] {
                if let Some(v) = values {
                    op.apply(list, v);
                }
            }
        })
        .await?;
    if !found {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Delete one subscription (and what was still queued for it).
#[utoipa::path(delete, path = "/hsm/v2/Subscriptions/SCN/{id}", operation_id = "doDeleteSCNSubscription", tag = "subscriptions",
    params(("id" = i64, Path, example = 2)),
    responses((status = 200, body = crate::api::service::Message),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id_param(&path)?;
    if !state.store.delete_subscription(id).await? {
        return Err(not_found());
    }
    Ok(ok_message("Subscription deleted"))
}
