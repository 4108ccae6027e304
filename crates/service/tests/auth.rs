//! Bearer-JWT auth against a JWKS served over real HTTP by the test, with keys
//! the test generates: only a valid token passes; public routes stay open.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::net::TcpListener;

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use ochami_service::auth::{AuthPolicy, AuthSettings, Verifier};
use ochami_service::auth_testing::{b64, now, JwksServer, SigningKey};
use ochami_service::server::HttpService;

fn public(m: &Method, path: &str) -> bool {
    *m == Method::GET && path == "/open"
}

fn claims(exp: u64, iss: &str, aud: &str, scope: &str) -> serde_json::Value {
    serde_json::json!({"sub": "op", "exp": exp, "iss": iss, "aud": aud, "scope": scope})
}

#[tokio::test]
async fn only_valid_tokens_pass() {
    let good = SigningKey::generate("k1");
    let other = SigningKey::generate("k1"); // same kid, different key: a forged signature
    let jwks = JwksServer::start(vec![good.jwk.clone()]);
    let settings = AuthSettings {
        jwks_url: Some(jwks.url.clone()),
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
    let iss = "https://issuer.example";
    let valid = good.token("k1", &claims(now() + 600, iss, "smd", "read write"));
    let read_only = good.token("k1", &claims(now() + 600, iss, "smd", "read"));

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
    let body = b64(claims(now() + 600, iss, "smd", "write")
        .to_string()
        .as_bytes());
    let refused = [
        (
            "expired",
            good.token("k1", &claims(now() - 3600, iss, "smd", "write")),
        ),
        (
            "wrong issuer",
            good.token(
                "k1",
                &claims(now() + 600, "https://evil.example", "smd", "write"),
            ),
        ),
        (
            "wrong audience",
            good.token("k1", &claims(now() + 600, iss, "other", "write")),
        ),
        (
            "wrong signature",
            other.token("k1", &claims(now() + 600, iss, "smd", "write")),
        ),
        (
            "unknown kid",
            good.token("k9", &claims(now() + 600, iss, "smd", "write")),
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
