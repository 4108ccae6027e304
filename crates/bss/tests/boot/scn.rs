//! SMD's state change notifications: bss subscribes itself (`scn_url`) and
//! applies each SCN to its SMD view at once. The background refresh is set
//! to an hour here, so only an SCN can change what bss shows.

use std::time::Duration;

use ochami_testkit::{spawn_bss_at, spawn_smd, spawn_smd_with, TestServer};
use serde_json::{json, Value};

const N0: &str = "x1000c1s7b0n0";
const N1: &str = "x1000c1s7b0n1";
const MAC: &str = "de:ad:be:ef:00:01";

async fn get(c: &reqwest::Client, url: String) -> (u16, Value) {
    let res = c.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Ask `probe` until it says yes; the deadline only guards against a hang.
async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if probe().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

async fn stack() -> (TestServer, TestServer) {
    let smd = spawn_smd_with(|c| c.scn_poll_ms = 20).await;
    let bss = spawn_bss_at(&smd.url, |c, me| {
        c.scn_url = Some(format!("{me}/boot/v1/scn").parse().unwrap());
        c.cache_refresh = 3600;
    })
    .await;
    (smd, bss)
}

async fn ok(res: reqwest::Response) {
    let status = res.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn bss_subscribes_itself_and_sees_smd_changes_at_once() {
    let (smd, bss) = stack().await;
    let c = reqwest::Client::new();
    let callback = bss.at("/boot/v1/scn");
    let subs = smd.at("/hsm/v2/Subscriptions/SCN");
    eventually("bss subscribed", || async {
        let (_, l) = get(&c, subs.clone()).await;
        l["SubscriptionList"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["Url"] == callback.as_str()))
    })
    .await;
    let (_, l) = get(&c, subs.clone()).await;
    let sub = &l["SubscriptionList"][0];
    assert_eq!(sub["Subscriber"], "bss");
    assert_eq!(sub["Enabled"], true);
    assert!(sub["States"].as_array().unwrap().contains(&json!("Ready")));

    // Subscribing again (as a restarted bss does) keeps one subscription.
    let client = bss::smd::SmdClient::new(&smd.url.parse().unwrap(), c.clone());
    client
        .subscribe_scn(&callback.parse().unwrap())
        .await
        .unwrap();
    let (_, again) = get(&c, subs.clone()).await;
    assert_eq!(again, l);

    // A new node: its MAC first, then the component, whose SCN makes bss
    // fetch it (GET /hosts never asks SMD itself).
    ok(c.post(smd.at("/hsm/v2/Inventory/EthernetInterfaces"))
        .json(&json!({"MACAddress": MAC, "ComponentID": N0,
            "IPAddresses": [{"IPAddress": "10.1.0.10"}]}))
        .send()
        .await
        .unwrap())
    .await;
    let by_mac = bss.at(&format!("/boot/v1/hosts?mac={MAC}"));
    assert_eq!(get(&c, by_mac.clone()).await.0, 404, "not known yet");
    ok(c.post(smd.at("/hsm/v2/State/Components"))
        .json(&json!({"Components": [{"ID": N0, "State": "On", "NID": 1, "Role": "Compute"}]}))
        .send()
        .await
        .unwrap())
    .await;
    eventually("bss knows the new node by its MAC", || async {
        get(&c, by_mac.clone()).await.0 == 200
    })
    .await;
    ok(c.put(bss.at("/boot/v1/bootparameters"))
        .json(&json!({"macs": [MAC], "kernel": "http://10.1.0.1/vmlinuz",
            "initrd": "http://10.1.0.1/initrd.img", "params": "console=ttyS0"}))
        .send()
        .await
        .unwrap())
    .await;
    let res = c
        .get(bss.at(&format!("/boot/v1/bootscript?mac={MAC}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("http://10.1.0.1/vmlinuz"));

    // Disabled and moved to another role in SMD: bss's view follows.
    ok(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N0}/Enabled")))
            .json(&json!({"Enabled": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    ok(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N0}/Role")))
            .json(&json!({"Role": "Service", "SubRole": "Worker"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let by_name = bss.at(&format!("/boot/v1/hosts?name={N0}"));
    eventually("bss sees the node disabled, as a Service node", || async {
        let (_, h) = get(&c, by_name.clone()).await;
        h[0]["Enabled"] == false && h[0]["Role"] == "Service" && h[0]["SubRole"] == "Worker"
    })
    .await;
}

#[tokio::test]
async fn an_scn_is_applied_before_bss_answers() {
    // Not subscribed and never refreshing on its own: only the POSTed SCN
    // (and the refresh it wakes) can change this bss's view. SMD is changed
    // first so that refresh agrees with the SCN instead of racing it.
    let smd = spawn_smd().await;
    let bss = spawn_bss_at(&smd.url, |c, _| c.cache_refresh = 3600).await;
    let c = reqwest::Client::new();
    ok(c.post(smd.at("/hsm/v2/State/Components"))
        .json(&json!({"Components": [{"ID": N1, "State": "On", "NID": 2}]}))
        .send()
        .await
        .unwrap())
    .await;
    ok(c.post(bss.at("/boot/v1/hosts")).send().await.unwrap()).await;
    let by_name = bss.at(&format!("/boot/v1/hosts?name={N1}"));
    let (_, h) = get(&c, by_name.clone()).await;
    assert_eq!(h[0]["State"], "On");

    // What SMD would send; the view has changed when the POST returns.
    ok(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N1}/StateData")))
            .json(&json!({"State": "Standby", "Flag": "Warning"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let res = c
        .post(bss.at("/boot/v1/scn"))
        .json(&json!({"Components": [N1, "x9c0s0b0"], "State": "Standby", "Flag": "Warning"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, h) = get(&c, by_name.clone()).await;
    assert_eq!(
        (&h[0]["State"], &h[0]["Flag"]),
        (&json!("Standby"), &json!("Warning"))
    );
    ok(
        c.patch(smd.at(&format!("/hsm/v2/State/Components/{N1}/Enabled")))
            .json(&json!({"Enabled": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let res = c
        .post(bss.at("/boot/v1/scn"))
        .json(&json!({"Components": [N1], "Enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(get(&c, by_name.clone()).await.1[0]["Enabled"], false);

    // Not an SCN: 400 problem JSON naming the field.
    let res = c
        .post(bss.at("/boot/v1/scn"))
        .json(&json!({"Components": "x1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let e: Value = res.json().await.unwrap();
    assert!(e["detail"].as_str().unwrap().contains("Components"), "{e}");
    assert_eq!(
        c.get(bss.at("/boot/v1/scn")).send().await.unwrap().status(),
        405
    );
}

/// With auth on in smd, bss sends `BSS_ACCESS_TOKEN` on its calls, so its
/// subscription (not a public route in smd) is made.
#[tokio::test]
async fn bss_sends_its_access_token_to_an_smd_with_auth_on() {
    use ochami_service::auth_testing::{now, JwksServer, SigningKey};
    let key = SigningKey::generate("k");
    let jwks = JwksServer::start(vec![key.jwk.clone()]);
    let jwks_url = jwks.url.clone();
    let smd = spawn_smd_with(move |c| {
        c.scn_poll_ms = 20;
        c.auth.jwks_url = Some(jwks_url);
    })
    .await;
    let token = key.token("k", &json!({"sub": "bss", "exp": now() + 600}));
    let bss_token = token.clone();
    let bss = spawn_bss_at(&smd.url, move |c, me| {
        c.scn_url = Some(format!("{me}/boot/v1/scn").parse().unwrap());
        c.cache_refresh = 3600;
        c.access_token = Some(bss_token);
    })
    .await;
    let c = reqwest::Client::new();
    let callback = bss.at("/boot/v1/scn");
    let subs = smd.at("/hsm/v2/Subscriptions/SCN");
    assert_eq!(c.get(subs.clone()).send().await.unwrap().status(), 401);
    eventually("bss subscribed with its token", || async {
        let l: Value = c
            .get(subs.clone())
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        l["SubscriptionList"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["Url"] == callback.as_str()))
    })
    .await;
}
