//! `/hsm/v2/service/values*`: the HMS enum spellings.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, Problem};
use ochami_types::{Arch, Class, Flag, HmsType, NetType, Role, State, SubRole};
use serde::Serialize;
use utoipa::ToSchema;

use super::json;

/// Every enum, as `GET /service/values` answers (OpenCHAMI `HMSValues`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Values {
    #[serde(rename = "Arch")]
    pub arch: Vec<&'static str>,
    #[serde(rename = "Class")]
    pub class: Vec<&'static str>,
    #[serde(rename = "Flag")]
    pub flag: Vec<&'static str>,
    #[serde(rename = "NetType")]
    pub net_type: Vec<&'static str>,
    #[serde(rename = "Role")]
    pub role: Vec<&'static str>,
    #[serde(rename = "SubRole")]
    pub sub_role: Vec<&'static str>,
    #[serde(rename = "State")]
    pub state: Vec<&'static str>,
    #[serde(rename = "Type")]
    pub type_: Vec<&'static str>,
}

fn names<T>(all: &[T], f: fn(&T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(f).collect()
}

fn values() -> Values {
    Values {
        arch: names(Arch::ALL, Arch::as_str),
        class: names(Class::ALL, Class::as_str),
        flag: names(Flag::ALL, Flag::as_str),
        net_type: names(NetType::ALL, NetType::as_str),
        role: names(Role::ALL, Role::as_str),
        sub_role: names(SubRole::ALL, SubRole::as_str),
        state: names(State::ALL, State::as_str),
        type_: names(HmsType::ALL, HmsType::as_str),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service/values")
            .route(web::get().to(values_all))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/service/values/{which}")
            .route(web::get().to(values_one))
            .default_service(allow("GET")),
    );
}

/// All enum spellings.
#[utoipa::path(get, path = "/hsm/v2/service/values", operation_id = "doValuesGet", tag = "service",
    responses((status = 200, body = Values)))]
pub async fn values_all() -> HttpResponse {
    json(StatusCode::OK, &values())
}

/// One enum's spellings: `{"Arch":[...]}` etc.
#[utoipa::path(get, path = "/hsm/v2/service/values/{which}", operation_id = "doValuesKindGet", tag = "service",
    params(("which" = String, Path, description = "arch, class, flag, nettype, role, subrole, state or type", example = "role")),
    responses((status = 200, body = Object), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn values_one(path: web::Path<String>) -> Result<HttpResponse, Problem> {
    let v = values();
    let (key, list) = match path.to_ascii_lowercase().as_str() {
        "arch" => ("Arch", v.arch),
        "class" => ("Class", v.class),
        "flag" => ("Flag", v.flag),
        "nettype" => ("NetType", v.net_type),
        "role" => ("Role", v.role),
        "subrole" => ("SubRole", v.sub_role),
        "state" => ("State", v.state),
        "type" => ("Type", v.type_),
        other => {
            return Err(Problem::not_found(format!(
            "no such value list '{other}' (arch, class, flag, nettype, role, subrole, state, type)"
        )))
        }
    };
    let mut m = serde_json::Map::new();
    m.insert(key.into(), serde_json::json!(list));
    Ok(json(StatusCode::OK, &m))
}
