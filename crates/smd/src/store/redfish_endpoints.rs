//! `redfish_endpoints`, and the one-transaction ingestion of magellan's
//! inventory (components, component endpoints, Ethernet interfaces,
//! hardware inventory and its history).

use chrono::{DateTime, SecondsFormat, Utc};
use ochami_service::http::Problem;
use tokio_postgres::{GenericClient, Row};

use super::components::upsert_components;
use super::ethernet_interfaces::upsert_ethernet_interface;
use super::hardware::{prune_node_parts, write_locations};
use super::{db_error, descendants_clause, unique_or, Store, Where};
use crate::inventory::{CepRow, Plan};
use crate::model::component::Component;
use crate::model::redfish_endpoint::{
    DiscoveryInfo, NewRedfishEndpoint, RedfishEndpoint, RedfishEndpointPatch,
};

pub const DUP_RFEP: &str =
    "operation would conflict with an existing resource that has the same FQDN or xname ID.";
/// PATCH words it without "or xname ID" (OpenCHAMI doRedfishEndpointPatch).
pub const DUP_RFEP_PATCH: &str =
    "operation would conflict with an existing resource that has the same FQDN";

/// Serialises NID allocation between concurrent inventory posts.
const NID_LOCK: i64 = 0x5e4d_4e49_4400;

#[derive(Debug, Clone, Default)]
pub struct RedfishEndpointFilter {
    pub ids: Vec<String>,
    pub under: Option<String>,
    pub fqdns: Vec<String>,
    pub types: Vec<String>,
    pub uuids: Vec<String>,
    pub macs: Vec<String>,
    pub ips: Vec<String>,
    pub statuses: Vec<String>,
}

const COLUMNS: &str = "id, type, name, hostname, domain, fqdn, enabled, uuid, username, password, \
     use_ssdp, mac_required, mac_addr, ip_address, rediscover_on_update, template_id, \
     last_discovery_attempt, last_discovery_status, redfish_version";

fn from_row(r: &Row) -> RedfishEndpoint {
    let attempt: Option<DateTime<Utc>> = r.get(16);
    RedfishEndpoint {
        id: r.get(0),
        type_: r.get(1),
        name: r.get(2),
        hostname: r.get(3),
        domain: r.get(4),
        fqdn: r.get(5),
        enabled: r.get(6),
        uuid: r.get(7),
        user: r.get(8),
        password: r.get(9),
        use_ssdp: r.get(10),
        mac_required: r.get(11),
        mac_addr: r.get(12),
        ip_address: r.get(13),
        rediscover_on_update: r.get(14),
        template_id: r.get(15),
        discovery_info: DiscoveryInfo {
            last_discovery_attempt: attempt
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
                .unwrap_or_default(),
            last_discovery_status: r.get(17),
            redfish_version: r.get(18),
        },
    }
}

/// One endpoint to write and the inventory that came with it.
pub struct Ingest {
    pub endpoint: NewRedfishEndpoint,
    pub plan: Option<Plan>,
}

impl Store {
    pub async fn redfish_endpoints(
        &self,
        f: &RedfishEndpointFilter,
    ) -> Result<Vec<RedfishEndpoint>, Problem> {
        let mut w = Where::default();
        w.any("id", f.ids.clone());
        if let Some(p) = &f.under {
            if p != "s0" {
                descendants_clause(&mut w, "id", p);
            }
        }
        w.any("fqdn", f.fqdns.clone());
        w.any("type", f.types.clone());
        w.any("uuid", f.uuids.clone());
        w.any("mac_addr", f.macs.clone());
        w.any("ip_address", f.ips.clone());
        w.any("last_discovery_status", f.statuses.clone());
        let sql = format!(
            "SELECT {COLUMNS} FROM redfish_endpoints{} ORDER BY id",
            w.sql()
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(db_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn redfish_endpoint(&self, id: &str) -> Result<Option<RedfishEndpoint>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM redfish_endpoints WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(from_row))
    }

    /// Write endpoints and their inventory in one transaction. `upsert`
    /// (PUT) updates an existing endpoint and takes over MACs owned by other
    /// components; otherwise an existing ID or FQDN is a 409. Returns, per
    /// endpoint, whether it was newly created.
    pub async fn ingest(&self, items: &[Ingest], upsert: bool) -> Result<Vec<bool>, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let mut created = Vec::with_capacity(items.len());
        for it in items {
            created.push(write_endpoint(&*tx, &it.endpoint, upsert).await?);
            if let Some(plan) = &it.plan {
                apply_plan(&*tx, plan, upsert).await?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    /// PATCH: only the given fields change.
    pub async fn patch_redfish_endpoint(
        &self,
        id: &str,
        p: &RedfishEndpointPatch,
    ) -> Result<Option<RedfishEndpoint>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE redfish_endpoints SET \
                     name = COALESCE($2, name), hostname = COALESCE($3, hostname), \
                     domain = COALESCE($4, domain), fqdn = COALESCE($5, fqdn), \
                     enabled = COALESCE($6, enabled), uuid = COALESCE($7, uuid), \
                     username = COALESCE($8, username), password = COALESCE($9, password), \
                     use_ssdp = COALESCE($10, use_ssdp), mac_required = COALESCE($11, mac_required), \
                     mac_addr = COALESCE($12, mac_addr), ip_address = COALESCE($13, ip_address), \
                     rediscover_on_update = COALESCE($14, rediscover_on_update), \
                     template_id = COALESCE($15, template_id) \
                     WHERE id = $1 RETURNING {COLUMNS}"
                ),
                &[
                    &id,
                    &p.name,
                    &p.hostname,
                    &p.domain,
                    &p.fqdn,
                    &p.enabled,
                    &p.uuid,
                    &p.user,
                    &p.password,
                    &p.use_ssdp,
                    &p.mac_required,
                    &p.mac_addr,
                    &p.ip_address,
                    &p.rediscover_on_update,
                    &p.template_id,
                ],
            )
            .await
            .map_err(unique_or(DUP_RFEP_PATCH))?;
        Ok(row.as_ref().map(from_row))
    }

    /// Delete endpoints (all when `id` is None). Their component endpoints go
    /// with them; the components they described are set to State Empty, as
    /// OpenCHAMI's DeleteRFEndpointByIDSetEmpty does.
    pub async fn delete_redfish_endpoints(&self, id: Option<&str>) -> Result<u64, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        tx.execute(
            "UPDATE components SET state = 'Empty', flag = 'OK' WHERE id IN \
             (SELECT id FROM component_endpoints WHERE $1::text IS NULL OR redfish_endpoint_id = $1)",
            &[&id],
        )
        .await
        .map_err(db_error)?;
        let n = tx
            .execute(
                "DELETE FROM redfish_endpoints WHERE $1::text IS NULL OR id = $1",
                &[&id],
            )
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(n)
    }
}

async fn write_endpoint<C: GenericClient>(
    tx: &C,
    e: &NewRedfishEndpoint,
    upsert: bool,
) -> Result<bool, Problem> {
    let conflict = if upsert {
        "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, hostname = EXCLUDED.hostname, \
         domain = EXCLUDED.domain, fqdn = EXCLUDED.fqdn, enabled = EXCLUDED.enabled, \
         uuid = EXCLUDED.uuid, username = EXCLUDED.username, password = EXCLUDED.password, \
         use_ssdp = EXCLUDED.use_ssdp, mac_required = EXCLUDED.mac_required, \
         mac_addr = EXCLUDED.mac_addr, ip_address = EXCLUDED.ip_address, \
         rediscover_on_update = EXCLUDED.rediscover_on_update, template_id = EXCLUDED.template_id"
    } else {
        ""
    };
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO redfish_endpoints (id, type, name, hostname, domain, fqdn, enabled, \
                 uuid, username, password, use_ssdp, mac_required, mac_addr, ip_address, \
                 rediscover_on_update, template_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, $13, $14, $15, $16) {conflict} RETURNING (xmax = 0)"
            ),
            &[
                &e.id.as_str(),
                &e.id.hms_type().as_str(),
                &e.name,
                &e.hostname,
                &e.domain,
                &e.fqdn,
                &e.enabled,
                &e.uuid,
                &e.user,
                &e.password,
                &e.use_ssdp,
                &e.mac_required,
                &e.mac_addr,
                &e.ip_address,
                &e.rediscover_on_update,
                &e.template_id,
            ],
        )
        .await
        .map_err(unique_or(DUP_RFEP))?;
    Ok(row.get(0))
}

async fn write_cep<C: GenericClient>(tx: &C, c: &CepRow) -> Result<(), Problem> {
    tx.execute(
        "INSERT INTO component_endpoints (id, type, redfish_type, redfish_subtype, mac_addr, uuid, \
         odata_id, redfish_endpoint_id, enabled, info) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, redfish_type = EXCLUDED.redfish_type, \
         redfish_subtype = EXCLUDED.redfish_subtype, mac_addr = EXCLUDED.mac_addr, \
         uuid = EXCLUDED.uuid, odata_id = EXCLUDED.odata_id, \
         redfish_endpoint_id = EXCLUDED.redfish_endpoint_id, enabled = EXCLUDED.enabled, \
         info = EXCLUDED.info",
        &[
            &c.id,
            &c.type_,
            &c.redfish_type,
            &c.redfish_subtype,
            &c.mac_addr,
            &c.uuid,
            &c.odata_id,
            &c.redfish_endpoint_id,
            &c.enabled,
            &c.info,
        ],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// NID for a node: keep the one it has; else its NodeMaps NID; else k+1 when free; else the
/// smallest free NID above k+1. Must run under `NID_LOCK`.
async fn pick_nid<C: GenericClient>(tx: &C, id: &str, k: u32) -> Result<i64, Problem> {
    if let Some(row) = tx
        .query_opt(
            "SELECT nid FROM components WHERE id = $1 AND nid IS NOT NULL",
            &[&id],
        )
        .await
        .map_err(db_error)?
    {
        return Ok(row.get(0));
    }
    // A Defaults/NodeMaps entry gives the NID.
    if let Some(row) = tx
        .query_opt("SELECT nid FROM node_maps WHERE id = $1", &[&id])
        .await
        .map_err(db_error)?
    {
        return Ok(row.get(0));
    }
    let want = i64::from(k) + 1;
    let row = tx
        .query_one(
            "SELECT s FROM generate_series($1::int8, $1 + (SELECT count(*) FROM components) + 1) s \
             WHERE NOT EXISTS (SELECT 1 FROM components c WHERE c.nid = s) ORDER BY s LIMIT 1",
            &[&want],
        )
        .await
        .map_err(db_error)?;
    Ok(row.get(0))
}

/// Write one endpoint's inventory plan (also used by discovery's walks).
pub(crate) async fn apply_plan<C: GenericClient>(
    tx: &C,
    plan: &Plan,
    force: bool,
) -> Result<(), Problem> {
    if let Some(bmc) = &plan.bmc {
        let c = Component {
            id: bmc.id.clone(),
            type_: bmc.type_.clone(),
            state: "Ready".into(),
            flag: "OK".into(),
            enabled: Some(true),
            ..Default::default()
        };
        upsert_components(tx, &[c], false).await?;
        // A BMC that reappears (e.g. after its endpoint was deleted) is Ready again.
        tx.execute(
            "UPDATE components SET enabled = TRUE, \
             state = CASE WHEN state IN ('Empty', 'Unknown') THEN 'Ready' ELSE state END \
             WHERE id = $1",
            &[&bmc.id],
        )
        .await
        .map_err(db_error)?;
        write_cep(tx, bmc).await?;
    }
    if !plan.nodes.is_empty() {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&NID_LOCK])
            .await
            .map_err(db_error)?;
    }
    for n in &plan.nodes {
        let nid = pick_nid(tx, n.id.as_str(), n.k).await?;
        tx.execute(
            "INSERT INTO components (id, type, state, flag, enabled, role, sub_role, nid) \
             VALUES ($1, $2, 'On', 'OK', TRUE, \
               COALESCE((SELECT NULLIF(role, '') FROM node_maps WHERE id = $1), 'Compute'), \
               COALESCE((SELECT sub_role FROM node_maps WHERE id = $1 AND role <> ''), ''), $3) \
             ON CONFLICT (id) DO UPDATE SET state = 'On', flag = 'OK', enabled = TRUE, \
             nid = COALESCE(components.nid, EXCLUDED.nid)",
            &[&n.id.as_str(), &n.id.hms_type().as_str(), &nid],
        )
        .await
        .map_err(db_error)?;
        write_cep(tx, &n.cep).await?;
    }
    for p in &plan.prune {
        prune_node_parts(tx, &p.node, &p.types, &p.keep).await?;
    }
    write_locations(tx, &plan.hardware).await?;
    for e in &plan.interfaces {
        upsert_ethernet_interface(tx, e, force).await?;
    }
    Ok(())
}
