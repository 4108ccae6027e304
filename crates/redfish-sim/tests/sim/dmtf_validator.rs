//! Realism check: DMTF's Redfish Protocol Validator (PyPI
//! redfish-protocol-validator, installed by `cargo xtask test`) run against a
//! simulated HTTPS BMC must report no failures. Fails when the validator
//! is not installed, unless `OCHAMI_SKIP=rf_protocol_validator`.
//!
//! (DMTF's *Service* Validator needs the DSP8010 schema bundle, which is not
//! in any package registry reachable here, so it is not run.)

use redfish_sim::{Simulator, Spec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_validator_finds_no_failures() {
    if !ochami_e2e::need::tool("rf_protocol_validator") {
        return;
    }
    let sim = Simulator::start(&Spec {
        listen: "127.79.0.1".parse().unwrap(),
        ..Spec::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.cert_pem()).unwrap();
    let out = tokio::process::Command::new("rf_protocol_validator")
        .args(["-r", &sim.urls()[0], "-u", "admin", "-p", "password"])
        .arg("--ca-bundle")
        .arg(&ca)
        .arg("--report-dir")
        .arg(dir.path())
        // Some of its checks open their own connections and only honour this.
        .env("REQUESTS_CA_BUNDLE", &ca)
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("Summary"))
        .unwrap_or_else(|| {
            panic!(
                "no summary:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    // e.g. "Summary - PASS: 249, WARN: 0, FAIL: 0, NOT_TESTED: 54"
    let failures: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tsv"))
        .flat_map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains("\tFAIL\t"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        summary.contains("FAIL: 0,"),
        "{summary}\n{}",
        failures.join("\n")
    );
    assert!(summary.contains("PASS: "), "{summary}");
}
