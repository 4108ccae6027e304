//! With `SMD_JWKS_URL` set, OpenCHAMI's public routes stay open and every other
//! route needs a valid bearer token; `/metrics` counts requests.

use ochami_service::auth_testing::{now, JwksServer, SigningKey};
use ochami_testkit::{spawn_smd, spawn_smd_with};

#[tokio::test]
async fn auth_protects_all_but_openchamis_public_routes() {
    let key = SigningKey::generate("k");
    let jwks = JwksServer::start(vec![key.jwk.clone()]);
    let url = jwks.url.clone();
    let smd = spawn_smd_with(|c| c.auth.jwks_url = Some(url)).await;
    let c = reqwest::Client::new();
    let token = key.token(
        "k",
        &serde_json::json!({"sub": "admin", "exp": now() + 600}),
    );
    let body = r#"{"Components":[{"ID":"x1000c1s7b0n0","State":"On","NID":1}]}"#;

    for open in [
        "/hsm/v2/service/ready",
        "/hsm/v2/service/values/role",
        "/hsm/v2/State/Components",
        "/hsm/v2/Inventory/EthernetInterfaces",
    ] {
        let r = c.get(smd.at(open)).send().await.unwrap();
        assert!(r.status().is_success(), "{open} is public: {}", r.status());
    }
    let r = c
        .post(smd.at("/hsm/v2/State/Components"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c
        .get(smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(smd.at("/hsm/v2/State/Components"))
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .get(smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
        .bearer_auth("x.y.z")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn metrics_count_requests_and_show_the_pool() {
    let smd = spawn_smd().await;
    let c = reqwest::Client::new();
    for _ in 0..3 {
        c.get(smd.at("/hsm/v2/State/Components/x1c0s0b0n0"))
            .send()
            .await
            .unwrap();
    }
    let text = c
        .get(smd.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"smd_http_requests_total{method="GET",route="/hsm/v2/State/Components/{xname}",status="404"} 3"#),
        "{text}"
    );
    assert!(text.contains("smd_db_pool_connections "), "{text}");
}
