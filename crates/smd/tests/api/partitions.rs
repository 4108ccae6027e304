//! /partitions: like groups, but a component is in at most one partition.

use crate::support::get as get_json;
use crate::support::{client, send};
use ochami_testkit::{spawn_smd, TestServer};
use serde_json::{json, Value};

async fn components(smd: &TestServer, ids: &[&str]) {
    let comps: Vec<Value> = ids.iter().map(|id| json!({"ID": id})).collect();
    let res = client()
        .post(smd.at("/hsm/v2/State/Components"))
        .json(&json!({ "Components": comps }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

const N1: &str = "x0c0s1b0n0";
const N2: &str = "x0c0s2b0n0";

#[tokio::test]
async fn partition_lifecycle() {
    let smd = spawn_smd().await;
    components(&smd, &[N1, N2]).await;
    let res = client()
        .post(smd.at("/hsm/v2/partitions"))
        .json(&json!({"name": "P1", "description": "first", "tags": ["tag1"], "members": {"ids": [N1]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], "/hsm/v2/partitions/p1");
    assert_eq!(
        res.text().await.unwrap(),
        "[{\"URI\":\"/hsm/v2/partitions/p1\"}]\n"
    );
    let (s, b) = get_json(smd.at("/hsm/v2/partitions/p1")).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"name": "p1", "description": "first", "tags": ["tag1"], "members": {"ids": [N1]}})
    );
    // description omitted when empty.
    assert_eq!(
        send(
            client()
                .post(smd.at("/hsm/v2/partitions"))
                .json(&json!({"name": "p2"}))
        )
        .await
        .0,
        201
    );
    let (_, b) = get_json(smd.at("/hsm/v2/partitions/p2")).await;
    assert_eq!(b, json!({"name": "p2", "members": {"ids": []}}));
    let (_, b) = get_json(smd.at("/hsm/v2/partitions/names")).await;
    assert_eq!(b, json!(["p1", "p2"]));
    let (_, b) = get_json(smd.at("/hsm/v2/partitions?partition=p2")).await;
    assert_eq!(b.as_array().unwrap().len(), 1);
    let (_, b) = get_json(smd.at("/hsm/v2/partitions?tag=tag1")).await;
    assert_eq!(b[0]["name"], "p1");

    let res = client()
        .patch(smd.at("/hsm/v2/partitions/p2"))
        .json(&json!({"description": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, b) = get_json(smd.at("/hsm/v2/partitions/p2")).await;
    assert_eq!(b["description"], "second");

    // A component is in at most one partition.
    let other = "operation would conflict with an existing member in another partition.";
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/partitions/p2/members"))
            .json(&json!({ "id": N1 })),
    )
    .await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(other)));
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/partitions"))
            .json(&json!({"name": "p3", "members": {"ids": [N2, N1]}})),
    )
    .await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(other)));
    let res = client()
        .post(smd.at("/hsm/v2/partitions/p2/members"))
        .json(&json!({ "id": N2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        format!("/hsm/v2/partitions/p2/members/{N2}")
    );
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/partitions/p2/members"))
            .json(&json!({ "id": N2 })),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    let (_, b) = get_json(smd.at("/hsm/v2/partitions/p2/members")).await;
    assert_eq!(b, json!({"ids": [N2]}));

    let (s, b) =
        send(client().delete(smd.at(&format!("/hsm/v2/partitions/p1/members/{N1}")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) =
        send(client().delete(smd.at(&format!("/hsm/v2/partitions/p1/members/{N1}")))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("partition has no such member."))
    );
    // Now free to move.
    assert_eq!(
        send(
            client()
                .post(smd.at("/hsm/v2/partitions/p2/members"))
                .json(&json!({ "id": N1 }))
        )
        .await
        .0,
        201
    );
    let (s, _) = send(client().delete(smd.at("/hsm/v2/partitions/p2"))).await;
    assert_eq!(s, 200);
    let (s, b) = get_json(smd.at("/hsm/v2/partitions/p2")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("No such partition: p2"))
    );
}

#[tokio::test]
async fn partition_errors() {
    let smd = spawn_smd().await;
    components(&smd, &[N1]).await;
    let post = |body: Value| client().post(smd.at("/hsm/v2/partitions")).json(&body);
    for (body, needle) in [
        (json!({}), "name: missing"),
        (json!({"name": "p 1"}), "name: 'p 1' has invalid characters"),
        (json!({"name": "p1", "tags": ["!"]}), "tags[0]"),
        (
            json!({"name": "p1", "members": {"ids": ["x"]}}),
            "members.ids[0]",
        ),
        (json!({"name": "p1", "members": "x"}), "members"),
    ] {
        let (s, b) = send(post(body.clone())).await;
        assert_eq!(s, 400, "{body}");
        assert!(
            b["detail"].as_str().unwrap().contains(needle),
            "{body}: {b}"
        );
    }
    assert_eq!(send(post(json!({"name": "p1"}))).await.0, 201);
    let (s, b) = send(post(json!({"name": "p1"}))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (409, Some("operation would conflict with an existing partition that has the same name or duplicate ids found in request."))
    );
    let (s, b) = get_json(smd.at("/hsm/v2/partitions/nope/members")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("No such partition: nope"))
    );
    for req in [
        client().delete(smd.at("/hsm/v2/partitions/nope")),
        client()
            .patch(smd.at("/hsm/v2/partitions/nope"))
            .json(&json!({"tags": []})),
    ] {
        let (s, b) = send(req).await;
        assert_eq!((s, b["detail"].as_str()), (404, Some("no such partition.")));
    }
    // The members routes name it, as OpenCHAMI (S11).
    for req in [
        client()
            .post(smd.at("/hsm/v2/partitions/nope/members"))
            .json(&json!({ "id": N1 })),
        client().delete(smd.at(&format!("/hsm/v2/partitions/nope/members/{N1}"))),
    ] {
        let (s, b) = send(req).await;
        assert_eq!(
            (s, b["detail"].as_str()),
            (404, Some("No such partition: nope"))
        );
    }
    // A malformed member xname (S5).
    for req in [
        client()
            .post(smd.at("/hsm/v2/partitions/nope/members"))
            .json(&json!({ "id": "FAKE" })),
        client().delete(smd.at("/hsm/v2/partitions/nope/members/FAKE")),
    ] {
        let (s, b) = send(req).await;
        assert_eq!((s, b["detail"].as_str()), (400, Some("invalid xname ID")));
    }
    // OpenCHAMI's texts for a bad name, in the URL or a filter.
    for path in [
        "/hsm/v2/partitions?partition=a%20b",
        "/hsm/v2/partitions/a%20b",
    ] {
        let (s, b) = get_json(smd.at(path)).await;
        assert_eq!(
            (s, b["detail"].as_str()),
            (400, Some("Invalid partition name.")),
            "{path}"
        );
    }
    let (s, b) = get_json(smd.at("/hsm/v2/partitions?tag=a%20b")).await;
    assert_eq!((s, b["detail"].as_str()), (400, Some("Invalid tag.")));
    let res = client()
        .delete(smd.at("/hsm/v2/partitions/names"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}
