//! magellan against a Redfish implementation we did not write: OpenStack's
//! `sushy-emulator --fake` (PyPI sushy-tools; `cargo xtask test` installs it).
//! Fails when the emulator is not installed, unless `OCHAMI_SKIP=sushy-emulator`.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

async fn magellan(args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_magellan"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn collect_and_power_against_sushy_emulator() {
    if !ochami_testkit::need::tool("sushy-emulator") {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The emulator keeps its systems' state under $TMPDIR: give it its own.
    let state_dir = tempfile::tempdir().unwrap();
    let _emu = tokio::process::Command::new("sushy-emulator")
        .env("TMPDIR", state_dir.path())
        .args(["--fake", "-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    // Readiness: the emulator takes a moment to import and bind.
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{url}/redfish/v1/")).send().await {
            if r.status().is_success() {
                up = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "sushy-emulator did not come up on {url}");

    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.json");
    let inv_s = inv.to_str().unwrap();
    let (code, _, err) = magellan(&[
        "collect", &url, "-u", "admin", "-p", "password", "-o", inv_s,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let eps: Value = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    let ep = &eps[0];
    assert_eq!(ep["ID"], "x4064c0s0b1", "127.0.0.1 → generated xname");
    assert_eq!(ep["SchemaVersion"], 1);
    let sys = &ep["Systems"][0];
    assert_eq!(sys["manufacturer"], "Sushy Emulator");
    let mac = sys["ethernet_interfaces"][0]["mac"].as_str().unwrap();
    assert!(mac.parse::<ochami_types::mac::MacAddr>().is_ok(), "{mac}");
    assert!(sys["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "ForceOff"));
    assert_eq!(ep["Managers"][0]["type"], "BMC");

    assert_eq!(
        sys["power"]["state"], "Off",
        "the fake driver starts powered off"
    );
    let (code, out, err) = magellan(&[
        "power",
        "x4064c0s0b1n0",
        "-f",
        inv_s,
        "-r",
        "On",
        "-u",
        "admin",
        "-p",
        "password",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "x4064c0s0b1n0: On");
    // The fake driver applies power changes 1-11 s later ("hardware actions
    // are not immediate"); wait for it, bounded.
    let path = sys["uri"]
        .as_str()
        .unwrap()
        .trim_start_matches(url.as_str())
        .to_owned();
    let mut state = String::new();
    for _ in 0..600 {
        let v: Value = client
            .get(format!("{url}{path}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        state = v["PowerState"].as_str().unwrap_or_default().to_owned();
        if state == "On" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "On");
}
