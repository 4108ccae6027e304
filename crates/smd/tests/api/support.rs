//! Table-driven HTTP checks: one row per request, with the exact status and
//! body a client sees (problem JSON compared whole, so an extra member or a
//! different `detail` fails).

#![allow(dead_code)]

use serde_json::{json, Value};

/// What the response body must be.
pub enum Want {
    /// Problem JSON with exactly this `detail`.
    Problem(&'static str),
    /// This JSON document, exactly.
    Json(Value),
    /// No body.
    Empty,
    /// Anything (the status is what the row checks).
    Any,
}

/// One request and what must come back.
pub struct Row {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub status: u16,
    pub want: Want,
}

pub fn row(
    method: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    status: u16,
    want: Want,
) -> Row {
    Row {
        method,
        path: path.into(),
        body,
        status,
        want,
    }
}

/// The problem body OpenCHAMI's hms-base writes for `status` and `detail`.
pub fn problem(status: u16, detail: &str) -> Value {
    let title = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({"type": "about:blank", "title": title, "status": status, "detail": detail})
}

/// Send one request; (status, content type, body text).
pub async fn exchange(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String, String) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(m, format!("{base}{path}"));
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, res.text().await.expect("body"))
}

/// Run every row in order, failing on the first that differs.
pub async fn check(base: &str, rows: &[Row]) {
    for r in rows {
        let what = format!("{} {} {:?}", r.method, r.path, r.body);
        let (status, ct, text) = exchange(base, r.method, &r.path, r.body.as_ref()).await;
        assert_eq!(status, r.status, "{what}: {text}");
        match &r.want {
            Want::Problem(detail) => {
                assert_eq!(ct, "application/problem+json", "{what}");
                let got: Value = serde_json::from_str(&text).expect("problem JSON");
                assert_eq!(got, problem(r.status, detail), "{what}");
            }
            Want::Json(v) => {
                let got: Value = serde_json::from_str(&text).expect("JSON");
                assert_eq!(&got, v, "{what}");
            }
            Want::Empty => assert_eq!(text, "", "{what}"),
            Want::Any => {}
        }
    }
}

/// A plain HTTP client for the tests.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Send `req`; the status and the body as JSON (`null` when it is not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// GET `url`: the status and the body, which must be JSON.
pub async fn get_json(url: String) -> (u16, Value) {
    let res = client().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// GET `url`: the status and the body as JSON (`null` when it is not JSON).
pub async fn get(url: String) -> (u16, Value) {
    send(client().get(url)).await
}
