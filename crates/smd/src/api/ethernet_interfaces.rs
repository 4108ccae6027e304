//! `/hsm/v2/Inventory/EthernetInterfaces`: MAC ↔ component ↔ IP.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::{HmsType, MacAddr, Xname};
use serde_json::json as j;

use super::{deleted, each, json, ok_message, text};
use crate::model::ethernet_interface::{
    parse_ip, EthernetInterface, EthernetInterfaceIn, EthernetInterfacePatch, IpAddressIn,
    IpAddressMapping, IpAddressPatch, NewEthernetInterface,
};
use crate::store::ethernet_interfaces::EthernetFilter;
use crate::AppState;

const BASE: &str = "/Inventory/EthernetInterfaces";
const URI_BASE: &str = "/hsm/v2/Inventory/EthernetInterfaces";

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
            .route(web::patch().to(patch_one))
            .route(web::delete().to(delete_one))
            .default_service(allow("GET, PATCH, DELETE")),
    )
    .service(
        web::resource(format!("{BASE}/{{id}}/IPAddresses"))
            .route(web::get().to(ips_get))
            .route(web::post().to(ips_post))
            .default_service(allow("GET, POST")),
    )
    .service(
        web::resource(format!("{BASE}/{{id}}/IPAddresses/{{ip}}"))
            .route(web::patch().to(ip_patch))
            .route(web::delete().to(ip_delete))
            .default_service(allow("PATCH, DELETE")),
    );
}

/// The stored id for a path or query id: any MAC spelling, else as given.
fn id_of(raw: &str) -> String {
    raw.parse::<MacAddr>()
        .map(|m| m.to_hex())
        .unwrap_or_else(|_| raw.trim().to_ascii_lowercase())
}

fn time_param(q: &QueryParams, name: &str) -> Result<Option<DateTime<Utc>>, Problem> {
    q.first(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    Problem::bad_request(format!(
                        "bad query param '{name}': '{v}': {e} (expected RFC 3339, e.g. 2024-01-02T15:04:05Z)"
                    ))
                })
        })
        .transpose()
}

/// List interfaces (a bare JSON array), filtered.
#[utoipa::path(get, path = "/hsm/v2/Inventory/EthernetInterfaces", operation_id = "doCompEthInterfacesGetV2", tag = "ethernet-interfaces",
    params(
        ("MACAddress" = Option<Vec<String>>, Query), ("IPAddress" = Option<Vec<String>>, Query),
        ("Network" = Option<Vec<String>>, Query), ("ComponentID" = Option<Vec<String>>, Query),
        ("Type" = Option<Vec<String>>, Query), ("OlderThan" = Option<String>, Query),
        ("NewerThan" = Option<String>, Query),
    ),
    responses((status = 200, body = Vec<EthernetInterface>), (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn list(state: web::Data<AppState>, q: QueryParams) -> Result<HttpResponse, Problem> {
    // As OpenCHAMI's doCompEthInterfacesGetV2, a MAC filter is not
    // validated: one that is no MAC matches nothing.
    let mut ids: Vec<String> = q
        .all("macaddress")
        .into_iter()
        .map(|m| {
            m.parse::<MacAddr>()
                .map(|m| m.to_hex())
                .unwrap_or_else(|_| m.to_ascii_lowercase())
        })
        .collect();
    ids.extend(q.all("id").into_iter().map(id_of));
    let ips = q
        .all("ipaddress")
        .into_iter()
        .map(|v| {
            parse_ip(v)
                .map_err(|e| Problem::bad_request(format!("bad query param 'IPAddress': {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let f = EthernetFilter {
        ids,
        ips,
        networks: q.all("network").into_iter().map(String::from).collect(),
        component_ids: component_ids(&q)?,
        types: each(
            &strings(&q, "type"),
            "",
            "Invalid HMS type.",
            text::<HmsType>,
        )?,
        older_than: time_param(&q, "olderthan")?,
        newer_than: time_param(&q, "newerthan")?,
    };
    Ok(json(
        StatusCode::OK,
        &state.store.ethernet_interfaces(&f).await?,
    ))
}

fn strings(q: &QueryParams, name: &str) -> Vec<String> {
    q.all(name).into_iter().map(String::from).collect()
}

/// `ComponentID` values: an empty one selects the interfaces with no
/// component (OpenCHAMI allows it explicitly); a malformed one is 400
/// `Invalid CompID.`.
fn component_ids(q: &QueryParams) -> Result<Vec<String>, Problem> {
    q.0.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("componentid"))
        .flat_map(|(_, v)| v.split(','))
        .map(|v| match v.trim() {
            "" => Ok(String::new()),
            t => t
                .parse::<Xname>()
                .map(|x| x.as_str().to_owned())
                .map_err(|e| Problem::bad_request("Invalid CompID.").because(e)),
        })
        .collect()
}

/// Create an interface; its ID is the MAC in lower-case hex.
#[utoipa::path(post, path = "/hsm/v2/Inventory/EthernetInterfaces", operation_id = "doCompEthInterfacePostV2", tag = "ethernet-interfaces",
    request_body = EthernetInterfaceIn,
    responses((status = 201, body = crate::model::redfish_endpoint::ResourceUri),
        (status = 400, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn post(
    state: web::Data<AppState>,
    body: ApiJson<EthernetInterfaceIn>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let Some(mac) = b.mac_address else {
        return Err(Problem::bad_request("MACAddress: missing"));
    };
    let id = state
        .store
        .insert_ethernet_interface(&NewEthernetInterface {
            mac,
            description: b.description,
            component_id: b.component_id,
            ip_addresses: b.ip_addresses.into_iter().map(Into::into).collect(),
        })
        .await?;
    let uri = format!("{URI_BASE}/{id}");
    let mut res = json(StatusCode::CREATED, &j!({ "URI": uri }));
    if let Ok(v) = header::HeaderValue::from_str(&uri) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Delete every interface.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/EthernetInterfaces", operation_id = "doCompEthInterfaceDeleteAllV2", tag = "ethernet-interfaces",
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_all(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    deleted(state.store.delete_ethernet_interfaces().await?)
}

/// One interface (the id may be any MAC spelling).
#[utoipa::path(get, path = "/hsm/v2/Inventory/EthernetInterfaces/{id}", operation_id = "doCompEthInterfaceGetV2", tag = "ethernet-interfaces",
    params(("id" = String, Path, example = "525400000000")),
    responses((status = 200, body = EthernetInterface), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match state.store.ethernet_interface(&id_of(&path)).await? {
        Some(e) => Ok(json(StatusCode::OK, &e)),
        None => Err(Problem::not_found(format!(
            "No such component ethernet interface: {}",
            path.as_str()
        ))),
    }
}

/// Change Description, ComponentID or IPAddresses.
#[utoipa::path(patch, path = "/hsm/v2/Inventory/EthernetInterfaces/{id}", operation_id = "doCompEthInterfacePatchV2", tag = "ethernet-interfaces",
    params(("id" = String, Path, example = "525400000000")), request_body(content = EthernetInterfacePatch, example = json!({"Description": "Node network interface"})),
    responses((status = 200, body = EthernetInterface), (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn patch_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<EthernetInterfacePatch>,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    if b.description.is_none() && b.component_id.is_none() && b.ip_addresses.is_none() {
        return Err(Problem::bad_request(
            "Request must have at least one patch field.",
        ));
    }
    let component = match b.component_id.as_deref().map(str::trim) {
        None => None,
        Some("") => Some((String::new(), String::new())),
        Some(c) => {
            let x: Xname = c
                .parse()
                .map_err(|e| Problem::bad_request(format!("ComponentID: {e}")))?;
            Some((x.as_str().to_owned(), x.hms_type().as_str().to_owned()))
        }
    };
    let ips: Option<Vec<IpAddressMapping>> = b
        .ip_addresses
        .map(|v| v.into_iter().map(Into::into).collect());
    match state
        .store
        .patch_ethernet_interface(
            &id_of(&path),
            b.description.as_deref(),
            component.as_ref().map(|(a, t)| (a.as_str(), t.as_str())),
            ips.as_deref(),
        )
        .await?
    {
        Some(e) => Ok(json(StatusCode::OK, &e)),
        None => Err(Problem::not_found("no such component ethernet interface.")),
    }
}

/// Delete one interface.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/EthernetInterfaces/{id}", operation_id = "doCompEthInterfaceDeleteV2", tag = "ethernet-interfaces",
    params(("id" = String, Path, example = "525400000001")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn delete_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    if state.store.delete_ethernet_interface(&id_of(&path)).await? {
        Ok(ok_message("deleted 1 entry"))
    } else {
        Err(Problem::not_found("no such component ethernet interface."))
    }
}

/// The interface's IP addresses.
#[utoipa::path(get, path = "/hsm/v2/Inventory/EthernetInterfaces/{ethInterfaceID}/IPAddresses", operation_id = "doCompEthInterfaceIPAddressesGetV2", tag = "ethernet-interfaces",
    params(("ethInterfaceID" = String, Path, example = "525400800000")),
    responses((status = 200, body = Vec<IpAddressMapping>), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn ips_get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match state.store.ethernet_interface(&id_of(&path)).await? {
        Some(e) => Ok(json(StatusCode::OK, &e.ip_addresses)),
        None => Err(Problem::not_found(format!(
            "No such component ethernet interface: {}",
            path.as_str()
        ))),
    }
}

/// Add an IP address.
#[utoipa::path(post, path = "/hsm/v2/Inventory/EthernetInterfaces/{ethInterfaceID}/IPAddresses", operation_id = "doCompEthInterfaceIPAddressesPostV2", tag = "ethernet-interfaces",
    params(("ethInterfaceID" = String, Path, example = "525400800000")),
    request_body(content = IpAddressIn, example = json!({"IPAddress": "172.16.0.11"})),
    responses((status = 201, body = crate::model::redfish_endpoint::ResourceUri),
        (status = 404, body = ochami_types::ProblemDetails), (status = 409, body = ochami_types::ProblemDetails)))]
pub async fn ips_post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<IpAddressIn>,
) -> Result<HttpResponse, Problem> {
    let id = id_of(&path);
    let ip: IpAddressMapping = body.0.into();
    if !state.store.add_ip(&id, &ip).await? {
        return Err(Problem::not_found("no such component ethernet interface."));
    }
    let uri = format!("{URI_BASE}/{id}/IPAddresses/{}", ip.ip_address);
    let mut res = json(StatusCode::CREATED, &j!({ "URI": uri }));
    if let Ok(v) = header::HeaderValue::from_str(&uri) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

fn ip_path(raw: &str) -> Result<String, Problem> {
    parse_ip(raw).map_err(Problem::bad_request)
}

/// Change an IP address's Network.
#[utoipa::path(patch, path = "/hsm/v2/Inventory/EthernetInterfaces/{ethInterfaceID}/IPAddresses/{ipAddress}", operation_id = "doCompEthInterfaceIPAddressPatchV2", tag = "ethernet-interfaces",
    params(("ethInterfaceID" = String, Path, example = "525400800000"), ("ipAddress" = String, Path, example = "127.0.0.1")), request_body = IpAddressPatch,
    responses((status = 200, body = IpAddressMapping), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn ip_patch(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: ApiJson<IpAddressPatch>,
) -> Result<HttpResponse, Problem> {
    let (id, ip) = path.into_inner();
    let ip = ip_path(&ip)?;
    match state
        .store
        .change_ip(&id_of(&id), &ip, Some(body.0.network))
        .await?
    {
        (false, _) => Err(Problem::not_found("no such component ethernet interface.")),
        (true, None) => Err(Problem::not_found(format!("no such IP address: {ip}"))),
        (true, Some(m)) => Ok(json(StatusCode::OK, &m)),
    }
}

/// Remove an IP address.
#[utoipa::path(delete, path = "/hsm/v2/Inventory/EthernetInterfaces/{ethInterfaceID}/IPAddresses/{ipAddress}", operation_id = "doCompEthInterfaceIPAddressDeleteV2", tag = "ethernet-interfaces",
    params(("ethInterfaceID" = String, Path, example = "525400800000"), ("ipAddress" = String, Path, example = "172.16.0.10")),
    responses((status = 200, body = super::service::Message), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn ip_delete(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (id, ip) = path.into_inner();
    let ip = ip_path(&ip)?;
    match state.store.change_ip(&id_of(&id), &ip, None).await? {
        (false, _) => Err(Problem::not_found("no such component ethernet interface.")),
        (true, None) => Err(Problem::not_found(format!("no such IP address: {ip}"))),
        (true, Some(_)) => Ok(ok_message("deleted 1 entry")),
    }
}
