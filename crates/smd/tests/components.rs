//! State/Components through HTTP against real PostgreSQL.

use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post_components(url: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{url}/hsm/v2/State/Components"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get_json(url: String) -> (u16, Value) {
    let res = client().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn bulk_post_then_get_with_filters_and_projections() {
    let smd = spawn_smd().await;
    let res = post_components(
        &smd.url,
        json!({"Components": [
            {"ID": "x1000c1s7b0n0", "State": "On", "NID": 1, "Arch": "X86"},
            {"ID": "X1000C1S7B0N01", "State": "off", "NID": "2", "Role": "Service"},
            {"ID": "x1000c1s7b0", "State": "Ready"},
            {"ID": "x1000c1", "State": "On", "Enabled": false}
        ]}),
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.text().await.unwrap(), "");

    let res = client()
        .get(smd.at("/hsm/v2/State/Components"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let text = res.text().await.unwrap();
    assert!(text.ends_with("}]}\n"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let comps = body["Components"].as_array().unwrap();
    assert_eq!(comps.len(), 4);
    let n0 = comps.iter().find(|c| c["ID"] == "x1000c1s7b0n0").unwrap();
    assert_eq!(
        n0,
        &json!({"ID": "x1000c1s7b0n0", "Type": "Node", "State": "On", "Flag": "OK",
                "Enabled": true, "Role": "Compute", "NID": 1, "Arch": "X86"})
    );
    // Normalised ID, string NID accepted, canonical enum spelling.
    let n1 = comps.iter().find(|c| c["ID"] == "x1000c1s7b0n1").unwrap();
    assert_eq!(n1["NID"], 2);
    assert_eq!(n1["State"], "Off");
    assert_eq!(n1["Role"], "Service");
    let bmc = comps.iter().find(|c| c["ID"] == "x1000c1s7b0").unwrap();
    assert_eq!(bmc["Type"], "NodeBMC");
    assert!(
        bmc.get("Role").is_none(),
        "no default role for a BMC: {bmc}"
    );

    // `type` filter (what BSS asks), case-insensitive names and values, repeatable.
    let (s, b) = get_json(smd.at("/hsm/v2/State/Components?TYPE=node")).await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = b["Components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["x1000c1s7b0n0", "x1000c1s7b0n1"]);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?type=Node&type=NodeBMC")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 3);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?id=x1000c1s7b0n1&id=x1000c1")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?state=On&role=Compute")).await;
    assert_eq!(b["Components"][0]["ID"], "x1000c1s7b0n0");
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?enabled=false")).await;
    assert_eq!(b["Components"][0]["ID"], "x1000c1");
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?nid_start=2&nid_end=5")).await;
    assert_eq!(b["Components"][0]["ID"], "x1000c1s7b0n1");
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?nid=1")).await;
    assert_eq!(b["Components"][0]["ID"], "x1000c1s7b0n0");

    // Projections.
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?type=Node&stateonly=true")).await;
    assert_eq!(
        b["Components"][0],
        json!({"ID": "x1000c1s7b0n0", "Type": "Node", "State": "On", "Flag": "OK"})
    );
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?id=x1000c1s7b0n0&nidonly")).await;
    assert_eq!(
        b["Components"][0],
        json!({"ID": "x1000c1s7b0n0", "Type": "Node", "NID": 1})
    );
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?id=x1000c1s7b0n1&roleonly=1")).await;
    assert_eq!(
        b["Components"][0],
        json!({"ID": "x1000c1s7b0n1", "Type": "Node", "Role": "Service"})
    );

    // Empty result is an empty array, not null.
    let (s, b) = get_json(smd.at("/hsm/v2/State/Components?type=Cabinet")).await;
    assert_eq!(s, 200);
    assert_eq!(b, json!({"Components": []}));

    // Query/{xname}: the component and its descendants.
    let (s, b) = get_json(smd.at("/hsm/v2/State/Components/Query/x1000c1s7b0")).await;
    assert_eq!(s, 200);
    assert_eq!(b["Components"].as_array().unwrap().len(), 3);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components/Query/x1000c1?type=Node")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_param() {
    let smd = spawn_smd().await;
    for (q, needle) in [
        ("type=Bogus", "type"),
        ("state=Nope", "state"),
        ("id=notanxname", "id"),
        ("nid=abc", "nid"),
        ("enabled=maybe", "enabled"),
        ("group=g%21", "group"),
        ("partition=p%20q", "partition"),
    ] {
        let res = client()
            .get(smd.at(&format!("/hsm/v2/State/Components?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{q}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let b: Value = res.json().await.unwrap();
        let d = b["detail"].as_str().unwrap();
        assert!(
            d.starts_with(&format!("bad query param '{needle}'")),
            "{q}: {d}"
        );
    }
}

#[tokio::test]
async fn bulk_post_with_one_bad_entry_changes_nothing() {
    let smd = spawn_smd().await;
    let res = post_components(
        &smd.url,
        json!({"Components": [
            {"ID": "x1c0s0b0n0", "State": "On"},
            {"ID": "x1c0s0b0n1", "State": "On"},
            {"ID": "x1c0s0b0n2", "State": "On"},
            {"ID": "bogus-1", "State": "On"}
        ]}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    let d = b["detail"].as_str().unwrap();
    assert!(d.contains("Components[3].ID"), "{d}");
    assert!(d.contains("invalid xname 'bogus-1'"), "{d}");

    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0", "State": "Sideways"}]}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    let d = b["detail"].as_str().unwrap();
    assert!(
        d.contains("Components[0].State") && d.contains("Sideways"),
        "{d}"
    );

    let res = post_components(&smd.url, json!({"Components": [{"State": "On"}]})).await;
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "Components[0].ID: missing");

    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0", "Type": "Node"}]}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert!(b["detail"]
        .as_str()
        .unwrap()
        .starts_with("Components[0].Type:"));

    let res = post_components(&smd.url, json!({"Components": []})).await;
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "Missing Components");

    let res = client()
        .post(smd.at("/hsm/v2/State/Components"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let (_, b) = get_json(smd.at("/hsm/v2/State/Components")).await;
    assert_eq!(b, json!({"Components": []}));
}

#[tokio::test]
async fn force_overwrites_state_only_when_asked() {
    let smd = spawn_smd().await;
    post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0", "State": "On", "Role": "Service"}]}),
    )
    .await;
    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0", "State": "Off"}]}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(c["State"], "On");
    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0", "State": "Off", "Flag": "Warning"}], "Force": true}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(c["State"], "Off");
    assert_eq!(c["Flag"], "Warning");
    assert_eq!(c["Role"], "Service", "force leaves Role alone");
}

#[tokio::test]
async fn get_put_delete_one() {
    let smd = spawn_smd().await;
    let res = client()
        .get(smd.at("/hsm/v2/State/Components/x1c0s0b0n0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b,
        json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such xname."})
    );

    let res = client()
        .get(smd.at("/hsm/v2/State/Components/x1c0s0b0q9"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let res = client()
        .put(smd.at("/hsm/v2/State/Components/x0001c0s0b0n0"))
        .json(&json!({"Component": {"State": "Ready", "NID": 7}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = client()
        .get(smd.at("/hsm/v2/State/Components/X1C0S0B0N0/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().ends_with("}\n"));
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(
        c,
        json!({"ID": "x1c0s0b0n0", "Type": "Node", "State": "Ready", "Flag": "OK",
               "Enabled": true, "Role": "Compute", "NID": 7})
    );

    let res = client()
        .put(smd.at("/hsm/v2/State/Components/x1c0s0b0n0"))
        .json(&json!({"Component": {"ID": "x1c0s0b0n1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "ID in URL and POST body do not match");

    let res = client()
        .delete(smd.at("/hsm/v2/State/Components/x1c0s0b0n0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap(),
        "{\"code\":0,\"message\":\"deleted 1 entry\"}\n"
    );
    let res = client()
        .delete(smd.at("/hsm/v2/State/Components/x1c0s0b0n0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn delete_all_counts_and_404s_when_empty() {
    let smd = spawn_smd().await;
    let res = client()
        .delete(smd.at("/hsm/v2/State/Components"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "no entries to delete");
    post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0"}, {"ID": "x1c0s0b0n1"}]}),
    )
    .await;
    let res = client()
        .delete(smd.at("/hsm/v2/State/Components"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap(),
        "{\"code\":0,\"message\":\"deleted 2 entries\"}\n"
    );
    let res = client()
        .patch(smd.at("/hsm/v2/State/Components"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST, DELETE");
}

#[tokio::test]
async fn patches_follow_hms_rules() {
    let smd = spawn_smd().await;
    post_components(
        &smd.url,
        json!({"Components": [
            {"ID": "x1c0s0b0n0", "State": "On", "Flag": "Alert", "NID": 1},
            {"ID": "x1c0s0b0n1", "State": "On", "NID": 2}
        ]}),
    )
    .await;
    let patch = |path: &str, body: Value| {
        let url = smd.at(&format!("/hsm/v2/State/Components{path}"));
        async move { client().patch(url).json(&body).send().await.unwrap() }
    };
    // A state change resets the flag to OK unless given.
    let res = patch("/x1c0s0b0n0/StateData", json!({"State": "Ready"})).await;
    assert_eq!(res.status(), 204);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(
        (c["State"].as_str(), c["Flag"].as_str()),
        (Some("Ready"), Some("OK"))
    );
    patch(
        "/x1c0s0b0n0/StateData",
        json!({"State": "Standby", "Flag": "Warning"}),
    )
    .await;
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(
        (c["State"].as_str(), c["Flag"].as_str()),
        (Some("Standby"), Some("Warning"))
    );

    assert_eq!(
        patch("/x1c0s0b0n0/FlagOnly", json!({"Flag": "Alert"}))
            .await
            .status(),
        204
    );
    assert_eq!(
        patch("/x1c0s0b0n0/Enabled", json!({"Enabled": false}))
            .await
            .status(),
        204
    );
    assert_eq!(
        patch(
            "/x1c0s0b0n0/SoftwareStatus",
            json!({"SoftwareStatus": "AdminDown"})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        patch(
            "/x1c0s0b0n0/Role",
            json!({"Role": "Application", "SubRole": "Worker"})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        patch("/x1c0s0b0n0/NID", json!({"NID": 100})).await.status(),
        204
    );
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(
        c,
        json!({"ID": "x1c0s0b0n0", "Type": "Node", "State": "Standby", "Flag": "Alert",
               "Enabled": false, "SoftwareStatus": "AdminDown", "Role": "Application",
               "SubRole": "Worker", "NID": 100})
    );
    let (s, c) = get_json(smd.at("/hsm/v2/State/Components/ByNID/100")).await;
    assert_eq!(s, 200);
    assert_eq!(c["ID"], "x1c0s0b0n0");
    let (s, c) = get_json(smd.at("/hsm/v2/State/Components/ByNID/555")).await;
    assert_eq!((s, c["detail"].as_str()), (404, Some("no such NID.")));

    let res = patch("/x9c0s0b0n0/Enabled", json!({"Enabled": false})).await;
    assert_eq!(res.status(), 404);
    let res = patch("/x1c0s0b0n0/Role", json!({"Role": "Chef"})).await;
    assert_eq!(res.status(), 400);

    // Bulk: all or nothing.
    let res = patch(
        "/BulkStateData",
        json!({"ComponentIDs": ["x1c0s0b0n0", "x1c0s0b0n1", "x1c0s0b0n7"], "State": "Off"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["detail"], "no such xname: x1c0s0b0n7");
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?state=Off")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 0);
    let res = patch(
        "/BulkStateData",
        json!({"ComponentIDs": ["x1c0s0b0n0", "x1c0s0b0n1"], "State": "Off"}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?state=Off")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
    for (path, body) in [
        (
            "/BulkFlagOnly",
            json!({"ComponentIDs": ["x1c0s0b0n1"], "Flag": "Warning"}),
        ),
        (
            "/BulkEnabled",
            json!({"ComponentIDs": ["x1c0s0b0n1"], "Enabled": false}),
        ),
        (
            "/BulkSoftwareStatus",
            json!({"ComponentIDs": ["x1c0s0b0n1"], "SoftwareStatus": "x"}),
        ),
        (
            "/BulkRole",
            json!({"ComponentIDs": ["x1c0s0b0n1"], "Role": "Storage"}),
        ),
        (
            "/BulkNID",
            json!({"Components": [{"ID": "x1c0s0b0n1", "NID": 42}]}),
        ),
    ] {
        assert_eq!(patch(path, body).await.status(), 204, "{path}");
    }
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n1")).await;
    assert_eq!(
        (
            c["Flag"].as_str(),
            c["Enabled"].as_bool(),
            c["Role"].as_str(),
            c["NID"].as_i64()
        ),
        (Some("Warning"), Some(false), Some("Storage"), Some(42))
    );

    // ByNID/Query and Query.
    let res = client()
        .post(smd.at("/hsm/v2/State/Components/ByNID/Query"))
        .json(&json!({"NIDRanges": ["40-50", "100"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
    let res = client()
        .post(smd.at("/hsm/v2/State/Components/ByNID/Query"))
        .json(&json!({"NIDRanges": ["9-x"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = client()
        .post(smd.at("/hsm/v2/State/Components/Query"))
        .json(&json!({"ComponentIDs": ["x1c0s0b0n0", "x1c0s0b0n1"], "role": ["Storage"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["Components"][0]["ID"], "x1c0s0b0n1");
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn large_bulk_post_is_accepted_in_one_request() {
    // ~400 kB: above actix's default 256 kB payload limit.
    let smd = spawn_smd().await;
    let comps: Vec<Value> = (0..5000)
        .map(|i| json!({"ID": format!("x{}c0s{}b0n{}", 1000 + i / 256, (i / 4) % 64, i % 4), "State": "On", "NID": i + 1}))
        .collect();
    let res = post_components(&smd.url, json!({ "Components": comps })).await;
    assert_eq!(res.status(), 204);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?type=Node&nidonly")).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 5000);
}

#[tokio::test]
async fn text_postgres_cannot_store_is_400_not_500() {
    let smd = spawn_smd().await;
    post_components(&smd.url, json!({"Components": [{"ID": "x1c0s0b0n0"}]})).await;
    let res = client()
        .patch(smd.at("/hsm/v2/State/Components/x1c0s0b0n0/SoftwareStatus"))
        .json(&json!({"SoftwareStatus": "bad\u{0}value"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n1", "Subtype": "\u{0}"}]}),
    )
    .await;
    assert_eq!(res.status(), 400);
}
