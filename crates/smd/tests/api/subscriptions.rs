//! /Subscriptions/SCN: CRUD and errors, and delivery of state change
//! notifications to HTTP receivers started by the tests.
//!
//! Absence is checked without timing: deliveries to one URL arrive oldest
//! first, so when a receiver's first (or next) message is a later "sentinel"
//! change, nothing else was queued for it before.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::{client, send};
use actix_web::{web, App, HttpResponse, HttpServer};
use ochami_testkit::{spawn_smd_with, TestServer};
use serde_json::{json, Value};
use tokio::sync::mpsc;

const N1: &str = "x1000c1s7b0n0";
const N2: &str = "x1000c1s7b0n1";
const N3: &str = "x1000c1s7b1n0";

/// smd retrying quickly, so failure tests do not wait for the default back-off.
async fn smd() -> TestServer {
    spawn_smd_with(|c| {
        c.scn_retry_base_ms = 20;
        c.scn_poll_ms = 20;
    })
    .await
}

async fn components(smd: &TestServer, ids: &[&str]) {
    let comps: Vec<Value> = ids
        .iter()
        .map(|id| json!({"ID": id, "State": "On"}))
        .collect();
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/State/Components"))
            .json(&json!({ "Components": comps })),
    )
    .await;
    assert_eq!(s, 204);
}

async fn subscribe(smd: &TestServer, body: Value) -> i64 {
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/Subscriptions/SCN"))
            .json(&body),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["ID"].as_i64().unwrap()
}

async fn set_state(smd: &TestServer, ids: &[&str], state: &str) {
    let (s, b) = send(
        client()
            .patch(smd.at("/hsm/v2/State/Components/BulkStateData"))
            .json(&json!({"ComponentIDs": ids, "State": state})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
}

/// An HTTP server recording every POST body; the first `fail` requests get a 503.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Value>,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    fn start(fail: usize) -> Receiver {
        let (tx, rx) = mpsc::unbounded_channel::<Value>();
        let requests = Arc::new(AtomicUsize::new(0));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/scn", listener.local_addr().unwrap());
        let counter = requests.clone();
        let server = HttpServer::new(move || {
            let tx = tx.clone();
            let counter = counter.clone();
            App::new().default_service(web::to(move |body: web::Bytes| {
                let tx = tx.clone();
                let counter = counter.clone();
                async move {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    if n < fail {
                        return HttpResponse::ServiceUnavailable().finish();
                    }
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let _ = tx.send(v);
                    HttpResponse::Ok().finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver { url, rx, requests }
    }

    /// The next SCN accepted (the timeout only guards against a hang).
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(30), self.rx.recv())
            .await
            .expect("an SCN arrives")
            .expect("receiver open")
    }
}

#[tokio::test]
async fn subscription_crud_and_errors() {
    let smd = smd().await;
    let c = client();
    let base = smd.at("/hsm/v2/Subscriptions/SCN");

    let (s, b) = send(c.get(&base)).await;
    // Go's nil slice: null, not [] (OpenCHAMI's schema allows only null here).
    assert_eq!((s, b), (200, json!({"SubscriptionList": null})));

    let (s, b) = send(c.post(&base).json(&json!({
        "Subscriber": "bss", "Url": "http://bss:27778/boot/v1/scn",
        "States": ["ready", "Off"], "Enabled": true, "Roles": ["compute"],
        "SoftwareStatus": ["AdminDown"]
    })))
    .await;
    assert_eq!(s, 200);
    let id = b["ID"].as_i64().unwrap();
    assert_eq!(
        b,
        json!({"ID": id, "Subscriber": "bss", "Url": "http://bss:27778/boot/v1/scn",
               "States": ["Ready", "Off"], "Enabled": true, "Roles": ["Compute"],
               "SoftwareStatus": ["AdminDown"]})
    );
    let one = format!("{base}/{id}");
    let (s, got) = send(c.get(&one)).await;
    assert_eq!((s, &got), (200, &b));
    let (s, list) = send(c.get(&base)).await;
    assert_eq!((s, list), (200, json!({"SubscriptionList": [b]})));

    // The same Subscriber and Url again: conflict.
    let (s, e) = send(c.post(&base).json(&json!({
        "Subscriber": "bss", "Url": "http://bss:27778/boot/v1/scn", "States": ["On"]
    })))
    .await;
    assert_eq!(s, 409);
    assert_eq!(e["status"], 409);

    // PATCH: add, remove, replace on the lists given; Enabled when given.
    let (s, _) = send(
        c.patch(&one)
            .json(&json!({"Op": "add", "States": ["standby", "Ready"], "SubRoles": ["Worker"]})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, got) = send(c.get(&one)).await;
    assert_eq!(got["States"], json!(["Ready", "Off", "Standby"]));
    assert_eq!(got["SubRoles"], json!(["Worker"]));
    let (s, _) = send(
        c.patch(&one)
            .json(&json!({"Op": "Remove", "States": ["off"], "Roles": ["Compute"]})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, got) = send(c.get(&one)).await;
    assert_eq!(got["States"], json!(["Ready", "Standby"]));
    assert!(
        got.get("Roles").is_none(),
        "an empty list is omitted: {got}"
    );
    let (s, _) = send(
        c.patch(&one)
            .json(&json!({"Op": "replace", "States": ["On"], "Enabled": false})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, got) = send(c.get(&one)).await;
    assert_eq!(got["States"], json!(["On"]));
    assert_eq!(got["Enabled"], false);
    assert_eq!(got["SoftwareStatus"], json!(["AdminDown"]), "untouched");

    // PUT replaces the whole subscription.
    let (s, _) = send(c.put(&one).json(&json!({
        "Subscriber": "bss", "Url": "http://bss:27778/boot/v1/scn", "Roles": ["Service"]
    })))
    .await;
    assert_eq!(s, 204);
    let (_, got) = send(c.get(&one)).await;
    assert_eq!(
        got,
        json!({"ID": id, "Subscriber": "bss", "Url": "http://bss:27778/boot/v1/scn",
               "Roles": ["Service"]})
    );

    // Bad input: 400 naming the field.
    for (body, field) in [
        (
            json!({"Url": "http://a/scn", "States": ["On"]}),
            "Subscriber",
        ),
        (json!({"Subscriber": "x", "States": ["On"]}), "Url"),
        (json!({"Subscriber": "x", "Url": "ftp://a/scn"}), "Url"),
        (json!({"Subscriber": "x", "Url": "not a url"}), "Url"),
        (
            json!({"Subscriber": "x", "Url": "http://a/", "States": ["On", "Sleepy"]}),
            "States",
        ),
        (
            json!({"Subscriber": "x", "Url": "http://a/", "Roles": ["Boss"]}),
            "Roles",
        ),
        (
            json!({"Subscriber": "x", "Url": "http://a/", "Enabled": "yes"}),
            "Enabled",
        ),
    ] {
        let (s, e) = send(c.post(&base).json(&body)).await;
        assert_eq!(s, 400, "{body}");
        assert!(e["detail"].as_str().unwrap().contains(field), "{body}: {e}");
    }
    let (s, e) = send(
        c.patch(&one)
            .json(&json!({"Op": "merge", "States": ["On"]})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(e["detail"].as_str().unwrap().contains("Op"), "{e}");
    let (s, _) = send(
        c.post(&base)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(s, 400);
    let (s, e) = send(c.get(format!("{base}/abc"))).await;
    assert_eq!(s, 400);
    assert!(e["detail"].as_str().unwrap().contains("id"), "{e}");

    // Unknown ID: 404 everywhere.
    let missing = format!("{base}/{}", id + 1000);
    assert_eq!(send(c.get(&missing)).await.0, 404);
    assert_eq!(
        send(
            c.put(&missing)
                .json(&json!({"Subscriber": "x", "Url": "http://a/"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        send(
            c.patch(&missing)
                .json(&json!({"Op": "add", "States": ["On"]}))
        )
        .await
        .0,
        404
    );
    assert_eq!(send(c.delete(&missing)).await.0, 404);

    // Delete one, then all.
    let (s, b) = send(c.delete(&one)).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (200, Some("Subscription deleted"))
    );
    assert_eq!(send(c.get(&one)).await.0, 404);
    subscribe(
        &smd,
        json!({"Subscriber": "a", "Url": "http://a/", "States": ["On"]}),
    )
    .await;
    subscribe(
        &smd,
        json!({"Subscriber": "b", "Url": "http://b/", "States": ["On"]}),
    )
    .await;
    let (s, b) = send(c.delete(&base)).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (200, Some("2 Subscriptions deleted"))
    );
    let (_, list) = send(c.get(&base)).await;
    assert_eq!(list, json!({"SubscriptionList": null}));
}

#[tokio::test]
async fn a_bulk_state_change_reaches_the_subscriber_as_one_scn() {
    // No effective poll: the database's NOTIFY is what wakes delivery.
    let smd = spawn_smd_with(|c| c.scn_poll_ms = 3_600_000).await;
    components(&smd, &[N1, N2, N3]).await;
    let mut rx = Receiver::start(0);
    subscribe(
        &smd,
        json!({"Subscriber": "t", "Url": rx.url, "States": ["Ready"]}),
    )
    .await;
    set_state(&smd, &[N2, N1], "Ready").await;
    assert_eq!(
        rx.next().await,
        json!({"Components": [N1, N2], "State": "Ready", "Flag": "OK"})
    );
    // A single-component PATCH too.
    let (s, _) = send(
        client()
            .patch(smd.at(&format!("/hsm/v2/State/Components/{N3}/StateData")))
            .json(&json!({"State": "Ready", "Flag": "Warning"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        rx.next().await,
        json!({"Components": [N3], "State": "Ready", "Flag": "Warning"})
    );
}

#[tokio::test]
async fn enabled_role_and_software_status_changes_notify_their_subscribers() {
    let smd = smd().await;
    components(&smd, &[N1, N2]).await;
    let mut enabled = Receiver::start(0);
    let mut roles = Receiver::start(0);
    let mut sw = Receiver::start(0);
    subscribe(
        &smd,
        json!({"Subscriber": "e", "Url": enabled.url, "Enabled": true}),
    )
    .await;
    subscribe(
        &smd,
        json!({"Subscriber": "r", "Url": roles.url, "Roles": ["Application"]}),
    )
    .await;
    subscribe(
        &smd,
        json!({"Subscriber": "s", "Url": sw.url, "SoftwareStatus": ["admindown"]}),
    )
    .await;
    let c = client();
    let (s, _) = send(
        c.patch(smd.at("/hsm/v2/State/Components/BulkEnabled"))
            .json(&json!({"ComponentIDs": [N1, N2], "Enabled": false})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        enabled.next().await,
        json!({"Components": [N1, N2], "Enabled": false})
    );
    let (s, _) = send(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N1}/Role")))
            .json(&json!({"Role": "Application", "SubRole": "Worker"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        roles.next().await,
        json!({"Components": [N1], "Role": "Application", "SubRole": "Worker"})
    );
    let (s, _) = send(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N2}/SoftwareStatus")))
            .json(&json!({"SoftwareStatus": "AdminDown"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        sw.next().await,
        json!({"Components": [N2], "SoftwareStatus": "AdminDown"})
    );
    // New components announce their state too (POST /State/Components).
    let mut on = Receiver::start(0);
    subscribe(
        &smd,
        json!({"Subscriber": "o", "Url": on.url, "States": ["On"]}),
    )
    .await;
    components(&smd, &[N3]).await;
    assert_eq!(
        on.next().await,
        json!({"Components": [N3], "State": "On", "Flag": "OK"})
    );
}

#[tokio::test]
async fn a_failing_receiver_gets_the_scn_exactly_once_after_retries() {
    let smd = smd().await;
    components(&smd, &[N1]).await;
    let mut rx = Receiver::start(2);
    subscribe(
        &smd,
        json!({"Subscriber": "t", "Url": rx.url, "States": ["Ready", "Off"]}),
    )
    .await;
    set_state(&smd, &[N1], "Ready").await;
    assert_eq!(
        rx.next().await,
        json!({"Components": [N1], "State": "Ready", "Flag": "OK"})
    );
    assert_eq!(
        rx.requests.load(Ordering::SeqCst),
        3,
        "two refusals, one success"
    );
    // Sentinel: the next message is the next change, not a second copy.
    set_state(&smd, &[N1], "Off").await;
    assert_eq!(rx.next().await["State"], "Off");
    assert_eq!(rx.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn non_matching_subscriptions_get_nothing() {
    let smd = smd().await;
    components(&smd, &[N1, N2]).await;
    let mut off = Receiver::start(0);
    let mut ready = Receiver::start(0);
    subscribe(
        &smd,
        json!({"Subscriber": "off", "Url": off.url, "States": ["Off"], "Roles": ["Service"]}),
    )
    .await;
    subscribe(
        &smd,
        json!({"Subscriber": "r", "Url": ready.url, "States": ["Ready"]}),
    )
    .await;
    set_state(&smd, &[N1], "Ready").await;
    let c = client();
    // A role change the "off" subscriber does not ask for, and an Enabled change.
    let (s, _) = send(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N2}/Role")))
            .json(&json!({"Role": "Storage"})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N2}/Enabled")))
            .json(&json!({"Enabled": false})),
    )
    .await;
    assert_eq!(s, 204);
    // A write that changes nothing notifies nobody.
    set_state(&smd, &[N1], "Ready").await;
    // Sentinel: N2 goes Off; that is the first and only thing "off" sees, and
    // "ready" saw only N1's change.
    set_state(&smd, &[N2], "Off").await;
    assert_eq!(
        off.next().await,
        json!({"Components": [N2], "State": "Off", "Flag": "OK"})
    );
    assert_eq!(
        ready.next().await,
        json!({"Components": [N1], "State": "Ready", "Flag": "OK"})
    );
    set_state(&smd, &[N2], "Ready").await;
    assert_eq!(ready.next().await["Components"], json!([N2]));
}

#[tokio::test]
async fn queued_scns_survive_an_smd_restart() {
    let first = smd().await;
    components(&first, &[N1]).await;
    let mut rx = Receiver::start(0);
    subscribe(
        &first,
        json!({"Subscriber": "t", "Url": rx.url, "States": ["Standby"]}),
    )
    .await;
    let db_url = first.db_url.clone();
    first.stop().await;
    drop(first);
    // The change is committed while no smd runs (as if smd died right after it).
    let (db, conn) = tokio_postgres::connect(&db_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    db.execute(
        "UPDATE components SET state = 'Standby' WHERE id = $1",
        &[&N1],
    )
    .await
    .unwrap();
    let _second = spawn_smd_with(|c| {
        c.db.database_url = Some(db_url.clone());
        c.scn_poll_ms = 20;
    })
    .await;
    assert_eq!(
        rx.next().await,
        json!({"Components": [N1], "State": "Standby", "Flag": "OK"})
    );
}

#[tokio::test]
async fn magellan_inventory_that_adds_nodes_notifies_once_for_all_of_them() {
    let smd = smd().await;
    let mut rx = Receiver::start(0);
    subscribe(
        &smd,
        json!({"Subscriber": "t", "Url": rx.url, "States": ["On"]}),
    )
    .await;
    let h = "https://172.16.0.104:443";
    let system = |n: u32| {
        json!({"uri": format!("{h}/redfish/v1/Systems/Node{n}"), "name": format!("Node{n}"),
               "uuid": format!("4c4c4544-0000-1000-8000-00000000000{n}"),
               "power": {"state": "On"}, "node_id": format!("{n}"),
               "ethernet_interfaces": [{"uri": format!("{h}/redfish/v1/Systems/Node{n}/EthernetInterfaces/1"),
                   "mac": format!("ec:e7:a7:05:a{n}:00"), "ip": "", "name": "1", "enabled": true}]})
    };
    let (s, b) = send(
        client()
            .post(smd.at("/hsm/v2/Inventory/RedfishEndpoints"))
            .json(
                &json!({"ID": "x1000c1s7b0", "FQDN": "172.16.0.104", "User": "admin",
                "SchemaVersion": 1, "Systems": [system(0), system(1)], "Managers": []}),
            ),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        rx.next().await,
        json!({"Components": ["x1000c1s7b0n0", "x1000c1s7b0n1"], "State": "On", "Flag": "OK"})
    );
}

#[tokio::test]
async fn two_smd_instances_on_one_database_deliver_each_scn_once_in_order() {
    let a = smd().await;
    let db_url = a.db_url.clone();
    let b = spawn_smd_with(|c| {
        c.db.database_url = Some(db_url.clone());
        c.scn_retry_base_ms = 20;
        c.scn_poll_ms = 20;
    })
    .await;
    components(&a, &[N1]).await;
    // Refuses a few times, so both instances get a chance at the same rows.
    let mut rx = Receiver::start(3);
    subscribe(
        &b,
        json!({"Subscriber": "t", "Url": rx.url, "States": ["Ready", "Off"]}),
    )
    .await;
    let states = ["Ready", "Off"];
    for i in 0..10 {
        let smd = if i % 2 == 0 { &a } else { &b };
        set_state(smd, &[N1], states[i % 2]).await;
    }
    for i in 0..10 {
        assert_eq!(rx.next().await["State"], states[i % 2], "message {i}");
    }
    // Sentinel: nothing was sent twice.
    let (s, _) = send(
        client()
            .patch(a.at(&format!("/hsm/v2/State/Components/{N1}/StateData")))
            .json(&json!({"State": "Ready", "Flag": "Alert"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(rx.next().await["Flag"], "Alert");
    assert_eq!(rx.requests.load(Ordering::SeqCst), 3 + 11);
}

#[tokio::test]
async fn a_put_to_a_new_url_redirects_what_is_still_queued() {
    let smd = smd().await;
    components(&smd, &[N1]).await;
    // Nothing listens on port 1: deliveries fail and stay queued.
    let dead = json!({"Subscriber": "t", "Url": "http://127.0.0.1:1/scn", "States": ["Ready"]});
    let id = subscribe(&smd, dead).await;
    set_state(&smd, &[N1], "Ready").await;
    let mut rx = Receiver::start(0);
    let (s, _) = send(
        client()
            .put(smd.at(&format!("/hsm/v2/Subscriptions/SCN/{id}")))
            .json(&json!({"Subscriber": "t", "Url": rx.url, "States": ["Ready"]})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        rx.next().await,
        json!({"Components": [N1], "State": "Ready", "Flag": "OK"})
    );
}
