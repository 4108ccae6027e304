//! /hsm/v2/locks: locks, admin and service reservations, status, and how they
//! show on State/Components.

use crate::support::{check, row, Want};
use crate::support::{client, send};
use ochami_testkit::{spawn_smd, TestServer};
use serde_json::{json, Value};

const N1: &str = "x1000c1s7b0n0";
const N2: &str = "x1000c1s7b0n1";
const N3: &str = "x1000c1s7b1n0";
const GHOST: &str = "x9000c0s0b0n0";

async fn post(smd: &TestServer, path: &str, body: Value) -> (u16, Value) {
    send(
        client()
            .post(smd.at(&format!("/hsm/v2/locks{path}")))
            .json(&body),
    )
    .await
}

async fn get(smd: &TestServer, path: &str) -> (u16, Value) {
    send(client().get(smd.at(path))).await
}

/// A smd with nodes N1, N2, N3.
async fn smd_with_nodes() -> TestServer {
    let smd = spawn_smd().await;
    let comps: Vec<Value> = [N1, N2, N3].iter().map(|id| json!({"ID": id})).collect();
    let res = client()
        .post(smd.at("/hsm/v2/State/Components"))
        .json(&json!({ "Components": comps }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    smd
}

/// The lock status of one component.
async fn status_of(smd: &TestServer, id: &str) -> Value {
    let (s, b) = post(smd, "/status", json!({"ComponentIDs": [id]})).await;
    assert_eq!(s, 200, "{b}");
    b["Components"][0].clone()
}

fn ids(v: &Value) -> Vec<String> {
    v["Success"]["ComponentIDs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn detail(v: &Value) -> String {
    v["detail"].as_str().unwrap_or_default().to_owned()
}

/// Make every reservation of `id` lapse (as if its duration had passed).
async fn expire(smd: &TestServer, id: &str) {
    let (db, conn) = tokio_postgres::connect(&smd.db_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let n = db
        .execute(
            "UPDATE reservations SET expires = now() - interval '1 second' WHERE component_id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn lock_admin_reservation_release_unlock() {
    let smd = smd_with_nodes().await;

    // Admin reservations need a lock first.
    let (s, b) = post(&smd, "/reservations", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 400);
    assert!(detail(&b).starts_with("Component is Unlocked"), "{b}");

    let (s, b) = post(&smd, "/lock", json!({"ComponentIDs": [N1, N2]})).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"Counts": {"Total": 2, "Success": 2, "Failure": 0},
               "Success": {"ComponentIDs": [N1, N2]}, "Failure": []})
    );
    // Locked shows on the component, and is omitted again once unlocked.
    let (_, c) = get(&smd, &format!("/hsm/v2/State/Components/{N1}")).await;
    assert_eq!(c["Locked"], true);
    assert!(c.get("ReservationDisabled").is_none());
    assert_eq!(
        status_of(&smd, N1).await,
        json!({"ID": N1, "Locked": true, "Reserved": false, "ReservationDisabled": false})
    );

    let (s, b) = post(&smd, "/reservations", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["Failure"], json!([]));
    let r = &b["Success"][0];
    assert_eq!(r["ID"], N1);
    let dk = r["DeputyKey"].as_str().unwrap().to_owned();
    let rk = r["ReservationKey"].as_str().unwrap().to_owned();
    assert!(dk.starts_with(&format!("{N1}:dk:")), "{dk}");
    assert!(rk.starts_with(&format!("{N1}:rk:")), "{rk}");
    assert_ne!(dk, rk);
    // An admin reservation never expires.
    assert!(r.get("ExpirationTime").is_none());
    let st = status_of(&smd, N1).await;
    assert_eq!(st["Reserved"], true);
    assert!(st["CreationTime"].as_str().unwrap().ends_with('Z'));
    assert!(st.get("ExpirationTime").is_none());

    // A second reservation on the same component is refused.
    let (s, b) = post(
        &smd,
        "/reservations",
        json!({"ComponentIDs": [N1, N2], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "Reserved"}]));
    assert_eq!(b["Success"][0]["ID"], N2);

    // Reserved components cannot be unlocked.
    let (s, b) = post(&smd, "/unlock", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 400);
    assert!(detail(&b).starts_with("Component is Reserved"), "{b}");
    assert_eq!(status_of(&smd, N1).await["Locked"], true);

    // The deputy key does not release; the reservation key does.
    let (s, b) = post(
        &smd,
        "/reservations/release",
        json!({"ReservationKeys": [{"ID": N1, "Key": dk}], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "NotFound"}]));
    assert_eq!(b["Counts"], json!({"Total": 1, "Success": 0, "Failure": 1}));
    // Another component's key does not release this one.
    let (s, _) = post(
        &smd,
        "/reservations/release",
        json!({"ReservationKeys": [{"ID": N2, "Key": rk}]}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(status_of(&smd, N1).await["Reserved"], true);

    let (s, b) = post(
        &smd,
        "/reservations/release",
        json!({"ReservationKeys": [{"ID": N1, "Key": rk.to_uppercase()}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![N1]);
    assert_eq!(status_of(&smd, N1).await["Reserved"], false);

    let (s, b) = post(&smd, "/unlock", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![N1]);
    let (_, c) = get(&smd, &format!("/hsm/v2/State/Components/{N1}")).await;
    assert!(c.get("Locked").is_none(), "{c}");
}

#[tokio::test]
async fn lock_and_unlock_twice() {
    let smd = smd_with_nodes().await;
    let (s, _) = post(&smd, "/lock", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 200);
    let (s, b) = post(&smd, "/lock", json!({"ComponentIDs": [N1, N2]})).await;
    assert_eq!(s, 400);
    // The bare OpenCHAMI sentence; the failed IDs are in the log line.
    assert_eq!(detail(&b), "Component is Locked", "{b}");
    // Rigid changed nothing: N2 is still unlocked.
    assert_eq!(status_of(&smd, N2).await["Locked"], false);

    let (s, b) = post(
        &smd,
        "/lock",
        json!({"ComponentIDs": [N1, N2], "ProcessingModel": "Flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"Counts": {"Total": 2, "Success": 1, "Failure": 1},
               "Success": {"ComponentIDs": [N2]},
               "Failure": [{"ID": N1, "Reason": "Locked"}]})
    );
    let (s, b) = post(
        &smd,
        "/unlock",
        json!({"ComponentIDs": [N1, N3], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b), vec![N1]);
    assert_eq!(b["Failure"], json!([{"ID": N3, "Reason": "Unlocked"}]));
}

#[tokio::test]
async fn service_reservation_check_renew_expire() {
    let smd = smd_with_nodes().await;
    let (s, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1, N2], "ReservationDuration": 1}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["Failure"], json!([]));
    let r1 = b["Success"][0].clone();
    assert_eq!(r1["ID"], N1);
    assert_eq!(b["Success"][1]["ID"], N2);
    let expires = r1["ExpirationTime"].as_str().unwrap().to_owned();
    assert!(expires.ends_with('Z'), "{expires}");
    let dk = r1["DeputyKey"].as_str().unwrap().to_owned();
    let rk = r1["ReservationKey"].as_str().unwrap().to_owned();

    // A locked component cannot be locked while service-reserved.
    let (s, b) = post(&smd, "/lock", json!({"ComponentIDs": [N1]})).await;
    assert_eq!(s, 400);
    assert!(detail(&b).starts_with("Component is Reserved"), "{b}");

    // A delegate checks with the deputy key; the reservation key is not shown.
    let (s, b) = post(
        &smd,
        "/service/reservations/check",
        json!({"DeputyKeys": [{"ID": N1, "Key": dk}, {"ID": N2, "Key": dk}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["Success"].as_array().unwrap().len(), 1);
    assert_eq!(b["Success"][0]["ID"], N1);
    assert_eq!(b["Success"][0]["DeputyKey"], dk.as_str());
    assert_eq!(b["Success"][0]["ExpirationTime"], expires.as_str());
    assert!(b["Success"][0]["CreationTime"].is_string());
    assert!(b["Success"][0].get("ReservationKey").is_none());
    assert_eq!(b["Failure"], json!([{"ID": N2, "Reason": "NotFound"}]));

    // Renew with the reservation key; the deputy key cannot renew.
    let (s, b) = post(
        &smd,
        "/service/reservations/renew",
        json!({"ReservationKeys": [{"ID": N1, "Key": rk}], "ReservationDuration": 15}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![N1]);
    let st = status_of(&smd, N1).await;
    assert!(st["ExpirationTime"].as_str().unwrap() > expires.as_str());
    let (s, _) = post(
        &smd,
        "/service/reservations/renew",
        json!({"ReservationKeys": [{"ID": N1, "Key": dk}], "ReservationDuration": 5}),
    )
    .await;
    assert_eq!(s, 400);

    // Once lapsed it no longer counts anywhere.
    expire(&smd, N1).await;
    let st = status_of(&smd, N1).await;
    assert_eq!(st["Reserved"], false, "{st}");
    assert!(st.get("ExpirationTime").is_none());
    let (_, b) = post(
        &smd,
        "/service/reservations/check",
        json!({"DeputyKeys": [{"ID": N1, "Key": dk}]}),
    )
    .await;
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "NotFound"}]));
    let (s, b) = post(
        &smd,
        "/service/reservations/renew",
        json!({"ReservationKeys": [{"ID": N1, "Key": rk}], "ReservationDuration": 5,
               "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "NotFound"}]));
    let (_, b) = post(
        &smd,
        "/service/reservations/release",
        json!({"ReservationKeys": [{"ID": N1, "Key": rk}], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "NotFound"}]));
    // ... and the component can be reserved (or locked) again.
    let (s, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1], "ReservationDuration": 2}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_ne!(b["Success"][0]["ReservationKey"], rk.as_str());

    // N2's reservation is untouched by all of the above.
    let (_, b) = get(&smd, "/hsm/v2/locks/status?Reserved=true").await;
    let reserved: Vec<&str> = b["Components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ID"].as_str().unwrap())
        .collect();
    assert_eq!(reserved, vec![N1, N2]);
}

#[tokio::test]
async fn service_reservations_on_locked_components() {
    let smd = smd_with_nodes().await;
    post(&smd, "/lock", json!({"ComponentIDs": [N1]})).await;
    // Rigid: N1 is locked, so nothing is reserved.
    let (s, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1, N2], "ReservationDuration": 1}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(detail(&b).starts_with("Component is Locked"), "{b}");
    assert_eq!(status_of(&smd, N2).await["Reserved"], false);
    // Flexible: N2 is reserved, N1 and the unknown xname fail.
    let (s, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1, N2, GHOST], "ReservationDuration": 1,
               "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Success"].as_array().unwrap().len(), 1);
    assert_eq!(b["Success"][0]["ID"], N2);
    assert_eq!(
        b["Failure"],
        json!([{"ID": N1, "Reason": "Locked"}, {"ID": GHOST, "Reason": "NotFound"}])
    );
}

#[tokio::test]
async fn unknown_components() {
    let smd = smd_with_nodes().await;
    let (s, b) = post(
        &smd,
        "/lock",
        json!({"ComponentIDs": [N1, GHOST], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b), vec![N1]);
    assert_eq!(b["Failure"], json!([{"ID": GHOST, "Reason": "NotFound"}]));
    let (s, b) = post(&smd, "/unlock", json!({"ComponentIDs": [N1, GHOST]})).await;
    assert_eq!(s, 400);
    assert_eq!(detail(&b), "Component not found", "{b}");
    assert_eq!(status_of(&smd, N1).await["Locked"], true);

    let (s, b) = post(&smd, "/status", json!({"ComponentIDs": [N2, GHOST]})).await;
    assert_eq!(s, 200);
    assert_eq!(b["NotFound"], json!([GHOST]));
    assert_eq!(b["Components"][0]["ID"], N2);
    // S15: NotFound is left out when empty (Go's omitempty).
    let (s, b) = post(&smd, "/status", json!({"ComponentIDs": [N2]})).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"Components": [{"ID": N2, "Locked": false, "Reserved": false, "ReservationDisabled": false}]})
    );

    // S14: a selection that matches no component at all, flexible or not.
    check(
        &smd.url,
        &[
            row(
                "POST",
                "/hsm/v2/locks/disable",
                Some(json!({"Type": ["CabinetPDU"]})),
                400,
                Want::Problem("Component not found"),
            ),
            row(
                "GET",
                "/hsm/v2/locks/status?Type=CabinetPDU",
                None,
                400,
                Want::Problem("Component not found"),
            ),
            row(
                "POST",
                "/hsm/v2/locks/status",
                Some(json!({"ComponentIDs": [GHOST]})),
                400,
                Want::Problem("Component not found"),
            ),
            row(
                "POST",
                "/hsm/v2/locks/lock",
                Some(json!({"ComponentIDs": [GHOST], "ProcessingModel": "flexible"})),
                400,
                Want::Problem("Component not found"),
            ),
        ],
    )
    .await;
}

/// S13: partition xnames are components that locks select, by ID and by
/// `Type: Partition`.
#[tokio::test]
async fn partition_components_can_be_locked() {
    let smd = spawn_smd().await;
    let parts = ["p9999.9996", "p9999.9997", "p9999.9998", "p9999.9999"];
    let comps: Vec<Value> = parts
        .iter()
        .map(|id| json!({"ID": id, "State": "On"}))
        .collect();
    let res = client()
        .post(smd.at("/hsm/v2/State/Components"))
        .json(&json!({ "Components": comps }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (s, b) = post(&smd, "/status", json!({"ComponentIDs": parts})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["Components"].as_array().unwrap().len(), 4);
    assert!(b.get("NotFound").is_none(), "{b}");
    let (s, b) = post(&smd, "/lock", json!({"Type": ["Partition"]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), parts);
    let (s, b) = get(&smd, "/hsm/v2/locks/status?Type=Partition").await;
    assert_eq!(s, 200);
    assert!(b["Components"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["Locked"] == true));
}

#[tokio::test]
async fn disable_releases_and_repair_restores() {
    let smd = smd_with_nodes().await;
    let (_, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1], "ReservationDuration": 5}),
    )
    .await;
    let rk = b["Success"][0]["ReservationKey"]
        .as_str()
        .unwrap()
        .to_owned();

    let (s, b) = post(&smd, "/disable", json!({"ComponentIDs": [N1, N2]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![N1, N2]);
    assert_eq!(
        status_of(&smd, N1).await,
        json!({"ID": N1, "Locked": false, "Reserved": false, "ReservationDisabled": true})
    );
    let (_, c) = get(&smd, &format!("/hsm/v2/State/Components/{N1}")).await;
    assert_eq!(c["ReservationDisabled"], true);
    // The released reservation's key is dead.
    let (s, _) = post(
        &smd,
        "/reservations/release",
        json!({"ReservationKeys": [{"ID": N1, "Key": rk}]}),
    )
    .await;
    assert_eq!(s, 400);

    // Nothing can be reserved or locked while disabled.
    let (s, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1, N3], "ReservationDuration": 5, "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "Disabled"}]));
    assert_eq!(b["Success"][0]["ID"], N3);
    let (s, b) = post(
        &smd,
        "/lock",
        json!({"ComponentIDs": [N1], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "Disabled"}]));
    let (s, b) = post(&smd, "/lock", json!({"ComponentIDs": [N2]})).await;
    assert_eq!(s, 400);
    assert!(detail(&b).starts_with("Component reservations are disabled"));

    // Status filters see the flags.
    let (_, b) = get(&smd, "/hsm/v2/locks/status?ReservationDisabled=true").await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
    let (_, b) = get(&smd, "/hsm/v2/locks/status?reserved=true").await;
    assert_eq!(b["Components"][0]["ID"], N3);
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);

    let (s, b) = post(&smd, "/repair", json!({"ComponentIDs": [N1, N2]})).await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b), vec![N1, N2]);
    let (_, c) = get(&smd, &format!("/hsm/v2/State/Components/{N1}")).await;
    assert!(c.get("ReservationDisabled").is_none());
    let (s, _) = post(&smd, "/lock", json!({"ComponentIDs": [N1, N2]})).await;
    assert_eq!(s, 200);
    let (_, b) = get(&smd, "/hsm/v2/locks/status?Locked=true").await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn remove_reservations_without_keys() {
    let smd = smd_with_nodes().await;
    post(&smd, "/lock", json!({"ComponentIDs": [N1]})).await;
    post(&smd, "/reservations", json!({"ComponentIDs": [N1]})).await;
    post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N2], "ReservationDuration": 3}),
    )
    .await;
    // Rigid: N3 holds no reservation, so nothing is removed.
    let (s, b) = post(
        &smd,
        "/reservations/remove",
        json!({"ComponentIDs": [N1, N2, N3]}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(detail(&b), "Component not found", "{b}");
    assert_eq!(status_of(&smd, N1).await["Reserved"], true);

    let (s, b) = post(
        &smd,
        "/reservations/remove",
        json!({"ComponentIDs": [N1, N2, N3], "ProcessingModel": "flexible"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b), vec![N1, N2]);
    assert_eq!(b["Failure"], json!([{"ID": N3, "Reason": "NotFound"}]));
    assert_eq!(status_of(&smd, N2).await["Reserved"], false);
    // The lock stays.
    assert_eq!(status_of(&smd, N1).await["Locked"], true);
}

#[tokio::test]
async fn filters_select_components() {
    let smd = smd_with_nodes().await;
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/groups"))
            .json(&json!({"label": "blue", "members": {"ids": [N2, N3]}})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, b) = post(&smd, "/lock", json!({"Group": ["Blue"]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![N2, N3]);
    // HSM's Go struct reads the type filter from "Sype"; both spellings work.
    let (s, b) = post(
        &smd,
        "/status",
        json!({"Sype": ["Node"], "Locked": ["true"]}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["Components"].as_array().unwrap().len(), 2);
    let (_, b) = get(&smd, "/hsm/v2/locks/status?Type=Node&Locked=false").await;
    assert_eq!(b["Components"][0]["ID"], N1);
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
}

/// S17: bad parameters are OpenCHAMI's 400s, word for word.
#[tokio::test]
async fn bad_input_is_openchamis_400() {
    let smd = smd_with_nodes().await;
    let p = |path: &str, body: Value, detail: &'static str| {
        row(
            "POST",
            format!("/hsm/v2/locks{path}"),
            Some(body),
            400,
            Want::Problem(detail),
        )
    };
    const PM: &str = "Invalid Processing Model";
    const DUR: &str = "Invalid Reservation Duration";
    const RKEY: &str = "Reservation Key required for operation";
    const DKEY: &str = "Deputy Key required for operation";
    let mut rows = Vec::new();
    for path in [
        "/lock",
        "/unlock",
        "/repair",
        "/disable",
        "/status",
        "/reservations",
        "/reservations/remove",
        "/reservations/release",
        "/service/reservations",
        "/service/reservations/renew",
        "/service/reservations/release",
    ] {
        rows.push(p(
            path,
            json!({"ComponentIDs": [N1], "ProcessingModel": "fail", "ReservationDuration": 1,
                   "ReservationKeys": [{"ID": N1, "Key": "k"}]}),
            PM,
        ));
    }
    rows.extend([
        p(
            "/status",
            json!({"ComponentIDs": ["foo", "bar"]}),
            "Argument was not a valid xname ID",
        ),
        p(
            "/lock",
            json!({"ComponentIDs": ["bogus"]}),
            "Argument was not a valid xname ID",
        ),
        p(
            "/lock",
            json!({"State": ["Sleepy"]}),
            "Argument was not a valid HMS State",
        ),
        p(
            "/lock",
            json!({"Role": ["Chef"]}),
            "Argument was not a valid HMS Role",
        ),
        p("/reservations", json!({"ReservationDuration": 16}), DUR),
        p(
            "/service/reservations",
            json!({"ComponentIDs": [N1], "ReservationDuration": 16}),
            DUR,
        ),
        p(
            "/service/reservations/renew",
            json!({"ReservationKeys": [{"ID": N1, "Key": "k"}], "ReservationDuration": 16}),
            DUR,
        ),
        p(
            "/service/reservations",
            json!({"ComponentIDs": [N1]}),
            "ReservationDuration must be greater than 0",
        ),
        p(
            "/service/reservations",
            json!({"ComponentIDs": [N1], "ReservationDuration": 0}),
            "ReservationDuration must be greater than 0",
        ),
        p("/reservations/release", json!({}), RKEY),
        p(
            "/reservations/release",
            json!({"ReservationKeys": [{"ID": N1}]}),
            RKEY,
        ),
        p("/service/reservations/release", json!({}), RKEY),
        p(
            "/service/reservations/renew",
            json!({"ReservationDuration": 1}),
            RKEY,
        ),
        p(
            "/service/reservations/check",
            json!({"DeputyKeys": [{"ID": N1, "Key": ""}]}),
            DKEY,
        ),
        p("/service/reservations/check", json!({}), DKEY),
        row(
            "GET",
            "/hsm/v2/locks/status?role=foo",
            None,
            400,
            Want::Problem("Argument was not a valid HMS Role"),
        ),
        row(
            "GET",
            "/hsm/v2/locks/status?State=Sleepy",
            None,
            400,
            Want::Problem("Argument was not a valid HMS State"),
        ),
        // Undecodable: a 400 (OpenCHAMI: 500), naming the field.
        row(
            "POST",
            "/hsm/v2/locks/status",
            Some(json!({"NID": ["one"]})),
            400,
            Want::Any,
        ),
        row(
            "POST",
            "/hsm/v2/locks/lock",
            Some(json!({"Enabled": ["maybe"]})),
            400,
            Want::Any,
        ),
        // Group names keep our text naming the field.
        p(
            "/lock",
            json!({"Group": ["a b"]}),
            "Group[0]: 'a b' has invalid characters (allowed: a-z, 0-9, '-', ':', '.', '_')",
        ),
    ]);
    check(&smd.url, &rows).await;
    // Not JSON at all.
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/locks/lock"))
            .header("content-type", "application/json")
            .body("{\"ComponentIDs\": ["),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = get(&smd, "/hsm/v2/locks/status?Reserved=maybe").await;
    assert_eq!(s, 400);
    // Wrong method.
    let res = client()
        .get(smd.at("/hsm/v2/locks/lock"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    // Nothing was changed by any of the above.
    assert_eq!(
        status_of(&smd, N1).await,
        json!({"ID": N1, "Locked": false, "Reserved": false, "ReservationDisabled": false})
    );
}

#[tokio::test]
async fn deleting_a_component_drops_its_reservation() {
    let smd = smd_with_nodes().await;
    let (_, b) = post(
        &smd,
        "/service/reservations",
        json!({"ComponentIDs": [N1], "ReservationDuration": 5}),
    )
    .await;
    let dk = b["Success"][0]["DeputyKey"].as_str().unwrap().to_owned();
    let res = client()
        .delete(smd.at(&format!("/hsm/v2/State/Components/{N1}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, b) = post(
        &smd,
        "/service/reservations/check",
        json!({"DeputyKeys": [{"ID": N1, "Key": dk}]}),
    )
    .await;
    assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "NotFound"}]));
}

#[tokio::test]
async fn concurrent_requests_never_double_reserve() {
    let smd = smd_with_nodes().await;
    // Many services race for the same component: exactly one wins.
    let body =
        json!({"ComponentIDs": [N1], "ReservationDuration": 5, "ProcessingModel": "flexible"});
    let races = (0..8).map(|_| post(&smd, "/service/reservations", body.clone()));
    let answers = futures_util::future::join_all(races).await;
    let mut won = 0;
    for (s, b) in &answers {
        assert_eq!(*s, 200, "{b}");
        won += b["Success"].as_array().unwrap().len();
        if b["Success"].as_array().unwrap().is_empty() {
            assert_eq!(b["Failure"], json!([{"ID": N1, "Reason": "Reserved"}]));
        }
    }
    assert_eq!(won, 1);

    // A lock and a service reservation race: one of them wins, never both.
    for id in [N2, N3] {
        let lock = post(&smd, "/lock", json!({"ComponentIDs": [id]}));
        let reserve = post(
            &smd,
            "/service/reservations",
            json!({"ComponentIDs": [id], "ReservationDuration": 5}),
        );
        let ((ls, _), (rs, _)) = tokio::join!(lock, reserve);
        let st = status_of(&smd, id).await;
        assert_eq!(ls == 200, st["Locked"] == true, "{st}");
        assert_eq!(rs == 200, st["Reserved"] == true, "{st}");
        assert!(ls == 200 || rs == 200, "{st}");
        assert!(!(st["Locked"] == true && st["Reserved"] == true), "{st}");
    }
}
