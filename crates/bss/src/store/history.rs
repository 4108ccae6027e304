//! `endpoint_access`: when each node last fetched its boot script or user-data.

use ochami_service::db::{pool_error, query_error};
use ochami_service::http::Problem;

use super::Store;
use crate::model::EndpointAccess;

impl Store {
    /// Upsert a batch of accesses in one statement.
    pub async fn record_access(&self, batch: &[EndpointAccess]) -> Result<(), Problem> {
        if batch.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = batch.iter().map(|a| a.name.as_str()).collect();
        let endpoints: Vec<&str> = batch.iter().map(|a| a.endpoint.as_str()).collect();
        let epochs: Vec<i64> = batch.iter().map(|a| a.last_epoch).collect();
        let client = self.pool.get().await.map_err(pool_error)?;
        client
            .execute(
                "INSERT INTO endpoint_access (name, endpoint, last_epoch) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) \
                 ON CONFLICT (name, endpoint) DO UPDATE \
                 SET last_epoch = GREATEST(endpoint_access.last_epoch, EXCLUDED.last_epoch)",
                &[&names, &endpoints, &epochs],
            )
            .await
            .map_err(query_error)?;
        Ok(())
    }

    /// Accesses, filtered by node name and endpoint when given.
    pub async fn access_history(
        &self,
        name: Option<&str>,
        endpoint: Option<&str>,
    ) -> Result<Vec<EndpointAccess>, Problem> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query(
                "SELECT name, endpoint, last_epoch FROM endpoint_access \
                 WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR endpoint = $2) \
                 ORDER BY name, endpoint",
                &[&name, &endpoint],
            )
            .await
            .map_err(query_error)?;
        Ok(rows
            .iter()
            .map(|r| EndpointAccess {
                name: r.get(0),
                endpoint: r.get(1),
                last_epoch: r.get(2),
            })
            .collect())
    }
}
