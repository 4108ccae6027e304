//! `node_maps`: Defaults/NodeMaps.

use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::{db_error, unique_or, Store};
use crate::model::node_map::NodeMap;

/// OpenCHAMI's 409 texts for a NID another node map holds: POST and PUT
/// word it differently (doNodeMapsPost / doNodeMapPut).
pub const DUP_NID_POST: &str =
    "operation would conflict with an existing xname ID that has the same NID.";
pub const DUP_NID_PUT: &str =
    "operation would conflict with an existing resource that has the same NID";

const COLUMNS: &str = "id, nid, role, sub_role, node_info";

fn from_row(r: &Row) -> NodeMap {
    NodeMap {
        id: r.get(0),
        nid: r.get(1),
        role: r.get(2),
        sub_role: r.get(3),
        node_info: r.get(4),
    }
}

impl Store {
    /// All maps, or those of `ids` when given.
    pub async fn node_maps(&self, ids: Option<&[String]>) -> Result<Vec<NodeMap>, Problem> {
        let client = self.client().await?;
        let rows = match ids {
            None => {
                client
                    .query(&format!("SELECT {COLUMNS} FROM node_maps ORDER BY id"), &[])
                    .await
            }
            Some(ids) => {
                client
                    .query(
                        &format!("SELECT {COLUMNS} FROM node_maps WHERE id = ANY($1) ORDER BY id"),
                        &[&ids],
                    )
                    .await
            }
        }
        .map_err(db_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn node_map(&self, id: &str) -> Result<Option<NodeMap>, Problem> {
        Ok(self.node_maps(Some(&[id.to_owned()])).await?.pop())
    }

    /// Create or replace `maps` in one transaction (later duplicates win);
    /// a NID another map holds is 409 `dup_nid`.
    pub async fn upsert_node_maps(
        &self,
        maps: &[NodeMap],
        dup_nid: &'static str,
    ) -> Result<(), Problem> {
        let mut last = std::collections::HashMap::new();
        for (i, m) in maps.iter().enumerate() {
            last.insert(m.id.as_str(), i);
        }
        let mut idx: Vec<usize> = last.into_values().collect();
        idx.sort_unstable();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let stmt = tx
            .prepare(
                "INSERT INTO node_maps (id, nid, role, sub_role, node_info) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
                 nid = EXCLUDED.nid, role = EXCLUDED.role, sub_role = EXCLUDED.sub_role, \
                 node_info = EXCLUDED.node_info",
            )
            .await
            .map_err(db_error)?;
        for i in idx {
            let m = &maps[i];
            tx.execute(&stmt, &[&m.id, &m.nid, &m.role, &m.sub_role, &m.node_info])
                .await
                .map_err(unique_or(dup_nid))?;
        }
        tx.commit().await.map_err(unique_or(dup_nid))
    }

    pub async fn delete_node_maps(&self) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM node_maps", &[])
            .await
            .map_err(db_error)
    }

    pub async fn delete_node_map(&self, id: &str) -> Result<bool, Problem> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM node_maps WHERE id = $1", &[&id])
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }
}
