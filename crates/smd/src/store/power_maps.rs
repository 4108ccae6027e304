//! `power_maps`: sysinfo/powermaps.

use ochami_service::http::Problem;

use super::{db_error, Store};
use crate::model::power_map::PowerMap;

impl Store {
    /// All maps, or the one with `id`.
    pub async fn power_maps(&self, id: Option<&str>) -> Result<Vec<PowerMap>, Problem> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, powered_by FROM power_maps WHERE $1::text IS NULL OR id = $1 \
                 ORDER BY id",
                &[&id],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| PowerMap {
                id: r.get(0),
                powered_by: r.get(1),
            })
            .collect())
    }

    /// Create or replace `maps` in one transaction (later duplicates win).
    pub async fn upsert_power_maps(&self, maps: &[PowerMap]) -> Result<(), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let stmt = tx
            .prepare(
                "INSERT INTO power_maps (id, powered_by) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET powered_by = EXCLUDED.powered_by",
            )
            .await
            .map_err(db_error)?;
        for m in maps {
            tx.execute(&stmt, &[&m.id, &m.powered_by])
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// Delete all maps (`None`) or one.
    pub async fn delete_power_maps(&self, id: Option<&str>) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM power_maps WHERE $1::text IS NULL OR id = $1",
                &[&id],
            )
            .await
            .map_err(db_error)
    }
}
