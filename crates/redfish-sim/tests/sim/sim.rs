//! The simulator through HTTP, as a Redfish client sees it.

use std::time::Duration;

use redfish_sim::{BmcSpec, Scheme, Simulator, Spec, SystemSpec};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c
        .get(url)
        .basic_auth("admin", Some("password"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn resources_need_credentials_but_the_root_does_not() {
    let sim = Simulator::start(&Spec::default()).await.unwrap();
    let url = &sim.urls()[0];
    let c = client();
    let root = c.get(format!("{url}/redfish/v1/")).send().await.unwrap();
    assert_eq!(root.status(), 200);
    let root: Value = root.json().await.unwrap();
    assert_eq!(root["Systems"]["@odata.id"], "/redfish/v1/Systems");
    let anon = c
        .get(format!("{url}/redfish/v1/Systems"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let wrong = c
        .get(format!("{url}/redfish/v1/Systems"))
        .basic_auth("admin", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let (status, systems) = get(&c, &format!("{url}/redfish/v1/Systems")).await;
    assert_eq!(status, 200);
    assert_eq!(systems["Members@odata.count"], 1);
    let (status, _) = get(&c, &format!("{url}/redfish/v1/Systems/Nope")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sessions_authenticate_until_deleted() {
    let sim = Simulator::start(&Spec::default()).await.unwrap();
    let url = &sim.urls()[0];
    let c = client();
    let bad = c
        .post(format!("{url}/redfish/v1/SessionService/Sessions"))
        .json(&json!({"UserName": "admin", "Password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let r = c
        .post(format!("{url}/redfish/v1/SessionService/Sessions"))
        .json(&json!({"UserName": "admin", "Password": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.headers()["x-auth-token"].to_str().unwrap().to_owned();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let with_token = |path: String| c.get(path).header("X-Auth-Token", token.clone()).send();
    assert_eq!(
        with_token(format!("{url}/redfish/v1/Managers/BMC"))
            .await
            .unwrap()
            .status(),
        200
    );
    let del = c
        .delete(format!("{url}{location}"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(
        with_token(format!("{url}/redfish/v1/Managers/BMC"))
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn reset_changes_power_state_and_runs_the_hook() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("reset");
    let sim = Simulator::start(&Spec {
        bmc: vec![BmcSpec {
            systems: Some(vec![SystemSpec {
                on_reset: [(
                    "ForceRestart".to_owned(),
                    format!("echo $REDFISH_SIM_RESET_TYPE > {}", marker.display()),
                )]
                .into(),
                ..SystemSpec::default()
            }]),
            ..BmcSpec::default()
        }],
        ..Spec::default()
    })
    .await
    .unwrap();
    let url = &sim.urls()[0];
    let c = client();
    let (_, sys) = get(&c, &format!("{url}/redfish/v1/Systems/Node0")).await;
    assert_eq!(sys["PowerState"], "Off");
    let target = sys["Actions"]["#ComputerSystem.Reset"]["target"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |body: Value| {
        c.post(format!("{url}{target}"))
            .basic_auth("admin", Some("password"))
            .json(&body)
            .send()
    };
    assert_eq!(
        post(json!({"ResetType": "ForceRestart"}))
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(sim.power_state(0, 0), Some("On"));
    assert_eq!(
        post(json!({"ResetType": "ForceOff"}))
            .await
            .unwrap()
            .status(),
        204
    );
    let (_, sys) = get(&c, &format!("{url}/redfish/v1/Systems/Node0")).await;
    assert_eq!(sys["PowerState"], "Off");
    assert_eq!(
        post(json!({"ResetType": "Sideways"}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(post(json!({})).await.unwrap().status(), 400);
    for _ in 0..100 {
        if marker.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap().trim(),
        "ForceRestart"
    );
}

#[tokio::test]
async fn http_and_https_bmcs_in_one_fleet_with_links_that_resolve() {
    let sim = Simulator::start(&Spec {
        bmcs: 2,
        systems_per_bmc: 2,
        listen: "127.0.0.1".parse().unwrap(),
        layout: redfish_sim::Layout::Ports,
        bmc: vec![BmcSpec {
            scheme: Some(Scheme::Http),
            ..BmcSpec::default()
        }],
        ..Spec::default()
    })
    .await
    .unwrap();
    let urls = sim.urls();
    assert!(urls[0].starts_with("http://"), "{urls:?}");
    assert!(urls[1].starts_with("https://"), "{urls:?}");
    let c = client();
    // Every link in the tree answers 200 (walk breadth-first, bounded).
    for url in &urls {
        let mut todo = vec!["/redfish/v1/".to_owned()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(path) = todo.pop() {
            let path = path.split('#').next().unwrap().to_owned();
            if !seen.insert(path.clone())
                || path.contains("/Actions/")
                || path.contains("SessionService/Sessions/")
            {
                continue;
            }
            let (status, v) = get(&c, &format!("{url}{path}")).await;
            assert_eq!(status, 200, "{url}{path}");
            collect_links(&v, &mut todo);
            assert!(seen.len() < 200);
        }
        assert!(seen.len() > 25, "{seen:?}");
    }
}

fn collect_links(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "@odata.id" {
                    if let Some(s) = x.as_str() {
                        out.push(s.to_owned());
                    }
                } else {
                    collect_links(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_links(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn same_spec_same_hardware() {
    let spec = Spec {
        bmcs: 2,
        systems_per_bmc: 3,
        ..Spec::default()
    };
    let a = Simulator::start(&spec).await.unwrap();
    let b = Simulator::start(&spec).await.unwrap();
    let c = client();
    for path in [
        "/redfish/v1/Systems/Node2",
        "/redfish/v1/Systems/Node2/EthernetInterfaces/eth0",
        "/redfish/v1/Managers/BMC/EthernetInterfaces/bmc0",
    ] {
        let (_, x) = get(&c, &format!("{}{path}", a.urls()[1])).await;
        let (_, y) = get(&c, &format!("{}{path}", b.urls()[1])).await;
        for key in ["UUID", "MACAddress"] {
            assert_eq!(x[key], y[key], "{path} {key}");
        }
    }
}

#[tokio::test]
async fn the_binary_prints_urls_and_serves_the_example_spec() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet.toml");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_redfish-sim"))
        .args([
            "--spec",
            example,
            "--listen",
            "127.78.0.1",
            "--port-base",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for _ in 0..4 {
        urls.push(lines.next_line().await.unwrap().expect("a URL per BMC"));
    }
    assert!(urls[0].starts_with("https://127.78.0.1:"), "{urls:?}");
    assert!(urls[1].starts_with("http://127.78.0.2:"), "{urls:?}");
    let c = client();
    let (status, nic) = get(
        &c,
        &format!(
            "{}/redfish/v1/Systems/Node0/EthernetInterfaces/eth0",
            urls[0]
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(nic["MACAddress"], "52:54:00:be:ef:01");
    let r = c
        .get(format!("{}/redfish/v1/Systems", urls[1]))
        .basic_auth("root", Some("calvin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn a_stubborn_system_ignores_its_first_resets_and_changes_take_time() {
    let sim = Simulator::start(&Spec {
        bmcs: 2,
        bmc: vec![BmcSpec {
            systems: Some(vec![SystemSpec {
                stubborn: 2,
                ..SystemSpec::default()
            }]),
            ..BmcSpec::default()
        }],
        ..Spec::default()
    })
    .await
    .unwrap();
    let c = client();
    let on = |url: String| {
        c.post(format!(
            "{url}/redfish/v1/Systems/Node0/Actions/ComputerSystem.Reset"
        ))
        .basic_auth("admin", Some("password"))
        .json(&json!({"ResetType": "On"}))
        .send()
    };
    let url = sim.urls()[0].clone();
    for n in 1..=2 {
        assert_eq!(on(url.clone()).await.unwrap().status(), 204);
        assert_eq!(sim.power_state(0, 0), Some("Off"), "reset {n} is ignored");
    }
    assert_eq!(on(url.clone()).await.unwrap().status(), 204);
    assert_eq!(sim.power_state(0, 0), Some("On"), "the third reset acts");
    assert_eq!(sim.resets(0, 0), Some(3));
    // Not stubborn: the first reset acts.
    assert_eq!(on(sim.urls()[1].clone()).await.unwrap().status(), 204);
    assert_eq!(sim.power_state(1, 0), Some("On"));

    // A transition long enough to be seen for sure, then a short one to its end.
    for (ms, settled) in [(3_600_000, false), (200, true)] {
        let sim = Simulator::start(&Spec {
            power_transition_ms: ms,
            ..Spec::default()
        })
        .await
        .unwrap();
        let url = sim.urls()[0].clone();
        assert_eq!(on(url.clone()).await.unwrap().status(), 204);
        let sys_url = format!("{url}/redfish/v1/Systems/Node0");
        if !settled {
            let (_, sys) = get(&c, &sys_url).await;
            assert_eq!(sys["PowerState"], "PoweringOn");
            continue;
        }
        let mut state = Value::Null;
        for _ in 0..200 {
            state = get(&c, &sys_url).await.1["PowerState"].clone();
            if state == "On" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(state, "On", "the transition ends");
    }
}

#[tokio::test]
async fn the_compose_profiles_spec_loads_and_serves() {
    // deploy/redfish-sim.example.toml, the compose file's `sim` default, moved
    // to loopback: the same BMCs answer with the same credentials.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/redfish-sim.example.toml"
    );
    let mut spec = Spec::from_file(std::path::Path::new(path)).expect("the example loads");
    assert_eq!(spec.bmcs, 2);
    assert_eq!(spec.port_base, 443);
    spec.listen = "127.78.1.1".parse().unwrap();
    spec.port_base = 0;
    let sim = Simulator::start(&spec).await.unwrap();
    let c = client();
    for url in sim.urls() {
        let r = c
            .get(format!("{url}/redfish/v1/Systems"))
            .basic_auth("admin", Some("password"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
}
