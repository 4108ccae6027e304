//! The HTTP client one ochami service uses to call another (bss and
//! dhcpd-shim calling smd): a bounded timeout, no proxy (the services talk on
//! the cluster network, which a site's HTTP proxy must not intercept), and,
//! when smd has auth on, a bearer token on every request.

use std::time::Duration;

/// The first of `vars` that is set and not empty: e.g.
/// `["BSS_ACCESS_TOKEN", "ACCESS_TOKEN"]` (magellan's variable as fallback).
pub fn token_from_env(vars: &[&str]) -> Option<String> {
    vars.iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|t| !t.trim().is_empty())
}

/// A client for service-to-service calls; `token` is sent as
/// `Authorization: Bearer <token>` on every request.
pub fn service_client(timeout: Duration, token: Option<&str>) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) {
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .map_err(|_| "the access token is not a valid header value".to_owned())?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .default_headers(headers)
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// `smd healthcheck` / `bss healthcheck`: one GET of `path` on the daemon
/// listening at `listen` (an unspecified address is asked on loopback), for
/// container health checks in images that have no curl. `Ok` carries the
/// answer's body; any status but 2xx, or no answer within 5 s, is an `Err`.
pub async fn healthcheck(listen: std::net::SocketAddr, path: &str) -> Result<String, String> {
    let ip = match listen.ip() {
        std::net::IpAddr::V4(a) if a.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(a) if a.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    let url = format!(
        "http://{}{path}",
        std::net::SocketAddr::new(ip, listen.port())
    );
    let client = service_client(Duration::from_secs(5), None)?;
    let resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("GET {url}: {status} {body}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_with_a_newline_is_refused_not_sent() {
        let e = service_client(Duration::from_secs(1), Some("abc\ndef")).unwrap_err();
        assert!(e.contains("access token"), "{e}");
        assert!(service_client(Duration::from_secs(1), Some("  ")).is_ok());
    }
}
