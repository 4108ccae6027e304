//! `ethernet_interfaces`: Inventory/EthernetInterfaces. The id is the MAC in
//! lower-case hex, so a lookup by MAC is a primary-key lookup.

use chrono::{DateTime, SecondsFormat, Utc};
use ochami_service::db::query_error;
use ochami_service::http::Problem;
use tokio_postgres::{GenericClient, Row};

use super::{unique_or, Store, Where};
use crate::model::ethernet_interface::{EthernetInterface, IpAddressMapping, NewEthernetInterface};

pub const DUP_MAC: &str = "operation would conflict with an existing component ethernet interface that has the same MAC address.";
pub const DUP_IP: &str =
    "operation would conflict with an existing IP Address on the same ethernet interface.";

/// GET filters; empty lists match everything.
#[derive(Debug, Clone, Default)]
pub struct EthernetFilter {
    pub ids: Vec<String>,
    pub ips: Vec<String>,
    pub networks: Vec<String>,
    pub component_ids: Vec<String>,
    pub types: Vec<String>,
    pub older_than: Option<DateTime<Utc>>,
    pub newer_than: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, description, mac_addr, last_update, component_id, type, ip_addresses";

fn from_row(r: &Row) -> EthernetInterface {
    let ts: DateTime<Utc> = r.get(3);
    let ips: serde_json::Value = r.get(6);
    EthernetInterface {
        id: r.get(0),
        description: r.get(1),
        mac_address: r.get(2),
        last_update: ts.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        component_id: r.get(4),
        type_: r.get(5),
        ip_addresses: serde_json::from_value(ips).unwrap_or_default(),
    }
}

fn ips_json(ips: &[IpAddressMapping]) -> serde_json::Value {
    serde_json::to_value(ips).unwrap_or_else(|_| serde_json::json!([]))
}

impl Store {
    pub async fn ethernet_interfaces(
        &self,
        f: &EthernetFilter,
    ) -> Result<Vec<EthernetInterface>, Problem> {
        let mut w = Where::default();
        w.any("id", f.ids.clone());
        w.any("component_id", f.component_ids.clone());
        w.any("type", f.types.clone());
        if !f.ips.is_empty() || !f.networks.is_empty() {
            // Containment per value, ORed within a kind: uses the GIN index.
            for (key, vals) in [("IPAddress", &f.ips), ("Network", &f.networks)] {
                if vals.is_empty() {
                    continue;
                }
                let docs: Vec<serde_json::Value> = vals
                    .iter()
                    .map(|v| serde_json::json!([{ key: v }]))
                    .collect();
                let ors: Vec<&str> = docs.iter().map(|_| "ip_addresses @> $?").collect();
                w.push(
                    &format!("({})", ors.join(" OR ")),
                    docs.into_iter()
                        .map(|d| Box::new(d) as super::Param)
                        .collect(),
                );
            }
        }
        if let Some(t) = f.older_than {
            w.push("last_update < $?", vec![Box::new(t)]);
        }
        if let Some(t) = f.newer_than {
            w.push("last_update > $?", vec![Box::new(t)]);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM ethernet_interfaces{} ORDER BY id",
            w.sql()
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(query_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn ethernet_interface(&self, id: &str) -> Result<Option<EthernetInterface>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM ethernet_interfaces WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(query_error)?;
        Ok(row.as_ref().map(from_row))
    }

    /// Insert one; a MAC already present is a 409.
    pub async fn insert_ethernet_interface(
        &self,
        e: &NewEthernetInterface,
    ) -> Result<String, Problem> {
        let client = self.client().await?;
        insert_ethernet_interface(&**client, e).await
    }

    pub async fn delete_ethernet_interfaces(&self) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM ethernet_interfaces", &[])
            .await
            .map_err(query_error)
    }

    pub async fn delete_ethernet_interface(&self, id: &str) -> Result<bool, Problem> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM ethernet_interfaces WHERE id = $1", &[&id])
            .await
            .map_err(query_error)?;
        Ok(n > 0)
    }

    /// Update the given fields; `None` when the interface does not exist.
    pub async fn patch_ethernet_interface(
        &self,
        id: &str,
        description: Option<&str>,
        component: Option<(&str, &str)>,
        ips: Option<&[IpAddressMapping]>,
    ) -> Result<Option<EthernetInterface>, Problem> {
        let client = self.client().await?;
        let (cid, ctype) = component.unzip();
        let row = client
            .query_opt(
                &format!(
                    "UPDATE ethernet_interfaces SET \
                     description = COALESCE($2, description), \
                     component_id = COALESCE($3, component_id), \
                     type = COALESCE($4, type), \
                     ip_addresses = COALESCE($5, ip_addresses), \
                     last_update = now() WHERE id = $1 RETURNING {COLUMNS}"
                ),
                &[&id, &description, &cid, &ctype, &ips.map(ips_json)],
            )
            .await
            .map_err(query_error)?;
        Ok(row.as_ref().map(from_row))
    }

    /// Add an IP address; `Ok(false)` when the interface does not exist.
    pub async fn add_ip(&self, id: &str, ip: &IpAddressMapping) -> Result<bool, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(query_error)?;
        let Some(row) = tx
            .query_opt(
                "SELECT ip_addresses FROM ethernet_interfaces WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(query_error)?
        else {
            return Ok(false);
        };
        let mut ips: Vec<IpAddressMapping> = serde_json::from_value(row.get(0)).unwrap_or_default();
        if ips.iter().any(|i| i.ip_address == ip.ip_address) {
            return Err(Problem::conflict(DUP_IP));
        }
        ips.push(ip.clone());
        tx.execute(
            "UPDATE ethernet_interfaces SET ip_addresses = $2, last_update = now() WHERE id = $1",
            &[&id, &ips_json(&ips)],
        )
        .await
        .map_err(query_error)?;
        tx.commit().await.map_err(query_error)?;
        Ok(true)
    }

    /// Change (`Some(network)`) or remove (`None`) one IP address. Returns
    /// the interface's existence and whether the address was there.
    pub async fn change_ip(
        &self,
        id: &str,
        ip: &str,
        network: Option<Option<String>>,
    ) -> Result<(bool, Option<IpAddressMapping>), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(query_error)?;
        let Some(row) = tx
            .query_opt(
                "SELECT ip_addresses FROM ethernet_interfaces WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(query_error)?
        else {
            return Ok((false, None));
        };
        let mut ips: Vec<IpAddressMapping> = serde_json::from_value(row.get(0)).unwrap_or_default();
        let Some(pos) = ips.iter().position(|i| i.ip_address == ip) else {
            return Ok((true, None));
        };
        let result = match network {
            Some(n) => {
                if let Some(n) = n {
                    ips[pos].network = n;
                }
                ips[pos].clone()
            }
            None => ips.remove(pos),
        };
        tx.execute(
            "UPDATE ethernet_interfaces SET ip_addresses = $2, last_update = now() WHERE id = $1",
            &[&id, &ips_json(&ips)],
        )
        .await
        .map_err(query_error)?;
        tx.commit().await.map_err(query_error)?;
        Ok((true, Some(result)))
    }
}

pub(crate) async fn insert_ethernet_interface<C: GenericClient>(
    client: &C,
    e: &NewEthernetInterface,
) -> Result<String, Problem> {
    let id = e.mac.to_hex();
    let (cid, ctype) = match &e.component_id {
        Some(x) => (x.as_str().to_owned(), x.hms_type().as_str().to_owned()),
        None => (String::new(), String::new()),
    };
    client
        .execute(
            "INSERT INTO ethernet_interfaces (id, description, mac_addr, component_id, type, ip_addresses) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &e.description, &e.mac.to_string(), &cid, &ctype, &ips_json(&e.ip_addresses)],
        )
        .await
        .map_err(unique_or(DUP_MAC))?;
    Ok(id)
}

/// Insert or take over (`force`) an interface for a component. Without
/// `force`, a MAC owned by a different component is a 409; the same owner
/// updates in place.
pub(crate) async fn upsert_ethernet_interface<C: GenericClient>(
    client: &C,
    e: &NewEthernetInterface,
    force: bool,
) -> Result<(), Problem> {
    let id = e.mac.to_hex();
    let (cid, ctype) = match &e.component_id {
        Some(x) => (x.as_str().to_owned(), x.hms_type().as_str().to_owned()),
        None => (String::new(), String::new()),
    };
    let owner: Option<String> = client
        .query_opt(
            "SELECT component_id FROM ethernet_interfaces WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await
        .map_err(query_error)?
        .map(|r| r.get(0));
    match owner {
        None => {
            insert_ethernet_interface(client, e).await?;
        }
        Some(o) if o == cid || o.is_empty() || force => {
            client
                .execute(
                    "UPDATE ethernet_interfaces SET description = $2, component_id = $3, type = $4, \
                     ip_addresses = $5, last_update = now() WHERE id = $1",
                    &[&id, &e.description, &cid, &ctype, &ips_json(&e.ip_addresses)],
                )
                .await
                .map_err(query_error)?;
        }
        Some(o) => {
            return Err(Problem::conflict(format!(
                "{DUP_MAC} MAC {} belongs to {o}",
                e.mac
            )))
        }
    }
    Ok(())
}
