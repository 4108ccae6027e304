//! Inventory/RedfishEndpoints and magellan's SchemaVersion-1 inventory, and
//! the ComponentEndpoints / ServiceEndpoints it feeds, through HTTP.

use crate::support::client;
use crate::support::get_json;
use crate::support::{check, row, Want};
use ochami_testkit::{spawn_smd, spawn_smd_with};
use serde_json::{json, Value};

const RFEP: &str = "/hsm/v2/Inventory/RedfishEndpoints";

fn nic(uri: &str, mac: &str, ip: &str, name: &str) -> Value {
    json!({"uri": uri, "mac": mac, "ip": ip, "name": name,
           "description": format!("{name} interface"), "enabled": true})
}

/// What `magellan collect` sends for one BMC: two systems (one listed twice,
/// as the Chassis and Systems walks both find it), a manager, four MACs.
fn magellan_payload() -> Value {
    let h = "https://172.16.0.104:443";
    let system = |n: u32, uuid: &str, nics: Vec<Value>| {
        json!({
            "uri": format!("{h}/redfish/v1/Systems/Node{n}"),
            "uuid": uuid, "name": format!("Node{n}"), "manufacturer": "HPE",
            "system_type": "Physical", "model": "ProLiant", "serial": format!("SN{n}"),
            "bios_version": "U30", "ethernet_interfaces": nics,
            "network_interfaces": null,
            "power": {"state": "On", "mode": "", "restore_policy": "AlwaysOff",
                      "power_control_ids": ["0"]},
            "actions": ["On", "ForceOff", "GracefulShutdown", "ForceRestart"],
            "processor_count": 2, "processor_type": "EPYC", "memory_total": 256,
            "trusted_modules": null, "serial_console": {"impi": {}, "ssh": {}, "telnet": {}},
            "links": {"chassis": [format!("/redfish/v1/Chassis/Node{n}")],
                      "managers": ["/redfish/v1/Managers/BMC"]},
            "node_id": format!("{n}")
        })
    };
    let s0 = system(
        0,
        "4c4c4544-0000-1000-8000-000000000001",
        vec![
            nic(
                &format!("{h}/redfish/v1/Systems/Node0/EthernetInterfaces/1"),
                "EC:E7:A7:05:A1:00",
                "172.16.0.11",
                "1",
            ),
            nic(
                &format!("{h}/redfish/v1/Systems/Node0/EthernetInterfaces/2"),
                "ec:e7:a7:05:a1:01",
                "",
                "2",
            ),
        ],
    );
    json!({
        "ID": "x1000c1s7b0", "Type": "", "Name": "", "FQDN": "172.16.0.104",
        "User": "admin", "Password": "secret", "MACRequired": true,
        "RediscoverOnUpdate": false, "MACAddr": "ec:e7:a7:05:b0:00", "SchemaVersion": 1,
        "Systems": [
            s0.clone(),
            system(1, "4c4c4544-0000-1000-8000-000000000002",
                vec![nic(&format!("{h}/redfish/v1/Systems/Node1/EthernetInterfaces/1"), "ec:e7:a7:05:a2:00", "172.16.0.12", "1")]),
            s0,
        ],
        "Managers": [{
            "uri": format!("{h}/redfish/v1/Managers/BMC"), "uuid": "bmc-uuid-1",
            "name": "Manager", "description": "BMC", "model": "iLO 5", "type": "BMC",
            "firmware_version": "2.44",
            "ethernet_interfaces": [nic(&format!("{h}/redfish/v1/Managers/BMC/EthernetInterfaces/1"), "ec:e7:a7:05:b0:00", "172.16.0.104", "bmc0")],
            "actions": ["ForceRestart"], "serial_console": null, "command_shell": null
        }]
    })
}

async fn post(url: String, body: &Value) -> reqwest::Response {
    client().post(url).json(body).send().await.unwrap()
}

#[tokio::test]
async fn magellan_payload_creates_what_openchami_creates() {
    let smd = spawn_smd().await;
    let res = post(smd.at(RFEP), &magellan_payload()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/hsm/v2/Inventory/RedfishEndpoints/x1000c1s7b0"
    );
    assert_eq!(
        res.text().await.unwrap(),
        "[{\"URI\":\"/hsm/v2/Inventory/RedfishEndpoints/x1000c1s7b0\"}]\n"
    );

    // The endpoint, with OpenCHAMI's derived defaults.
    let (s, ep) = get_json(smd.at(&format!("{RFEP}/x1000c1s7b0"))).await;
    assert_eq!(s, 200);
    assert_eq!(
        ep,
        json!({"ID": "x1000c1s7b0", "Type": "NodeBMC", "Hostname": "172.16.0.104",
               "Domain": "", "FQDN": "172.16.0.104", "Enabled": true, "User": "admin",
               "Password": "secret", "MACRequired": true, "MACAddr": "ec:e7:a7:05:b0:00",
               "IPAddress": "172.16.0.104", "RediscoverOnUpdate": false,
               "DiscoveryInfo": {"LastDiscoveryStatus": "NotYetQueried"}})
    );

    // Components: the BMC and one node per distinct system.
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components")).await;
    assert_eq!(
        b,
        json!({"Components": [
            {"ID": "x1000c1s7b0", "Type": "NodeBMC", "State": "Ready", "Flag": "OK", "Enabled": true},
            {"ID": "x1000c1s7b0n0", "Type": "Node", "State": "On", "Flag": "OK", "Enabled": true,
             "Role": "Compute", "NID": 1},
            {"ID": "x1000c1s7b0n1", "Type": "Node", "State": "On", "Flag": "OK", "Enabled": true,
             "Role": "Compute", "NID": 2}
        ]})
    );

    // ComponentEndpoints, as BSS reads them (`type=Node`).
    let (s, b) = get_json(smd.at("/hsm/v2/Inventory/ComponentEndpoints?type=Node")).await;
    assert_eq!(s, 200);
    let ceps = b["ComponentEndpoints"].as_array().unwrap();
    assert_eq!(ceps.len(), 2);
    let n0 = &ceps[0];
    assert_eq!(n0["ID"], "x1000c1s7b0n0");
    assert_eq!(n0["Type"], "Node");
    assert_eq!(n0["RedfishType"], "ComputerSystem");
    assert_eq!(n0["RedfishSubtype"], "Physical");
    assert_eq!(n0["UUID"], "4c4c4544-0000-1000-8000-000000000001");
    assert_eq!(n0["OdataID"], "/redfish/v1/Systems/Node0");
    assert_eq!(n0["RedfishEndpointID"], "x1000c1s7b0");
    assert_eq!(n0["RedfishEndpointFQDN"], "172.16.0.104");
    assert_eq!(n0["RedfishURL"], "172.16.0.104/redfish/v1/Systems/Node0");
    assert_eq!(
        n0["ComponentEndpointType"],
        "ComponentEndpointComputerSystem"
    );
    assert_eq!(n0["Enabled"], true);
    let info = &n0["RedfishSystemInfo"];
    assert_eq!(info["Name"], "Node0");
    let macs: Vec<&str> = info["EthernetNICInfo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["MACAddress"].as_str().unwrap())
        .collect();
    assert_eq!(macs, ["ec:e7:a7:05:a1:00", "ec:e7:a7:05:a1:01"]);
    assert_eq!(
        info["EthernetNICInfo"][0]["@odata.id"],
        "/redfish/v1/Systems/Node0/EthernetInterfaces/1"
    );
    assert_eq!(
        info["Actions"]["#ComputerSystem.Reset"],
        json!({"ResetType@Redfish.AllowableValues": ["On", "ForceOff", "GracefulShutdown", "ForceRestart"],
               "target": "/redfish/v1/Systems/Node0/Actions/ComputerSystem.Reset"})
    );
    assert_eq!(info["PowerURL"], "/redfish/v1/Chassis/Node0/Power");
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/ComponentEndpoints/x1000c1s7b0")).await;
    assert_eq!(b["RedfishType"], "Manager");
    assert_eq!(b["RedfishSubtype"], "BMC");
    assert_eq!(b["ComponentEndpointType"], "ComponentEndpointManager");
    assert_eq!(b["RedfishURL"], "172.16.0.104/redfish/v1/Managers/BMC");
    assert_eq!(
        b["RedfishManagerInfo"]["Actions"]["#Manager.Reset"]["target"],
        "/redfish/v1/Managers/BMC/Actions/Manager.Reset"
    );

    // EthernetInterfaces: four MACs with their owners and IPs.
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/EthernetInterfaces")).await;
    let got: Vec<(String, String, String, Value)> = b
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ID"].as_str().unwrap().to_owned(),
                e["MACAddress"].as_str().unwrap().to_owned(),
                e["ComponentID"].as_str().unwrap().to_owned(),
                e["IPAddresses"].clone(),
            )
        })
        .collect();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        got,
        vec![
            (
                s("ece7a705a100"),
                s("ec:e7:a7:05:a1:00"),
                s("x1000c1s7b0n0"),
                json!([{"IPAddress": "172.16.0.11"}])
            ),
            (
                s("ece7a705a101"),
                s("ec:e7:a7:05:a1:01"),
                s("x1000c1s7b0n0"),
                json!([])
            ),
            (
                s("ece7a705a200"),
                s("ec:e7:a7:05:a2:00"),
                s("x1000c1s7b0n1"),
                json!([{"IPAddress": "172.16.0.12"}])
            ),
            (
                s("ece7a705b000"),
                s("ec:e7:a7:05:b0:00"),
                s("x1000c1s7b0"),
                json!([{"IPAddress": "172.16.0.104"}])
            ),
        ]
    );
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/EthernetInterfaces?type=Node")).await;
    assert_eq!(b.as_array().unwrap().len(), 3);

    // POST again: 409, nothing duplicated.
    let res = post(smd.at(RFEP), &magellan_payload()).await;
    assert_eq!(res.status(), 409);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b["detail"],
        "operation would conflict with an existing resource that has the same FQDN or xname ID."
    );

    // PUT (magellan --force-update) updates in place; NIDs are kept.
    let mut p = magellan_payload();
    p["Systems"][1]["name"] = json!("Renamed");
    let res = client()
        .put(smd.at(&format!("{RFEP}/x1000c1s7b0")))
        .json(&p)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["ID"], "x1000c1s7b0");
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?type=Node&nidonly")).await;
    assert_eq!(
        b["Components"],
        json!([{"ID": "x1000c1s7b0n0", "Type": "Node", "NID": 1},
               {"ID": "x1000c1s7b0n1", "Type": "Node", "NID": 2}])
    );
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/ComponentEndpoints/x1000c1s7b0n1")).await;
    assert_eq!(b["RedfishSystemInfo"]["Name"], "Renamed");
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/EthernetInterfaces")).await;
    assert_eq!(b.as_array().unwrap().len(), 4);
    let (_, b) = get_json(smd.at("/hsm/v2/Inventory/ComponentEndpoints")).await;
    assert_eq!(b["ComponentEndpoints"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn nids_are_unique_across_bmcs_and_macs_are_not_stolen() {
    let smd = spawn_smd().await;
    assert_eq!(post(smd.at(RFEP), &magellan_payload()).await.status(), 201);

    // A second BMC: its first node would get NID 1 in OpenCHAMI; here the
    // next free one.
    let mut p = magellan_payload();
    p["ID"] = json!("x1000c1s7b1");
    p["FQDN"] = json!("172.16.0.105");
    p["MACAddr"] = json!("");
    p["Managers"] = json!([]);
    p["Systems"] = json!([{"uri": "/redfish/v1/Systems/1", "uuid": "u-b1",
        "ethernet_interfaces": [{"mac": "02:00:00:00:00:01"}]}]);
    assert_eq!(post(smd.at(RFEP), &p).await.status(), 201);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b1n0")).await;
    assert_eq!(c["NID"], 3);

    // A third BMC claiming a MAC of x1000c1s7b0n0: 409, and nothing of it stays.
    let mut p3 = p.clone();
    p3["ID"] = json!("x1000c1s7b2");
    p3["FQDN"] = json!("172.16.0.106");
    p3["Systems"][0]["ethernet_interfaces"] = json!([{"mac": "ec:e7:a7:05:a1:00"}]);
    let res = post(smd.at(RFEP), &p3).await;
    assert_eq!(res.status(), 409);
    let b: Value = res.json().await.unwrap();
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("belongs to x1000c1s7b0n0"),
        "{b}"
    );
    let (s, _) = get_json(smd.at(&format!("{RFEP}/x1000c1s7b2"))).await;
    assert_eq!(s, 404);
    let (s, _) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b2n0")).await;
    assert_eq!(s, 404);

    // PUT forces it: the MAC moves; a new endpoint via PUT answers 204.
    let res = client()
        .put(smd.at(&format!("{RFEP}/x1000c1s7b2")))
        .json(&p3)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, e) = get_json(smd.at("/hsm/v2/Inventory/EthernetInterfaces/ece7a705a100")).await;
    assert_eq!(e["ComponentID"], "x1000c1s7b2n0");
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b2n0")).await;
    assert_eq!(c["NID"], 4);
}

#[tokio::test]
async fn plain_endpoints_filters_patch_delete() {
    let smd = spawn_smd_with(|c| c.hide_passwords = true).await;
    let res = post(
        smd.at(RFEP),
        &json!({"RedfishEndpoints": [
            {"ID": "x3000c0s1b0", "Hostname": "bmc1", "Domain": "mgmt.example.com",
             "User": "root", "Password": "hunter2", "MACAddr": "AA-BB-CC-00-00-01"},
            {"ID": "x3000c0s2b0", "FQDN": "bmc2.mgmt.example.com", "Enabled": false}
        ]}),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], RFEP);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b,
        json!([{"URI": "/hsm/v2/Inventory/RedfishEndpoints/x3000c0s1b0"},
               {"URI": "/hsm/v2/Inventory/RedfishEndpoints/x3000c0s2b0"}])
    );
    let (_, b) = get_json(smd.at(RFEP)).await;
    let eps = b["RedfishEndpoints"].as_array().unwrap();
    assert_eq!(eps[0]["FQDN"], "bmc1.mgmt.example.com");
    assert_eq!(eps[0]["Password"], "", "hidden by configuration");
    assert_eq!(eps[0]["MACAddr"], "aa:bb:cc:00:00:01");
    assert_eq!(eps[1]["Hostname"], "bmc2");
    assert_eq!(eps[1]["Domain"], "mgmt.example.com");
    assert_eq!(eps[1]["Enabled"], false);
    // No inventory without SchemaVersion: no components.
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components")).await;
    assert_eq!(c, json!({"Components": []}));

    for (q, n) in [
        ("id=x3000c0s1b0", 1),
        ("fqdn=bmc2.mgmt.example.com", 1),
        ("type=NodeBMC", 2),
        ("macaddr=aabbcc000001", 1),
        ("laststatus=NotYetQueried", 2),
    ] {
        let (s, b) = get_json(smd.at(&format!("{RFEP}?{q}"))).await;
        assert_eq!(s, 200);
        assert_eq!(b["RedfishEndpoints"].as_array().unwrap().len(), n, "{q}");
    }
    let (_, b) = get_json(smd.at(&format!("{RFEP}/Query/x3000c0s1"))).await;
    assert_eq!(b["RedfishEndpoints"].as_array().unwrap().len(), 1);
    let (_, b) = get_json(smd.at(&format!("{RFEP}/Query/all"))).await;
    assert_eq!(b["RedfishEndpoints"].as_array().unwrap().len(), 2);

    // Duplicate FQDN.
    let res = post(
        smd.at(RFEP),
        &json!({"ID": "x3000c0s3b0", "FQDN": "bmc2.mgmt.example.com"}),
    )
    .await;
    assert_eq!(res.status(), 409);

    let res = client()
        .patch(smd.at(&format!("{RFEP}/x3000c0s2b0")))
        .json(&json!({"Enabled": true, "User": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        (b["Enabled"].as_bool(), b["User"].as_str()),
        (Some(true), Some("admin"))
    );
    let res = client()
        .patch(smd.at(&format!("{RFEP}/x3000c0s9b0")))
        .json(&json!({"Enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "No such entry: x3000c0s9b0");

    let res = client()
        .delete(smd.at(&format!("{RFEP}/x3000c0s2b0")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client()
        .delete(smd.at(&format!("{RFEP}/x3000c0s2b0")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client().delete(smd.at(RFEP)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["message"], "deleted 1 entries");
}

#[tokio::test]
async fn bad_endpoints_are_400_naming_the_entry() {
    let smd = spawn_smd().await;
    // Our own checks beyond OpenCHAMI's (MACs, magellan's inventory, JSON
    // types) name the field.
    let cases = [
        (
            json!({"ID": "x1c0s0b0", "MACAddr": "xx"}),
            "couldn't validate endpoint data: invalid MAC address 'xx'",
        ),
        (
            json!({"ID": "x1c0s0b0", "SchemaVersion": 1,
                   "Systems": [{"uuid": "u", "ethernet_interfaces": [{"mac": "nope"}]}]}),
            "Systems[0].ethernet_interfaces[0].mac: invalid MAC address 'nope'",
        ),
        (json!({"ID": 5}), "field 'ID'"),
    ];
    for (body, needle) in cases {
        let res = post(smd.at(RFEP), &body).await;
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let b: Value = res.json().await.unwrap();
        let d = b["detail"].as_str().unwrap();
        assert!(d.contains(needle), "{body}: {d}");
    }
}

/// S4, S5, S21-S23, S25: OpenCHAMI's answers, word for word.
#[tokio::test]
async fn redfish_endpoint_answers_are_openchamis() {
    let smd = spawn_smd().await;
    let bad = |method: &'static str, path: &str, body: Option<Value>, detail: &'static str| {
        row(method, path.to_owned(), body, 400, Want::Problem(detail))
    };
    check(
        &smd.url,
        &[
            bad(
                "POST",
                RFEP,
                Some(json!({"ID": "foo"})),
                "couldn't validate endpoint data: foo is not a valid locational xname ID",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"RedfishEndpoints": [{"ID": "foo"}]})),
                "couldn't validate endpoint data at idx 0: foo is not a valid locational xname ID",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"RedfishEndpoints": [{"ID": "x1c0s0b0"}, {"ID": "x1c0s0b1n0"}]})),
                "couldn't validate endpoint data at idx 1: xname ID x1c0s0b1n0 has wrong type for RF endpoint: Node",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"FQDN": "nothing"})),
                "couldn't validate endpoint data: nothing is not a valid locational xname ID",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"Hostname": "a.b"})),
                "couldn't validate endpoint data: Hostname is not a basename or IP address.",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"ID": "x1c0s0b0", "IPAddress": "1.2.3"})),
                "couldn't validate endpoint data: IPAddress is not a valid IP address: '1.2.3'",
            ),
            // S21: a Hostname the FQDN contradicts.
            bad(
                "POST",
                RFEP,
                Some(json!({"ID": "x9999c7s99b91", "FQDN": "MyFQDN", "Hostname": "MyHostname"})),
                "couldn't validate endpoint data: host/domain conflicts with FQDN: 'MyHostname' != 'MyFQDN'",
            ),
            bad(
                "POST",
                RFEP,
                Some(json!({"RedfishEndpoints": [
                    {"ID": "x9999c7s99b91", "FQDN": "MyFQDN", "Hostname": "MyHostname"}]})),
                "couldn't validate endpoint data at idx 0: host/domain conflicts with FQDN: 'MyHostname' != 'MyFQDN'",
            ),
            bad(
                "PUT",
                &format!("{RFEP}/x9999c7s99b91"),
                Some(json!({"ID": "x9999c7s99b91", "FQDN": "MyFQDN", "Hostname": "MyHostname"})),
                "couldn't validate endpoint data: host/domain conflicts with FQDN: 'MyHostname' != 'MyFQDN'",
            ),
            // S25.
            bad(
                "PUT",
                &format!("{RFEP}/foo"),
                Some(json!({})),
                "couldn't validate endpoint data: foo is not a valid locational xname ID",
            ),
            bad(
                "PUT",
                &format!("{RFEP}/x1c0s0b0"),
                Some(json!({"ID": "foo"})),
                "xname in URL and PUT body do not match",
            ),
            bad(
                "PATCH",
                &format!("{RFEP}/foo"),
                Some(json!({"Enabled": true})),
                "xname in URL is not valid",
            ),
            bad(
                "GET",
                &format!("{RFEP}?type=foo"),
                None,
                "bad query param: Argument was not a valid HMS Type",
            ),
            bad(
                "GET",
                &format!("{RFEP}?id=foo"),
                None,
                "bad query param: Argument was not a valid xname ID",
            ),
            bad(
                "DELETE",
                &format!("{RFEP}/foo"),
                None,
                "Argument was not a valid xname ID",
            ),
            // S4: malformed xnames in look-ups are misses.
            row("GET", format!("{RFEP}/foo"), None, 404, Want::Problem("no such xname.")),
            row(
                "GET",
                format!("{RFEP}/x9999c7s99b91"),
                None,
                404,
                Want::Problem("no such xname."),
            ),
            bad(
                "DELETE",
                "/hsm/v2/Inventory/ComponentEndpoints/FAKE",
                None,
                "Argument was not a valid xname ID",
            ),
            row(
                "GET",
                "/hsm/v2/Inventory/ComponentEndpoints/FAKE",
                None,
                404,
                Want::Problem("no such xname."),
            ),
            row(
                "GET",
                "/hsm/v2/Inventory/ServiceEndpoints/UpdateService/RedfishEndpoints/FAKE",
                None,
                404,
                Want::Problem("no such service under redfish endpoint."),
            ),
            row(
                "DELETE",
                "/hsm/v2/Inventory/ServiceEndpoints/UpdateService/RedfishEndpoints/FAKE",
                None,
                404,
                Want::Problem("no such service under redfish endpoint."),
            ),
        ],
    )
    .await;

    // S23: only an ID: Hostname stays empty, FQDN is the ID (POST and PUT).
    let b94 = "x9999c7s99b94";
    let res = client()
        .put(smd.at(&format!("{RFEP}/{b94}")))
        .json(&json!({"ID": b94, "Enabled": true, "RediscoverOnUpdate": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, ep) = get_json(smd.at(&format!("{RFEP}/{b94}"))).await;
    assert_eq!(
        ep,
        json!({"ID": b94, "Type": "NodeBMC", "Hostname": "", "Domain": "", "FQDN": b94,
               "Enabled": true, "User": "", "Password": "", "RediscoverOnUpdate": false,
               "DiscoveryInfo": {"LastDiscoveryStatus": "NotYetQueried"}})
    );
    let res = post(smd.at(RFEP), &json!({"ID": "x9999c7s99b93"})).await;
    assert_eq!(res.status(), 201);
    let (_, ep) = get_json(smd.at(&format!("{RFEP}/x9999c7s99b93"))).await;
    assert_eq!(
        (ep["Hostname"].as_str(), ep["FQDN"].as_str()),
        (Some(""), Some("x9999c7s99b93"))
    );

    // S22: an 8-octet MAC is stored and shown.
    let res = client()
        .patch(smd.at(&format!("{RFEP}/x9999c7s99b93")))
        .json(&json!({"MACAddr": "ff:ff:ff:ff:ff:ff:ff:ff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["MACAddr"], "ff:ff:ff:ff:ff:ff:ff:ff");
    let (_, ep) = get_json(smd.at(&format!("{RFEP}/x9999c7s99b93"))).await;
    assert_eq!(ep["MACAddr"], "ff:ff:ff:ff:ff:ff:ff:ff");

    // S21: a PATCHed Hostname that contradicts the FQDN: 400 (OpenCHAMI
    // 500), nothing stored.
    check(
        &smd.url,
        &[
            row(
                "PATCH",
                format!("{RFEP}/x9999c7s99b93"),
                Some(json!({"Hostname": "MyHostname"})),
                400,
                Want::Problem("operation 'PATCH' failed during store"),
            ),
            // S25: a FQDN another endpoint has.
            row(
                "PATCH",
                format!("{RFEP}/x9999c7s99b93"),
                Some(json!({"Hostname": b94, "FQDN": b94})),
                409,
                Want::Problem(
                    "operation would conflict with an existing resource that has the same FQDN",
                ),
            ),
        ],
    )
    .await;
    // Unchanged by both. (The MACAddr PATCH re-derived Hostname from the
    // FQDN, as OpenCHAMI's NewRedfishEPDescription does on every PATCH.)
    let (_, ep) = get_json(smd.at(&format!("{RFEP}/x9999c7s99b93"))).await;
    assert_eq!(
        (ep["Hostname"].as_str(), ep["FQDN"].as_str()),
        (Some("x9999c7s99b93"), Some("x9999c7s99b93"))
    );
    // The failed POSTs above created nothing.
    let (_, b) = get_json(smd.at(&format!("{RFEP}?id=x9999c7s99b91"))).await;
    assert_eq!(b, json!({"RedfishEndpoints": []}));
}

#[tokio::test]
async fn component_and_service_endpoint_routes() {
    let smd = spawn_smd().await;
    assert_eq!(post(smd.at(RFEP), &magellan_payload()).await.status(), 201);
    let cep = "/hsm/v2/Inventory/ComponentEndpoints";
    for (q, n) in [
        ("", 3),
        ("?redfish_ep=x1000c1s7b0", 3),
        ("?type=NodeBMC", 1),
        ("?redfish_type=ComputerSystem", 2),
        ("?id=x1000c1s7b0n1", 1),
    ] {
        let (s, b) = get_json(smd.at(&format!("{cep}{q}"))).await;
        assert_eq!(s, 200);
        assert_eq!(b["ComponentEndpoints"].as_array().unwrap().len(), n, "{q}");
    }
    let (s, b) = get_json(smd.at(&format!("{cep}?type=Bogus"))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (
            400,
            Some("bad query param: Argument was not a valid HMS Type")
        )
    );
    let (s, b) = get_json(smd.at(&format!("{cep}?id=foo"))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (
            400,
            Some("bad query param: Argument was not a valid xname ID")
        )
    );
    let (s, b) = get_json(smd.at(&format!("{cep}/x9c0s0b0n0"))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    let res = client()
        .delete(smd.at(&format!("{cep}/x1000c1s7b0n1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client().delete(smd.at(cep)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["message"], "deleted 2 entries");

    // Deleting the endpoint empties its components (OpenCHAMI's SetEmpty).
    let res = client()
        .put(smd.at(&format!("{RFEP}/x1000c1s7b0")))
        .json(&magellan_payload())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client()
        .delete(smd.at(&format!("{RFEP}/x1000c1s7b0")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b0n0")).await;
    assert_eq!(c["State"], "Empty");
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b0")).await;
    assert_eq!(c["State"], "Empty");
    let (_, b) = get_json(smd.at(cep)).await;
    assert_eq!(b, json!({"ComponentEndpoints": []}));

    // Rediscovered: the BMC is Ready and the node On again, NID kept.
    assert_eq!(post(smd.at(RFEP), &magellan_payload()).await.status(), 201);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b0")).await;
    assert_eq!(c["State"], "Ready");
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b0n0")).await;
    assert_eq!(
        (c["State"].as_str(), c["NID"].as_i64()),
        (Some("On"), Some(1))
    );
    let (_, b) = get_json(smd.at(cep)).await;
    assert_eq!(b["ComponentEndpoints"].as_array().unwrap().len(), 3);

    let sep = "/hsm/v2/Inventory/ServiceEndpoints";
    let (s, b) = get_json(smd.at(sep)).await;
    assert_eq!((s, b), (200, json!({"ServiceEndpoints": []})));
    let (s, b) = get_json(smd.at(&format!("{sep}/UpdateService"))).await;
    assert_eq!((s, b), (200, json!({"ServiceEndpoints": []})));
    let (s, _) =
        get_json(smd.at(&format!("{sep}/UpdateService/RedfishEndpoints/x1000c1s7b0"))).await;
    assert_eq!(s, 404);
    let res = client().delete(smd.at(sep)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn service_values() {
    let smd = spawn_smd().await;
    let (s, b) = get_json(smd.at("/hsm/v2/service/values")).await;
    assert_eq!(s, 200);
    assert!(b["Type"].as_array().unwrap().contains(&json!("NodeBMC")));
    assert_eq!(
        b["Flag"],
        json!(["Unknown", "OK", "Warning", "Alert", "Locked"])
    );
    let (s, b) = get_json(smd.at("/hsm/v2/service/values/arch")).await;
    assert_eq!(s, 200);
    assert_eq!(b, json!({"Arch": ["X86", "ARM", "Other", "UNKNOWN"]}));
    let (s, _) = get_json(smd.at("/hsm/v2/service/values/bogus")).await;
    assert_eq!(s, 404);
}
