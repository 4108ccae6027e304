//! /sysinfo/powermaps.

use crate::support::get as get_json;
use crate::support::{client, send};
use ochami_testkit::spawn_smd;
use serde_json::json;

const BASE: &str = "/hsm/v2/sysinfo/powermaps";

#[tokio::test]
async fn power_maps_crud() {
    let smd = spawn_smd().await;
    let (s, b) = get_json(smd.at(BASE)).await;
    assert_eq!((s, b), (200, json!([])));
    let (s, b) = send(client().post(smd.at(BASE)).json(&json!([
        {"id": "x0c0s1b0n0", "poweredBy": ["x0m0p0j1", "X0M0P0J2", "x0m0p0j1"]},
        {"id": "x0c0s2b0n0"},
    ])))
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
        json!([
            {"id": "x0c0s1b0n0", "poweredBy": ["x0m0p0j1", "x0m0p0j2"]},
            {"id": "x0c0s2b0n0"},
        ])
    );
    let (s, b) = get_json(smd.at(&format!("{BASE}/X0C0S1B0N0"))).await;
    assert_eq!(s, 200);
    assert_eq!(b["poweredBy"], json!(["x0m0p0j1", "x0m0p0j2"]));
    let (s, b) = send(
        client()
            .put(smd.at(&format!("{BASE}/x0c0s2b0n0")))
            .json(&json!({"poweredBy": ["x0m0p0j3"]})),
    )
    .await;
    assert_eq!(
        (s, b),
        (200, json!({"id": "x0c0s2b0n0", "poweredBy": ["x0m0p0j3"]}))
    );
    let (s, b) = send(client().delete(smd.at(&format!("{BASE}/x0c0s2b0n0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) = get_json(smd.at(&format!("{BASE}/x0c0s2b0n0"))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    let (s, b) = send(client().delete(smd.at(&format!("{BASE}/x0c0s2b0n0")))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    // A malformed xname: OpenCHAMI's doPowerMapGet/Delete validate it.
    for req in [
        client().get(smd.at(&format!("{BASE}/FAKE"))),
        client().delete(smd.at(&format!("{BASE}/FAKE"))),
    ] {
        let (s, b) = send(req).await;
        assert_eq!((s, b["detail"].as_str()), (400, Some("invalid xname")));
    }
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
async fn power_map_errors() {
    let smd = spawn_smd().await;
    for (body, needle) in [
        (json!([{"poweredBy": []}]), "[0].id: missing"),
        (json!([{"id": "bogus"}]), "[0].id"),
        (
            json!([{"id": "x0c0s1b0n0", "poweredBy": ["nope"]}]),
            "[0].poweredBy[0]",
        ),
        (json!({"id": "x0c0s1b0n0"}), "invalid JSON body"),
    ] {
        let (s, b) = send(client().post(smd.at(BASE)).json(&body)).await;
        assert_eq!(s, 400, "{body}");
        assert!(
            b["detail"].as_str().unwrap().contains(needle),
            "{body}: {b}"
        );
    }
    // One bad entry: nothing written.
    let (s, _) = send(client().post(smd.at(BASE)).json(&json!([
        {"id": "x0c0s1b0n0"}, {"id": "x0c0s2b0n0", "poweredBy": ["x"]}
    ])))
    .await;
    assert_eq!(s, 400);
    let (_, b) = get_json(smd.at(BASE)).await;
    assert_eq!(b, json!([]));
    let (s, b) = send(
        client()
            .put(smd.at(&format!("{BASE}/x0c0s1b0n0")))
            .json(&json!({"id": "x0c0s2b0n0"})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        b["detail"].as_str().unwrap().contains("does not match"),
        "{b}"
    );
    let (s, _) = get_json(smd.at(&format!("{BASE}/notanxname"))).await;
    assert_eq!(s, 400);
    let res = client().patch(smd.at(BASE)).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST, DELETE");
}
