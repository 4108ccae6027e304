//! Bearer-JWT auth against a JWKS served over real HTTP by the test, with keys
//! the test generates: only a valid token passes; public routes stay open.

use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ochami_service::auth::{AuthPolicy, AuthSettings, Verifier};
use ochami_service::server::HttpService;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

struct Key {
    pem: String,
    jwk: serde_json::Value,
}

fn key(kid: &str) -> Key {
    let mut rng = rand_core_os();
    let private = RsaPrivateKey::new(&mut rng, 2048).expect("keygen");
    let public = private.to_public_key();
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .expect("pem")
        .to_string();
    let jwk = serde_json::json!({
        "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
        "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be()),
    });
    Key { pem, jwk }
}

fn rand_core_os() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(key: &Key, kid: &str, claims: serde_json::Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.into());
    encode(
        &h,
        &claims,
        &EncodingKey::from_rsa_pem(key.pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn public(m: &Method, path: &str) -> bool {
    *m == Method::GET && path == "/open"
}

#[tokio::test]
async fn only_valid_tokens_pass() {
    let good = key("k1");
    let other = key("k1"); // same kid, different key: a forged signature
    let jwks = serde_json::json!({ "keys": [good.jwk] });

    // The JWKS endpoint.
    let jwks_service =
        HttpService::start(TcpListener::bind("127.0.0.1:0").unwrap(), 1, move |cfg| {
            let body = jwks.clone();
            cfg.route(
                "/jwks",
                web::get().to(move || {
                    let body = body.clone();
                    async move { HttpResponse::Ok().json(body) }
                }),
            );
        })
        .unwrap();
    let (jwks_addr, _jwks_handle) = jwks_service.spawn();

    let settings = AuthSettings {
        jwks_url: Some(format!("http://{jwks_addr}/jwks")),
        auth_issuer: Some("https://issuer.example".into()),
        auth_audiences: Some("smd,bss".into()),
        auth_write_scope: Some("write".into()),
    };
    let policy = AuthPolicy {
        verifier: Verifier::from_settings(&settings),
        is_public: public,
    };
    assert!(policy.verifier.is_some());
    let policy = web::Data::new(policy);
    let svc = HttpService::start(TcpListener::bind("127.0.0.1:0").unwrap(), 1, move |cfg| {
        cfg.app_data(policy.clone())
            .route(
                "/open",
                web::get().to(|| async { HttpResponse::Ok().body("open") }),
            )
            .route(
                "/closed",
                web::get().to(|| async { HttpResponse::Ok().body("closed") }),
            )
            .route(
                "/closed",
                web::post().to(|| async { HttpResponse::Ok().body("written") }),
            );
    })
    .unwrap();
    let (addr, _handle) = svc.spawn();
    let c = reqwest::Client::new();
    let base = format!("http://{addr}");

    let claims = |exp: u64, iss: &str, aud: &str, scope: &str| serde_json::json!({"sub": "op", "exp": exp, "iss": iss, "aud": aud, "scope": scope});
    let valid = token(
        &good,
        "k1",
        claims(now() + 600, "https://issuer.example", "smd", "read write"),
    );
    let read_only = token(
        &good,
        "k1",
        claims(now() + 600, "https://issuer.example", "smd", "read"),
    );

    // Public route: open without a token.
    let r = c.get(format!("{base}/open")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // No token: 401 problem JSON with WWW-Authenticate.
    let r = c.get(format!("{base}/closed")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Valid token passes, reads and writes.
    let r = c
        .get(format!("{base}/closed"))
        .bearer_auth(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "closed");
    let r = c
        .post(format!("{base}/closed"))
        .bearer_auth(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A valid token without the write scope may read but not write: 403.
    let r = c
        .get(format!("{base}/closed"))
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{base}/closed"))
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let header_none = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let body = b64(
        claims(now() + 600, "https://issuer.example", "smd", "write")
            .to_string()
            .as_bytes(),
    );
    let refused = [
        (
            "expired",
            token(
                &good,
                "k1",
                claims(now() - 3600, "https://issuer.example", "smd", "write"),
            ),
        ),
        (
            "wrong issuer",
            token(
                &good,
                "k1",
                claims(now() + 600, "https://evil.example", "smd", "write"),
            ),
        ),
        (
            "wrong audience",
            token(
                &good,
                "k1",
                claims(now() + 600, "https://issuer.example", "other", "write"),
            ),
        ),
        (
            "wrong signature",
            token(
                &other,
                "k1",
                claims(now() + 600, "https://issuer.example", "smd", "write"),
            ),
        ),
        (
            "unknown kid",
            token(
                &good,
                "k9",
                claims(now() + 600, "https://issuer.example", "smd", "write"),
            ),
        ),
        ("alg none", format!("{header_none}.{body}.")),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, t) in refused {
        let r = c
            .get(format!("{base}/closed"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{what} must be refused");
        let p: serde_json::Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().starts_with("invalid token"),
            "{what}: {p}"
        );
    }
}

#[test]
fn auth_is_off_without_a_jwks_url() {
    assert!(Verifier::from_settings(&AuthSettings::default()).is_none());
    let blank = AuthSettings {
        jwks_url: Some(" ".into()),
        ..Default::default()
    };
    assert!(Verifier::from_settings(&blank).is_none());
}
