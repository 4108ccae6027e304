//! `service_endpoints`, read with their endpoint's FQDN.

use ochami_service::db::query_error;
use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::{Store, Where};
use crate::model::component_endpoint::ServiceEndpoint;

#[derive(Debug, Clone, Default)]
pub struct ServiceEndpointFilter {
    pub services: Vec<String>,
    pub redfish_eps: Vec<String>,
}

const SELECT: &str = "SELECT s.redfish_endpoint_id, s.redfish_type, s.redfish_subtype, s.uuid, \
     s.odata_id, s.service_info, r.fqdn FROM service_endpoints s \
     JOIN redfish_endpoints r ON r.id = s.redfish_endpoint_id";

fn from_row(r: &Row) -> ServiceEndpoint {
    let odata_id: String = r.get(4);
    let fqdn: String = r.get(6);
    ServiceEndpoint {
        redfish_endpoint_id: r.get(0),
        redfish_type: r.get(1),
        redfish_subtype: r.get(2),
        uuid: r.get(3),
        redfish_url: format!("{fqdn}{odata_id}"),
        odata_id,
        service_info: r.get(5),
        redfish_endpoint_fqdn: fqdn,
    }
}

impl Store {
    pub async fn service_endpoints(
        &self,
        f: &ServiceEndpointFilter,
    ) -> Result<Vec<ServiceEndpoint>, Problem> {
        let mut w = Where::default();
        w.any("s.redfish_type", f.services.clone());
        w.any("s.redfish_endpoint_id", f.redfish_eps.clone());
        let sql = format!(
            "{SELECT}{} ORDER BY s.redfish_type, s.redfish_endpoint_id",
            w.sql()
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(query_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    /// Delete all, or one (service, endpoint).
    pub async fn delete_service_endpoints(
        &self,
        one: Option<(&str, &str)>,
    ) -> Result<u64, Problem> {
        let client = self.client().await?;
        let (svc, ep) = one.unzip();
        client
            .execute(
                "DELETE FROM service_endpoints WHERE $1::text IS NULL \
                 OR (redfish_type = $1 AND redfish_endpoint_id = $2)",
                &[&svc, &ep],
            )
            .await
            .map_err(query_error)
    }
}
