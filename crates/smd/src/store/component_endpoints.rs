//! `component_endpoints`, read with their endpoint's FQDN.

use ochami_service::db::query_error;
use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::{Store, Where};
use crate::model::component_endpoint::{endpoint_type, ComponentEndpoint};

#[derive(Debug, Clone, Default)]
pub struct ComponentEndpointFilter {
    pub ids: Vec<String>,
    pub redfish_eps: Vec<String>,
    pub types: Vec<String>,
    pub redfish_types: Vec<String>,
}

const SELECT: &str = "SELECT c.id, c.type, c.domain, c.fqdn, c.redfish_type, c.redfish_subtype, \
     c.mac_addr, c.uuid, c.odata_id, c.redfish_endpoint_id, c.enabled, c.info, r.fqdn \
     FROM component_endpoints c JOIN redfish_endpoints r ON r.id = c.redfish_endpoint_id";

fn from_row(r: &Row) -> ComponentEndpoint {
    let redfish_type: String = r.get(4);
    let odata_id: String = r.get(8);
    let ep_fqdn: String = r.get(12);
    let info: serde_json::Value = r.get(11);
    let pick = |k: &str| info.get(k).cloned();
    ComponentEndpoint {
        id: r.get(0),
        type_: r.get(1),
        domain: r.get(2),
        fqdn: r.get(3),
        component_endpoint_type: endpoint_type(&redfish_type).to_owned(),
        redfish_type,
        redfish_subtype: r.get(5),
        mac_addr: r.get(6),
        uuid: r.get(7),
        redfish_url: format!("{ep_fqdn}{odata_id}"),
        odata_id,
        redfish_endpoint_id: r.get(9),
        enabled: r.get(10),
        redfish_endpoint_fqdn: ep_fqdn,
        chassis_info: pick("RedfishChassisInfo"),
        system_info: pick("RedfishSystemInfo"),
        manager_info: pick("RedfishManagerInfo"),
        pdu_info: pick("RedfishPDUInfo"),
        outlet_info: pick("RedfishOutletInfo"),
    }
}

impl Store {
    pub async fn component_endpoints(
        &self,
        f: &ComponentEndpointFilter,
    ) -> Result<Vec<ComponentEndpoint>, Problem> {
        let mut w = Where::default();
        w.any("c.id", f.ids.clone());
        w.any("c.redfish_endpoint_id", f.redfish_eps.clone());
        w.any("c.type", f.types.clone());
        w.any("c.redfish_type", f.redfish_types.clone());
        let sql = format!("{SELECT}{} ORDER BY c.id", w.sql());
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(query_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn delete_component_endpoints(&self, id: Option<&str>) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM component_endpoints WHERE $1::text IS NULL OR id = $1",
                &[&id],
            )
            .await
            .map_err(query_error)
    }
}
