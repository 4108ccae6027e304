//! `/boot/v1/bootscript`: known nodes by MAC, name and NID; role, `Default`,
//! `Unknown-<arch>`; unknown nodes; retry chaining; missing kernel; SMD down.

use serde_json::{json, Value};

use crate::Stack;

const N0: &str = "x1000c1s7b0n0";
const N1: &str = "x1000c1s7b0n1";

fn known_script(base: &str, kernel_args: &str, chain_query: &str) -> String {
    format!(
        "#!ipxe\n\
         kernel --name kernel http://10.1.0.1/vmlinuz initrd=initrd {kernel_args} ds=nocloud-net;s={base}/ || goto boot_retry\n\
         initrd --name initrd http://10.1.0.1/initrd.img || goto boot_retry\n\
         boot || goto boot_retry\n\
         :boot_retry\n\
         sleep 30\n\
         chain {base}/boot/v1/bootscript?{chain_query}\n\n"
    )
}

async fn with_node_params(s: &Stack) {
    s.node(N0, 1, "Compute", None, "").await;
    s.refresh().await;
    s.put(json!({"hosts": [N0], "kernel": "http://10.1.0.1/vmlinuz",
        "initrd": "http://10.1.0.1/initrd.img", "params": "console=ttyS0,115200"}))
        .await;
}

#[tokio::test]
async fn known_node_by_name_and_nid() {
    let s = Stack::new().await;
    with_node_params(&s).await;
    let base = &s.bss.url;

    let a = s.script(&format!("name={N0}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.content_type, "text/plain; charset=UTF-8");
    assert_eq!(a.node, format!("{N0} (host {N0})"));
    assert_eq!(
        a.body,
        known_script(
            base,
            &format!("console=ttyS0,115200 xname={N0} nid=1"),
            &format!("name={N0}&retry=1")
        )
    );

    // By NID, retry=4 chains back with retry=5.
    let a = s.script("nid=1&retry=4").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body,
        known_script(
            base,
            &format!("console=ttyS0,115200 xname={N0} nid=1"),
            "nid=1&retry=5"
        )
    );

    // ?json=1: the resolved data.
    let res =
        s.c.get(s.bss.at(&format!("/boot/v1/bootscript?name={N0}&json=1")))
            .send()
            .await
            .unwrap();
    assert_eq!(res.headers()["x-ochami-node"], format!("{N0} (host {N0})"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"params": format!("initrd=initrd console=ttyS0,115200 xname={N0} nid=1 ds=nocloud-net;s={base}/"),
            "kernel": {"path": "http://10.1.0.1/vmlinuz", "params": ""},
            "initrd": {"path": "http://10.1.0.1/initrd.img", "params": ""},
            "xname": N0, "rule": format!("host {N0}")})
    );

    // Every script fetch is recorded.
    let res =
        s.c.get(s.bss.at("/boot/v1/endpoint-history?endpoint=bootscript"))
            .send()
            .await
            .unwrap();
    let hist: Value = res.json().await.unwrap();
    assert_eq!(hist.as_array().unwrap().len(), 1);
    assert_eq!(hist[0]["name"], N0);
    assert_eq!(hist[0]["endpoint"], "bootscript");
    assert!(hist[0]["last_epoch"].as_i64().unwrap() > 1_700_000_000);
    // B14: an endpoint nothing was recorded for is a filter with no match.
    let res =
        s.c.get(
            s.bss
                .at("/boot/v1/endpoint-history?endpoint=bootscript-bad"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn role_then_default() {
    let s = Stack::new().await;
    s.node(N0, 1, "Compute", None, "").await;
    s.node(N1, 2, "Service", None, "").await;
    s.refresh().await;
    s.put(json!({"hosts": ["Compute"], "kernel": "http://10.1.0.1/compute"}))
        .await;
    s.put(json!({"hosts": ["Default"], "kernel": "http://10.1.0.1/default", "params": "quiet"}))
        .await;
    let base = &s.bss.url;
    let a = s.script(&format!("name={N0}")).await;
    assert_eq!(a.node, format!("{N0} (host Compute)"));
    assert_eq!(
        a.body,
        format!(
            "#!ipxe\nkernel --name kernel http://10.1.0.1/compute xname={N0} nid=1 ds=nocloud-net;s={base}/ || goto boot_retry\n\
             boot || goto boot_retry\n:boot_retry\nsleep 30\nchain {base}/boot/v1/bootscript?name={N0}&retry=1\n\n"
        )
    );
    let a = s.script("nid=2").await;
    assert_eq!(a.node, format!("{N1} (host Default)"));
    assert_eq!(
        a.body,
        format!(
            "#!ipxe\nkernel --name kernel http://10.1.0.1/default quiet xname={N1} nid=2 ds=nocloud-net;s={base}/ || goto boot_retry\n\
             boot || goto boot_retry\n:boot_retry\nsleep 30\nchain {base}/boot/v1/bootscript?nid=2&retry=1\n\n"
        )
    );
}

#[tokio::test]
async fn unknown_nodes_and_missing_kernel() {
    let s = Stack::new().await;
    s.node(N0, 1, "Compute", None, "").await;
    s.refresh().await;
    let base = &s.bss.url;

    // None of mac/name/nid.
    let a = s.script("arch=x86_64").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("Need a mac=, name=, or nid= parameter"));
    for bad in ["mac=zz", "retry=x&nid=1", "arch=x86%2064&nid=1"] {
        assert_eq!(s.script(bad).await.status, 400, "{bad}");
    }
    // B2: a NID that is negative or not a number is no NID (OpenCHAMI's
    // getIntParam default -1 and `nid >= 0`).
    for q in ["nid=-1", "nid=one", "nid=99999999999999999999"] {
        let a = s.script(q).await;
        assert_eq!(a.status, 400, "{q}");
        let p: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(
            p,
            json!({"type": "about:blank", "title": "Bad Request", "status": 400,
                   "detail": "Need a mac=, name=, or nid= parameter"}),
            "{q}"
        );
    }

    // Unknown, no arch: wait and ask again with it.
    let a = s.script("mac=AA:BB:CC:DD:EE:99&ts=1700000000").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.node, "unknown");
    assert_eq!(
        a.body,
        format!("#!ipxe\nsleep 10\nchain {base}/boot/v1/bootscript?mac=aa:bb:cc:dd:ee:99&arch=${{buildarch}}&ts=1700000000\n\n")
    );

    // Unknown with an arch nobody configured: 404.
    let a = s.script("mac=aa:bb:cc:dd:ee:99&arch=x86_64&ts=5").await;
    assert_eq!(a.status, 404);
    let p: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        p["detail"],
        "Unknown MAC aa:bb:cc:dd:ee:99 architecture x86_64: this host not configured for booting."
    );

    // Unknown-x86_64: the discovery image, no xname/nid/BOOTIF.
    s.put(
        json!({"hosts": ["Unknown-x86_64"], "kernel": "http://10.1.0.1/discover",
        "initrd": "http://10.1.0.1/discover.img", "params": "console=ttyS0"}),
    )
    .await;
    let a = s.script("mac=aa:bb:cc:dd:ee:99&arch=x86_64&ts=5").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.node, "unknown (host Unknown-x86_64)");
    assert_eq!(
        a.body,
        format!(
            "#!ipxe\nkernel --name kernel http://10.1.0.1/discover initrd=initrd console=ttyS0 ds=nocloud-net;s={base}/ || goto boot_retry\n\
             initrd --name initrd http://10.1.0.1/discover.img || goto boot_retry\n\
             boot || goto boot_retry\n:boot_retry\nsleep 30\n\
             chain {base}/boot/v1/bootscript?mac=aa:bb:cc:dd:ee:99&arch=${{buildarch}}&ts=5\n\n"
        )
    );

    // B1: a known node with no kernel of its own is treated as unknown, as
    // OpenCHAMI does: first the chain that asks for its architecture ...
    let a = s.script("nid=1&ts=7").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body,
        format!(
            "#!ipxe
sleep 10
chain {base}/boot/v1/bootscript?name={N0}&arch=${{buildarch}}&ts=7

"
        )
    );
    // ... then Unknown-<arch> when there is one (booted without its xname) ...
    let a = s.script(&format!("name={N0}&arch=x86_64&ts=7")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.node, format!("{N0} (host Unknown-x86_64)"));
    assert!(
        a.body.contains(
            "kernel --name kernel http://10.1.0.1/discover initrd=initrd console=ttyS0 ds="
        ),
        "{}",
        a.body
    );
    assert!(!a.body.contains("xname="), "{}", a.body);
    // ... else the 404, in OpenCHAMI's words.
    let a = s.script(&format!("name={N0}&arch=arm64&ts=7")).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.content_type, "application/problem+json");
    let p: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        p["detail"],
        format!("Unknown {N0} architecture arm64: this host not configured for booting.")
    );
    let a = s.script("nid=1&arch=arm64").await;
    let p: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        p["detail"],
        format!("Unknown NID 1 ({N0}) architecture arm64: this host not configured for booting.")
    );
}

#[tokio::test]
async fn configured_base_urls_replace_the_request_address() {
    let smd = ochami_testkit::spawn_smd().await;
    let bss = ochami_testkit::spawn_bss_with(&smd.url, |c| {
        c.ipxe_server = Some("bss.example:8080".into());
        c.chain_proto = Some("https".into());
        c.gw_uri = "/apis/bss".into();
        c.advertise_address = Some("http://ci.example/".into());
        c.retry_delay = 7;
    })
    .await;
    let s = Stack {
        smd,
        bss,
        c: reqwest::Client::new(),
    };
    with_node_params(&s).await;
    let a = s.script(&format!("name={N0}")).await;
    assert_eq!(
        a.body,
        format!(
            "#!ipxe\n\
             kernel --name kernel http://10.1.0.1/vmlinuz initrd=initrd console=ttyS0,115200 xname={N0} nid=1 ds=nocloud-net;s=http://ci.example/ || goto boot_retry\n\
             initrd --name initrd http://10.1.0.1/initrd.img || goto boot_retry\n\
             boot || goto boot_retry\n:boot_retry\nsleep 7\n\
             chain https://bss.example:8080/apis/bss/boot/v1/bootscript?name={N0}&retry=1\n\n"
        )
    );
}

#[tokio::test]
async fn hosts_and_dumpstate() {
    let s = Stack::new().await;
    with_node_params(&s).await;
    let res = s.c.get(s.bss.at("/boot/v1/hosts")).send().await.unwrap();
    let hosts: Value = res.json().await.unwrap();
    assert_eq!(hosts[0]["ID"], N0);
    assert_eq!(hosts[0]["NID"], 1);
    assert_eq!(hosts[0]["EndpointEnabled"], true);
    assert_eq!(hosts[0]["MAC"], json!([]));
    let res =
        s.c.get(s.bss.at("/boot/v1/hosts?name=x9c0s0b0n0"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 404);
    let res =
        s.c.get(s.bss.at("/boot/v1/dumpstate"))
            .send()
            .await
            .unwrap();
    let dump: Value = res.json().await.unwrap();
    assert_eq!(dump["Components"][0]["ID"], N0);
    assert_eq!(dump["Params"][0]["hosts"], json!([N0]));
}

#[tokio::test]
async fn seed_payload_boots_by_mac_and_survives_smd_going_away() {
    let s = Stack::new().await;
    s.node(N0, 1, "Compute", Some("AA:BB:CC:DD:EE:01"), "172.16.0.10")
        .await;
    s.refresh().await;
    let (status, text) = s
        .send(
            reqwest::Method::POST,
            json!({"kernel": "http://10.1.0.1/vmlinuz", "initrd": "http://10.1.0.1/initrd.img",
                "macs": ["aa:bb:cc:dd:ee:01"], "params": "console=ttyS0,115200 initrd=old.img"}),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let base = s.bss.url.clone();
    let expected = known_script(
        &base,
        &format!("console=ttyS0,115200 xname={N0} nid=1 BOOTIF=01-aa-bb-cc-dd-ee-01"),
        "mac=aa:bb:cc:dd:ee:01&retry=1",
    );
    // iPXE's ${mac} is lower-case colon form; any spelling works.
    for mac in ["aa:bb:cc:dd:ee:01", "AA-BB-CC-DD-EE-01"] {
        let a = s.script(&format!("mac={mac}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        // Stored under the node's xname: SMD knows the MAC (B10).
        assert_eq!(a.node, format!("{N0} (host {N0})"));
        assert_eq!(a.body, expected);
    }

    // SMD stops: the cached node still boots, an unknown one is told to wait,
    // and the status routes say SMD is unreachable.
    s.smd.stop().await;
    s.refresh().await;
    let a = s.script("mac=aa:bb:cc:dd:ee:01").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, expected);
    let a = s.script("mac=aa:bb:cc:dd:ee:02&ts=9").await;
    assert_eq!(
        a.body,
        format!("#!ipxe\nsleep 10\nchain {base}/boot/v1/bootscript?mac=aa:bb:cc:dd:ee:02&arch=${{buildarch}}&ts=9\n\n")
    );
    let res =
        s.c.get(s.bss.at("/boot/v1/service/status/all"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["bss-status-hsm"], "error");
    assert_eq!(body["bss-storage-backend"]["status"], "connected");
}

#[tokio::test]
async fn mac_params_of_a_known_node_are_its_own() {
    let s = Stack::new().await;
    s.node(N0, 1, "Compute", Some("aa:bb:cc:dd:ee:01"), "172.16.0.10")
        .await;
    s.refresh().await;
    s.put(json!({"hosts": ["Compute"], "kernel": "http://10.1.0.1/compute"}))
        .await;
    // B10: SMD knows the MAC, so the parameters are the node's (its xname).
    s.put(json!({"macs": ["aa:bb:cc:dd:ee:01"], "kernel": "http://10.1.0.1/mac"}))
        .await;
    let a = s.script("name=x1000c1s7b0n0").await;
    assert_eq!(a.node, format!("{N0} (host {N0})"));
    assert!(
        a.body.contains("kernel --name kernel http://10.1.0.1/mac "),
        "{}",
        a.body
    );
    // Asking by name, no BOOTIF (the MAC it boots from is not known).
    assert!(!a.body.contains("BOOTIF="), "{}", a.body);
}

#[tokio::test]
async fn a_node_magellan_discovered_boots_by_its_nic_mac() {
    let s = Stack::new().await;
    let h = "https://172.16.0.104:443";
    let payload = json!({
        "ID": "x1000c1s7b0", "FQDN": "172.16.0.104", "User": "admin", "Password": "p",
        "MACAddr": "ec:e7:a7:05:b0:00", "SchemaVersion": 1,
        "Systems": [{"uri": format!("{h}/redfish/v1/Systems/Node0"),
            "uuid": "4c4c4544-0000-1000-8000-000000000001", "name": "Node0",
            "ethernet_interfaces": [{"uri": format!("{h}/redfish/v1/Systems/Node0/EthernetInterfaces/1"),
                "mac": "EC:E7:A7:05:A1:00", "ip": "172.16.0.11", "name": "1", "enabled": true}]}],
        "Managers": []
    });
    let res =
        s.c.post(s.smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
            .json(&payload)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    s.put(json!({"hosts": ["Default"], "kernel": "http://10.1.0.1/vmlinuz"}))
        .await;
    s.refresh().await;
    let a = s.script("mac=ec:e7:a7:05:a1:00").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.node, format!("{N0} (host Default)"));
    let res =
        s.c.get(s.bss.at("/boot/v1/hosts?mac=ec:e7:a7:05:a1:00"))
            .send()
            .await
            .unwrap();
    let hosts: Value = res.json().await.unwrap();
    assert_eq!(hosts[0]["ID"], N0);
    assert_eq!(hosts[0]["EndpointEnabled"], true);
}
