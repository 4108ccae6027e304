//! smd's own discovery (SMD_ENABLE_DISCOVERY): RedfishEndpoints walked over
//! Redfish against simulated BMCs (redfish-sim on 127.0.0.1), and
//! Inventory/Discover + Inventory/DiscoveryStatus, through HTTP.

use std::time::{Duration, Instant};

use ochami_testkit::{spawn_smd, spawn_smd_with, TestServer};
use redfish_sim::{BmcSpec, Simulator, Spec};
use serde_json::{json, Value};

const RFEP: &str = "/hsm/v2/Inventory/RedfishEndpoints";
const BMC: &str = "x3000c0s1b0";

async fn sim(systems: usize) -> Simulator {
    Simulator::start(&Spec {
        systems_per_bmc: systems,
        bmc: vec![BmcSpec::default()],
        ..Spec::default()
    })
    .await
    .unwrap()
}

/// The BMC's address as an endpoint FQDN (`127.0.0.1:port`).
fn fqdn(sim: &Simulator) -> String {
    sim.bmcs()[0].address.to_string()
}

async fn get(smd: &TestServer, path: &str) -> (u16, Value) {
    let res = reqwest::get(smd.at(path)).await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn post(smd: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(smd.at(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post_endpoint(smd: &TestServer, sim: &Simulator, password: &str, rediscover: bool) {
    let (status, body) = post(
        smd,
        RFEP,
        json!({"ID": BMC, "FQDN": fqdn(sim), "User": "admin", "Password": password,
               "RediscoverOnUpdate": rediscover}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// Poll until DiscoveryStatus 0 is Complete and the endpoint's walk is over;
/// returns the endpoint. The deadline only keeps a broken build from hanging.
async fn wait_for_walk(smd: &TestServer) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, st) = get(smd, "/hsm/v2/Inventory/DiscoveryStatus/0").await;
        let (_, ep) = get(smd, &format!("{RFEP}/{BMC}")).await;
        let last = ep["DiscoveryInfo"]["LastDiscoveryStatus"].clone();
        if st["Status"] == "Complete" && last != "DiscoveryStarted" {
            return ep;
        }
        assert!(Instant::now() < deadline, "walk never ended: {st} {ep}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn node_ids(comps: &Value) -> Vec<String> {
    comps["Components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["Type"] == "Node")
        .map(|c| c["ID"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posted_endpoint_is_walked_into_components_endpoints_and_interfaces() {
    let sim = sim(2).await;
    let smd = spawn_smd_with(|c| c.enable_discovery = true).await;
    post_endpoint(&smd, &sim, "password", true).await;

    // The walk was claimed before the POST was answered.
    let (_, st) = get(&smd, "/hsm/v2/Inventory/DiscoveryStatus/0").await;
    assert!(
        st["Status"] == "InProgress" || st["Status"] == "Complete",
        "{st}"
    );

    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "DiscoverOK");
    assert!(ep["DiscoveryInfo"]["LastDiscoveryAttempt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(!ep["DiscoveryInfo"]["RedfishVersion"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    assert_eq!(ep["Password"], "", "passwords are not returned: {ep}");
    assert_eq!(ep["User"], "admin");

    // S33: the services the BMC's root links are its ServiceEndpoints, as
    // OpenCHAMI's discovery stores them (the simulator links AccountService
    // and SessionService).
    let (s, b) = get(&smd, "/hsm/v2/Inventory/ServiceEndpoints").await;
    assert_eq!(s, 200);
    let fq = fqdn(&sim);
    let seps = b["ServiceEndpoints"].as_array().unwrap();
    let types: Vec<&str> = seps
        .iter()
        .map(|s| s["RedfishType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["AccountService", "SessionService"], "{b}");
    let sep = &seps[1];
    assert_eq!(
        (
            &sep["RedfishEndpointID"],
            &sep["RedfishType"],
            &sep["OdataID"],
            &sep["RedfishEndpointFQDN"],
            &sep["RedfishURL"],
        ),
        (
            &json!(BMC),
            &json!("SessionService"),
            &json!("/redfish/v1/SessionService"),
            &json!(fq),
            &json!(format!("{fq}/redfish/v1/SessionService")),
        )
    );
    assert!(
        !sep["UUID"].as_str().unwrap_or_default().is_empty(),
        "{sep}"
    );
    assert_eq!(sep["ServiceInfo"]["SessionTimeout"], 1800, "{sep}");
    assert!(sep["ServiceInfo"].get("@odata.id").is_none(), "{sep}");
    let (s, b) = get(
        &smd,
        &format!("/hsm/v2/Inventory/ServiceEndpoints/SessionService/RedfishEndpoints/{BMC}"),
    )
    .await;
    assert_eq!((s, &b["RedfishType"]), (200, &json!("SessionService")));

    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert_eq!(
        node_ids(&comps),
        [format!("{BMC}n0"), format!("{BMC}n1")],
        "{comps}"
    );
    let bmc = comps["Components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ID"] == BMC)
        .unwrap_or_else(|| panic!("no BMC component: {comps}"));
    assert_eq!(bmc["Type"], "NodeBMC");

    let (status, cep) = get(
        &smd,
        &format!("/hsm/v2/Inventory/ComponentEndpoints/{BMC}n1"),
    )
    .await;
    assert_eq!(status, 200, "{cep}");
    assert_eq!(cep["RedfishType"], "ComputerSystem");
    assert_eq!(cep["RedfishEndpointID"], BMC);
    assert!(cep["OdataID"]
        .as_str()
        .unwrap()
        .starts_with("/redfish/v1/Systems/"));

    // The walk fills hardware inventory too (the same plan as a magellan
    // POST): each node's processors, with their FRUs and history.
    let (status, hw) = get(
        &smd,
        &format!("/hsm/v2/Inventory/Hardware/Query/{BMC}n0?format=FullyFlat"),
    )
    .await;
    assert_eq!(status, 200, "{hw}");
    let cpus = hw["Processors"].as_array().cloned().unwrap_or_default();
    assert!(!cpus.is_empty(), "no processors from the walk: {hw}");
    assert!(cpus.iter().all(|p| p["ID"]
        .as_str()
        .is_some_and(|id| id.starts_with(&format!("{BMC}n0p")))));
    let (_, hist) = get(&smd, "/hsm/v2/Inventory/Hardware/History").await;
    assert!(
        hist["Components"].as_array().is_some_and(|c| !c.is_empty()),
        "{hist}"
    );

    let (_, nics) = get(&smd, "/hsm/v2/Inventory/EthernetInterfaces").await;
    for node in [format!("{BMC}n0"), format!("{BMC}n1")] {
        assert!(
            nics.as_array()
                .unwrap()
                .iter()
                .any(|n| n["ComponentID"] == node.as_str()
                    && n["MACAddress"].as_str().is_some_and(|m| m.len() == 17)),
            "no interface for {node}: {nics}"
        );
    }

    // Discover again, by name: the same rows, no duplicates.
    let (status, uris) = post(&smd, "/hsm/v2/Inventory/Discover", json!({"xnames": [BMC]})).await;
    assert_eq!(status, 200, "{uris}");
    assert_eq!(
        uris,
        json!([{"URI": "/hsm/v2/Inventory/DiscoveryStatus/0"}])
    );
    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "DiscoverOK");
    let (_, again) = get(&smd, "/hsm/v2/Inventory/EthernetInterfaces").await;
    assert_eq!(
        again.as_array().unwrap().len(),
        nics.as_array().unwrap().len()
    );
    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert_eq!(node_ids(&comps).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_records_https_get_failed_until_patched() {
    let sim = sim(1).await;
    let smd = spawn_smd_with(|c| c.enable_discovery = true).await;
    post_endpoint(&smd, &sim, "not-the-password", true).await;
    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "HTTPsGetFailed");
    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert!(node_ids(&comps).is_empty(), "{comps}");
    let (_, ceps) = get(&smd, "/hsm/v2/Inventory/ComponentEndpoints").await;
    assert_eq!(ceps["ComponentEndpoints"], json!([]));

    // Fixing the password walks it again (PATCH, as HSM's doRedfishEndpointPatch).
    let res = reqwest::Client::new()
        .patch(smd.at(&format!("{RFEP}/{BMC}")))
        .json(&json!({"Password": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "DiscoverOK");
    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert_eq!(node_ids(&comps), [format!("{BMC}n0")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_without_rediscover_on_update_wait_for_discover() {
    let sim = sim(1).await;
    let smd = spawn_smd_with(|c| c.enable_discovery = true).await;
    post_endpoint(&smd, &sim, "password", false).await;
    // As HSM: a write only walks endpoints with RediscoverOnUpdate.
    let (_, ep) = get(&smd, &format!("{RFEP}/{BMC}")).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "NotYetQueried");
    let (_, st) = get(&smd, "/hsm/v2/Inventory/DiscoveryStatus/0").await;
    assert_eq!(st["Status"], "NotStarted");

    // Discover with no xnames walks every endpoint.
    let (status, uris) = post(&smd, "/hsm/v2/Inventory/Discover", json!({})).await;
    assert_eq!(status, 200, "{uris}");
    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "DiscoverOK");
    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert_eq!(node_ids(&comps), [format!("{BMC}n0")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_off_walks_nothing_but_answers_as_openchami() {
    let sim = sim(1).await;
    let smd = spawn_smd().await;
    post_endpoint(&smd, &sim, "password", true).await;
    let (status, uris) = post(
        &smd,
        "/hsm/v2/Inventory/Discover",
        json!({"xnames": [BMC], "force": true}),
    )
    .await;
    assert_eq!(status, 200, "{uris}");
    assert_eq!(
        uris,
        json!([{"URI": "/hsm/v2/Inventory/DiscoveryStatus/0"}])
    );

    let (_, ep) = get(&smd, &format!("{RFEP}/{BMC}")).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "NotYetQueried");
    assert!(
        ep["DiscoveryInfo"].get("LastDiscoveryAttempt").is_none(),
        "{ep}"
    );
    let (_, all) = get(&smd, "/hsm/v2/Inventory/DiscoveryStatus").await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    assert_eq!(all[0]["ID"], 0);
    assert_eq!(all[0]["Status"], "NotStarted");
    assert!(all[0]["LastUpdateTime"].is_string());
    let (_, comps) = get(&smd, "/hsm/v2/State/Components").await;
    assert_eq!(comps["Components"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_errors_match_hsm() {
    let smd = spawn_smd_with(|c| c.enable_discovery = true).await;
    let (status, p) = post(&smd, "/hsm/v2/Inventory/Discover", json!({})).await;
    assert_eq!(status, 404, "{p}");
    assert_eq!(p["detail"], "RedfishEndpoints collection is empty");

    let (status, p) = post(
        &smd,
        "/hsm/v2/Inventory/Discover",
        json!({"xnames": ["x9c0s0b0"]}),
    )
    .await;
    assert_eq!(status, 404, "{p}");
    assert_eq!(p["detail"], "No such RedfishEndpoint: x9c0s0b0");

    let (status, p) = post(
        &smd,
        "/hsm/v2/Inventory/Discover",
        json!({"xnames": ["nonsense"]}),
    )
    .await;
    assert_eq!(status, 400, "{p}");
    assert!(
        p["detail"].as_str().unwrap().starts_with("xnames[0]"),
        "{p}"
    );

    let (status, p) = post(
        &smd,
        "/hsm/v2/Inventory/Discover",
        json!({"xnames": "x9c0s0b0"}),
    )
    .await;
    assert_eq!(status, 400, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("xnames"), "{p}");

    let (status, p) = get(&smd, "/hsm/v2/Inventory/DiscoveryStatus/abc").await;
    assert_eq!(status, 400, "{p}");
    assert_eq!(p["detail"], "DiscoveryStatus ID not an unsigned integer");
    let (status, p) = get(&smd, "/hsm/v2/Inventory/DiscoveryStatus/7").await;
    assert_eq!(status, 404, "{p}");
    assert_eq!(p["detail"], "no such DiscoveryStatus ID.");
}

/// S24: a PUT answers the record as stored, before its walk starts (OpenCHAMI
/// discovers in a goroutine after answering); later GETs show the walk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_answers_before_discovery_starts() {
    let sim = sim(1).await;
    let smd = spawn_smd_with(|c| c.enable_discovery = true).await;
    post_endpoint(&smd, &sim, "password", false).await;
    let res = reqwest::Client::new()
        .put(smd.at(&format!("{RFEP}/{BMC}")))
        .json(
            &json!({"ID": BMC, "FQDN": fqdn(&sim), "User": "admin", "Password": "password",
                      "Enabled": true, "RediscoverOnUpdate": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ep: Value = res.json().await.unwrap();
    assert_eq!(
        ep["DiscoveryInfo"],
        json!({"LastDiscoveryStatus": "NotYetQueried"}),
        "{ep}"
    );
    let ep = wait_for_walk(&smd).await;
    assert_eq!(ep["DiscoveryInfo"]["LastDiscoveryStatus"], "DiscoverOK");
}
