//! /Defaults/NodeMaps, and the defaults they give new nodes.

use crate::support::get as get_json;
use crate::support::{check, row, Want};
use crate::support::{client, send};
use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

const BASE: &str = "/hsm/v2/Defaults/NodeMaps";

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

/// S18: OpenCHAMI's texts, word for word.
#[tokio::test]
async fn node_map_errors() {
    let smd = spawn_smd().await;
    let post = |m: Value, status: u16, detail: &'static str| {
        row(
            "POST",
            BASE,
            Some(json!({ "NodeMaps": [m] })),
            status,
            Want::Problem(detail),
        )
    };
    let put = |id: &str, m: Value, status: u16, detail: &'static str| {
        row(
            "PUT",
            format!("{BASE}/{id}"),
            Some(m),
            status,
            Want::Problem(detail),
        )
    };
    check(
        &smd.url,
        &[
            post(
                json!({"NID": 1}),
                400,
                "couldn't validate map data at idx 0: xname ID '' is invalid or not a node",
            ),
            post(
                json!({"ID": "x0c0s1b0", "NID": 1}),
                400,
                "couldn't validate map data at idx 0: xname ID 'x0c0s1b0' is invalid or not a node",
            ),
            post(
                json!({"ID": "bogus", "NID": 1}),
                400,
                "couldn't validate map data at idx 0: xname ID 'bogus' is invalid or not a node",
            ),
            post(
                json!({"ID": "x0c0s1b0n0"}),
                400,
                "couldn't validate map data at idx 0: NID '0' is out of range",
            ),
            post(
                json!({"ID": "x0c0s1b0n0", "NID": 0}),
                400,
                "couldn't validate map data at idx 0: NID '0' is out of range",
            ),
            post(
                json!({"ID": "x0c0s1b0n0", "NID": 1, "Role": "FAKE"}),
                400,
                "couldn't validate map data at idx 0: Role 'FAKE' is not valid.",
            ),
            post(
                json!({"ID": "x0c0s1b0n0", "NID": 1, "SubRole": "FAKE"}),
                400,
                "couldn't validate map data at idx 0: SubRole 'FAKE' is not valid.",
            ),
            // S19: VirtualNodes take node maps too.
            post(
                json!({"ID": "x9999c7s9b9n9v0"}),
                400,
                "couldn't validate map data at idx 0: NID '0' is out of range",
            ),
            put(
                "FAKE",
                json!({"NID": 1}),
                400,
                "couldn't validate endpoint data: xname ID 'fake' is invalid or not a node",
            ),
            put(
                "x0c0s1b0n0",
                json!({}),
                400,
                "couldn't validate endpoint data: NID '0' is out of range",
            ),
            put(
                "x0c0s1b0n0",
                json!({"NID": 1, "Role": "FAKE"}),
                400,
                "couldn't validate endpoint data: Role 'FAKE' is not valid.",
            ),
            put(
                "x0c0s1b0n0",
                json!({"NID": 1, "SubRole": "FAKE"}),
                400,
                "couldn't validate endpoint data: SubRole 'FAKE' is not valid.",
            ),
            put(
                "x0c0s1b0n0",
                json!({"ID": "x0c0s2b0n0", "NID": 1}),
                400,
                "xname in URL and PUT body do not match",
            ),
            row(
                "DELETE",
                format!("{BASE}/FAKE"),
                None,
                400,
                Want::Problem("invalid xname"),
            ),
            // A malformed xname in a GET look-up is a miss (S4).
            row(
                "GET",
                format!("{BASE}/FAKE"),
                None,
                404,
                Want::Problem("no such xname."),
            ),
        ],
    )
    .await;
    // Undecodable: 400.
    for body in [
        json!({"NodeMaps": [{"ID": "x0c0s1b0n0", "NID": "x"}]}),
        json!({"NodeMaps": "no"}),
    ] {
        let (s, _) = send(client().post(smd.at(BASE)).json(&body)).await;
        assert_eq!(s, 400, "{body}");
    }
    // Same NID on two nodes: 409, nothing written.
    let (s, b) = send(client().post(smd.at(BASE)).json(&json!({"NodeMaps": [
        {"ID": "x0c0s1b0n0", "NID": 5}, {"ID": "x0c0s2b0n0", "NID": 5},
    ]})))
    .await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (
            409,
            Some("operation would conflict with an existing xname ID that has the same NID.")
        )
    );
    let (_, b) = get_json(smd.at(BASE)).await;
    assert_eq!(b, json!({"NodeMaps": []}));
    let (s, _) = send(client().patch(smd.at(BASE))).await;
    assert_eq!(s, 405);
}

/// S19: VirtualNode IDs are node maps like Nodes: create, duplicate NID,
/// delete.
#[tokio::test]
async fn virtual_node_maps() {
    let smd = spawn_smd().await;
    const V: &str = "x9999c7s9b9n9v0";
    check(
        &smd.url,
        &[
            row(
                "POST",
                BASE,
                Some(json!({"NodeMaps": [{"ID": V, "NID": 9999, "Role": "Compute"}]})),
                200,
                Want::Json(json!({"code": 0, "message": "Created or modified 1 entries"})),
            ),
            row(
                "GET",
                format!("{BASE}/{V}"),
                None,
                200,
                Want::Json(json!({"ID": V, "NID": 9999, "Role": "Compute"})),
            ),
            row(
                "PUT",
                format!("{BASE}/x9999c7s9b9n9v1"),
                Some(json!({"NID": 9998})),
                200,
                Want::Json(json!({"ID": "x9999c7s9b9n9v1", "NID": 9998})),
            ),
            row(
                "POST",
                BASE,
                Some(json!({"NodeMaps": [{"ID": "x9999c7s9b9n9v2", "NID": 9999}]})),
                409,
                Want::Problem(
                    "operation would conflict with an existing xname ID that has the same NID.",
                ),
            ),
            row(
                "PUT",
                format!("{BASE}/x9999c7s9b9n9v2"),
                Some(json!({"NID": 9999})),
                409,
                Want::Problem(
                    "operation would conflict with an existing resource that has the same NID",
                ),
            ),
            row(
                "DELETE",
                format!("{BASE}/{V}"),
                None,
                200,
                Want::Json(json!({"code": 0, "message": "deleted 1 entry"})),
            ),
        ],
    )
    .await;
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
