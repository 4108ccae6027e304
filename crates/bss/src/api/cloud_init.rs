//! cloud-init's nocloud-net data source (`ds=nocloud-net;s=<bss>/` on the
//! kernel line): `/meta-data`, `/user-data`, `/phone-home`, at the root as in
//! OpenCHAMI. The node is named by `?mac=`/`?name=`, else found by the
//! request's source address (last `X-Forwarded-For` entry, else the peer)
//! among SMD's EthernetInterfaces. A source address SMD does not know gets
//! the `Default` (and `Global`) data, as OpenCHAMI serves it; an unknown
//! `?mac=`/`?name=` (our addition) is a 404.

use actix_web::{web, HttpRequest, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem, QueryParams};
use ochami_types::MacAddr;
use serde_json::{Map, Value};

use crate::model::{BootParams, CloudInit, Key, Kind, PhoneHome, DEFAULT_HOST, GLOBAL_HOST};
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

/// The node asking; `None` when it is known only by a source address SMD
/// does not know (OpenCHAMI then serves the default data).
async fn node_of(
    req: &HttpRequest,
    q: &QueryParams,
    state: &AppState,
) -> Result<Option<Node>, Problem> {
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
        return Ok(Some(n));
    }
    state.smd.refresh(false).await;
    if let Some(n) = find(&state.smd.snapshot()) {
        return Ok(Some(n));
    }
    match (&mac, &name) {
        (Some(m), _) => Err(Problem::not_found(format!("XName not found for MAC {m}"))),
        (None, Some(n)) => Err(Problem::not_found(format!("XName not found: {n}"))),
        _ => {
            tracing::info!(ip = ?ip, "cloud-init: no xname for the source address, using default data");
            Ok(None)
        }
    }
}

/// OpenCHAMI's `generateInstanceID("")` for a node it does not know:
/// `default-` and 12 random hex digits.
fn default_instance_id() -> String {
    let hex: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(12)
        .collect();
    format!("default-{hex}")
}

/// The node's meta-data plus `instance-id`, `local-hostname`, `shasta-type`,
/// `shasta-role` and `Global`; `?key=a.b` picks one value.
#[utoipa::path(get, path = "/meta-data", operation_id = "meta_data_get", tag = "cloud-init",
    params(
        ("mac" = Option<String>, Query, description = "node MAC (default: by source IP)", example = "52:54:00:00:00:00"),
        ("name" = Option<String>, Query, description = "node xname (default: by source IP)", example = "x1000c1s7b0n0"),
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
    let conf = match &node {
        Some(n) => table.for_node(n, None).map(|(c, _)| c),
        None => table.get(&Key::host(DEFAULT_HOST)),
    };
    let mut meta: Map<String, Value> = conf
        .and_then(|c| c.cloud_init.as_ref())
        .and_then(|c| c.meta_data.clone())
        .unwrap_or_default();
    match &node {
        Some(node) => {
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
            // As OpenCHAMI's generateMetaData: configured values win.
            let mut fill = |k: &str, v: &str| {
                meta.entry(k).or_insert_with(|| Value::String(v.to_owned()));
            };
            fill("local-hostname", &node.id);
            fill("shasta-type", &node.role);
            fill("shasta-role", &node.sub_role);
        }
        None => {
            meta.insert("instance-id".into(), Value::String(default_instance_id()));
        }
    }
    // Always there, `{}` when `Global` has none (OpenCHAMI's metaDataGetAPI).
    let global = table
        .get(&Key::host(GLOBAL_HOST))
        .and_then(|c| c.cloud_init.as_ref())
        .and_then(|c| c.meta_data.clone())
        .unwrap_or_default();
    meta.insert("Global".into(), Value::Object(global));
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
#[utoipa::path(get, path = "/user-data", operation_id = "user_data_get", tag = "cloud-init",
    params(
        ("mac" = Option<String>, Query, description = "node MAC (default: by source IP)", example = "52:54:00:00:00:00"),
        ("name" = Option<String>, Query, description = "node xname (default: by source IP)", example = "x1000c1s7b0n0"),
    ),
    responses((status = 200, content_type = "text/yaml", description = "`#cloud-config` and a YAML mapping", body = Object),
        (status = 404, body = ochami_types::ProblemDetails)))]
pub async fn user_data(
    req: HttpRequest,
    q: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let node = node_of(&req, &q, &state).await?;
    let table = state.params.get(&state.store).await?;
    let conf = match &node {
        Some(n) => table.for_node(n, None).map(|(c, _)| c),
        None => table.get(&Key::host(DEFAULT_HOST)),
    };
    let cloud = conf.and_then(|c| c.cloud_init.as_ref());
    let mut data: Map<String, Value> = cloud.and_then(|c| c.user_data.clone()).unwrap_or_default();
    // OpenCHAMI copies the meta-data's local-hostname (the xname unless
    // configured) into user-data when user-data has none.
    let hostname = cloud
        .and_then(|c| c.meta_data.as_ref())
        .and_then(|m| m.get("local-hostname").cloned())
        .or_else(|| node.as_ref().map(|n| Value::String(n.id.clone())));
    if let Some(h) = hostname {
        data.entry("local-hostname").or_insert(h);
    }
    // Empty is `{}`, as Go's yaml.Marshal writes an empty map.
    let yaml = if data.is_empty() {
        "{}\n".to_owned()
    } else {
        serde_yaml::to_string(&data)
            .map_err(|e| Problem::internal(format!("cannot write user-data as YAML: {e}")))?
    };
    if let Some(node) = &node {
        state
            .access
            .record(&node.id, "user-data", chrono::Utc::now().timestamp());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/yaml")
        .body(format!("#cloud-config\n{yaml}")))
}

/// A node reports its keys and names; stored in its own parameters' cloud-init.
#[utoipa::path(post, path = "/phone-home", operation_id = "phone_home_post", tag = "cloud-init",
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
    let Some(node) = node_of(&req, &q, &state).await? else {
        let ip = source_ip(&req).map(|ip| ip.to_string()).unwrap_or_default();
        return Err(Problem::not_found(format!("XName not found for IP {ip}")));
    };
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
