//! bss, live on real PostgreSQL beside a live smd, fuzzed by schemathesis
//! against `openapi/bss.json` (every phase, the stateful one included; see
//! `ochami_testkit::schemathesis`): no 5xx, only documented status codes and
//! content types, bodies matching their schemas, invalid input rejected, and
//! no operation left untested for lack of data.

use std::path::Path;

use ochami_testkit::{schemathesis, spawn_bss, spawn_smd};
use serde_json::json;

/// The node the document's examples name (`x1000c1s7b0n0`, NID 1, MAC
/// 52:54:00:00:00:00), known to smd at this test's own address so that
/// cloud-init's phone-home finds it by source IP, with boot parameters.
async fn seed(smd: &str, bss: &str) {
    let c = reqwest::Client::new();
    for (url, body) in [
        (
            format!("{smd}/hsm/v2/State/Components"),
            json!({"Components": [{"ID": "x1000c1s7b0n0", "State": "On", "NID": 1,
                                   "Role": "Compute"}]}),
        ),
        (
            format!("{smd}/hsm/v2/Inventory/EthernetInterfaces"),
            json!({"MACAddress": "52:54:00:00:00:00", "ComponentID": "x1000c1s7b0n0",
                   "IPAddresses": [{"IPAddress": "127.0.0.1"}]}),
        ),
        (
            format!("{bss}/boot/v1/bootparameters"),
            json!({"hosts": ["x1000c1s7b0n0"], "kernel": "http://10.1.0.1/vmlinuz",
                   "initrd": "http://10.1.0.1/initrd.img", "params": "console=ttyS0,115200"}),
        ),
        (format!("{bss}/boot/v1/hosts"), json!(null)),
    ] {
        let mut req = c.post(&url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "seed {url}: {}", r.status());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bss_answers_as_its_openapi_document_says() {
    if !ochami_testkit::need::tool("schemathesis") {
        return;
    }
    let smd = spawn_smd().await;
    let bss = spawn_bss(&smd.url).await;
    seed(&smd.url, &bss.url).await;
    let report = schemathesis::run(
        "bss.json",
        &bss.url,
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        &[],
    )
    .await;
    println!("{report}");
}
