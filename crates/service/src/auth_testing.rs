//! A JWT issuer for tests (feature `test-support`): an RSA key, a JWKS served
//! over real HTTP on 127.0.0.1, and tokens with whatever claims a test needs.

use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::{web, HttpResponse};
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

use crate::server::HttpService;

/// Base64url without padding, as JOSE wants it.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA signing key and its public JWK.
pub struct SigningKey {
    pem: String,
    pub jwk: serde_json::Value,
}

impl SigningKey {
    pub fn generate(kid: &str) -> SigningKey {
        let private =
            RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation");
        let public = private.to_public_key();
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PEM")
            .to_string();
        let jwk = serde_json::json!({
            "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be()),
        });
        SigningKey { pem, jwk }
    }

    /// An RS256 token with `kid` and `claims`.
    pub fn token(&self, kid: &str, claims: &serde_json::Value) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(kid.into());
        encode(
            &h,
            claims,
            &EncodingKey::from_rsa_pem(self.pem.as_bytes()).expect("key"),
        )
        .expect("token")
    }
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A JWKS endpoint serving `keys`; stops when dropped.
pub struct JwksServer {
    pub url: String,
    handle: ServerHandle,
}

impl JwksServer {
    /// Must be called inside a tokio runtime.
    pub fn start(keys: Vec<serde_json::Value>) -> JwksServer {
        let jwks = serde_json::json!({ "keys": keys });
        let svc = HttpService::start(
            TcpListener::bind("127.0.0.1:0").expect("bind"),
            1,
            move |cfg| {
                let body = jwks.clone();
                cfg.route(
                    "/jwks",
                    web::get().to(move || {
                        let body = body.clone();
                        async move { HttpResponse::Ok().json(body) }
                    }),
                );
            },
        )
        .expect("JWKS server");
        let (addr, handle) = svc.spawn();
        JwksServer {
            url: format!("http://{addr}/jwks"),
            handle,
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
    }
}
