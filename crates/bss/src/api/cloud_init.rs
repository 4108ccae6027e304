//! cloud-init's nocloud-net data source (`ds=nocloud-net;s=<bss>/` on the
//! kernel line): `/meta-data`, `/user-data`, `/phone-home`, at the root as in
//! OpenCHAMI. The node is named by `?mac=`/`?name=`, else found by the
//! request's source address (last `X-Forwarded-For` entry, else the peer)
//! among SMD's EthernetInterfaces.

use actix_web::{web, HttpRequest, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::MacAddr;
use serde_json::{Map, Value};

use crate::model::{BootParams, CloudInit, Key, Kind, PhoneHome, GLOBAL_HOST};
use crate::smd::Node;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/meta-data")
            .route(web::get().to(meta_data))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/user-data")
            .route(web::get().to(user_data))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/phone-home")
            .route(web::post().to(phone_home))
            .default_service(allow("POST")),
    );
}

fn source_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    if let Some(xff) = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        if let Some(ip) = xff.rsplit(',').next().and_then(|s| s.trim().parse().ok()) {
            return Some(ip);
        }
    }
    req.peer_addr().map(|a| a.ip())
}

async fn node_of(req: &HttpRequest, q: &QueryParams, state: &AppState) -> Result<Node, Problem> {
    let mac = match q.first("mac").filter(|m| !m.is_empty()) {
        Some(_) => q.parse_first::<MacAddr>("mac")?,
        None => None,
    };
    let name = q.first("name").filter(|n| !n.is_empty()).map(str::to_owned);
    let ip = source_ip(req);
    let find = |s: &crate::smd::Snapshot| match (&mac, &name) {
        (Some(m), _) => s.by_mac(m).cloned(),
        (None, Some(n)) => s.by_name(n).cloned(),
        _ => ip.and_then(|ip| s.by_ip(&ip).cloned()),
    };
    if let Some(n) = find(&state.smd.snapshot()) {
        return Ok(n);
    }
    state.smd.refresh(false).await;
    find(&state.smd.snapshot()).ok_or_else(|| match (&mac, &name, ip) {
        (Some(m), _, _) => Problem::not_found(format!("XName not found for MAC {m}")),
        (None, Some(n), _) => Problem::not_found(format!("XName not found: {n}")),
        (None, None, Some(ip)) => Problem::not_found(format!("XName not found for IP {ip}")),
        _ => Problem::not_found("XName not found for IP"),
    })
}

/// The node's meta-data plus `instance-id`, `local-hostname`, `shasta-type`,
/// `shasta-role` and `Global`; `?key=a.b` picks one value.
#[utoipa::path(get, path = "/meta-data", tag = "cloud-init",
    params(
        ("mac" = Option<String>, Query, description = "node MAC (default: by source IP)"),
        ("name" = Option<String>, Query, description = "node xname (default: by source IP)"),
        ("key" = Option<String>, Query, description = "dotted path of one value"),
    ),
    responses((status = 200, body = Object), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn meta_data(
    req: HttpRequest,
    q: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let node = node_of(&req, &q, &state).await?;
    let table = state.params.get(&state.store).await?;
    let conf = table.for_node(&node, None).map(|(c, _)| c);
    let mut meta: Map<String, Value> = conf
        .and_then(|c| c.cloud_init.as_ref())
        .and_then(|c| c.meta_data.clone())
        .unwrap_or_default();
    let token: String = conf
        .map(|c| c.referral_token.replace('-', ""))
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect();
    meta.insert(
        "instance-id".into(),
        Value::String(format!("{}-{token:0<12}", node.id)),
    );
    meta.insert("local-hostname".into(), Value::String(node.id.clone()));
    meta.insert("shasta-type".into(), Value::String(node.role.clone()));
    meta.insert("shasta-role".into(), Value::String(node.sub_role.clone()));
    if let Some(global) = table
        .get(&Key::host(GLOBAL_HOST))
        .and_then(|c| c.cloud_init.as_ref())
        .and_then(|c| c.meta_data.clone())
    {
        meta.insert("Global".into(), Value::Object(global));
    }
    let mut out = Value::Object(meta);
    if let Some(path) = q.first("key").filter(|k| !k.is_empty()) {
        for part in path.split('.') {
            out = out
                .get(part)
                .cloned()
                .ok_or_else(|| Problem::not_found("Not Found"))?;
        }
    }
    Ok(HttpResponse::Ok().json(out))
}

/// The node's user-data as `#cloud-config` YAML.
#[utoipa::path(get, path = "/user-data", tag = "cloud-init",
    params(
        ("mac" = Option<String>, Query, description = "node MAC (default: by source IP)"),
        ("name" = Option<String>, Query, description = "node xname (default: by source IP)"),
    ),
    responses((status = 200, content_type = "text/yaml", body = String), (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn user_data(
    req: HttpRequest,
    q: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let node = node_of(&req, &q, &state).await?;
    let table = state.params.get(&state.store).await?;
    let data: Map<String, Value> = table
        .for_node(&node, None)
        .and_then(|(c, _)| c.cloud_init.as_ref())
        .and_then(|c| c.user_data.clone())
        .unwrap_or_default();
    let yaml = if data.is_empty() {
        String::new()
    } else {
        serde_yaml::to_string(&data)
            .map_err(|e| Problem::internal(format!("cannot write user-data as YAML: {e}")))?
    };
    state
        .access
        .record(&node.id, "user-data", chrono::Utc::now().timestamp());
    Ok(HttpResponse::Ok()
        .content_type("text/yaml")
        .body(format!("#cloud-config\n{yaml}")))
}

/// A node reports its keys and names; stored in its own parameters' cloud-init.
#[utoipa::path(post, path = "/phone-home", tag = "cloud-init",
    request_body = PhoneHome,
    responses(
        (status = 200, body = BootParams),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, description = "unknown node, or no parameters of its own", body = ochami_types::ProblemDetails),
    ))]
pub async fn phone_home(
    req: HttpRequest,
    q: QueryParams,
    state: web::Data<AppState>,
    ApiJson(ph): ApiJson<PhoneHome>,
) -> Result<HttpResponse, Problem> {
    let node = node_of(&req, &q, &state).await?;
    let table = state.params.get(&state.store).await?;
    // Only parameters of the node itself: writing into a role's or Default's
    // would hand one node's keys to every other.
    let (conf, key) = table
        .for_node(&node, None)
        .filter(|(_, k)| k.kind != Kind::Host || k.key == node.id)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "{} has no boot parameters of its own to store phone-home data in",
                node.id
            ))
        })?;
    let mut cloud: CloudInit = conf.cloud_init.clone().unwrap_or_default();
    cloud.phone_home = ph;
    let mut wire = conf.to_wire(&[&key]);
    wire.cloud_init = Some(cloud.clone());
    let result = state.store.set_cloud_init(&key, &cloud).await;
    state.params.invalidate();
    result?;
    Ok(HttpResponse::Ok().json(wire))
}
