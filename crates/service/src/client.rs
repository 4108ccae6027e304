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
