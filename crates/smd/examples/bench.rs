//! `cargo xtask bench smd` (or `cargo run --release -p smd --example bench`):
//! smd against a throwaway PostgreSQL, driven over HTTP. Prints figures; no
//! assertions.
//!
//! 1. bulk POST /State/Components, 10 000 components per request (×10);
//! 2. GET /State/Components with 100 000 rows (whole list, and `type=` filtered);
//! 3. GET /Inventory/EthernetInterfaces?MACAddress=.. with 100 000 interfaces.

use std::time::{Duration, Instant};

use ochami_testkit::spawn_smd_with;
use serde_json::json;

const BATCH: usize = 10_000;
const BATCHES: usize = 10;
const MAC_LOOKUPS: usize = 5_000;
const CONCURRENCY: usize = 16;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn node(i: usize) -> String {
    // 100 000 distinct node xnames: x<cab>c<ch>s<slot>b0n<node>.
    format!(
        "x{}c{}s{}b0n{}",
        1000 + i / 2048,
        (i / 256) % 8,
        (i / 4) % 64,
        i % 4
    )
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let smd = spawn_smd_with(|c| {
        c.workers = 2;
        c.db_pool_size = CONCURRENCY;
    })
    .await;
    let http = reqwest::Client::new();
    println!("smd benchmark (release build, local PostgreSQL, 127.0.0.1)");

    // 1. Bulk POST.
    let mut posts = Vec::new();
    for b in 0..BATCHES {
        let comps: Vec<_> = (b * BATCH..(b + 1) * BATCH)
            .map(|i| json!({"ID": node(i), "State": "On", "NID": i + 1, "Arch": "X86"}))
            .collect();
        let body = serde_json::to_vec(&json!({ "Components": comps })).expect("json");
        let t = Instant::now();
        let res = http
            .post(smd.at("/hsm/v2/State/Components"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let d = t.elapsed();
        if res.status() != 204 {
            println!(
                "bulk POST failed: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
            return;
        }
        posts.push(d);
    }
    posts.sort();
    println!(
        "bulk POST {BATCH} components: median {}, min {}, max {} ({} batches, table growing to {})",
        ms(pct(&posts, 0.5)),
        ms(posts[0]),
        ms(posts[posts.len() - 1]),
        BATCHES,
        BATCH * BATCHES
    );

    // 2. GET all at 100 000.
    for (label, path) in [
        (
            "GET /State/Components (100 000 rows)",
            "/hsm/v2/State/Components",
        ),
        (
            "GET /State/Components?type=Node (100 000 rows)",
            "/hsm/v2/State/Components?type=Node",
        ),
        (
            "GET /State/Components?nid_start=500&nid_end=600",
            "/hsm/v2/State/Components?nid_start=500&nid_end=600",
        ),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let res = http.get(smd.at(path)).send().await.expect("GET");
            let body = res.bytes().await.expect("body");
            times.push(t.elapsed());
            size = body.len();
        }
        times.sort();
        println!(
            "{label}: median {}, min {}, body {:.1} MB",
            ms(pct(&times, 0.5)),
            ms(times[0]),
            size as f64 / 1e6
        );
    }

    // 3. 100 000 Ethernet interfaces, then lookups by MAC.
    {
        let (client, conn) = tokio_postgres::connect(&smd.db_url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        let ids: Vec<String> = (0..BATCH * BATCHES).map(node).collect();
        let t = Instant::now();
        client
            .execute(
                "INSERT INTO ethernet_interfaces (id, mac_addr, component_id, type, ip_addresses) \
                 SELECT lpad(to_hex(i), 12, '0'), \
                        regexp_replace(lpad(to_hex(i), 12, '0'), '(..)(?!$)', '\\1:', 'g'), \
                        cid, 'Node', \
                        jsonb_build_array(jsonb_build_object('IPAddress', '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256))) \
                 FROM (SELECT cid, n - 1 AS i FROM unnest($1::text[]) WITH ORDINALITY AS t(cid, n)) s",
                &[&ids],
            )
            .await
            .expect("fill ethernet_interfaces");
        client.execute("ANALYZE", &[]).await.expect("analyze");
        println!(
            "(filled 100 000 Ethernet interfaces by SQL in {})",
            ms(t.elapsed())
        );
    }
    let t = Instant::now();
    let per_task = MAC_LOOKUPS / CONCURRENCY;
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let http = http.clone();
        let base = smd.at("/hsm/v2/Inventory/EthernetInterfaces?MACAddress=");
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            for k in 0..per_task {
                let i = (w * 7919 + k * 104_729) % (BATCH * BATCHES);
                let hex = format!("{i:012x}");
                let mac: Vec<&str> = (0..6).map(|j| &hex[2 * j..2 * j + 2]).collect();
                let t = Instant::now();
                let res = http
                    .get(format!("{base}{}", mac.join(":")))
                    .send()
                    .await
                    .expect("GET");
                let body = res.bytes().await.expect("body");
                lat.push(t.elapsed());
                if body.len() <= 3 {
                    eprintln!("MAC {i} not found");
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let total = t.elapsed();
    lat.sort();
    println!(
        "GET /Inventory/EthernetInterfaces?MACAddress=.. (100 000 rows): {} lookups, {} concurrent: {:.0} req/s, p50 {}, p99 {}",
        lat.len(),
        CONCURRENCY,
        lat.len() as f64 / total.as_secs_f64(),
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99))
    );
    let mut all = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let body = http
            .get(smd.at("/hsm/v2/Inventory/EthernetInterfaces"))
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body");
        all.push((t.elapsed(), body.len()));
    }
    all.sort();
    println!(
        "GET /Inventory/EthernetInterfaces (100 000 rows): median {}, body {:.1} MB",
        ms(all[1].0),
        all[1].1 as f64 / 1e6
    );
}
