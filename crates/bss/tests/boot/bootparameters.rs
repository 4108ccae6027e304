//! `/boot/v1/bootparameters`: the seed's payload, CRUD semantics, atomicity, bad input.

use reqwest::Method;
use serde_json::{json, Value};

use crate::Stack;

fn seed() -> Value {
    // The seed scenario's curl -d payload.
    json!({"kernel": "http://172.16.0.253:8080/vmlinuz",
           "initrd": "http://172.16.0.253:8080/initrd.img",
           "macs": ["AA:BB:CC:DD:EE:01", "aa-bb-cc-dd-ee-02"],
           "params": "console=ttyS0,115200 ip=dhcp"})
}

fn empty_cloud_init() -> Value {
    json!({"meta-data": null, "user-data": null, "phone-home": {"pub_key_dsa": "",
        "pub_key_rsa": "", "pub_key_ecdsa": "", "instance_id": "", "hostname": "", "fqdn": ""}})
}

async fn get_all(s: &Stack, query: &str) -> (u16, Value) {
    let res =
        s.c.get(s.bss.at(&format!("/boot/v1/bootparameters{query}")))
            .send()
            .await
            .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn seed_payload_is_created_listed_and_unique() {
    let s = Stack::new().await;
    assert_eq!(get_all(&s, "").await, (200, json!([])));

    // curl -d sends a form content type; the body is JSON all the same.
    let res =
        s.c.post(s.bss.at("/boot/v1/bootparameters"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(seed().to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 201);
    let token = res.headers()["bss-referral-token"].to_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(token).unwrap().to_string(), token);
    assert_eq!(res.text().await.unwrap(), "");

    let expected = json!([{"macs": ["aa:bb:cc:dd:ee:01", "aa:bb:cc:dd:ee:02"],
        "params": "console=ttyS0,115200 ip=dhcp",
        "kernel": "http://172.16.0.253:8080/vmlinuz",
        "initrd": "http://172.16.0.253:8080/initrd.img",
        "cloud-init": empty_cloud_init()}]);
    assert_eq!(get_all(&s, "").await, (200, expected));

    // A second POST naming one taken MAC (and one free) changes nothing.
    let (status, text) = s
        .send(
            Method::POST,
            json!({"kernel": "http://h/other", "macs": ["aa:bb:cc:dd:ee:03", "aa:bb:cc:dd:ee:02"]}),
        )
        .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["detail"],
        "Already exists: mac aa:bb:cc:dd:ee:02 already has boot parameters (use PUT or PATCH)"
    );
    let (status, _) = get_all(&s, "?mac=aa:bb:cc:dd:ee:03").await;
    assert_eq!(status, 404);

    // Filters: repeatable, comma lists, any MAC spelling; only matched keys listed.
    let (status, body) = get_all(&s, "?mac=AABBCCDDEE02,aa:bb:cc:dd:ee:09").await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["macs"], json!(["aa:bb:cc:dd:ee:02"]));
    let (status, body) = get_all(&s, "?name=x1000c1s7b0n0&nid=4").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["detail"],
        "Cannot find boot parameters for requested Hosts or NIDs"
    );
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn put_patch_delete() {
    let s = Stack::new().await;
    s.put(
        json!({"hosts": ["x1000c1s7b0n0", "x1000c1s7b0n1"], "nids": [3],
        "kernel": "http://h/k1", "params": "a=1"}),
    )
    .await;
    // PATCH one host of a shared config: only that host changes.
    let (status, text) = s
        .send(
            Method::PATCH,
            json!({"hosts": ["x1000c1s7b0n1"], "params": "a=2"}),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let (_, one) = get_all(&s, "?name=x1000c1s7b0n0").await;
    assert_eq!(one[0]["params"], "a=1");
    assert_eq!(one[0]["hosts"], json!(["x1000c1s7b0n0"]));
    let (_, two) = get_all(&s, "?name=x1000c1s7b0n1").await;
    assert_eq!(two[0]["params"], "a=2");
    assert_eq!(two[0]["kernel"], "http://h/k1");

    // PATCH of something without parameters: 404, and nothing changes.
    let (status, text) = s
        .send(
            Method::PATCH,
            json!({"hosts": ["x1000c1s7b0n1"], "macs": ["aa:bb:cc:dd:ee:ff"], "params": "z"}),
        )
        .await;
    assert_eq!(status, 404, "{text}");
    assert!(
        text.contains("mac aa:bb:cc:dd:ee:ff has no boot parameters"),
        "{text}"
    );
    let (_, two) = get_all(&s, "?name=x1000c1s7b0n1").await;
    assert_eq!(two[0]["params"], "a=2");

    // PUT replaces whatever a key had.
    s.put(json!({"nids": [3], "kernel": "http://h/k3"})).await;
    let (_, three) = get_all(&s, "?nid=3").await;
    assert_eq!(
        three,
        json!([{"nids": [3], "kernel": "http://h/k3", "cloud-init": empty_cloud_init()}])
    );

    let (status, _) = s
        .send(
            Method::DELETE,
            json!({"hosts": ["x1000c1s7b0n0"], "nids": [3]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, all) = get_all(&s, "").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["hosts"], json!(["x1000c1s7b0n1"]));
    // GET also takes its filter as a JSON body.
    let res =
        s.c.get(s.bss.at("/boot/v1/bootparameters"))
            .body(r#"{"hosts":["x1000c1s7b0n1"]}"#)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    // Deleting by kernel.
    let (status, _) = s
        .send(Method::DELETE, json!({"kernel": "http://h/k1"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(get_all(&s, "").await, (200, json!([])));

    // B7: a DELETE that matches nothing is a 400, as OpenCHAMI's Postgres
    // backend answers (hosts, NIDs, MACs or kernel alike).
    for body in [
        json!({"hosts": ["x1000c1s7b0n0"]}),
        json!({"hosts": ["x9999c0s2b0n0"], "nids": [2147483647]}),
        json!({"macs": ["aa:bb:cc:dd:ee:ff"]}),
        json!({"kernel": "http://h/k1"}),
    ] {
        let (status, text) = s.send(Method::DELETE, body.clone()).await;
        assert_eq!(status, 400, "{body}: {text}");
        let p: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            p,
            json!({"type": "about:blank", "title": "Bad Request", "status": 400,
                   "detail": "postgres.Delete: no node IDs specified for deletion"}),
            "{body}"
        );
    }
}

/// B10: parameters given by a MAC or NID SMD knows are the node's: stored
/// under its xname and answered as `hosts:[xname]`, whichever key asks.
#[tokio::test]
async fn macs_and_nids_smd_knows_become_the_node() {
    let s = Stack::new().await;
    s.node(
        "x1000c1s7b0n0",
        1,
        "Compute",
        Some("b4:2e:99:a6:61:ee"),
        "172.16.0.10",
    )
    .await;
    s.refresh().await;
    let want = |kernel: &str| json!([{"hosts": ["x1000c1s7b0n0"], "kernel": kernel, "cloud-init": empty_cloud_init()}]);
    s.put(json!({"macs": ["B4:2E:99:A6:61:EE"], "kernel": "http://h/by-mac"}))
        .await;
    for q in [
        "?mac=b4:2e:99:a6:61:ee",
        "?nid=1",
        "?name=x1000c1s7b0n0",
        "",
    ] {
        assert_eq!(get_all(&s, q).await, (200, want("http://h/by-mac")), "{q}");
    }
    let (status, text) = s
        .send(
            Method::POST,
            json!({"nids": [1], "kernel": "http://h/by-nid"}),
        )
        .await;
    assert_eq!(status, 400, "the node has parameters already: {text}");
    s.put(json!({"nids": [1], "kernel": "http://h/by-nid"}))
        .await;
    assert_eq!(
        get_all(&s, "?mac=b4:2e:99:a6:61:ee").await,
        (200, want("http://h/by-nid"))
    );
    // A MAC SMD does not know stays a MAC.
    s.put(json!({"macs": ["aa:bb:cc:dd:ee:09"], "kernel": "http://h/k9"}))
        .await;
    let (_, b) = get_all(&s, "?mac=aa:bb:cc:dd:ee:09").await;
    assert_eq!(b[0]["macs"], json!(["aa:bb:cc:dd:ee:09"]));
    // Deleting by the MAC deletes the node's parameters.
    let (status, _) = s
        .send(Method::DELETE, json!({"macs": ["b4:2e:99:a6:61:ee"]}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = get_all(&s, "?name=x1000c1s7b0n0").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let s = Stack::new().await;
    for (body, field) in [
        (
            json!({"macs": ["aa:bb:cc:dd:ee:ff", "zz:bb:cc:dd:ee:ff"]}),
            "macs[1]",
        ),
        (json!({"hosts": ["x1000c1s7b0"]}), "hosts[0]"),
        (json!({"hosts": ["nonsense"]}), "hosts[0]"),
        (json!({"nids": [-4]}), "nids[0]"),
        (json!({"nids": ["x"]}), "nids[0]"),
        (
            json!({"hosts": ["x1000c1s7b0n0"], "kernel": "vmlinuz"}),
            "kernel",
        ),
        (
            json!({"hosts": ["x1000c1s7b0n0"], "initrd": "not a url"}),
            "initrd",
        ),
        (json!({"kernel": "http://h/k"}), "hosts, macs, nids"),
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH] {
            let (status, text) = s.send(method.clone(), body.clone()).await;
            assert_eq!(status, 400, "{method} {body}: {text}");
            let problem: Value = serde_json::from_str(&text).unwrap();
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(field), "{method} {body}: {detail}");
        }
    }
    let res =
        s.c.post(s.bss.at("/boot/v1/bootparameters"))
            .body("{not json")
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 400);
    let (status, body) = get_all(&s, "?nid=x").await;
    assert_eq!(status, 400);
    assert!(
        body["detail"].as_str().unwrap().contains("bad query param"),
        "{body}"
    );
    // B5/B6: a MAC or name that cannot be a key is a miss, as in OpenCHAMI.
    for (q, what) in [
        ("?mac=1notAMac", "MACs"),
        ("?name=does_not_exist", "Hosts"),
        ("?name=x1000c1", "Hosts"),
    ] {
        let (status, body) = get_all(&s, q).await;
        assert_eq!(
            (status, body),
            (
                404,
                json!({"type": "about:blank", "title": "Not Found", "status": 404,
                       "detail": format!("Cannot find boot parameters for requested {what}")})
            ),
            "{q}"
        );
    }
    let res =
        s.c.request(Method::OPTIONS, s.bss.at("/boot/v1/bootparameters"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST, PUT, PATCH, DELETE");
    // Nothing was stored by any of it.
    assert_eq!(get_all(&s, "").await, (200, json!([])));
}
