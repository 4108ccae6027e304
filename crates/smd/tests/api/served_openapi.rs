//! Each service serves its OpenAPI document (`GET /hsm/v2/openapi.json`,
//! `GET /boot/v1/openapi.json`), byte for byte the committed file, with no
//! token even when auth is on, so a client generator can be pointed at a
//! running service.

use ochami_service::auth_testing::{JwksServer, SigningKey};
use ochami_testkit::{spawn_bss_with, spawn_smd_with};

fn committed(name: &str) -> Vec<u8> {
    let path = format!("{}/../../openapi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

#[tokio::test]
async fn both_documents_are_served_as_committed_without_a_token() {
    let key = SigningKey::generate("k");
    let jwks = JwksServer::start(vec![key.jwk.clone()]);
    let (smd_jwks, bss_jwks) = (jwks.url.clone(), jwks.url.clone());
    let smd = spawn_smd_with(|c| c.auth.jwks_url = Some(smd_jwks)).await;
    let bss = spawn_bss_with(&smd.url, |c| c.auth.jwks_url = Some(bss_jwks)).await;
    let c = reqwest::Client::new();

    for (url, file, protected) in [
        (
            smd.at("/hsm/v2/openapi.json"),
            "smd.json",
            smd.at("/hsm/v2/Inventory/RedfishEndpoints"),
        ),
        (
            bss.at("/boot/v1/openapi.json"),
            "bss.json",
            bss.at("/boot/v1/bootparameters"),
        ),
    ] {
        // Auth is really on: a protected route refuses the same client.
        let r = c.get(&protected).send().await.unwrap();
        assert_eq!(r.status(), 401, "{protected} needs a token");

        let r = c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {url}");
        assert_eq!(r.headers()["content-type"], "application/json", "{url}");
        let body = r.bytes().await.unwrap();
        assert!(
            body[..] == committed(file)[..],
            "GET {url} differs from openapi/{file} (run `cargo xtask openapi`)"
        );
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(doc["openapi"], "3.1.0", "{url}");

        let r = c.post(&url).send().await.unwrap();
        assert_eq!(r.status(), 405, "POST {url}");
    }
}
