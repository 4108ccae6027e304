//! Optional bearer-JWT authentication (off unless a JWKS URL is configured).
//!
//! Tokens are verified against keys fetched from the JWKS URL and cached; an
//! unknown `kid` triggers a refetch (rate-limited), so key rotation needs no
//! restart. `alg` must be the key's asymmetric algorithm — `none` and HMAC are
//! never accepted. Issuer and audiences are checked when configured; `exp` always.
//!
//! The [`AuthPolicy`] decides which routes stay public (OpenCHAMI's list per
//! service); the middleware in [`crate::http::app`] answers 401 (no/invalid
//! token) or 403 (valid token without the required scope) as problem JSON.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

/// `*_JWKS_URL`, `*_AUTH_ISSUER`, `*_AUTH_AUDIENCES`, `*_AUTH_WRITE_SCOPE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSettings {
    pub jwks_url: Option<String>,
    pub auth_issuer: Option<String>,
    /// Comma-separated accepted audiences.
    pub auth_audiences: Option<String>,
    /// A scope writes must carry (in `scope` or `scp`); none: any valid token.
    pub auth_write_scope: Option<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("token lacks the required scope '{0}'")]
    Forbidden(String),
    #[error("cannot fetch the JWKS: {0}")]
    Jwks(String),
}

/// The claims we look at.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub scope: Option<serde_json::Value>,
    #[serde(default)]
    pub scp: Option<serde_json::Value>,
}

impl Claims {
    /// All scopes from `scope` (space-separated string or list) and `scp`.
    pub fn scopes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in [&self.scope, &self.scp].into_iter().flatten() {
            match v {
                serde_json::Value::String(s) => out.extend(s.split_whitespace().map(str::to_owned)),
                serde_json::Value::Array(a) => {
                    out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_owned)))
                }
                _ => {}
            }
        }
        out
    }
}

/// Least time between two JWKS fetches caused by unknown key ids.
const REFETCH_GAP: Duration = Duration::from_secs(10);

/// Verifies tokens against a JWKS.
pub struct Verifier {
    url: String,
    issuer: Option<String>,
    audiences: Vec<String>,
    write_scope: Option<String>,
    http: reqwest::Client,
    keys: RwLock<(JwkSet, Option<Instant>)>,
}

impl Verifier {
    /// `None` when no JWKS URL is configured (auth off).
    pub fn from_settings(s: &AuthSettings) -> Option<Arc<Verifier>> {
        let url = s.jwks_url.clone().filter(|u| !u.trim().is_empty())?;
        let audiences = s
            .auth_audiences
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        Some(Arc::new(Verifier {
            url,
            issuer: s.auth_issuer.clone().filter(|i| !i.is_empty()),
            audiences,
            write_scope: s.auth_write_scope.clone().filter(|i| !i.is_empty()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            keys: RwLock::new((JwkSet { keys: Vec::new() }, None)),
        }))
    }

    async fn fetch(&self) -> Result<(), AuthError> {
        let mut keys = self.keys.write().await;
        if keys.1.is_some_and(|t| t.elapsed() < REFETCH_GAP) {
            return Ok(());
        }
        let set: JwkSet = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| AuthError::Jwks(e.to_string()))?
            .json()
            .await
            .map_err(|e| AuthError::Jwks(e.to_string()))?;
        *keys = (set, Some(Instant::now()));
        Ok(())
    }

    async fn key_for(
        &self,
        kid: Option<&str>,
    ) -> Result<Option<jsonwebtoken::jwk::Jwk>, AuthError> {
        let find = |set: &JwkSet| match kid {
            Some(k) => set.find(k).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        if let Some(k) = find(&self.keys.read().await.0) {
            return Ok(Some(k));
        }
        self.fetch().await?;
        Ok(find(&self.keys.read().await.0))
    }

    /// Verify `token`; `write` requests also need the write scope if set.
    pub async fn verify(&self, token: &str, write: bool) -> Result<Claims, AuthError> {
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(AuthError::Invalid(
                "symmetric algorithms are not accepted".into(),
            ));
        }
        let jwk = self
            .key_for(header.kid.as_deref())
            .await?
            .ok_or_else(|| AuthError::Invalid("no JWKS key matches the token's kid".into()))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let mut v = Validation::new(header.alg);
        v.leeway = 30;
        match &self.issuer {
            Some(i) => v.set_issuer(&[i]),
            None => v.iss = None,
        }
        if self.audiences.is_empty() {
            v.validate_aud = false;
        } else {
            v.set_audience(&self.audiences);
        }
        let data =
            decode::<Claims>(token, &key, &v).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if write {
            if let Some(scope) = &self.write_scope {
                if !data.claims.scopes().iter().any(|s| s == scope) {
                    return Err(AuthError::Forbidden(scope.clone()));
                }
            }
        }
        Ok(data.claims)
    }
}

/// Which routes need a token: registered as app data by a service.
#[derive(Clone)]
pub struct AuthPolicy {
    pub verifier: Option<Arc<Verifier>>,
    /// True for routes that stay open with auth on.
    pub is_public: fn(&Method, &str) -> bool,
}

/// True for methods that change state.
pub fn is_write(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}
