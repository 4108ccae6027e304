//! SMD client: push collected BMCs to `/hsm/v2/Inventory/RedfishEndpoints`,
//! one POST per BMC as OpenCHAMI magellan does; with `force_update`, a failed
//! POST (409 when the BMC is already known) becomes a PUT to `.../{ID}`.

use reqwest::Client;

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
}
