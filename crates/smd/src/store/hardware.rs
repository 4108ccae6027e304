//! `hwinv_by_loc`, `hwinv_by_fru`, `hwinv_hist`: hardware inventory and its
//! history. Writing a location records what happened to it in the same
//! transaction: a FRU that appears or replaces another is `Detected` (the
//! replaced one `Removed`), a location deleted or emptied is `Removed`.

use chrono::{DateTime, SecondsFormat, Utc};
use ochami_service::http::Problem;
use ochami_types::Xname;
use tokio_postgres::{GenericClient, Row};

use super::{db_error, Store, Where};
use crate::model::hardware::{parent_node, HwInvByFru, HwInvByLoc, HwInvHist, NewLocation};

/// Filters of `GET /Inventory/Hardware`, `/Query/{xname}` and `/HardwareByFRU`.
#[derive(Debug, Clone, Default)]
pub struct HwFilter {
    /// Exact locations.
    pub ids: Vec<String>,
    /// Locations at or under these xnames.
    pub under: Vec<String>,
    pub types: Vec<String>,
    pub manufacturers: Vec<String>,
    pub part_numbers: Vec<String>,
    pub serial_numbers: Vec<String>,
    pub fru_ids: Vec<String>,
    /// Locations whose component (or whose node) is in one of these partitions.
    pub partitions: Vec<String>,
}

/// Filters of the History routes.
#[derive(Debug, Clone, Default)]
pub struct HistFilter {
    pub ids: Vec<String>,
    pub fru_ids: Vec<String>,
    pub event_types: Vec<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

const LOC_SELECT: &str = "SELECT l.id, l.type, l.ordinal, l.location_info, \
     f.fru_id, f.type, f.subtype, f.fru_info \
     FROM hwinv_by_loc l LEFT JOIN hwinv_by_fru f ON f.fru_id = l.fru_id";

fn loc_from_row(r: &Row) -> HwInvByLoc {
    let fru_id: Option<String> = r.get(4);
    let fru = fru_id.map(|id| HwInvByFru::new(id, r.get(5), r.get(6), r.get(7)));
    HwInvByLoc::new(r.get(0), r.get(1), r.get(2), r.get(3), fru)
}

fn fru_from_row(r: &Row) -> HwInvByFru {
    HwInvByFru::new(r.get(0), r.get(1), r.get(2), r.get(3))
}

fn hist_from_row(r: &Row) -> HwInvHist {
    let t: DateTime<Utc> = r.get(2);
    HwInvHist {
        id: r.get(0),
        fru_id: r.get(1),
        timestamp: t.to_rfc3339_opts(SecondsFormat::Micros, true),
        event_type: r.get(3),
    }
}

/// Sort by xname, numerically per segment (`n2` before `n10`).
fn by_xname(mut locs: Vec<HwInvByLoc>) -> Vec<HwInvByLoc> {
    locs.sort_by_cached_key(|l| l.id.parse::<Xname>().ok());
    locs
}

/// The FRU-side filters, shared by locations and FRUs (`f` = hwinv_by_fru).
fn fru_clauses(w: &mut Where, f: &HwFilter) {
    w.any("f.type", f.types.clone());
    for (key, vals) in [
        ("Manufacturer", &f.manufacturers),
        ("PartNumber", &f.part_numbers),
        ("SerialNumber", &f.serial_numbers),
    ] {
        if !vals.is_empty() {
            w.push(
                &format!("f.fru_info->>'{key}' = ANY($?)"),
                vec![Box::new(vals.clone())],
            );
        }
    }
    w.any("f.fru_id", f.fru_ids.clone());
}

impl Store {
    /// Locations matching `f`, in xname order.
    pub async fn hw_locations(&self, f: &HwFilter) -> Result<Vec<HwInvByLoc>, Problem> {
        let mut w = Where::default();
        w.any("l.id", f.ids.clone());
        if !f.under.is_empty() {
            let mut ors = Vec::new();
            let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = Vec::new();
            for p in &f.under {
                if p == "s0" {
                    ors.push("TRUE".to_owned());
                    continue;
                }
                // A descendant continues with a letter; '{' sorts right after 'z'.
                ors.push("(l.id = $? OR (l.id >= $? AND l.id < $?))".into());
                params.push(Box::new(p.clone()));
                params.push(Box::new(format!("{p}a")));
                params.push(Box::new(format!("{p}{{")));
            }
            w.push(&format!("({})", ors.join(" OR ")), params);
        }
        // The location's type (an empty location has no FRU type).
        if !f.types.is_empty() {
            w.any("l.type", f.types.clone());
        }
        let fru_only = HwFilter {
            types: Vec::new(),
            ..f.clone()
        };
        fru_clauses(&mut w, &fru_only);
        if !f.partitions.is_empty() {
            w.push(
                "EXISTS (SELECT 1 FROM component_group_members m WHERE m.kind = 'partition' \
                 AND m.name = ANY($?) AND (m.component_id = l.id OR m.component_id = l.parent_node))",
                vec![Box::new(f.partitions.clone())],
            );
        }
        let client = self.client().await?;
        let rows = client
            .query(&format!("{LOC_SELECT}{}", w.sql()), &w.params())
            .await
            .map_err(db_error)?;
        Ok(by_xname(rows.iter().map(loc_from_row).collect()))
    }

    pub async fn hw_location(&self, id: &str) -> Result<Option<HwInvByLoc>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{LOC_SELECT} WHERE l.id = $1"), &[&id])
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(loc_from_row))
    }

    /// Create or replace locations and their FRUs, all or nothing.
    pub async fn write_hw(&self, locs: &[NewLocation]) -> Result<(), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        write_locations(&*tx, locs).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Delete every location (`None`) or one; each FRU they held gets a
    /// `Removed` event. FRUs stay.
    pub async fn delete_hw_locations(&self, id: Option<&str>) -> Result<u64, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let rows = tx
            .query(
                "DELETE FROM hwinv_by_loc WHERE $1::text IS NULL OR id = $1 RETURNING id, fru_id",
                &[&id],
            )
            .await
            .map_err(db_error)?;
        for r in &rows {
            if let Some(fru) = r.get::<_, Option<String>>(1) {
                add_event(&*tx, r.get(0), &fru, "Removed").await?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(rows.len() as u64)
    }

    /// FRUs matching `f` (type, manufacturer, part/serial number, FRU ID).
    pub async fn hw_frus(&self, f: &HwFilter) -> Result<Vec<HwInvByFru>, Problem> {
        let mut w = Where::default();
        fru_clauses(&mut w, f);
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT f.fru_id, f.type, f.subtype, f.fru_info FROM hwinv_by_fru f{} \
                     ORDER BY f.fru_id",
                    w.sql()
                ),
                &w.params(),
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(fru_from_row).collect())
    }

    pub async fn hw_fru(&self, fru_id: &str) -> Result<Option<HwInvByFru>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT fru_id, type, subtype, fru_info FROM hwinv_by_fru WHERE fru_id = $1",
                &[&fru_id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(fru_from_row))
    }

    /// Delete every FRU (`None`) or one; the locations holding them become
    /// Empty and get a `Removed` event.
    pub async fn delete_hw_frus(&self, fru_id: Option<&str>) -> Result<u64, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let held = tx
            .query(
                "SELECT id, fru_id FROM hwinv_by_loc WHERE fru_id IS NOT NULL \
                 AND ($1::text IS NULL OR fru_id = $1) FOR UPDATE",
                &[&fru_id],
            )
            .await
            .map_err(db_error)?;
        let n = tx
            .execute(
                "DELETE FROM hwinv_by_fru WHERE $1::text IS NULL OR fru_id = $1",
                &[&fru_id],
            )
            .await
            .map_err(db_error)?;
        for r in &held {
            add_event(&*tx, r.get(0), r.get(1), "Removed").await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(n)
    }

    /// History events matching `f`, oldest first.
    pub async fn hw_history(&self, f: &HistFilter) -> Result<Vec<HwInvHist>, Problem> {
        let mut w = Where::default();
        w.any("id", f.ids.clone());
        w.any("fru_id", f.fru_ids.clone());
        w.any("event_type", f.event_types.clone());
        if let Some(t) = f.start {
            w.push("timestamp >= $?", vec![Box::new(t)]);
        }
        if let Some(t) = f.end {
            w.push("timestamp <= $?", vec![Box::new(t)]);
        }
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT id, fru_id, timestamp, event_type FROM hwinv_hist{} ORDER BY seq",
                    w.sql()
                ),
                &w.params(),
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(hist_from_row).collect())
    }

    /// Delete history: all, one location's (`id`) or one FRU's (`fru_id`).
    pub async fn delete_hw_history(
        &self,
        id: Option<&str>,
        fru_id: Option<&str>,
    ) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM hwinv_hist WHERE ($1::text IS NULL OR id = $1) \
                 AND ($2::text IS NULL OR fru_id = $2)",
                &[&id, &fru_id],
            )
            .await
            .map_err(db_error)
    }
}

async fn add_event<C: GenericClient>(
    tx: &C,
    id: &str,
    fru_id: &str,
    event: &str,
) -> Result<(), Problem> {
    tx.execute(
        "INSERT INTO hwinv_hist (id, fru_id, event_type) VALUES ($1, $2, $3)",
        &[&id, &fru_id, &event],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Upsert `locs` and their FRUs inside the caller's transaction, writing
/// history: a FRU new at a location is `Detected` (unless the location's
/// last event already says so), the FRU it replaced `Removed`.
pub(crate) async fn write_locations<C: GenericClient>(
    tx: &C,
    locs: &[NewLocation],
) -> Result<(), Problem> {
    for l in locs {
        let id = l.id.as_str();
        if let Some(f) = &l.fru {
            tx.execute(
                "INSERT INTO hwinv_by_fru (fru_id, type, subtype, fru_info) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (fru_id) DO UPDATE SET type = EXCLUDED.type, \
                 subtype = EXCLUDED.subtype, fru_info = EXCLUDED.fru_info",
                &[&f.fru_id, &f.type_.as_str(), &f.subtype, &f.info],
            )
            .await
            .map_err(db_error)?;
        }
        let prev: Option<String> = tx
            .query_opt(
                "SELECT fru_id FROM hwinv_by_loc WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(db_error)?
            .and_then(|r| r.get(0));
        let node = parent_node(&l.id)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        let fru_id = l.fru.as_ref().map(|f| f.fru_id.clone());
        tx.execute(
            "INSERT INTO hwinv_by_loc (id, type, ordinal, parent_node, location_info, fru_id) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
             type = EXCLUDED.type, ordinal = EXCLUDED.ordinal, parent_node = EXCLUDED.parent_node, \
             location_info = EXCLUDED.location_info, fru_id = EXCLUDED.fru_id",
            &[
                &id,
                &l.id.hms_type().as_str(),
                &l.ordinal,
                &node,
                &l.info,
                &fru_id,
            ],
        )
        .await
        .map_err(db_error)?;
        if let Some(p) = prev.as_deref().filter(|p| Some(*p) != fru_id.as_deref()) {
            add_event(tx, id, p, "Removed").await?;
        }
        if let Some(new) = fru_id.as_deref() {
            let last = tx
                .query_opt(
                    "SELECT fru_id, event_type FROM hwinv_hist WHERE id = $1 \
                     ORDER BY seq DESC LIMIT 1",
                    &[&id],
                )
                .await
                .map_err(db_error)?;
            let already = last.is_some_and(|r| {
                r.get::<_, String>(0) == new && r.get::<_, String>(1) != "Removed"
            });
            if !already {
                add_event(tx, id, new, "Detected").await?;
            }
        }
    }
    Ok(())
}

/// Remove the locations of `types` under `node` that are not in `keep`
/// (hardware that disappeared from a node's inventory), each with a
/// `Removed` event for the FRU it held.
pub(crate) async fn prune_node_parts<C: GenericClient>(
    tx: &C,
    node: &str,
    types: &[&str],
    keep: &[String],
) -> Result<(), Problem> {
    let types: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
    let rows = tx
        .query(
            "DELETE FROM hwinv_by_loc WHERE parent_node = $1 AND type = ANY($2) \
             AND NOT (id = ANY($3)) RETURNING id, fru_id",
            &[&node, &types, &keep],
        )
        .await
        .map_err(db_error)?;
    for r in &rows {
        if let Some(fru) = r.get::<_, Option<String>>(1) {
            add_event(tx, r.get(0), &fru, "Removed").await?;
        }
    }
    Ok(())
}
