//! /Defaults/NodeMaps, and the defaults they give new nodes.

use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

const BASE: &str = "/hsm/v2/Defaults/NodeMaps";

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get_json(url: String) -> (u16, Value) {
    send(client().get(url)).await
}

#[tokio::test]
async fn node_maps_crud() {
    let smd = spawn_smd().await;
    let (s, b) = get_json(smd.at(BASE)).await;
    assert_eq!((s, b), (200, json!({"NodeMaps": []})));
    let (s, b) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x0c0s1b0n0", "NID": 10, "Role": "application", "SubRole": "worker"},
        {"ID": "X0C0S2B0N0", "NID": "11"},
    ]})))
    .await;
    assert_eq!(
        (s, b),
        (
            200,
            json!({"code": 0, "message": "Created or modified 2 entries"})
        )
    );
    let (_, b) = get_json(smd.at(BASE)).await;
    assert_eq!(
        b,
        json!({"NodeMaps": [
            {"ID": "x0c0s1b0n0", "NID": 10, "Role": "Application", "SubRole": "Worker"},
            {"ID": "x0c0s2b0n0", "NID": 11},
        ]})
    );
    let (s, b) = get_json(smd.at(&format!("{BASE}/x0c0s1b0n0"))).await;
    assert_eq!(s, 200);
    assert_eq!(b["NID"], 10);
    // PUT replaces and answers the map; the ID may be left out of the body.
    let (s, b) = send(
        client()
            .put(smd.at(&format!("{BASE}/x0c0s2b0n0")))
            .json(&json!({"NID": 12, "Role": "Service"})),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            200,
            json!({"ID": "x0c0s2b0n0", "NID": 12, "Role": "Service"})
        )
    );
    // Swapping NIDs in one POST is fine (checked at commit).
    let (s, _) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x0c0s1b0n0", "NID": 12}, {"ID": "x0c0s2b0n0", "NID": 10},
    ]})))
    .await;
    assert_eq!(s, 200);
    let (s, b) = send(client().delete(smd.at(&format!("{BASE}/x0c0s1b0n0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) = get_json(smd.at(&format!("{BASE}/x0c0s1b0n0"))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    let (s, b) = send(client().delete(smd.at(&format!("{BASE}/x0c0s1b0n0")))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    let (s, b) = send(client().delete(smd.at(BASE))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entries"}))
    );
    let (s, b) = send(client().delete(smd.at(BASE))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("no entries to delete"))
    );
}

#[tokio::test]
async fn node_map_errors() {
    let smd = spawn_smd().await;
    for (body, needle) in [
        (json!({"NodeMaps": [{"NID": 1}]}), "NodeMaps[0].ID: missing"),
        (
            json!({"NodeMaps": [{"ID": "x0c0s1b0", "NID": 1}]}),
            "NodeMaps[0].ID: xname ID 'x0c0s1b0' is not a node",
        ),
        (
            json!({"NodeMaps": [{"ID": "bogus", "NID": 1}]}),
            "NodeMaps[0].ID",
        ),
        (
            json!({"NodeMaps": [{"ID": "x0c0s1b0n0"}]}),
            "NodeMaps[0].NID: missing",
        ),
        (
            json!({"NodeMaps": [{"ID": "x0c0s1b0n0", "NID": 0}]}),
            "NID '0' is out of range",
        ),
        (
            json!({"NodeMaps": [{"ID": "x0c0s1b0n0", "NID": "x"}]}),
            "NID",
        ),
        (
            json!({"NodeMaps": [{"ID": "x0c0s1b0n0", "NID": 1, "Role": "Boss"}]}),
            "Role",
        ),
        (json!({"NodeMaps": "no"}), "NodeMaps"),
    ] {
        let (s, b) = send(client().post(smd.at(BASE)).json(&body)).await;
        assert_eq!(s, 400, "{body}");
        assert!(
            b["detail"].as_str().unwrap().contains(needle),
            "{body}: {b}"
        );
    }
    // Same NID on two nodes: 409, nothing written.
    let (s, b) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x0c0s1b0n0", "NID": 5}, {"ID": "x0c0s2b0n0", "NID": 5},
    ]})))
    .await;
    assert_eq!(s, 409, "{b}");
    let (_, b) = get_json(smd.at(BASE)).await;
    assert_eq!(b, json!({"NodeMaps": []}));
    let (s, b) = send(
        client()
            .put(smd.at(&format!("{BASE}/x0c0s1b0n0")))
            .json(&json!({"ID": "x0c0s2b0n0", "NID": 1})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        b["detail"].as_str().unwrap().contains("does not match"),
        "{b}"
    );
    let (s, _) = get_json(smd.at(&format!("{BASE}/notanxname"))).await;
    assert_eq!(s, 400);
    let (s, _) = send(client().patch(smd.at(BASE))).await;
    assert_eq!(s, 405);
}

#[tokio::test]
async fn new_nodes_take_their_defaults() {
    let smd = spawn_smd().await;
    let (s, _) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x0c0s1b0n0", "NID": 100, "Role": "Management", "SubRole": "Master"},
        {"ID": "x0c0s2b0n0", "NID": 200},
        {"ID": "x1000c1s7b0n0", "NID": 300, "Role": "Storage"},
    ]})))
    .await;
    assert_eq!(s, 200);
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/State/Components"))
            .json(&json!({
                "Components": [
                    {"ID": "x0c0s1b0n0"},
                    {"ID": "x0c0s2b0n0", "Role": "Service"},
                    {"ID": "x0c0s3b0n0"},
                ]
            })),
    )
    .await;
    assert_eq!(s, 204);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?roleonly=false")).await;
    let c = &b["Components"];
    assert_eq!(
        (&c[0]["NID"], &c[0]["Role"], &c[0]["SubRole"]),
        (&json!(100), &json!("Management"), &json!("Master"))
    );
    assert_eq!(
        (&c[1]["NID"], &c[1]["Role"]),
        (&json!(200), &json!("Service"))
    );
    assert_eq!(
        (&c[2].get("NID"), &c[2]["Role"]),
        (&None, &json!("Compute"))
    );
    // PUT of one component.
    let (s, _) = send(
        client()
            .put(smd.at("/hsm/v2/State/Components/x1000c1s7b0n0"))
            .json(&json!({"Component": {"State": "Ready"}})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components/x1000c1s7b0n0")).await;
    assert_eq!((&b["NID"], &b["Role"]), (&json!(300), &json!("Storage")));
}

#[tokio::test]
async fn magellan_ingestion_uses_node_maps() {
    let smd = spawn_smd().await;
    let (s, _) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x3000c0s1b0n0", "NID": 42, "Role": "Application", "SubRole": "Worker"},
    ]})))
    .await;
    assert_eq!(s, 200);
    let h = "https://172.16.0.50:443";
    let body = json!({
        "ID": "x3000c0s1b0", "FQDN": "172.16.0.50", "User": "admin", "Password": "x",
        "MACAddr": "ec:e7:a7:05:c0:00", "SchemaVersion": 1,
        "Systems": [{
            "uri": format!("{h}/redfish/v1/Systems/1"), "uuid": "4c4c4544-0000-1000-8000-0000000000aa",
            "name": "Node1", "ethernet_interfaces": [
                {"uri": format!("{h}/redfish/v1/Systems/1/EthernetInterfaces/1"),
                 "mac": "ec:e7:a7:05:c1:00", "ip": "172.16.0.60", "name": "1",
                 "description": "", "enabled": true}],
            "power": {"state": "On", "mode": "", "restore_policy": "", "power_control_ids": []},
            "actions": ["On"], "links": {"chassis": [], "managers": []}
        }],
        "Managers": []
    });
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
            .json(&body),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components/x3000c0s1b0n0")).await;
    assert_eq!(
        (&b["NID"], &b["Role"], &b["SubRole"]),
        (&json!(42), &json!("Application"), &json!("Worker"))
    );
}
