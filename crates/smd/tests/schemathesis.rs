//! smd and bss, live on real PostgreSQL, fuzzed by schemathesis against the
//! OpenAPI documents we publish (`openapi/smd.json`, `openapi/bss.json`): no
//! 5xx, only documented status codes and content types, bodies matching their
//! schemas, and invalid input rejected. Any finding fails the test with
//! schemathesis's own report (which includes a curl line to reproduce it).
//!
//! schemathesis is a PyPI tool; `cargo xtask test` installs it (as root, as in
//! CI). Without it the tests fail, unless `OCHAMI_SKIP=schemathesis`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::PathBuf;
use std::process::Stdio;

use ochami_testkit::{spawn_bss, spawn_smd};

/// Test cases per operation and phase: enough to find the classes of bug
/// (every operation, every documented parameter, negative data), small enough
/// that both services take under a minute on two shared cores. To explore
/// further: `OCHAMI_SCHEMATHESIS_EXAMPLES=200 OCHAMI_SCHEMATHESIS_SEED=$RANDOM`.
const MAX_EXAMPLES: &str = "12";

/// Fixed, so a finding reproduces run after run.
const SEED: &str = "20261125";

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,negative_data_rejection";

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(name)
}

fn installed() -> bool {
    let ok = std::process::Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ochami_testkit::need::available(
        "schemathesis",
        ok,
        &ochami_testkit::need::how_to_get("schemathesis"),
    )
}

/// Run schemathesis against `base`; panic with its report on any finding.
async fn schemathesis(document: &str, base: &str, extra: &[&str]) {
    // Reports (JUnit, for CI) land under cargo's per-target temp dir.
    let report =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("schemathesis-{document}"));
    std::fs::create_dir_all(&report).expect("create the report dir");
    let out = tokio::process::Command::new("schemathesis")
        .arg("run")
        .arg(spec(document))
        .args(["--url", base])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .arg("--max-examples")
        .arg(setting("OCHAMI_SCHEMATHESIS_EXAMPLES", MAX_EXAMPLES))
        .arg("--seed")
        .arg(setting("OCHAMI_SCHEMATHESIS_SEED", SEED))
        // One worker: with two threads, Hypothesis's lambda-source cache hits
        // CPython 3.11's non-thread-safe AST constructor now and then
        // ("SystemError: AST constructor recursion depth mismatch"), a tool
        // runtime error, not a finding about the API.
        .args(["--workers", "1", "--request-timeout", "30"])
        .args(["--output-truncate", "false"])
        .arg("--report-dir")
        .arg(&report)
        .args(["--report", "junit"])
        .args(extra)
        // No colours in a test log; no telemetry from a test.
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .current_dir(&report)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run schemathesis");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found problems with {document}:\n{text}"
    );
    println!("{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smd_answers_as_its_openapi_document_says() {
    if !installed() {
        return;
    }
    let smd = spawn_smd().await;
    schemathesis("smd.json", &smd.url, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bss_answers_as_its_openapi_document_says() {
    if !installed() {
        return;
    }
    let smd = spawn_smd().await;
    let bss = spawn_bss(&smd.url).await;
    schemathesis("bss.json", &bss.url, &[]).await;
}
