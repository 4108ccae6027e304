//! smd, live on real PostgreSQL, fuzzed by schemathesis against
//! `openapi/smd.json` (every phase, the stateful one included; see
//! `ochami_testkit::schemathesis`): no 5xx, only documented status codes and
//! content types, bodies matching their schemas, invalid input rejected, and
//! no operation left untested for lack of data. bss has its own in
//! crates/bss/tests/schemathesis.rs.
//!
//! The database first holds what the document's examples name: a simulated
//! BMC walked by smd's own discovery (components, component and service
//! endpoints, Ethernet interfaces), then, with discovery off for the fuzzing
//! (so no fuzzed endpoint is ever contacted), one more of each kind of
//! resource for the examples that delete.

use std::path::Path;
use std::time::{Duration, Instant};

use ochami_testkit::{schemathesis, spawn_smd_with, TestServer};
use redfish_sim::{BmcSpec, Simulator, Spec};
use serde_json::{json, Value};

/// The walked BMC; its nodes are `…n0` (NID 1, read by the examples) and
/// `…n1` (NID 2, deleted by them).
const BMC: &str = "x1000c1s7b0";

async fn call(smd: &TestServer, method: reqwest::Method, path: &str, body: Value) -> Value {
    let mut req = reqwest::Client::new().request(method.clone(), smd.at(path));
    if !body.is_null() {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "seed {method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// smd's discovery walks the simulated BMC; returns when the walk is over.
async fn walk(smd: &TestServer, sim: &Simulator) {
    let fqdn = sim.bmcs()[0].address.to_string();
    call(
        smd,
        reqwest::Method::POST,
        "/hsm/v2/Inventory/RedfishEndpoints",
        json!({"ID": BMC, "FQDN": fqdn, "User": "admin", "Password": "password",
               "RediscoverOnUpdate": true}),
    )
    .await;
    // The deadline only keeps a broken build from hanging.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let st = call(
            smd,
            reqwest::Method::GET,
            "/hsm/v2/Inventory/DiscoveryStatus/0",
            Value::Null,
        )
        .await;
        let ep = call(
            smd,
            reqwest::Method::GET,
            &format!("/hsm/v2/Inventory/RedfishEndpoints/{BMC}"),
            Value::Null,
        )
        .await;
        if st["Status"] == "Complete" && ep["DiscoveryInfo"]["LastDiscoveryStatus"] == "DiscoverOK"
        {
            return;
        }
        assert!(Instant::now() < deadline, "the walk never ended: {st} {ep}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One more of each kind of resource, for the examples that delete, and the
/// kinds discovery does not make. The subscriptions' URL is a closed port on
/// loopback, so no SCN leaves the machine.
async fn more(smd: &TestServer) {
    use reqwest::Method;
    let n = |i: u32| format!("{BMC}n{i}");
    for (path, body) in [
        (
            "/hsm/v2/Inventory/RedfishEndpoints".to_owned(),
            json!({"ID": "x1000c1s7b1", "FQDN": "127.0.0.1:9", "User": "admin"}),
        ),
        (
            "/hsm/v2/Inventory/EthernetInterfaces/525400800000/IPAddresses".to_owned(),
            json!({"IPAddress": "172.16.0.10"}),
        ),
        (
            "/hsm/v2/Defaults/NodeMaps".to_owned(),
            json!({"NodeMaps": [{"ID": n(0), "NID": 1, "Role": "Compute"},
                                {"ID": n(1), "NID": 2, "Role": "Compute"}]}),
        ),
        (
            "/hsm/v2/sysinfo/powermaps".to_owned(),
            json!([{"id": n(0), "poweredBy": ["x1000m0p0j1"]},
                   {"id": n(1), "poweredBy": ["x1000m0p0j2"]}]),
        ),
        (
            "/hsm/v2/groups".to_owned(),
            json!({"label": "compute", "members": {"ids": [n(0), n(1)]}}),
        ),
        ("/hsm/v2/groups".to_owned(), json!({"label": "scratch"})),
        (
            "/hsm/v2/groups".to_owned(),
            json!({"label": "blue", "members": {"ids": [n(0)]}}),
        ),
        (
            "/hsm/v2/partitions".to_owned(),
            json!({"name": "p1", "members": {"ids": [n(1)]}}),
        ),
        ("/hsm/v2/partitions".to_owned(), json!({"name": "p2"})),
        (
            "/hsm/v2/partitions".to_owned(),
            json!({"name": "p3", "members": {"ids": [n(0)]}}),
        ),
    ] {
        call(smd, Method::POST, &path, body).await;
    }
    for subscriber in ["bss-1", "bss-2"] {
        call(
            smd,
            Method::POST,
            "/hsm/v2/Subscriptions/SCN",
            json!({"Subscriber": subscriber, "Url": "http://127.0.0.1:9/scn", "States": ["Ready"]}),
        )
        .await;
    }
}

/// Group `blue` and partition `p3` holding just `…n0` (the examples delete it
/// and add `…n1`), whatever the first run left.
async fn members_of_blue_and_p3(smd: &TestServer) {
    let c = reqwest::Client::new();
    let n0 = format!("{BMC}n0");
    let m: Value = c
        .get(smd.at(&format!("/hsm/v2/memberships/{n0}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    if let Some(p) = m["partitionName"].as_str().filter(|p| !p.is_empty()) {
        c.delete(smd.at(&format!("/hsm/v2/partitions/{p}/members/{n0}")))
            .send()
            .await
            .unwrap();
    }
    c.delete(smd.at("/hsm/v2/partitions/p3"))
        .send()
        .await
        .unwrap();
    call(
        smd,
        reqwest::Method::POST,
        "/hsm/v2/partitions",
        json!({"name": "p3", "members": {"ids": [n0]}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smd_answers_as_its_openapi_document_says() {
    if !ochami_testkit::need::tool("schemathesis") {
        return;
    }
    let sim = Simulator::start(&Spec {
        systems_per_bmc: 2,
        bmc: vec![BmcSpec::default()],
        ..Spec::default()
    })
    .await
    .expect("the Redfish simulator starts");
    let walker = spawn_smd_with(|c| c.enable_discovery = true).await;
    walk(&walker, &sim).await;
    walker.stop().await;
    let db = walker.db_url.clone();
    let smd = spawn_smd_with(|c| c.db.database_url = Some(db.clone())).await;
    more(&smd).await;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    // Operations whose data the others reliably destroy first get a run of
    // their own on fresh data: deleting every RedfishEndpoint deletes their
    // ServiceEndpoints (only discovery makes them), and the examples that
    // delete groups and partitions take every name they have seen.
    const SECOND: [&str; 7] = [
        "doServiceEndpointsDeleteAll",
        "doGroupMembersGet",
        "doGroupMembersPost",
        "doGroupMembersPut",
        "doGroupMemberDelete",
        "doPartitionMembersPost",
        "doPartitionMemberDelete",
    ];
    let first: Vec<&str> = SECOND
        .iter()
        .flat_map(|id| ["--exclude-operation-id", id])
        .collect();
    let report = schemathesis::run("smd.json", &smd.url, dir, &first).await;
    println!("{report}");

    // Whatever endpoints the first run left, the BMC is walked afresh.
    reqwest::Client::new()
        .delete(smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
        .send()
        .await
        .unwrap();
    let walker = spawn_smd_with(|c| {
        c.enable_discovery = true;
        c.db.database_url = Some(db);
    })
    .await;
    walk(&walker, &sim).await;
    walker.stop().await;
    members_of_blue_and_p3(&smd).await;
    let second: Vec<&str> = SECOND
        .iter()
        .flat_map(|id| ["--include-operation-id", id])
        .collect();
    let report = schemathesis::run("smd.json", &smd.url, dir, &second).await;
    println!("{report}");
}
