//! State/Components through HTTP against real PostgreSQL.

use crate::support::client;
use crate::support::get_json;
use crate::support::{check, row, Want};
use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

async fn post_components(url: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{url}/hsm/v2/State/Components"))
        .json(&body)
        .send()
        .await
        .unwrap()
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
async fn bad_filters_are_openchamis_400s() {
    let smd = spawn_smd().await;
    let get = |q: &str, detail: &'static str| {
        row(
            "GET",
            format!("/hsm/v2/State/Components?{q}"),
            None,
            400,
            Want::Problem(detail),
        )
    };
    check(
        &smd.url,
        &[
            get("type=Bogus", "bad query param: Argument was not a valid HMS Type"),
            get("state=Nope", "bad query param: Argument was not a valid HMS State"),
            get("flag=Nope", "bad query param: Argument was not a valid HMS Flag"),
            get("role=Chef", "bad query param: Argument was not a valid HMS Role"),
            get("subrole=Chef", "bad query param: Argument was not a valid HMS SubRole"),
            get("arch=Z80", "bad query param: Argument was not a valid HMS Arch"),
            get("class=Low", "bad query param: Argument was not a valid HMS Class"),
            get("id=notanxname", "bad query param: Argument was not a valid xname ID"),
            get("nid=abc", "bad query param: a required argument was not an integer"),
            get("nid_start=abc", "bad query param: a required argument was not an integer"),
            get(
                "enabled=maybe",
                "bad query param: a required argument did not match any valid input",
            ),
            // Group and partition names keep our text naming the parameter.
            get(
                "group=g%21",
                "bad query param 'group': 'g!' has invalid characters (allowed: a-z, 0-9, '-', ':', '.', '_')",
            ),
        ],
    )
    .await;
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
    assert_eq!(
        b["detail"],
        "couldn't validate components: xname ID 'bogus-1' is invalid"
    );

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

/// OpenCHAMI's answers to bad component bodies and look-ups, word for word
/// (OPENCHAMI-CONFORMANCE S1, S2, S4-S7).
#[tokio::test]
async fn component_errors_are_openchamis() {
    let smd = spawn_smd().await;
    post_components(
        &smd.url,
        json!({"Components": [{"ID": "x1c0s0b0n0", "State": "On", "NID": 1}]}),
    )
    .await;
    let post = |c: Value, detail: &'static str| {
        row(
            "POST",
            "/hsm/v2/State/Components",
            Some(json!({ "Components": [c] })),
            400,
            Want::Problem(detail),
        )
    };
    let bad = |field: &str| {
        let mut c = json!({"ID": "x1c0s0b0n5", "State": "On"});
        c[field] = json!("FAKE");
        c
    };
    let patch = |path: &str, body: Value, detail: &'static str| {
        row(
            "PATCH",
            format!("/hsm/v2/State/Components{path}"),
            Some(body),
            400,
            Want::Problem(detail),
        )
    };
    check(
        &smd.url,
        &[
            // S1: values checked after decoding, in OpenCHAMI's words and order.
            post(
                bad("State"),
                "couldn't validate components: state 'FAKE' is invalid",
            ),
            post(
                bad("Flag"),
                "couldn't validate components: flag 'FAKE' is invalid",
            ),
            post(
                bad("Role"),
                "couldn't validate components: role 'FAKE' is invalid",
            ),
            post(
                bad("SubRole"),
                "couldn't validate components: subRole 'FAKE' is invalid",
            ),
            post(
                bad("NetType"),
                "couldn't validate components: netType 'FAKE' is invalid",
            ),
            post(
                bad("Arch"),
                "couldn't validate components: arch 'FAKE' is invalid",
            ),
            post(
                bad("Class"),
                "couldn't validate components: class 'FAKE' is invalid",
            ),
            post(
                json!({"ID": "x9999c7r9FAKE9", "State": "On"}),
                "couldn't validate components: xname ID 'x9999c7r9FAKE9' is invalid",
            ),
            // S2: an empty list, or a first entry without ID.
            post(json!({"State": "On"}), "Missing Components"),
            row(
                "POST",
                "/hsm/v2/State/Components",
                Some(json!({"Components": []})),
                400,
                Want::Problem("Missing Components"),
            ),
            row(
                "POST",
                "/hsm/v2/State/Components",
                Some(json!({"Components": [{"ID": "x1c0s0b0n1"}, {"State": "On"}]})),
                400,
                Want::Problem("couldn't validate components: xname ID '' is invalid"),
            ),
            row(
                "PUT",
                "/hsm/v2/State/Components/FAKE",
                Some(json!({"Component": {"State": "On"}})),
                400,
                Want::Problem("couldn't validate component: xname ID 'fake' is invalid"),
            ),
            row(
                "PUT",
                "/hsm/v2/State/Components/x1c0s0b0n0",
                Some(json!({"Component": {"ID": "x1c0s0b0n1"}})),
                400,
                Want::Problem("ID in URL and POST body do not match"),
            ),
            // S4: a malformed xname in a look-up is a miss.
            row(
                "GET",
                "/hsm/v2/State/Components/FAKE",
                None,
                404,
                Want::Problem("no such xname."),
            ),
            // S5.
            row(
                "DELETE",
                "/hsm/v2/State/Components/FAKE",
                None,
                400,
                Want::Problem("invalid xname"),
            ),
            patch(
                "/FAKE/StateData",
                json!({"State": "On"}),
                "invalid xname ID",
            ),
            patch("/FAKE/FlagOnly", json!({"Flag": "OK"}), "invalid xname ID"),
            patch(
                "/FAKE/Enabled",
                json!({"Enabled": true}),
                "invalid xname ID",
            ),
            patch(
                "/FAKE/SoftwareStatus",
                json!({"SoftwareStatus": "x"}),
                "invalid xname ID",
            ),
            patch("/FAKE/NID", json!({"NID": 3}), "invalid xname ID"),
            patch(
                "/BulkStateData",
                json!({"ComponentIDs": ["FAKE"], "State": "On"}),
                "invalid xname ID",
            ),
            patch(
                "/BulkFlagOnly",
                json!({"ComponentIDs": ["x1c0s0b0n0", "FAKE"], "Flag": "OK"}),
                "invalid xname ID",
            ),
            patch(
                "/BulkSoftwareStatus",
                json!({"ComponentIDs": ["FAKE"], "SoftwareStatus": "x"}),
                "invalid xname ID",
            ),
            patch("/BulkEnabled", json!({"Enabled": true}), "Missing IDs"),
            // S6.
            row(
                "GET",
                "/hsm/v2/State/Components/ByNID/FAKE",
                None,
                400,
                Want::Problem("a required argument was not an integer"),
            ),
            row(
                "POST",
                "/hsm/v2/State/Components/ByNID/Query",
                Some(json!({"NIDRanges": ["FAKE"]})),
                400,
                Want::Problem("bad query param: a required argument was not an integer"),
            ),
            row(
                "POST",
                "/hsm/v2/State/Components/ByNID/Query",
                Some(json!({"NIDRanges": []})),
                400,
                Want::Problem("Missing NID ranges"),
            ),
            patch(
                "/x1c0s0b0n0/StateData",
                json!({"State": "FAKE"}),
                "Argument was not a valid HMS State",
            ),
            patch(
                "/BulkStateData",
                json!({"ComponentIDs": ["x1c0s0b0n0"], "State": "FAKE"}),
                "Argument was not a valid HMS State",
            ),
            patch("/x1c0s0b0n0/StateData", json!({}), "Missing State"),
            patch(
                "/x1c0s0b0n0/FlagOnly",
                json!({"Flag": "FAKE"}),
                "a required argument did not match any valid input",
            ),
            patch(
                "/x1c0s0b0n0/Role",
                json!({"Role": "FAKE"}),
                "a required argument did not match any valid input",
            ),
            patch("/x1c0s0b0n0/FlagOnly", json!({}), "Missing Flag"),
            patch("/x1c0s0b0n0/Role", json!({}), "Missing Role"),
            patch("/x1c0s0b0n0/Enabled", json!({}), "Missing Enabled field"),
            patch(
                "/x1c0s0b0n0/SoftwareStatus",
                json!({}),
                "Missing SoftwareStatus",
            ),
            patch("/x1c0s0b0n0/NID", json!({}), "Missing NID"),
            // S7: "" is no NID in BulkNID; rejected before the look-up.
            row(
                "PATCH",
                "/hsm/v2/State/Components/BulkNID",
                Some(json!({"Components": [{"ID": "x9999c7s9b8n7", "NID": ""}]})),
                400,
                Want::Any,
            ),
            row(
                "PATCH",
                "/hsm/v2/State/Components/BulkNID",
                Some(json!({"Components": []})),
                400,
                Want::Problem("Missing Components"),
            ),
            // Query: IDs required, filters checked in OpenCHAMI's words.
            row(
                "POST",
                "/hsm/v2/State/Components/Query",
                Some(json!({"ComponentIDs": []})),
                400,
                Want::Problem("Missing IDs"),
            ),
            row(
                "POST",
                "/hsm/v2/State/Components/Query",
                Some(json!({"ComponentIDs": ["FAKE"]})),
                400,
                Want::Problem("bad query param: Argument was not a valid xname ID"),
            ),
            row(
                "GET",
                "/hsm/v2/State/Components/Query/FAKE",
                None,
                400,
                Want::Problem("bad query param: Argument was not a valid xname ID"),
            ),
        ],
    )
    .await;
    // Nothing above changed the component.
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x1c0s0b0n0")).await;
    assert_eq!(
        (c["State"].as_str(), c["NID"].as_i64()),
        (Some("On"), Some(1))
    );
}

/// What OpenCHAMI accepts that we used to refuse (S13, S27, S28, S29).
#[tokio::test]
async fn component_inputs_openchami_accepts() {
    let smd = spawn_smd().await;
    // S13: partition xnames are components (type Partition).
    let res = post_components(
        &smd.url,
        json!({"Components": [
            {"ID": "p9999.9996", "State": "On"},
            {"ID": "P9999", "State": "On"}
        ]}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (s, c) = get_json(smd.at("/hsm/v2/State/Components/p9999.9996")).await;
    assert_eq!(s, 200);
    assert_eq!(
        c,
        json!({"ID": "p9999.9996", "Type": "Partition", "State": "On", "Flag": "OK", "Enabled": true})
    );
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?type=Partition")).await;
    let ids: Vec<&str> = b["Components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p9999", "p9999.9996"]);

    // S28: Flag "Warn" is Warning; the whole batch is created.
    let res = post_components(
        &smd.url,
        json!({"Components": [
            {"ID": "x9999c7s9b9n0", "State": "On", "Flag": "Warn", "NID": 9999999990_i64},
            {"ID": "x9999c7s9b9n1", "State": "On", "NID": 9999999998_i64}
        ]}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (s, c) = get_json(smd.at("/hsm/v2/State/Components/ByNID/9999999990")).await;
    assert_eq!((s, c["Flag"].as_str()), (200, Some("Warning")));
    let (s, _) = get_json(smd.at("/hsm/v2/State/Components/ByNID/9999999998")).await;
    assert_eq!(s, 200);

    // S27: a forced POST overwrites Class too.
    post_components(
        &smd.url,
        json!({"Components": [{"ID": "x9999c7s9b9", "State": "On", "Class": "River", "Arch": "X86"}]}),
    )
    .await;
    let res = post_components(
        &smd.url,
        json!({"Components": [{"ID": "x9999c7s9b9", "State": "Ready", "Class": "Mountain",
               "Arch": "ARM", "NetType": "Sling", "Subtype": "s", "Flag": "Alert"}], "Force": true}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (_, c) = get_json(smd.at("/hsm/v2/State/Components/x9999c7s9b9")).await;
    assert_eq!(
        c,
        json!({"ID": "x9999c7s9b9", "Type": "NodeBMC", "State": "Ready", "Flag": "Alert",
               "Enabled": true, "Subtype": "s", "NetType": "Sling", "Arch": "ARM", "Class": "Mountain"})
    );
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?class=Mountain")).await;
    assert_eq!(b["Components"][0]["ID"], "x9999c7s9b9");

    // S29: Query filter lists are strings (Enabled ["true"], NID ["…"]).
    for body in [
        json!({"ComponentIDs": ["x9999c7s9b9n0", "x9999c7s9b9n1"], "Enabled": ["true"]}),
        json!({"ComponentIDs": ["x9999c7s9b9n0", "x9999c7s9b9n1"], "enabled": [true],
               "NID": ["9999999990", 9999999998_i64], "state": ["On"], "type": ["Node"]}),
    ] {
        let res = client()
            .post(smd.at("/hsm/v2/State/Components/Query"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{body}");
        let b: Value = res.json().await.unwrap();
        assert_eq!(b["Components"].as_array().unwrap().len(), 2, "{body}");
    }
    let res = client()
        .post(smd.at("/hsm/v2/State/Components/Query"))
        .json(&json!({"ComponentIDs": ["x9999c7s9b9n0", "x9999c7s9b9n1"], "NID": ["9999999998"]}))
        .send()
        .await
        .unwrap();
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["Components"][0]["ID"], "x9999c7s9b9n1");
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
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

    // A malformed xname in a look-up is a miss, as in OpenCHAMI.
    let res = client()
        .get(smd.at("/hsm/v2/State/Components/x1c0s0b0q9"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

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
