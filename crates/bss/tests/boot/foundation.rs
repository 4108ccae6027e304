//! bss's service shell: status bodies byte for byte, SMD and database
//! reachability, problem JSON, configuration errors, OpenAPI drift.

use std::process::Command;

use ochami_testkit::{spawn_bss, spawn_smd};

#[tokio::test]
async fn status_bodies_match_openchami() {
    let smd = spawn_smd().await;
    let bss = spawn_bss(&smd.url).await;
    let c = reqwest::Client::new();

    let res = c
        .get(bss.at("/boot/v1/service/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{\"bss-status\":\"running\"}\n");

    let res = c
        .get(bss.at("/boot/v1/service/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        format!("{{\"bss-version\":\"{}\"}}\n", env!("CARGO_PKG_VERSION"))
    );

    let res = c
        .get(bss.at("/boot/v1/service/storage/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "{\"bss-storage-backend\":{\"name\":\"postgres\",\"status\":\"connected\"}}\n"
    );

    let res = c.get(bss.at("/boot/v1/service/hsm")).send().await.unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "{\"bss-status-hsm\":\"connected\"}\n"
    );

    let res = c
        .get(bss.at("/boot/v1/service/status/all"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["bss-status"], "running");
    assert_eq!(body["bss-status-hsm"], "connected");
    assert_eq!(body["bss-storage-backend"]["status"], "connected");
}

#[tokio::test]
async fn status_all_reports_smd_unreachable() {
    // Port 1 (tcpmux) is privileged and unused: connections are refused.
    let bss = spawn_bss("http://127.0.0.1:1").await;
    let c = reqwest::Client::new();
    let res = c
        .get(bss.at("/boot/v1/service/status/all"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["bss-status-hsm"], "error");
    assert_eq!(body["bss-status"], "running");
    let res = c.get(bss.at("/boot/v1/service/hsm")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.unwrap(),
        "{\"bss-status-hsm\":\"error\"}\n"
    );
    // The plain status check still says running: the process is up.
    let res = c
        .get(bss.at("/boot/v1/service/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn errors_are_problem_json() {
    let smd = spawn_smd().await;
    let bss = spawn_bss(&smd.url).await;
    let c = reqwest::Client::new();
    let res = c.get(bss.at("/boot/v1/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = c
        .post(bss.at("/boot/v1/service/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET");
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    for (key, value) in [
        ("BSS_LISTEN", "nope"),
        ("BSS_SMD_URL", "not a url"),
        ("BSS_DBPORT", "x"),
        ("BSS_RETRY_DELAY", "soon"),
        ("BSS_HSM_RETRIEVAL_DELAY", "-1"),
        ("BSS_CACHE_REFRESH", "1m"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_bss"))
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(key), "{err}");
    }
}

#[test]
fn committed_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/bss.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == bss::openapi_json().trim_end(),
        "openapi/bss.json is out of date: run `cargo xtask openapi`"
    );
}

#[test]
fn the_example_config_loads() {
    let args = ochami_service::cli::CommonArgs {
        config: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/bss.example.toml").into()),
        log_format: None,
    };
    let c = bss::Config::load(&args).expect("deploy/bss.example.toml loads");
    assert_eq!(c.listen.port(), 27778);
    assert_eq!(c.smd_url.as_str(), "http://localhost:27779/");
}
