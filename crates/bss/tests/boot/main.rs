//! bss's integration tests, one binary: the boot API over HTTP against real
//! PostgreSQL and a real smd (both in-process through ochami-testkit), SMD
//! seeded over HTTP; the service shell; auth and metrics.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod auth_metrics;
mod bootparameters;
mod bootscript;
mod cloud_init;
mod foundation;
mod ipxe;
mod s3;
mod schemathesis;
mod scn;

use ochami_testkit::{spawn_bss, spawn_smd, TestServer};
use serde_json::{json, Value};

/// smd + bss wired together, and a client.
pub struct Stack {
    pub smd: TestServer,
    pub bss: TestServer,
    pub c: reqwest::Client,
}

/// A bootscript answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub node: String,
    pub body: String,
}

impl Stack {
    pub async fn new() -> Stack {
        let smd = spawn_smd().await;
        let bss = spawn_bss(&smd.url).await;
        Stack {
            smd,
            bss,
            c: reqwest::Client::new(),
        }
    }

    /// Add a node to SMD: a component, and an Ethernet interface when `mac` is given.
    pub async fn node(&self, xname: &str, nid: i64, role: &str, mac: Option<&str>, ip: &str) {
        let res = self
            .c
            .post(self.smd.at("/hsm/v2/State/Components"))
            .json(&json!({"Components":[{"ID": xname, "State": "On", "NID": nid, "Role": role}]}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        if let Some(mac) = mac {
            let res = self
                .c
                .post(self.smd.at("/hsm/v2/Inventory/EthernetInterfaces"))
                .json(&json!({"MACAddress": mac, "ComponentID": xname,
                    "IPAddresses": [{"IPAddress": ip}]}))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        }
    }

    /// `POST /boot/v1/hosts`: bss re-reads SMD now.
    pub async fn refresh(&self) {
        let res = self
            .c
            .post(self.bss.at("/boot/v1/hosts"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }

    pub async fn send(&self, method: reqwest::Method, body: Value) -> (u16, String) {
        let res = self
            .c
            .request(method, self.bss.at("/boot/v1/bootparameters"))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    pub async fn put(&self, body: Value) {
        let (status, text) = self.send(reqwest::Method::PUT, body).await;
        assert_eq!(status, 200, "{text}");
    }

    pub async fn script(&self, query: &str) -> Answer {
        let res = self
            .c
            .get(self.bss.at(&format!("/boot/v1/bootscript?{query}")))
            .send()
            .await
            .unwrap();
        let header = |n: &str| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, node) = (header("content-type"), header("x-ochami-node"));
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        if status == 200 && content_type.starts_with("text/plain") {
            ipxe::check(&body);
        }
        Answer {
            status,
            content_type,
            node,
            body,
        }
    }
}
