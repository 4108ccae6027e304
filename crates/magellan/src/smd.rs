//! SMD client: push collected BMCs to `/hsm/v2/Inventory/RedfishEndpoints`,
//! one POST per BMC as OpenCHAMI magellan does; with `force_update`, a failed
//! POST (409 when the BMC is already known) becomes a PUT to `.../{ID}`.
//!
//! For `power` (as OpenCHAMI's PCS does): read RedfishEndpoints (FQDN and
//! credentials), ComputerSystem ComponentEndpoints (the system's Redfish
//! path), group and partition members, and write nodes' State back with
//! `PATCH /State/Components/BulkStateData`. Wire structs use OpenCHAMI's field
//! names and default every field, so an odd SMD answer is an error message,
//! never a panic.

use reqwest::Client;
use serde::Deserialize;
use serde_json::Value;

use crate::inventory::RedfishEndpoint;

pub struct SmdClient {
    client: Client,
    base: String,
    token: Option<String>,
}

/// What happened to one BMC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Created,
    Updated,
}

/// The part of an SMD RedfishEndpoint power control needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SmdRedfishEndpoint {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "FQDN")]
    pub fqdn: String,
    #[serde(rename = "Hostname")]
    pub hostname: String,
    #[serde(rename = "Enabled")]
    pub enabled: Option<bool>,
    #[serde(rename = "User")]
    pub user: String,
    /// Empty when SMD hides passwords (`SMD_HIDE_PASSWORDS`, Vault builds).
    #[serde(rename = "Password")]
    pub password: String,
}

/// The part of an SMD ComponentEndpoint power control needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SmdComponentEndpoint {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "RedfishType")]
    pub redfish_type: String,
    #[serde(rename = "OdataID")]
    pub odata_id: String,
    #[serde(rename = "RedfishEndpointID")]
    pub redfish_endpoint_id: String,
    #[serde(rename = "RedfishEndpointFQDN")]
    pub redfish_endpoint_fqdn: String,
    #[serde(rename = "RedfishSystemInfo")]
    pub system_info: Option<Value>,
}

impl SmdComponentEndpoint {
    /// `RedfishSystemInfo.Actions["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"]`.
    pub fn reset_types(&self) -> Vec<String> {
        self.system_info
            .as_ref()
            .and_then(|i| i.get("Actions"))
            .and_then(|a| a.get("#ComputerSystem.Reset"))
            .and_then(|r| r.get("ResetType@Redfish.AllowableValues"))
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct RedfishEndpointArray {
    #[serde(rename = "RedfishEndpoints", default)]
    redfish_endpoints: Vec<SmdRedfishEndpoint>,
}

#[derive(Deserialize)]
struct ComponentEndpointArray {
    #[serde(rename = "ComponentEndpoints", default)]
    component_endpoints: Vec<SmdComponentEndpoint>,
}

#[derive(Deserialize)]
struct Members {
    #[serde(default)]
    ids: Vec<String>,
}

impl SmdClient {
    pub fn new(client: Client, base: &str, token: Option<String>) -> SmdClient {
        SmdClient {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.is_empty()),
        }
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// POST the BMC; on failure and `force_update`, PUT it.
    pub async fn add_redfish_endpoint(
        &self,
        ep: &RedfishEndpoint,
        force_update: bool,
    ) -> Result<Sent, String> {
        let url = format!("{}/hsm/v2/Inventory/RedfishEndpoints", self.base);
        let post = self.authed(self.client.post(&url)).json(ep).send().await;
        let err = match post {
            Ok(r) if r.status().is_success() => return Ok(Sent::Created),
            Ok(r) => {
                let code = r.status().as_u16();
                format!(
                    "POST {url}: {code}: {}",
                    r.text().await.unwrap_or_default().trim()
                )
            }
            Err(e) => return Err(format!("POST {url}: {e}")),
        };
        if !force_update {
            return Err(err);
        }
        let put_url = format!("{url}/{}", ep.id);
        match self.authed(self.client.put(&put_url)).json(ep).send().await {
            Ok(r) if r.status().is_success() => Ok(Sent::Updated),
            Ok(r) => {
                let code = r.status().as_u16();
                Err(format!(
                    "{err}; PUT {put_url}: {code}: {}",
                    r.text().await.unwrap_or_default().trim()
                ))
            }
            Err(e) => Err(format!("{err}; PUT {put_url}: {e}")),
        }
    }

    /// The SMD base URL, for messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let url = format!("{}{path}", self.base);
        let r = self
            .authed(self.client.get(&url))
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = r.status();
        if !status.is_success() {
            return Err(format!(
                "GET {url}: {}: {}",
                status.as_u16(),
                problem_detail(&r.text().await.unwrap_or_default())
            ));
        }
        let bytes = r.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("GET {url}: unexpected answer: {e}"))
    }

    /// Every RedfishEndpoint (BMC) SMD knows.
    pub async fn redfish_endpoints(&self) -> Result<Vec<SmdRedfishEndpoint>, String> {
        let a: RedfishEndpointArray = self.get_json("/hsm/v2/Inventory/RedfishEndpoints").await?;
        Ok(a.redfish_endpoints)
    }

    /// Every ComputerSystem ComponentEndpoint (node) SMD knows.
    pub async fn system_endpoints(&self) -> Result<Vec<SmdComponentEndpoint>, String> {
        let a: ComponentEndpointArray = self
            .get_json("/hsm/v2/Inventory/ComponentEndpoints?redfish_type=ComputerSystem")
            .await?;
        Ok(a.component_endpoints
            .into_iter()
            .filter(|c| c.redfish_type.is_empty() || c.redfish_type == "ComputerSystem")
            .collect())
    }

    /// Members of group `label` (`/hsm/v2/groups/{label}/members`).
    pub async fn group_members(&self, label: &str) -> Result<Vec<String>, String> {
        let m: Members = self
            .get_json(&format!("/hsm/v2/groups/{}/members", path_segment(label)))
            .await
            .map_err(|e| format!("group {label}: {e}"))?;
        Ok(m.ids)
    }

    /// Members of partition `name` (`/hsm/v2/partitions/{name}/members`).
    pub async fn partition_members(&self, name: &str) -> Result<Vec<String>, String> {
        let m: Members = self
            .get_json(&format!(
                "/hsm/v2/partitions/{}/members",
                path_segment(name)
            ))
            .await
            .map_err(|e| format!("partition {name}: {e}"))?;
        Ok(m.ids)
    }

    /// Set `State` (and Flag OK) of components in one request, as PCS does
    /// after a power change.
    pub async fn set_state(&self, ids: &[String], state: &str) -> Result<(), String> {
        let url = format!("{}/hsm/v2/State/Components/BulkStateData", self.base);
        let body = serde_json::json!({"ComponentIDs": ids, "State": state});
        let r = self
            .authed(self.client.patch(&url))
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("PATCH {url}: {e}"))?;
        if r.status().is_success() {
            return Ok(());
        }
        Err(format!(
            "PATCH {url}: {}: {}",
            r.status().as_u16(),
            problem_detail(&r.text().await.unwrap_or_default())
        ))
    }
}

/// The `detail` of an RFC 7807 body, else the body itself.
fn problem_detail(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

/// A group or partition name as one URL path segment.
fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
