//! cloud-init's nocloud-net data: meta-data, user-data, phone-home.

use serde_json::{json, Value};

use crate::Stack;

#[tokio::test]
async fn meta_data_user_data_phone_home_by_name() {
    let s = Stack::new().await;
    s.node("x1000c1s7b0n0", 1, "Compute", None, "").await;
    s.refresh().await;
    s.put(json!({"hosts": ["x1000c1s7b0n0"], "kernel": "http://h/k",
        "cloud-init": {"meta-data": {"site": "lab"},
                       "user-data": {"runcmd": ["echo hi"], "hostname": "n0"}}}))
        .await;
    s.put(json!({"hosts": ["Global"], "cloud-init": {"meta-data": {"ntp": "10.0.0.1"}}}))
        .await;
    let res =
        s.c.get(s.bss.at("/meta-data?name=x1000c1s7b0n0"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["site"], "lab");
    assert_eq!(meta["local-hostname"], "x1000c1s7b0n0");
    assert_eq!(meta["shasta-type"], "Compute");
    assert_eq!(meta["Global"], json!({"ntp": "10.0.0.1"}));
    assert!(meta["instance-id"]
        .as_str()
        .unwrap()
        .starts_with("x1000c1s7b0n0-"));
    let res =
        s.c.get(s.bss.at("/meta-data?name=x1000c1s7b0n0&key=Global.ntp"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), "10.0.0.1");

    let res =
        s.c.get(s.bss.at("/user-data?name=x1000c1s7b0n0"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.headers()["content-type"], "text/yaml");
    assert_eq!(
        res.text().await.unwrap(),
        // B9: meta-data's local-hostname is copied in, as OpenCHAMI does.
        "#cloud-config\nhostname: n0\nlocal-hostname: x1000c1s7b0n0\nruncmd:\n- echo hi\n"
    );

    let res = s
        .c
        .post(s.bss.at("/phone-home?name=x1000c1s7b0n0"))
        .json(&json!({"pub_key_rsa": "ssh-rsa AAA", "instance_id": "i-1", "hostname": "n0", "fqdn": "n0.lab"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bp: Value = res.json().await.unwrap();
    assert_eq!(bp["cloud-init"]["phone-home"]["pub_key_rsa"], "ssh-rsa AAA");
    assert_eq!(bp["cloud-init"]["meta-data"]["site"], "lab");

    // An address SMD does not know: the default data (B8), see below.
    let res = s.c.get(s.bss.at("/meta-data")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res =
        s.c.get(s.bss.at("/boot/v1/endpoint-history?name=x1000c1s7b0n0"))
            .send()
            .await
            .unwrap();
    let hist: Value = res.json().await.unwrap();
    assert_eq!(
        hist,
        json!([{"name": "x1000c1s7b0n0", "endpoint": "user-data",
        "last_epoch": hist[0]["last_epoch"]}])
    );
}

#[tokio::test]
async fn the_node_is_found_by_its_source_address() {
    let s = Stack::new().await;
    // The test client connects from 127.0.0.1: make that the node's address.
    s.node(
        "x1000c1s7b0n3",
        3,
        "Compute",
        Some("aa:bb:cc:dd:ee:03"),
        "127.0.0.1",
    )
    .await;
    s.refresh().await;
    s.put(
        json!({"macs": ["aa:bb:cc:dd:ee:03"], "kernel": "http://h/k",
        "cloud-init": {"user-data": {"packages": ["vim"]}}}),
    )
    .await;
    let res = s.c.get(s.bss.at("/meta-data")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["local-hostname"], "x1000c1s7b0n3");
    let res = s.c.get(s.bss.at("/user-data")).send().await.unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "#cloud-config\nlocal-hostname: x1000c1s7b0n3\npackages:\n- vim\n"
    );
    // Behind a proxy: the last X-Forwarded-For entry counts; SMD does not
    // know 10.9.9.9, so it gets the default data (B8).
    let res =
        s.c.get(s.bss.at("/meta-data"))
            .header("x-forwarded-for", "127.0.0.1, 10.9.9.9")
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    let meta: Value = res.json().await.unwrap();
    assert!(meta.get("local-hostname").is_none(), "{meta}");
}

/// B8: a source address SMD does not know gets the `Default` and `Global`
/// data; a key it lacks is 404 `Not Found`.
#[tokio::test]
async fn an_unknown_address_gets_the_default_data() {
    let s = Stack::new().await;
    let get = |path: &'static str| {
        let c = s.c.clone();
        let url = s.bss.at(path);
        async move { c.get(url).send().await.unwrap() }
    };
    // Nothing configured at all: still 200.
    let res = get("/meta-data").await;
    assert_eq!(res.status(), 200);
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["Global"], json!({}));
    assert!(
        meta["instance-id"]
            .as_str()
            .unwrap()
            .starts_with("default-"),
        "{meta}"
    );
    let res = get("/user-data").await;
    assert_eq!(res.status(), 200);
    // Go's yaml.Marshal of an empty map.
    assert_eq!(res.text().await.unwrap(), "#cloud-config\n{}\n");

    s.put(json!({"hosts": ["Default"], "kernel": "http://h/k",
        "cloud-init": {"meta-data": {"site": "lab", "nested": {"a": 1}},
                       "user-data": {"packages": ["vim"]}}}))
        .await;
    s.put(json!({"hosts": ["Global"], "cloud-init": {"meta-data": {"ntp": "10.0.0.1"}}}))
        .await;
    let meta: Value = get("/meta-data").await.json().await.unwrap();
    assert_eq!(
        (&meta["site"], &meta["Global"]),
        (&json!("lab"), &json!({"ntp": "10.0.0.1"}))
    );
    let res = get("/meta-data?key=nested.a").await;
    assert_eq!(res.json::<Value>().await.unwrap(), 1);
    assert_eq!(
        get("/user-data").await.text().await.unwrap(),
        "#cloud-config\npackages:\n- vim\n"
    );
    for path in [
        "/meta-data?key=not-a-valid-metadata-key",
        "/meta-data?key=nested.not-a-valid-metadata-key",
    ] {
        let res = get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(
            p,
            json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not Found"}),
            "{path}"
        );
    }
}
