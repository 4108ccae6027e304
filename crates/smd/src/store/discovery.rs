//! `discovery_status` and the discovery columns of `redfish_endpoints`:
//! claiming endpoints for a walk, and storing what a walk found in one
//! transaction with the endpoint's new `DiscoveryInfo`.

use chrono::{DateTime, SecondsFormat, Utc};
use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::redfish_endpoints::apply_plan;
use super::{db_error, Store};
use crate::inventory::Plan;
use crate::model::discovery::{DiscoveryStatus, COMPLETE, IN_PROGRESS};

/// HSM's `DiscoveryStarted`: the endpoint is being walked (pkg/redfish/rfendpoints.go).
pub const DISCOVERY_STARTED: &str = "DiscoveryStarted";

/// An endpoint claimed for a walk, with what it takes to log in.
#[derive(Clone)]
pub struct WalkTarget {
    pub id: String,
    pub fqdn: String,
    pub user: String,
    pub password: String,
    pub mac_addr: String,
}

// Rationale: passwords must never reach a log line.
impl std::fmt::Debug for WalkTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalkTarget")
            .field("id", &self.id)
            .field("fqdn", &self.fqdn)
            .finish_non_exhaustive()
    }
}

/// Which endpoints a walk is for.
#[derive(Debug, Clone, Default)]
pub struct Claim {
    /// None: every endpoint.
    pub ids: Option<Vec<String>>,
    /// Only endpoints with `RediscoverOnUpdate` (a walk triggered by a write).
    pub only_rediscover: bool,
    /// Also endpoints already being walked.
    pub force: bool,
}

fn status_from_row(r: &Row) -> DiscoveryStatus {
    let id: i32 = r.get(0);
    let at: DateTime<Utc> = r.get(2);
    DiscoveryStatus {
        id: u32::try_from(id).unwrap_or_default(),
        status: r.get(1),
        last_update_time: at.to_rfc3339_opts(SecondsFormat::Micros, true),
        details: r.get(3),
    }
}

impl Store {
    pub async fn discovery_statuses(&self) -> Result<Vec<DiscoveryStatus>, Problem> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, status, last_update, details FROM discovery_status ORDER BY id",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(status_from_row).collect())
    }

    pub async fn discovery_status(&self, id: u32) -> Result<Option<DiscoveryStatus>, Problem> {
        let Ok(id) = i32::try_from(id) else {
            return Ok(None);
        };
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, status, last_update, details FROM discovery_status WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(status_from_row))
    }

    /// Mark the chosen endpoints `DiscoveryStarted` (skipping disabled ones
    /// and, unless forced, ones already being walked, as HSM's
    /// UpdateRFEndpointForDiscover does) and, when any were chosen, count one
    /// more batch under way in DiscoveryStatus 0 — in one transaction.
    pub async fn claim_for_discovery(&self, c: &Claim) -> Result<Vec<WalkTarget>, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let rows = tx
            .query(
                "UPDATE redfish_endpoints SET last_discovery_status = $4, \
                 last_discovery_attempt = now() \
                 WHERE ($1::text[] IS NULL OR id = ANY($1)) AND enabled \
                 AND (NOT $2 OR rediscover_on_update) \
                 AND ($3 OR last_discovery_status <> $4) \
                 RETURNING id, fqdn, username, password, mac_addr",
                &[&c.ids, &c.only_rediscover, &c.force, &DISCOVERY_STARTED],
            )
            .await
            .map_err(db_error)?;
        if !rows.is_empty() {
            tx.execute(
                "UPDATE discovery_status SET status = $1, running = running + 1, \
                 last_update = now() WHERE id = 0",
                &[&IN_PROGRESS],
            )
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| WalkTarget {
                id: r.get(0),
                fqdn: r.get(1),
                user: r.get(2),
                password: r.get(3),
                mac_addr: r.get(4),
            })
            .collect())
    }

    /// Store one walk's outcome: the inventory (when it succeeded) and the
    /// endpoint's `DiscoveryInfo`, in one transaction.
    pub async fn finish_walk(
        &self,
        id: &str,
        status: &str,
        redfish_version: &str,
        bmc_mac: &str,
        walked: Option<(&Plan, &ServiceRows)>,
    ) -> Result<(), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        if let Some((plan, services)) = walked {
            // Rediscovery takes over MACs, as HSM's discovery overwrites.
            apply_plan(&*tx, plan, true).await?;
            replace_service_endpoints(&tx, id, services).await?;
        }
        tx.execute(
            "UPDATE redfish_endpoints SET last_discovery_status = $2, \
             last_discovery_attempt = now(), \
             redfish_version = CASE WHEN $3 = '' THEN redfish_version ELSE $3 END, \
             mac_addr = CASE WHEN mac_addr = '' THEN $4 ELSE mac_addr END \
             WHERE id = $1",
            &[&id, &status, &redfish_version, &bmc_mac],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    /// One batch of walks ended: DiscoveryStatus 0 is Complete when it was the last.
    pub async fn discovery_batch_done(&self) -> Result<(), Problem> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE discovery_status SET running = GREATEST(running - 1, 0), \
                 status = CASE WHEN running <= 1 THEN $1 ELSE $2 END, last_update = now() \
                 WHERE id = 0",
                &[&COMPLETE, &IN_PROGRESS],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// At start: walks a previous run left unfinished will never end, so
    /// their batches no longer count.
    pub async fn forget_unfinished_walks(&self) -> Result<(), Problem> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE discovery_status SET running = 0, status = $1, last_update = now() \
                 WHERE running > 0",
                &[&COMPLETE],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

/// The Redfish services one walk found, stored as the endpoint's
/// ServiceEndpoints (OpenCHAMI's DiscoverServiceEndpointArray).
#[derive(Debug, Clone, Default)]
pub struct ServiceRows {
    /// The service root's UUID.
    pub uuid: String,
    pub services: Vec<ochami_redfish::collect::RedfishService>,
}

/// The endpoint's ServiceEndpoints become what this walk found.
async fn replace_service_endpoints(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
    rows: &ServiceRows,
) -> Result<(), Problem> {
    tx.execute(
        "DELETE FROM service_endpoints WHERE redfish_endpoint_id = $1",
        &[&id],
    )
    .await
    .map_err(db_error)?;
    for svc in &rows.services {
        tx.execute(
            "INSERT INTO service_endpoints (redfish_endpoint_id, redfish_type, uuid, odata_id, \
             service_info) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &svc.kind, &rows.uuid, &svc.odata_id, &svc.info],
        )
        .await
        .map_err(db_error)?;
    }
    Ok(())
}
