//! Inventory/EthernetInterfaces through HTTP against real PostgreSQL.

use crate::support::client;
use crate::support::get_json;
use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

const BASE: &str = "/hsm/v2/Inventory/EthernetInterfaces";

#[tokio::test]
async fn post_get_filter_patch_delete() {
    let smd = spawn_smd().await;
    let res = client()
        .post(smd.at(BASE))
        .json(&json!({
            "Description": "node0 nic0",
            "MACAddress": "A4-BF-01-38-EE-65",
            "ComponentID": "x1000c1s7b0n0",
            "IPAddresses": [{"IPAddress": "172.16.0.11", "Network": "NMN"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/hsm/v2/Inventory/EthernetInterfaces/a4bf0138ee65"
    );
    assert_eq!(
        res.text().await.unwrap(),
        "{\"URI\":\"/hsm/v2/Inventory/EthernetInterfaces/a4bf0138ee65\"}\n"
    );
    // Same MAC in another spelling: 409 with OpenCHAMI's text.
    let res = client()
        .post(smd.at(BASE))
        .json(&json!({"MACAddress": "a4bf.0138.ee65"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b["detail"],
        "operation would conflict with an existing component ethernet interface that has the same MAC address."
    );
    let res = client()
        .post(smd.at(BASE))
        .json(&json!({"MACAddress": "a4:bf:01:38:ee:66", "ComponentID": "x1000c1s7b0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let (s, all) = get_json(smd.at(BASE)).await;
    assert_eq!(s, 200);
    let arr = all.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    let e = &arr[0];
    assert_eq!(e["ID"], "a4bf0138ee65");
    assert_eq!(e["MACAddress"], "a4:bf:01:38:ee:65");
    assert_eq!(e["Description"], "node0 nic0");
    assert_eq!(e["ComponentID"], "x1000c1s7b0n0");
    assert_eq!(e["Type"], "Node");
    assert_eq!(
        e["IPAddresses"],
        json!([{"IPAddress": "172.16.0.11", "Network": "NMN"}])
    );
    assert!(e["LastUpdate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(arr[1]["IPAddresses"], json!([]), "never null");

    for (q, n) in [
        ("MACAddress=A4:BF:01:38:EE:65", 1),
        ("macaddress=a4bf0138ee66", 1),
        ("ComponentID=x1000c1s7b0n0", 1),
        // S8: an empty ComponentID selects the interfaces of no component.
        ("ComponentID=", 0),
        ("ComponentID=&ComponentID=x1000c1s7b0n0", 1),
        ("Type=Node", 1),
        ("type=NodeBMC", 1),
        ("type=Node&type=NodeBMC", 2),
        ("IPAddress=172.16.0.11", 1),
        ("Network=NMN", 1),
        ("IPAddress=10.0.0.1", 0),
        // Not a MAC: OpenCHAMI does not validate the filter; nothing matches.
        ("MACAddress=zz", 0),
        ("OlderThan=2000-01-01T00:00:00Z", 0),
        ("NewerThan=2000-01-01T00:00:00Z", 2),
    ] {
        let (s, b) = get_json(smd.at(&format!("{BASE}?{q}"))).await;
        assert_eq!(s, 200, "{q}");
        assert_eq!(b.as_array().unwrap().len(), n, "{q}: {b}");
    }
    for q in [
        "IPAddress=300.1.1.1",
        "Type=Bogus",
        "ComponentID=q",
        "OlderThan=yesterday",
    ] {
        let res = client()
            .get(smd.at(&format!("{BASE}?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{q}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    for (q, detail) in [
        ("ComponentID=BADID", "Invalid CompID."),
        ("Type=Bogus", "Invalid HMS type."),
    ] {
        let res = client()
            .get(smd.at(&format!("{BASE}?{q}")))
            .send()
            .await
            .unwrap();
        let b: Value = res.json().await.unwrap();
        assert_eq!(
            b,
            json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": detail}),
            "{q}"
        );
    }

    // One, by any MAC spelling.
    let (s, e) = get_json(smd.at(&format!("{BASE}/A4:BF:01:38:EE:65"))).await;
    assert_eq!((s, e["ID"].as_str()), (200, Some("a4bf0138ee65")));
    let (s, e) = get_json(smd.at(&format!("{BASE}/001122334455"))).await;
    assert_eq!(s, 404);
    assert_eq!(
        e["detail"],
        "No such component ethernet interface: 001122334455"
    );

    // PATCH.
    let res = client()
        .patch(smd.at(&format!("{BASE}/a4bf0138ee66")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "Request must have at least one patch field.");
    let res = client()
        .patch(smd.at(&format!("{BASE}/a4bf0138ee66")))
        .json(&json!({"ComponentID": "x1000c1s7b0n1", "Description": "moved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        (
            b["ComponentID"].as_str(),
            b["Type"].as_str(),
            b["Description"].as_str()
        ),
        (Some("x1000c1s7b0n1"), Some("Node"), Some("moved"))
    );
    let res = client()
        .patch(smd.at(&format!("{BASE}/001122334455")))
        .json(&json!({"Description": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "no such component ethernet interface.");

    // IP addresses.
    let ips = smd.at(&format!("{BASE}/a4bf0138ee66/IPAddresses"));
    let res = client()
        .post(&ips)
        .json(&json!({"IPAddress": "10.1.0.5", "Network": "HMN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b["URI"],
        "/hsm/v2/Inventory/EthernetInterfaces/a4bf0138ee66/IPAddresses/10.1.0.5"
    );
    let res = client()
        .post(&ips)
        .json(&json!({"IPAddress": "10.1.0.5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = client()
        .post(&ips)
        .json(&json!({"IPAddress": "10.1.0.500"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert!(b["detail"].as_str().unwrap().contains("IPAddress"), "{b}");
    let (s, b) = get_json(ips.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(b, json!([{"IPAddress": "10.1.0.5", "Network": "HMN"}]));
    let res = client()
        .patch(format!("{ips}/10.1.0.5"))
        .json(&json!({"Network": "NMN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b, json!({"IPAddress": "10.1.0.5", "Network": "NMN"}));
    let res = client()
        .delete(format!("{ips}/10.1.0.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client()
        .delete(format!("{ips}/10.1.0.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // DELETE one, then all.
    let res = client()
        .delete(smd.at(&format!("{BASE}/a4bf0138ee66")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap(),
        "{\"code\":0,\"message\":\"deleted 1 entry\"}\n"
    );
    let res = client().delete(smd.at(BASE)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["message"], "deleted 1 entries");
    let res = client().delete(smd.at(BASE)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let (_, b) = get_json(smd.at(BASE)).await;
    assert_eq!(b, json!([]));
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field() {
    let smd = spawn_smd().await;
    for (body, needle) in [
        (json!({"Description": "no mac"}), "MACAddress"),
        (json!({"MACAddress": "not-a-mac"}), "MACAddress"),
        (
            json!({"MACAddress": "a4:bf:01:38:ee:65", "ComponentID": "x1y2"}),
            "ComponentID",
        ),
        (
            json!({"MACAddress": "a4:bf:01:38:ee:65", "IPAddresses": [{"IPAddress": "nope"}]}),
            "IPAddresses[0].IPAddress",
        ),
    ] {
        let res = client()
            .post(smd.at(BASE))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let b: Value = res.json().await.unwrap();
        assert!(b["detail"].as_str().unwrap().contains(needle), "{b}");
    }
    let res = client().put(smd.at(BASE)).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST, DELETE");
}
