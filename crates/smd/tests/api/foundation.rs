//! The service shell every later route relies on: health, problem JSON, request
//! ids, migrations, configuration errors, the OpenAPI drift check.

use std::process::Command;

use crate::support::client;
use ochami_testkit::{database, empty_database, spawn_smd, spawn_smd_with};

#[tokio::test]
async fn ready_and_liveness_match_openchami_bytes() {
    let smd = spawn_smd().await;
    let res = client()
        .get(smd.at("/hsm/v2/service/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        res.text().await.unwrap(),
        "{\"code\":0,\"message\":\"HSM is healthy\"}\n"
    );

    let res = client()
        .get(smd.at("/hsm/v2/service/liveness"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.text().await.unwrap(), "");

    // Trailing slashes are tolerated, as OpenCHAMI's StripSlashes does.
    let res = client()
        .get(smd.at("/hsm/v2/service/ready/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problem_json() {
    let smd = spawn_smd().await;
    let res = client().get(smd.at("/hsm/v2/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], "Not Found");
    assert_eq!(body["status"], 404);
    assert!(body["detail"].as_str().unwrap().contains("/hsm/v2/nope"));

    let res = client()
        .delete(smd.at("/hsm/v2/service/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["title"], "Method Not Allowed");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let smd = spawn_smd().await;
    let res = client()
        .get(smd.at("/hsm/v2/service/liveness"))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = client()
        .get(smd.at("/hsm/v2/service/liveness"))
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    // Errors carry it too.
    let res = client()
        .get(smd.at("/hsm/v2/nope"))
        .header("X-Request-Id", "e1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "e1");
}

#[tokio::test]
async fn ready_turns_503_when_postgres_stops_and_recovers_without_restart() {
    // A cluster of its own: stopping the shared one would break other tests.
    let pg = tokio::task::spawn_blocking(localpg::Cluster::temporary)
        .await
        .unwrap()
        .unwrap();
    pg.create_database("hmsds").unwrap();
    let url = pg.url("hmsds");
    let mut client_db = ochami_service::db::connect(&url).await.unwrap();
    ochami_service::db::migrate(&mut client_db, "smd", smd::MIGRATIONS)
        .await
        .unwrap();
    drop(client_db);
    let smd = spawn_smd_with(|c| c.db.database_url = Some(url.clone())).await;
    let ready = || async {
        client()
            .get(smd.at("/hsm/v2/service/ready"))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(ready().await.status(), 200);

    // Blocking is fine here: smd serves from its own worker threads.
    pg.stop().unwrap();
    let started = std::time::Instant::now();
    let res = ready().await;
    assert_eq!(res.status(), 503);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered within 5 s"
    );
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("HSM's database is unhealthy"),
        "{body}"
    );

    pg.restart().unwrap();
    // The pool reconnects by itself; the first try may still see a dead connection.
    let mut last = 0;
    for _ in 0..20 {
        last = ready().await.status().as_u16();
        if last == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(last, 200);
}

#[tokio::test]
async fn migrate_is_idempotent_and_safe_concurrently() {
    let url = empty_database().await;
    let bin = env!("CARGO_BIN_EXE_smd");
    let run = || {
        Command::new(bin)
            .arg("migrate")
            .env("SMD_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap()
    };
    // Two at once...
    let (mut a, mut b) = (run(), run());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    // ...and once more: nothing to do, exit 0.
    assert!(run().wait().unwrap().success());
    let client = ochami_service::db::connect(&url).await.unwrap();
    let rows = client
        .query(
            "SELECT version FROM ochami_schema_history WHERE service = 'smd' ORDER BY version",
            &[],
        )
        .await
        .unwrap();
    let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    let want: Vec<i32> = smd::MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, want, "each migration recorded once");
}

#[tokio::test]
async fn refuses_to_start_on_a_schema_that_is_behind() {
    let url = empty_database().await;
    let out = Command::new(env!("CARGO_BIN_EXE_smd"))
        .env("SMD_DATABASE_URL", &url)
        .env("SMD_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("run `smd migrate`"), "{err}");
    // A migrated one starts (checked through the in-process path).
    let _ = database("smd", smd::MIGRATIONS).await;
}

/// A database that got a later migration before an earlier one (branches
/// merged in another order) is refused until `migrate` applies the gap.
#[tokio::test]
async fn a_migration_between_applied_ones_is_applied_not_skipped() {
    use ochami_service::db::{self, Migration};
    let m = |version, sql| Migration {
        version,
        name: "t",
        sql,
    };
    let all = [
        m(1, "CREATE TABLE one (x int)"),
        m(2, "CREATE TABLE two (x int)"),
        m(3, "CREATE TABLE three (x int)"),
    ];
    let url = empty_database().await;
    let mut client = db::connect(&url).await.unwrap();
    let applied = db::migrate(&mut client, "gap", &[all[0], all[2]])
        .await
        .unwrap();
    assert_eq!(applied, [1, 3]);
    let pool = db::pool(&url, "SMD_DATABASE_URL", 2).unwrap();
    let err = db::check_schema(&pool, "gap", &all)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("lacks migration(s) 2 "), "{err}");
    assert!(err.contains("run `gap migrate`"), "{err}");

    assert_eq!(db::migrate(&mut client, "gap", &all).await.unwrap(), [2]);
    db::check_schema(&pool, "gap", &all).await.unwrap();
    client.batch_execute("SELECT x FROM two").await.unwrap();
}

#[test]
fn bad_config_exits_2_with_one_line_naming_the_key() {
    for (key, value, expect) in [
        ("SMD_LISTEN", "notanaddress", "SMD_LISTEN"),
        ("SMD_DBPORT", "abc", "SMD_DBPORT"),
        ("SMD_LOG_FORMAT", "xml", "SMD_LOG_FORMAT"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_smd"))
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expect), "{err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_smd"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("smd "));
}

#[test]
fn committed_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/smd.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == smd::openapi_json().trim_end(),
        "openapi/smd.json is out of date: run `cargo xtask openapi`"
    );
}

#[test]
fn the_example_config_loads() {
    let args = ochami_service::cli::CommonArgs {
        config: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/smd.example.toml").into()),
        log_format: None,
    };
    let c = smd::Config::load(&args).expect("deploy/smd.example.toml loads");
    assert_eq!(c.listen.port(), 27779);
    assert_eq!(c.database(), "postgres://smd:smd@localhost:5432/hmsds");
}
