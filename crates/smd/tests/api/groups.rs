//! /groups, /memberships and the group/partition filters of State/Components.

use crate::support::get_json;
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

const N1: &str = "x1000c1s7b0n0";
const N2: &str = "x1000c1s7b0n1";
const N3: &str = "x1000c1s7b1n0";

#[tokio::test]
async fn group_lifecycle() {
    let smd = spawn_smd().await;
    components(&smd, &[N1, N2, N3]).await;
    let res = client()
        .post(smd.at("/hsm/v2/groups"))
        .json(&json!({
            "label": "Blue", "description": "blue nodes", "tags": ["Fast", "gpu"],
            "members": {"ids": [N2, "x1000c1s7b0n00"]}
        }))
        .send()
        .await
        .unwrap();
    // x1000c1s7b0n00 normalises to N1.
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], "/hsm/v2/groups/blue");
    assert_eq!(
        res.text().await.unwrap(),
        "[{\"URI\":\"/hsm/v2/groups/blue\"}]\n"
    );
    let (s, b) = get_json(smd.at("/hsm/v2/groups/BLUE")).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"label": "blue", "description": "blue nodes", "tags": ["fast", "gpu"],
               "members": {"ids": [N1, N2]}})
    );
    // An empty group: no tags key, description always present.
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/groups"))
            .json(&json!({"label": "red"})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, b) = get_json(smd.at("/hsm/v2/groups/red")).await;
    assert_eq!(
        b,
        json!({"label": "red", "description": "", "members": {"ids": []}})
    );
    let (_, b) = get_json(smd.at("/hsm/v2/groups/labels")).await;
    assert_eq!(b, json!(["blue", "red"]));
    let (_, b) = get_json(smd.at("/hsm/v2/groups")).await;
    assert_eq!(b.as_array().unwrap().len(), 2);
    let (_, b) = get_json(smd.at("/hsm/v2/groups?tag=GPU")).await;
    assert_eq!(b[0]["label"], "blue");
    assert_eq!(b.as_array().unwrap().len(), 1);
    let (_, b) = get_json(smd.at("/hsm/v2/groups?group=red&group=blue")).await;
    assert_eq!(b.as_array().unwrap().len(), 2);
    let (_, b) = get_json(smd.at("/hsm/v2/groups?group=green")).await;
    assert_eq!(b, json!([]));

    // PATCH description and tags: 204.
    let res = client()
        .patch(smd.at("/hsm/v2/groups/blue"))
        .json(&json!({"tags": ["slow"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, b) = get_json(smd.at("/hsm/v2/groups/blue")).await;
    assert_eq!(b["tags"], json!(["slow"]));
    assert_eq!(b["description"], "blue nodes");

    // Members.
    let (_, b) = get_json(smd.at("/hsm/v2/groups/blue/members")).await;
    assert_eq!(b, json!({"ids": [N1, N2]}));
    let res = client()
        .post(smd.at("/hsm/v2/groups/blue/members"))
        .json(&json!({"id": "X1000C1S7B1N0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        format!("/hsm/v2/groups/blue/members/{N3}")
    );
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/groups/blue/members"))
            .json(&json!({ "id": N3 })),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(
        b["detail"],
        "operation would conflict with an existing member in the same group."
    );
    let (s, b) = send(client().delete(smd.at(&format!("/hsm/v2/groups/blue/members/{N3}")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) = send(client().delete(smd.at(&format!("/hsm/v2/groups/blue/members/{N3}")))).await;
    assert_eq!(s, 404);
    assert_eq!(b["detail"], "group has no such member.");

    // PUT replaces the member set.
    let res = client()
        .put(smd.at("/hsm/v2/groups/blue/members"))
        .json(&json!({"ids": [N3, N1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], "/hsm/v2/groups/blue/members");
    let b: Value = res.json().await.unwrap();
    assert_eq!(
        b,
        json!([{"URI": format!("/hsm/v2/groups/blue/members/{N3}")},
               {"URI": format!("/hsm/v2/groups/blue/members/{N1}")}])
    );
    let (_, b) = get_json(smd.at("/hsm/v2/groups/blue/members")).await;
    assert_eq!(b, json!({"ids": [N1, N3]}));
    let (s, _) = send(
        client()
            .put(smd.at("/hsm/v2/groups/blue/members"))
            .json(&json!({"ids": ["x9c0s0b0n0"]})),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = send(
        client()
            .put(smd.at("/hsm/v2/groups/nope/members"))
            .json(&json!({"ids": []})),
    )
    .await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such group.")));
    let res = client()
        .put(smd.at("/hsm/v2/groups/blue/members"))
        .json(&json!({"ids": [N1, N2]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Deleting a component drops its memberships.
    let (s, _) = send(client().delete(smd.at(&format!("/hsm/v2/State/Components/{N1}")))).await;
    assert_eq!(s, 200);
    let (_, b) = get_json(smd.at("/hsm/v2/groups/blue/members")).await;
    assert_eq!(b, json!({"ids": [N2]}));

    let (s, b) = send(client().delete(smd.at("/hsm/v2/groups/blue"))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) = get_json(smd.at("/hsm/v2/groups/blue")).await;
    assert_eq!(s, 404);
    assert_eq!(b["detail"], "No such group: blue");
}

#[tokio::test]
async fn group_errors() {
    let smd = spawn_smd().await;
    components(&smd, &[N1, N2]).await;
    let post = |body: Value| client().post(smd.at("/hsm/v2/groups")).json(&body);
    for (body, needle) in [
        (json!({"description": "no label"}), "label: missing"),
        (
            json!({"label": "bad label"}),
            "label: 'bad label' has invalid characters",
        ),
        (
            json!({"label": "ok", "tags": ["x/y"]}),
            "tags[0]: 'x/y' has invalid characters",
        ),
        (
            json!({"label": "ok", "exclusiveGroup": "a b"}),
            "exclusiveGroup: 'a b'",
        ),
        (
            json!({"label": "ok", "members": {"ids": ["nope"]}}),
            "members.ids[0]",
        ),
        (
            json!({"label": "ok", "members": {"ids": ["x9c0s0b0n0"]}}),
            "'x9c0s0b0n0' is not an existing component",
        ),
    ] {
        let (s, b) = send(post(body.clone())).await;
        assert_eq!(s, 400, "{body}");
        let d = b["detail"].as_str().unwrap();
        assert!(d.contains(needle), "{body}: {d}");
    }
    let dup = "operation would conflict with an existing group that has the same label or duplicate ids found in request.";
    let (s, b) = send(post(json!({"label": "g", "members": {"ids": [N1, N1]}}))).await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(dup)));
    // Nothing of the failed group was kept.
    let (s, _) = get_json(smd.at("/hsm/v2/groups/g")).await;
    assert_eq!(s, 404);
    assert_eq!(send(post(json!({"label": "g"}))).await.0, 201);
    let (s, b) = send(post(json!({"label": "G"}))).await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(dup)));

    // Exclusive groups: a component in at most one group of the set.
    assert_eq!(
        send(post(
            json!({"label": "a", "exclusiveGroup": "colour", "members": {"ids": [N1]}})
        ))
        .await
        .0,
        201
    );
    let (_, b) = get_json(smd.at("/hsm/v2/groups/a")).await;
    assert_eq!(b["exclusiveGroup"], "colour");
    let excl = "operation would conflict with an existing member in another exclusive group.";
    let (s, b) = send(post(
        json!({"label": "b", "exclusiveGroup": "Colour", "members": {"ids": [N1]}}),
    ))
    .await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(excl)));
    assert_eq!(
        send(post(
            json!({"label": "b", "exclusiveGroup": "colour", "members": {"ids": [N2]}})
        ))
        .await
        .0,
        201
    );
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/groups/b/members"))
            .json(&json!({ "id": N1 })),
    )
    .await;
    assert_eq!((s, b["detail"].as_str()), (409, Some(excl)));
    // A non-exclusive group may hold it.
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/groups/g/members"))
            .json(&json!({ "id": N1 })),
    )
    .await;
    assert_eq!(s, 201);

    // 404s with OpenCHAMI's texts.
    let (s, b) = get_json(smd.at("/hsm/v2/groups/nope")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("No such group: nope"))
    );
    let (s, b) = get_json(smd.at("/hsm/v2/groups/nope/members")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("No such group: nope"))
    );
    for req in [
        client().delete(smd.at("/hsm/v2/groups/nope")),
        client()
            .patch(smd.at("/hsm/v2/groups/nope"))
            .json(&json!({"description": "x"})),
    ] {
        let (s, b) = send(req).await;
        assert_eq!((s, b["detail"].as_str()), (404, Some("no such group.")));
    }
    // The members routes name it, as OpenCHAMI (S11).
    for req in [
        client()
            .post(smd.at("/hsm/v2/groups/nope/members"))
            .json(&json!({ "id": N1 })),
        client().delete(smd.at(&format!("/hsm/v2/groups/nope/members/{N1}"))),
    ] {
        let (s, b) = send(req).await;
        assert_eq!(
            (s, b["detail"].as_str()),
            (404, Some("No such group: nope"))
        );
    }
    // A malformed member xname (S5).
    for req in [
        client()
            .post(smd.at("/hsm/v2/groups/nope/members"))
            .json(&json!({ "id": "FAKE" })),
        client().delete(smd.at("/hsm/v2/groups/nope/members/FAKE")),
    ] {
        let (s, b) = send(req).await;
        assert_eq!((s, b["detail"].as_str()), (400, Some("invalid xname ID")));
    }
    // 400s: bad label in the path, bad member bodies, bad tags in PATCH.
    for (req, needle) in [
        (
            client().get(smd.at("/hsm/v2/groups/a%20b")),
            "Invalid group label.",
        ),
        (
            client()
                .post(smd.at("/hsm/v2/groups/g/members"))
                .json(&json!({"id": "foo"})),
            "id",
        ),
        (
            client()
                .post(smd.at("/hsm/v2/groups/g/members"))
                .json(&json!({})),
            "id",
        ),
        (
            client()
                .post(smd.at("/hsm/v2/groups/g/members"))
                .json(&json!({"id": "x9c0s0b0n0"})),
            "not an existing component",
        ),
        (
            client().delete(smd.at("/hsm/v2/groups/g/members/foo")),
            "invalid xname ID",
        ),
        (
            client()
                .patch(smd.at("/hsm/v2/groups/g"))
                .json(&json!({"tags": ["a b"]})),
            "tags[0]",
        ),
        (
            client().get(smd.at("/hsm/v2/groups?tag=a%20b")),
            "Invalid tag.",
        ),
    ] {
        let (s, b) = send(req).await;
        assert_eq!(s, 400, "{b}");
        assert!(b["detail"].as_str().unwrap().contains(needle), "{b}");
    }
    // Wrong method: 405 with Allow.
    let res = client().put(smd.at("/hsm/v2/groups")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn memberships_and_component_filters() {
    let smd = spawn_smd().await;
    components(&smd, &[N1, N2, N3]).await;
    for body in [
        json!({"label": "blue", "members": {"ids": [N1, N2]}}),
        json!({"label": "amber", "members": {"ids": [N1]}}),
    ] {
        assert_eq!(
            send(client().post(smd.at("/hsm/v2/groups")).json(&body))
                .await
                .0,
            201
        );
    }
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/partitions"))
            .json(&json!({"name": "p1", "members": {"ids": [N1]}})),
    )
    .await;
    assert_eq!(s, 201);

    let (s, b) = get_json(smd.at("/hsm/v2/memberships")).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!([
            {"id": N1, "groupLabels": ["amber", "blue"], "partitionName": "p1"},
            {"id": N2, "groupLabels": ["blue"], "partitionName": ""},
            {"id": N3, "groupLabels": [], "partitionName": ""},
        ])
    );
    let (_, b) = get_json(smd.at(&format!("/hsm/v2/memberships/{}", N3.to_uppercase()))).await;
    assert_eq!(b, json!({"id": N3, "groupLabels": [], "partitionName": ""}));
    let (_, b) = get_json(smd.at("/hsm/v2/memberships?group=blue&partition=NULL")).await;
    assert_eq!(
        b,
        json!([{"id": N2, "groupLabels": ["blue"], "partitionName": ""}])
    );
    let (_, b) = get_json(smd.at(&format!("/hsm/v2/memberships?id={N3}&type=Node"))).await;
    assert_eq!(b.as_array().unwrap().len(), 1);
    // OpenCHAMI's doMembershipGet texts.
    let (s, b) = get_json(smd.at("/hsm/v2/memberships/x9c0s0b0n0")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("No such xname: x9c0s0b0n0"))
    );
    let (s, b) = get_json(smd.at("/hsm/v2/memberships/bogus")).await;
    assert_eq!((s, b["detail"].as_str()), (400, Some("invalid xname")));
    let (s, b) = get_json(smd.at("/hsm/v2/memberships?type=Bogus")).await;
    assert_eq!(s, 400, "{b}");

    // State/Components group= and partition= filters.
    let ids = |b: &Value| -> Vec<String> {
        b["Components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["ID"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?group=Blue")).await;
    assert_eq!(ids(&b), [N1, N2]);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?group=blue&partition=p1")).await;
    assert_eq!(ids(&b), [N1]);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?group=NULL")).await;
    assert_eq!(ids(&b), [N3]);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?group=amber&group=nope")).await;
    assert_eq!(ids(&b), [N1]);
    let (_, b) = get_json(smd.at("/hsm/v2/State/Components?partition=p2")).await;
    assert_eq!(ids(&b), Vec::<String>::new());
}

/// S10: `/groups/{label}[/members]?partition=` keeps only the members also
/// in that partition (`NULL`: in no partition).
#[tokio::test]
async fn group_members_filtered_by_partition() {
    let smd = spawn_smd().await;
    components(&smd, &[N1, N2, N3]).await;
    for (path, body) in [
        (
            "/hsm/v2/groups",
            json!({"label": "hsmtestgroup1", "members": {"ids": [N1, N2, N3]}}),
        ),
        (
            "/hsm/v2/partitions",
            json!({"name": "p98", "members": {"ids": [N2]}}),
        ),
        (
            "/hsm/v2/partitions",
            json!({"name": "p97", "members": {"ids": [N3]}}),
        ),
    ] {
        let (s, b) = send(client().post(smd.at(path)).json(&body)).await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1?partition=p98")).await;
    assert_eq!(s, 200);
    assert_eq!(b["members"], json!({"ids": [N2]}));
    let (s, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1/members?partition=P98")).await;
    assert_eq!((s, b), (200, json!({"ids": [N2]})));
    let (_, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1/members?partition=NULL")).await;
    assert_eq!(b, json!({"ids": [N1]}));
    let (_, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1/members?partition=p1")).await;
    assert_eq!(b, json!({"ids": []}));
    let (_, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1/members")).await;
    assert_eq!(b, json!({"ids": [N1, N2, N3]}));
    let (s, b) = get_json(smd.at("/hsm/v2/groups/hsmtestgroup1?partition=a%20b")).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (400, Some("Invalid partition name."))
    );
}
