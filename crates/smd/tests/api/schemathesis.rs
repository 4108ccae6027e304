//! smd, live on real PostgreSQL, fuzzed by schemathesis against
//! `openapi/smd.json` (every phase, the stateful one included; see
//! `ochami_testkit::schemathesis`): no 5xx, only documented status codes and
//! content types, bodies matching their schemas, invalid input rejected, and
//! no operation left untested for lack of data. bss has its own in
//! crates/bss/tests/schemathesis.rs.

use std::path::Path;

use ochami_testkit::{schemathesis, spawn_smd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smd_answers_as_its_openapi_document_says() {
    let smd = spawn_smd().await;
    if let Some(report) =
        schemathesis::run("smd.json", &smd.url, Path::new(env!("CARGO_TARGET_TMPDIR"))).await
    {
        println!("{report}");
    }
}
