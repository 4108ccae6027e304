//! `smd_api::client::SmdClient` against a real smd: every call the other
//! crates make, with the types they read, and the errors they report.

use std::time::Duration;

use ochami_testkit::spawn_smd;
use ochami_types::{Role, State, SubRole};
use smd_api::client::{Error, SmdClient, Written};
use smd_api::redfish_endpoint::{EthernetIn, RedfishEndpointIn, SystemIn};
use smd_api::subscription::SubscriptionIn;

fn bmc() -> RedfishEndpointIn {
    RedfishEndpointIn {
        id: "x3000c0s1b0".into(),
        fqdn: "10.0.0.1".into(),
        user: "root".into(),
        schema_version: Some(1),
        systems: vec![SystemIn {
            uri: "https://10.0.0.1/redfish/v1/Systems/1".into(),
            actions: vec!["On".into(), "ForceOff".into()],
            ethernet_interfaces: vec![EthernetIn {
                uri: "https://10.0.0.1/redfish/v1/Systems/1/EthernetInterfaces/1".into(),
                mac: "aa:bb:cc:00:00:01".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn the_typed_client_does_what_its_users_rely_on() {
    let smd = spawn_smd().await;
    let c = SmdClient::new(reqwest::Client::new(), &smd.url);

    // magellan's write: created, then refused, then updated with or_update.
    assert_eq!(
        c.put_redfish_endpoint(&bmc(), false).await,
        Ok(Written::Created)
    );
    let refused = c.put_redfish_endpoint(&bmc(), false).await.unwrap_err();
    assert_eq!(refused.status(), Some(409), "{refused}");
    assert!(refused.to_string().contains("POST "), "{refused}");
    assert_eq!(
        c.put_redfish_endpoint(&bmc(), true).await,
        Ok(Written::Updated)
    );

    // What magellan power and bss read back, typed.
    let eps = c.redfish_endpoints().await.unwrap();
    assert_eq!(eps.len(), 1);
    assert_eq!(
        (eps[0].id.as_str(), eps[0].fqdn.as_str()),
        ("x3000c0s1b0", "10.0.0.1")
    );
    let nodes = c.components("type=Node").await.unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(
        nodes[0].id, "x3000c0s1b0n0",
        "the name smd_api::naming gives"
    );
    let ceps = c
        .component_endpoints("redfish_type=ComputerSystem")
        .await
        .unwrap();
    assert_eq!(ceps[0].reset_types(), ["On", "ForceOff"]);
    let ifaces = c.ethernet_interfaces().await.unwrap();
    assert_eq!(ifaces[0].mac_address, "aa:bb:cc:00:00:01");
    assert_eq!(ifaces[0].component_id, "x3000c0s1b0n0");

    // dhcpd-shim's writes: a new interface, an address on it, repeats.
    c.create_ethernet_interface("aa:bb:cc:00:00:09", "pool lease", "10.1.0.9")
        .await
        .unwrap();
    let again = c
        .create_ethernet_interface("aa:bb:cc:00:00:09", "pool lease", "10.1.0.9")
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(409));
    c.add_ip_address("aabbcc000009", "10.1.0.10").await.unwrap();
    let ifaces = c.ethernet_interfaces().await.unwrap();
    let new = ifaces.iter().find(|i| i.id == "aabbcc000009").unwrap();
    assert_eq!(new.ip_addresses.len(), 2);

    // magellan power's State write.
    c.set_state(&["x3000c0s1b0n0".into()], "On").await.unwrap();
    assert_eq!(
        c.components("id=x3000c0s1b0n0").await.unwrap()[0].state,
        "On"
    );

    // bss's subscription: created, then replaced in place.
    let sub = SubscriptionIn {
        subscriber: "bss".into(),
        url: "http://127.0.0.1:9/boot/v1/scn".into(),
        enabled: Some(true),
        states: vec![State::On],
        roles: vec![Role::Compute],
        sub_roles: vec![SubRole::Worker],
        software_status: Vec::new(),
    };
    c.put_scn_subscription(None, &sub).await.unwrap();
    let subs = c.scn_subscriptions().await.unwrap();
    assert_eq!(subs.len(), 1);
    let wider = SubscriptionIn {
        states: vec![State::On, State::Off],
        ..sub
    };
    c.put_scn_subscription(Some(subs[0].id), &wider)
        .await
        .unwrap();
    let subs = c.scn_subscriptions().await.unwrap();
    assert_eq!((subs.len(), subs[0].states.len()), (1, 2));

    // Errors carry SMD's problem detail.
    let e = c.group_members("nosuch").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(
        e.to_string().ends_with("HTTP 404: No such group: nosuch"),
        "{e}"
    );
    assert!(c.reachable(Duration::from_secs(3)).await);
}

#[tokio::test]
async fn an_smd_that_is_not_there_is_unreachable_not_a_panic() {
    let c = SmdClient::new(reqwest::Client::new(), "http://127.0.0.1:1");
    let e = c.components("").await.unwrap_err();
    assert!(matches!(e, Error::Unreachable { .. }), "{e:?}");
    assert!(e
        .to_string()
        .starts_with("GET http://127.0.0.1:1/hsm/v2/State/Components"));
    assert!(!c.reachable(Duration::from_secs(1)).await);
}
