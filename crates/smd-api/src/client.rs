//! The one typed SMD client (feature `client`): every crate that calls SMD
//! (bss, dhcpd-shim, magellan, the tests) goes through it, with these types.
//!
//! The caller brings the `reqwest::Client` (timeouts, TLS, proxy policy are
//! its business: `ochami_service::client::service_client` for services);
//! this adds the bearer token, the paths, the bodies and the errors. Reads
//! are retried once on a connection failure (they are safe to repeat);
//! writes never are.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::component::{Component, ComponentArray};
use crate::component_endpoint::{ComponentEndpoint, ComponentEndpointArray};
use crate::ethernet_interface::EthernetInterface;
use crate::group::Members;
use crate::redfish_endpoint::{RedfishEndpoint, RedfishEndpointArray, RedfishEndpointIn};
use crate::subscription::{Subscription, SubscriptionIn, SubscriptionList};

/// What went wrong talking to SMD; `Display` is a whole sentence for a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No HTTP answer (refused, timed out, reset).
    Unreachable { what: String, error: String },
    /// An HTTP answer that is not a success; `detail` is the RFC 7807
    /// `detail` when the body is one, else the body.
    Status {
        what: String,
        status: u16,
        detail: String,
    },
    /// A success whose body is not what the contract says.
    Decode { what: String, error: String },
}

impl Error {
    /// The HTTP status SMD answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Unreachable { what, error } => write!(f, "{what}: {error}"),
            Error::Status {
                what,
                status,
                detail,
            } if detail.is_empty() => write!(f, "{what}: HTTP {status}"),
            Error::Status {
                what,
                status,
                detail,
            } => write!(f, "{what}: HTTP {status}: {detail}"),
            Error::Decode { what, error } => write!(f, "{what}: unexpected answer: {error}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result of a create-or-update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
}

/// SMD at a base URL (`http://smd:27779`, without `/hsm/v2`).
#[derive(Debug, Clone)]
pub struct SmdClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// Pause before the one retry of a read.
const RETRY_AFTER: Duration = Duration::from_millis(200);

impl SmdClient {
    pub fn new(http: reqwest::Client, base: &str) -> SmdClient {
        SmdClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    /// Send `token` as `Authorization: Bearer …` (SMD with auth on).
    pub fn with_token(mut self, token: Option<String>) -> SmdClient {
        self.token = token.filter(|t| !t.trim().is_empty());
        self
    }

    /// The base URL, for messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/hsm/v2{path}", self.base)
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<reqwest::Response, Error> {
        let url = self.url(path);
        let what = format!("{method} {url}");
        let idempotent = method == Method::GET;
        let mut attempt = 0;
        loop {
            let mut req = self.http.request(method.clone(), &url);
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            match req.send().await {
                Ok(r) if r.status().is_success() => return Ok(r),
                Ok(r) => {
                    let status = r.status().as_u16();
                    let detail = problem_detail(&r.text().await.unwrap_or_default());
                    return Err(Error::Status {
                        what,
                        status,
                        detail,
                    });
                }
                Err(e) if idempotent && attempt == 0 && (e.is_connect() || e.is_request()) => {
                    attempt += 1;
                    tokio::time::sleep(RETRY_AFTER).await;
                }
                Err(e) => {
                    return Err(Error::Unreachable {
                        what,
                        error: e.to_string(),
                    })
                }
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let r = self.send::<()>(Method::GET, path, None).await?;
        let what = format!("GET {}", self.url(path));
        let bytes = r.bytes().await.map_err(|e| Error::Unreachable {
            what: what.clone(),
            error: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            what,
            error: e.to_string(),
        })
    }

    /// A read where 404 means "none" (a route an older SMD lacks).
    async fn get_or_none<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Error> {
        match self.get(path).await {
            Err(e) if e.status() == Some(StatusCode::NOT_FOUND.as_u16()) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn write<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<(), Error> {
        self.send(method, path, Some(body)).await.map(drop)
    }

    /// `GET /State/Components` with `query` (e.g. `type=Node`).
    pub async fn components(&self, query: &str) -> Result<Vec<Component>, Error> {
        let a: Option<ComponentArray> = self
            .get_or_none(&with_query("/State/Components", query))
            .await?;
        Ok(a.map(|a| a.components).unwrap_or_default())
    }

    /// `GET /Inventory/ComponentEndpoints` with `query`.
    pub async fn component_endpoints(&self, query: &str) -> Result<Vec<ComponentEndpoint>, Error> {
        let a: Option<ComponentEndpointArray> = self
            .get_or_none(&with_query("/Inventory/ComponentEndpoints", query))
            .await?;
        Ok(a.map(|a| a.component_endpoints).unwrap_or_default())
    }

    /// `GET /Inventory/EthernetInterfaces`.
    pub async fn ethernet_interfaces(&self) -> Result<Vec<EthernetInterface>, Error> {
        Ok(self
            .get_or_none("/Inventory/EthernetInterfaces")
            .await?
            .unwrap_or_default())
    }

    /// `POST /Inventory/EthernetInterfaces`: an interface with no component
    /// (`description`, one address).
    pub async fn create_ethernet_interface(
        &self,
        mac: &str,
        description: &str,
        ip: &str,
    ) -> Result<(), Error> {
        let body = serde_json::json!({
            "MACAddress": mac,
            "Description": description,
            "IPAddresses": [{ "IPAddress": ip }],
        });
        self.write(Method::POST, "/Inventory/EthernetInterfaces", &body)
            .await
    }

    /// `POST /Inventory/EthernetInterfaces/{id}/IPAddresses`.
    pub async fn add_ip_address(&self, interface_id: &str, ip: &str) -> Result<(), Error> {
        let path = format!(
            "/Inventory/EthernetInterfaces/{}/IPAddresses",
            segment(interface_id)
        );
        self.write(Method::POST, &path, &serde_json::json!({ "IPAddress": ip }))
            .await
    }

    /// `GET /Inventory/RedfishEndpoints`.
    pub async fn redfish_endpoints(&self) -> Result<Vec<RedfishEndpoint>, Error> {
        let a: RedfishEndpointArray = self.get("/Inventory/RedfishEndpoints").await?;
        Ok(a.redfish_endpoints)
    }

    /// POST a BMC (magellan's SchemaVersion-1 payload); when SMD refuses it
    /// and `or_update`, PUT it at `/{ID}` instead (OpenCHAMI magellan's
    /// `--force-update`). The error names both answers.
    pub async fn put_redfish_endpoint(
        &self,
        ep: &RedfishEndpointIn,
        or_update: bool,
    ) -> Result<Written, Error> {
        let post = self
            .write(Method::POST, "/Inventory/RedfishEndpoints", ep)
            .await;
        match post {
            Ok(()) => Ok(Written::Created),
            Err(e @ Error::Unreachable { .. }) => Err(e),
            Err(e) if !or_update => Err(e),
            Err(post_err) => {
                let path = format!("/Inventory/RedfishEndpoints/{}", segment(&ep.id));
                match self.write(Method::PUT, &path, ep).await {
                    Ok(()) => Ok(Written::Updated),
                    Err(Error::Status {
                        what,
                        status,
                        detail,
                    }) => Err(Error::Status {
                        what: format!("{post_err}; {what}"),
                        status,
                        detail,
                    }),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Members of group `label`.
    pub async fn group_members(&self, label: &str) -> Result<Vec<String>, Error> {
        let m: Members = self
            .get(&format!("/groups/{}/members", segment(label)))
            .await?;
        Ok(m.ids)
    }

    /// Members of partition `name`.
    pub async fn partition_members(&self, name: &str) -> Result<Vec<String>, Error> {
        let m: Members = self
            .get(&format!("/partitions/{}/members", segment(name)))
            .await?;
        Ok(m.ids)
    }

    /// `PATCH /State/Components/BulkStateData`: set `state` (Flag OK) of `ids`.
    pub async fn set_state(&self, ids: &[String], state: &str) -> Result<(), Error> {
        let body = serde_json::json!({ "ComponentIDs": ids, "State": state });
        self.write(Method::PATCH, "/State/Components/BulkStateData", &body)
            .await
    }

    /// `GET /Subscriptions/SCN`.
    pub async fn scn_subscriptions(&self) -> Result<Vec<Subscription>, Error> {
        let l: Option<SubscriptionList> = self.get_or_none("/Subscriptions/SCN").await?;
        Ok(l.map(|l| l.subscription_list).unwrap_or_default())
    }

    /// Create (`id` None) or replace subscription `id`.
    pub async fn put_scn_subscription(
        &self,
        id: Option<i64>,
        sub: &SubscriptionIn,
    ) -> Result<(), Error> {
        match id {
            Some(id) => {
                self.write(Method::PUT, &format!("/Subscriptions/SCN/{id}"), sub)
                    .await
            }
            None => self.write(Method::POST, "/Subscriptions/SCN", sub).await,
        }
    }

    /// Whether SMD answers HTTP at all within `timeout` (any status counts,
    /// as OpenCHAMI bss's `/service/hsm` check).
    pub async fn reachable(&self, timeout: Duration) -> bool {
        self.http
            .get(self.url("/service/values/class"))
            .timeout(timeout)
            .send()
            .await
            .is_ok()
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// The `detail` of an RFC 7807 body, else the body itself.
pub fn problem_detail(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

/// A name as one URL path segment.
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
