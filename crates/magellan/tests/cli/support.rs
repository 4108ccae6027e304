//! Test support: a recording fake SMD, a non-Redfish HTTP server, and a
//! runner for the real `magellan` binary.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// One request SMD received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct SmdState {
    pub requests: Vec<Received>,
    /// RedfishEndpoints by ID, as last stored.
    pub endpoints: BTreeMap<String, Value>,
}

/// A fake SMD answering like OpenCHAMI's for RedfishEndpoints: POST → 201
/// (409 if the ID exists), PUT → 200 (204 if new); a payload that lacks a
/// key magellan must send is a 400 naming it.
pub struct FakeSmd {
    pub url: String,
    pub state: Arc<Mutex<SmdState>>,
}

impl FakeSmd {
    pub async fn start() -> FakeSmd {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(SmdState::default()));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, Infallible>(smd_answer(&st, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        FakeSmd {
            url: format!("http://{addr}"),
            state,
        }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn endpoints(&self) -> BTreeMap<String, Value> {
        self.state.lock().unwrap().endpoints.clone()
    }
}

/// The payload shape OpenCHAMI smd's V2 parser relies on.
pub fn shape_problem(v: &Value) -> Option<String> {
    for (k, want) in [
        ("ID", "string"),
        ("Type", "string"),
        ("Name", "string"),
        ("FQDN", "string"),
        ("User", "string"),
        ("MACRequired", "bool"),
        ("RediscoverOnUpdate", "bool"),
        ("SchemaVersion", "number"),
        ("Systems", "array"),
        ("Managers", "array"),
    ] {
        let ok = matches!(
            (v.get(k), want),
            (Some(Value::String(_)), "string")
                | (Some(Value::Bool(_)), "bool")
                | (Some(Value::Number(_)), "number")
                | (Some(Value::Array(_)), "array")
        );
        if !ok {
            return Some(format!("{k} missing or not a {want}"));
        }
    }
    if v.get("Password").is_some() {
        return Some("Password must not be sent".into());
    }
    for sys in v["Systems"].as_array().unwrap() {
        for k in [
            "uri",
            "uuid",
            "manufacturer",
            "system_type",
            "name",
            "model",
            "serial",
            "bios_version",
            "ethernet_interfaces",
            "network_interfaces",
            "power",
            "actions",
            "processor_count",
            "processor_type",
            "memory_total",
            "links",
        ] {
            if sys.get(k).is_none() {
                return Some(format!("Systems[].{k} missing"));
            }
        }
        for nic in sys["ethernet_interfaces"].as_array().unwrap() {
            for k in ["uri", "mac", "ip", "name", "description", "enabled"] {
                if nic.get(k).is_none() {
                    return Some(format!("ethernet_interfaces[].{k} missing"));
                }
            }
        }
        for k in ["state", "mode", "restore_policy", "power_control_ids"] {
            if sys["power"].get(k).is_none() {
                return Some(format!("power.{k} missing"));
            }
        }
        for k in ["chassis", "managers"] {
            if sys["links"].get(k).is_none() {
                return Some(format!("links.{k} missing"));
            }
        }
    }
    for m in v["Managers"].as_array().unwrap() {
        for k in [
            "uri",
            "uuid",
            "name",
            "description",
            "model",
            "type",
            "firmware_version",
            "ethernet_interfaces",
            "actions",
            "command_shell",
        ] {
            if m.get(k).is_none() {
                return Some(format!("Managers[].{k} missing"));
            }
        }
    }
    None
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn smd_answer(st: &Mutex<SmdState>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = req.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut st = st.lock().unwrap();
    st.requests.push(Received {
        method: method.clone(),
        path: path.clone(),
        authorization,
        body: body.clone(),
    });
    let problem = |status: u16, detail: &str| {
        reply(
            status,
            json!({"type": "about:blank", "title": "x", "detail": detail, "status": status}),
        )
    };
    const BASE: &str = "/hsm/v2/Inventory/RedfishEndpoints";
    if let Some(p) = shape_problem(&body) {
        return problem(400, &p);
    }
    let id = body["ID"].as_str().unwrap_or_default().to_owned();
    match (method.as_str(), path.as_str()) {
        ("POST", BASE) => {
            if st.endpoints.contains_key(&id) {
                return problem(409, "operation would conflict with an existing resource that has the same FQDN or xname ID.");
            }
            st.endpoints.insert(id.clone(), body);
            reply(201, json!([{"URI": format!("{BASE}/{id}")}]))
        }
        ("PUT", p)
            if p.strip_prefix(BASE).and_then(|r| r.strip_prefix('/')) == Some(id.as_str()) =>
        {
            let existed = st.endpoints.insert(id, body.clone()).is_some();
            if existed {
                reply(200, body)
            } else {
                Response::builder()
                    .status(204)
                    .body(Full::new(Bytes::new()))
                    .unwrap()
            }
        }
        _ => problem(404, "no such route"),
    }
}

/// An HTTP server that is not Redfish (404 everywhere), on `addr`.
pub async fn not_redfish(addr: &str) -> SocketAddr {
    let listener = TcpListener::bind(addr).await.unwrap();
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::from_static(b"<html>nginx</html>")))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    local
}

/// What a user sees from one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the real binary with `args` (cache in `dir` unless given).
pub async fn magellan(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_magellan"));
    cmd.args(args)
        .env("MAGELLAN_CACHE", dir.join("assets.db"))
        .env_remove("ACCESS_TOKEN")
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    let out = cmd.output().await.expect("magellan runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A Redfish service made of fixed documents (path → JSON), with Basic auth
/// accepted blindly and no session service: for vendor quirks.
pub async fn static_redfish(docs: BTreeMap<String, Value>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let docs = Arc::new(docs);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let docs = docs.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let docs = docs.clone();
                    async move {
                        let path = req.uri().path().trim_end_matches('/').to_owned();
                        Ok::<_, Infallible>(match docs.get(&path) {
                            Some(v) => reply(200, v.clone()),
                            None => reply(404, json!({"error": "not here"})),
                        })
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    url
}
