//! schemathesis (PyPI; `cargo xtask tools` installs it) against a live
//! service and the OpenAPI document we publish for it: every phase, the
//! stateful one included (it follows the document's `links` from the
//! operations that create resources to those that read, change and delete
//! them). Any finding, an error of the tool, or an operation left untested
//! for lack of data ("missing test data") fails with schemathesis's own
//! report, which includes a curl line to reproduce it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Test cases per operation and phase: enough to find the classes of bug
/// (every operation, every documented parameter, negative data), small enough
/// for two shared cores. To explore further:
/// `OCHAMI_SCHEMATHESIS_EXAMPLES=200 OCHAMI_SCHEMATHESIS_SEED=$RANDOM`; to see
/// every request and answer, `OCHAMI_SCHEMATHESIS_REPORT=junit,vcr`.
const MAX_EXAMPLES: &str = "12";

/// Fixed, so a finding reproduces run after run.
const SEED: &str = "20261125";

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,negative_data_rejection";

/// Warnings that fail the run: an operation schemathesis could not reach with
/// data (every positive case answered 404) was not tested at all.
const CONFIG: &str = "[warnings]\nfail-on = [\"missing_test_data\"]\n";

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The committed document `openapi/<name>`.
pub fn document(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(name)
}

/// Run every phase against `base`; panic with the report on any finding.
/// Returns the report (printed by the caller's test on success). Reports
/// (JUnit, for CI) land in `report_dir` (the test's `CARGO_TARGET_TMPDIR`).
/// `extra` goes on schemathesis's command line (e.g. operation filters).
pub async fn run(document_name: &str, base: &str, report_dir: &Path, extra: &[&str]) -> String {
    // Fail, naming what is missing, rather than skip.
    let version = std::process::Command::new("schemathesis")
        .arg("--version")
        .output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "schemathesis is not installed: run `cargo xtask tools` (pip install 'schemathesis>=4,<5')"
    );
    let report = report_dir.join(format!("schemathesis-{document_name}"));
    std::fs::create_dir_all(&report).expect("create the report dir");
    let config = report.join("schemathesis.toml");
    std::fs::write(&config, CONFIG).expect("write schemathesis.toml");
    let out = tokio::process::Command::new("schemathesis")
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(document(document_name))
        .args(["--url", base])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
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
        .arg("--report")
        .arg(setting("OCHAMI_SCHEMATHESIS_REPORT", "junit"))
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
        "schemathesis found problems with {document_name}:\n{text}"
    );
    text
}
