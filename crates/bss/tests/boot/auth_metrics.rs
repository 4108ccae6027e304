//! With `BSS_JWKS_URL` set, only boot parameters need a token (as OpenCHAMI):
//! nodes fetch their boot scripts without credentials. `/metrics` is served.

use ochami_service::auth_testing::{now, JwksServer, SigningKey};
use ochami_testkit::{spawn_bss_with, spawn_smd};

#[tokio::test]
async fn bootparameters_need_a_token_bootscripts_do_not() {
    let smd = spawn_smd().await;
    let key = SigningKey::generate("k");
    let jwks = JwksServer::start(vec![key.jwk.clone()]);
    let url = jwks.url.clone();
    let bss = spawn_bss_with(&smd.url, |c| c.auth.jwks_url = Some(url)).await;
    let c = reqwest::Client::new();
    let token = key.token(
        "k",
        &serde_json::json!({"sub": "admin", "exp": now() + 600}),
    );
    let params =
        r#"{"macs":["52:54:00:00:00:01"],"kernel":"http://h/vmlinuz","params":"console=ttyS0"}"#;

    let r = c
        .post(bss.at("/boot/v1/bootparameters"))
        .body(params)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .get(bss.at("/boot/v1/bootparameters"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(bss.at("/boot/v1/bootparameters"))
        .bearer_auth(&token)
        .body(params)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Open routes: status, and the boot script an unknown node gets.
    let r = c
        .get(bss.at("/boot/v1/service/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(bss.at("/boot/v1/bootscript?mac=52:54:00:00:00:02"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("#!ipxe"));

    let text = c
        .get(bss.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(r#"route="/boot/v1/bootscript""#), "{text}");
    assert!(text.contains("bss_smd_reachable 1"), "{text}");
    let age = ochami_service::metrics::sample(&text, "bss_smd_cache_age_seconds")
        .unwrap_or_else(|| panic!("no cache age: {text}"));
    assert!((0.0..60.0).contains(&age), "refreshed at start: {age}");
}
