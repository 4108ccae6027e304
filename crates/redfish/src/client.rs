//! A small Redfish client: one authenticated session per BMC, JSON GETs of
//! resources by `@odata.id`, and actions.
//!
//! Authentication: a `SessionService` session (one POST, then `X-Auth-Token`),
//! falling back to HTTP Basic when the BMC has no session service. The session
//! is deleted on [`Session::close`]. Never panics on what a BMC sends: every
//! failure is a [`RedfishError`] naming the URL.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

/// TLS and timeout settings shared by every BMC connection.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Accept any certificate (`-i`).
    pub insecure: bool,
    /// Extra PEM CA certificate(s) to trust (`--cacert`).
    pub cacert: Option<Vec<u8>>,
}

/// Build the HTTP client used for BMCs. One client for all BMCs: it pools
/// connections per host, so each BMC's requests reuse one TLS connection.
pub fn http_client(tls: &TlsOptions, timeout: Duration) -> Result<Client, String> {
    http_client_as(
        concat!("magellan-rs/", env!("CARGO_PKG_VERSION")),
        tls,
        timeout,
    )
}

/// [`http_client`] announcing itself as `user_agent` (smd walks BMCs too).
pub fn http_client_as(
    user_agent: &str,
    tls: &TlsOptions,
    timeout: Duration,
) -> Result<Client, String> {
    let mut builder = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(2)
        .pool_idle_timeout(Duration::from_secs(10))
        .user_agent(user_agent)
        .danger_accept_invalid_certs(tls.insecure);
    if tls.insecure {
        // With -i the certificate's names are irrelevant too.
        builder = builder.danger_accept_invalid_hostnames(true);
    }
    if let Some(pem) = &tls.cacert {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| format!("--cacert: not a PEM certificate: {e}"))?;
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    builder.build().map_err(|e| format!("HTTP client: {e}"))
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RedfishError {
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("{url}: wrong credentials (HTTP {status})")]
    Auth { url: String, status: u16 },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: malformed JSON: {reason}")]
    Json { url: String, reason: String },
}

impl RedfishError {
    fn from_reqwest(url: &str, e: reqwest::Error) -> RedfishError {
        if e.is_timeout() {
            return RedfishError::Timeout { url: url.into() };
        }
        // The source chain carries the useful part (refused, TLS, ...).
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            reason = format!("{reason}: {s}");
            src = s.source();
        }
        RedfishError::Transport {
            url: url.into(),
            reason,
        }
    }
}

#[derive(Debug, Clone)]
enum Auth {
    Token {
        token: String,
        location: Option<String>,
    },
    Basic,
}

/// An authenticated conversation with one BMC.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    /// `scheme://host:port`, no trailing slash.
    pub base: String,
    username: String,
    password: String,
    auth: Auth,
}

impl Session {
    /// Log in: try a SessionService session, fall back to Basic auth if the
    /// BMC does not offer one. Wrong credentials are an error either way.
    pub async fn open(
        client: &Client,
        base: &str,
        username: &str,
        password: &str,
    ) -> Result<Session, RedfishError> {
        let base = base.trim_end_matches('/').to_owned();
        let url = format!("{base}/redfish/v1/SessionService/Sessions");
        let resp = client
            .post(&url)
            .json(&serde_json::json!({"UserName": username, "Password": password}))
            .send()
            .await
            .map_err(|e| RedfishError::from_reqwest(&url, e))?;
        let status = resp.status();
        let mut session = Session {
            client: client.clone(),
            base,
            username: username.into(),
            password: password.into(),
            auth: Auth::Basic,
        };
        if status.is_success() {
            let token = resp
                .headers()
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match token {
                Some(token) => session.auth = Auth::Token { token, location },
                None => {
                    tracing::debug!("{url}: session created without X-Auth-Token; using Basic auth")
                }
            }
            return Ok(session);
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(RedfishError::Auth {
                url,
                status: status.as_u16(),
            });
        }
        // No (working) session service: Basic auth, checked by the first GET.
        tracing::debug!("{url}: HTTP {status}; falling back to Basic auth");
        Ok(session)
    }

    /// Absolute URL for an `@odata.id` path or a full URL.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::Token { token, .. } => req.header("X-Auth-Token", token),
            Auth::Basic => req.basic_auth(&self.username, Some(&self.password)),
        }
    }

    /// GET a resource as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, RedfishError> {
        let url = self.url(path);
        let resp = self
            .authed(self.client.get(&url))
            .send()
            .await
            .map_err(|e| RedfishError::from_reqwest(&url, e))?;
        let status = resp.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(RedfishError::Auth {
                url,
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(RedfishError::Status {
                url,
                status: status.as_u16(),
            });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RedfishError::from_reqwest(&url, e))?;
        serde_json::from_slice(&bytes).map_err(|e| RedfishError::Json {
            url,
            reason: e.to_string(),
        })
    }

    /// POST an action; any 2xx is success.
    pub async fn post(&self, path: &str, body: &Value) -> Result<u16, RedfishError> {
        let url = self.url(path);
        let resp = self
            .authed(self.client.post(&url))
            .json(body)
            .send()
            .await
            .map_err(|e| RedfishError::from_reqwest(&url, e))?;
        let status = resp.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(RedfishError::Auth {
                url,
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(RedfishError::Status {
                url,
                status: status.as_u16(),
            });
        }
        Ok(status.as_u16())
    }

    /// Member `@odata.id`s of a collection (missing/odd members are skipped).
    pub async fn members(&self, path: &str) -> Result<Vec<String>, RedfishError> {
        let coll = self.get(path).await?;
        Ok(odata_ids(coll.get("Members")))
    }

    /// Log out (best effort: a BMC that forgets sessions is not an error).
    pub async fn close(self) {
        if let Auth::Token {
            token,
            location: Some(location),
        } = &self.auth
        {
            let url = self.url(location);
            if let Err(e) = self
                .client
                .delete(&url)
                .header("X-Auth-Token", token)
                .send()
                .await
            {
                tracing::debug!("{url}: closing session: {e}");
            }
        }
    }
}

/// `@odata.id`s of a JSON array of links (`[{"@odata.id": ..}, ..]`).
pub fn odata_ids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("@odata.id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `@odata.id` of a single link (`{"@odata.id": ..}`).
pub fn odata_id(v: Option<&Value>) -> Option<String> {
    v.and_then(|l| l.get("@odata.id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A string property, "" when absent or not a string (vendors differ).
pub fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
