//! `components`: State/Components.

use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::{db_error, descendants_clause, Store, Where};
use crate::model::component::Component;

/// What GET/Query return: whole components or one of the `*only` projections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Projection {
    #[default]
    Full,
    StateOnly,
    FlagOnly,
    RoleOnly,
    NidOnly,
}

impl Projection {
    pub fn from_flags(state: bool, flag: bool, role: bool, nid: bool) -> Projection {
        if state {
            Projection::StateOnly
        } else if flag {
            Projection::FlagOnly
        } else if role {
            Projection::RoleOnly
        } else if nid {
            Projection::NidOnly
        } else {
            Projection::Full
        }
    }
}

/// Filters of GET /State/Components and friends; values are canonical
/// spellings. Empty lists match everything; values in one list are ORed.
#[derive(Debug, Clone, Default)]
pub struct ComponentFilter {
    pub ids: Vec<String>,
    /// The component itself and all it contains (`Query/{xname}`).
    pub under: Option<String>,
    pub types: Vec<String>,
    pub states: Vec<String>,
    pub flags: Vec<String>,
    pub roles: Vec<String>,
    pub sub_roles: Vec<String>,
    pub enabled: Vec<bool>,
    pub software_status: Vec<String>,
    pub subtypes: Vec<String>,
    pub arch: Vec<String>,
    pub class: Vec<String>,
    pub nids: Vec<i64>,
    /// Inclusive NID ranges (`nid_start`/`nid_end`, `NIDRanges`); ORed with `nids`.
    pub nid_ranges: Vec<(Option<i64>, Option<i64>)>,
    /// Member of any of these groups (`NULL`: of no group).
    pub groups: Vec<String>,
    /// Member of any of these partitions (`NULL`: of no partition).
    pub partitions: Vec<String>,
}

impl ComponentFilter {
    pub(crate) fn to_where(&self) -> Where {
        let mut w = Where::default();
        w.any("id", self.ids.clone());
        if let Some(p) = &self.under {
            if p != "s0" {
                descendants_clause(&mut w, "id", p);
            }
        }
        w.any("type", self.types.clone());
        w.any("state", self.states.clone());
        w.any("flag", self.flags.clone());
        w.any("role", self.roles.clone());
        w.any("sub_role", self.sub_roles.clone());
        if !self.enabled.is_empty() {
            w.push("enabled = ANY($?)", vec![Box::new(self.enabled.clone())]);
        }
        w.any("software_status", self.software_status.clone());
        w.any("subtype", self.subtypes.clone());
        w.any("arch", self.arch.clone());
        w.any("class", self.class.clone());
        if !self.nids.is_empty() || !self.nid_ranges.is_empty() {
            let mut ors = Vec::new();
            let mut params: Vec<super::Param> = Vec::new();
            if !self.nids.is_empty() {
                ors.push("nid = ANY($?)".to_owned());
                params.push(Box::new(self.nids.clone()));
            }
            for (lo, hi) in &self.nid_ranges {
                ors.push("(nid >= $? AND nid <= $?)".to_owned());
                params.push(Box::new(lo.unwrap_or(i64::MIN)));
                params.push(Box::new(hi.unwrap_or(i64::MAX)));
            }
            w.push(&format!("({})", ors.join(" OR ")), params);
        }
        for (kind, vals) in [("group", &self.groups), ("partition", &self.partitions)] {
            if vals.is_empty() {
                continue;
            }
            let (nulls, names): (Vec<&String>, Vec<&String>) =
                vals.iter().partition(|v| v.eq_ignore_ascii_case("null"));
            let mut ors = Vec::new();
            let mut params: Vec<super::Param> = Vec::new();
            if !names.is_empty() {
                ors.push(
                    "id IN (SELECT component_id FROM component_group_members \
                     WHERE kind = $? AND name = ANY($?))",
                );
                params.push(Box::new(kind));
                params.push(Box::new(
                    names.into_iter().cloned().collect::<Vec<String>>(),
                ));
            }
            if !nulls.is_empty() {
                ors.push(
                    "id NOT IN (SELECT component_id FROM component_group_members WHERE kind = $?)",
                );
                params.push(Box::new(kind));
            }
            w.push(&format!("({})", ors.join(" OR ")), params);
        }
        w
    }
}

const COLUMNS: &str = "id, type, state, flag, enabled, software_status, role, sub_role, nid, \
     subtype, net_type, arch, class, reservation_disabled, locked";

fn from_row(r: &Row, p: Projection) -> Component {
    let id: String = r.get(0);
    let type_: String = r.get(1);
    match p {
        Projection::Full => Component {
            id,
            type_,
            state: r.get(2),
            flag: r.get(3),
            enabled: Some(r.get(4)),
            software_status: r.get(5),
            role: r.get(6),
            sub_role: r.get(7),
            nid: r.get(8),
            subtype: r.get(9),
            net_type: r.get(10),
            arch: r.get(11),
            class: r.get(12),
            reservation_disabled: r.get(13),
            locked: r.get(14),
        },
        Projection::StateOnly => Component {
            id,
            type_,
            state: r.get(2),
            flag: r.get(3),
            ..Default::default()
        },
        Projection::FlagOnly => Component {
            id,
            type_,
            flag: r.get(3),
            ..Default::default()
        },
        Projection::RoleOnly => Component {
            id,
            type_,
            role: r.get(6),
            sub_role: r.get(7),
            ..Default::default()
        },
        Projection::NidOnly => Component {
            id,
            type_,
            nid: r.get(8),
            ..Default::default()
        },
    }
}

/// Field changes for PATCH routes.
#[derive(Debug, Clone)]
pub enum ComponentPatch {
    State { state: String, flag: String },
    Flag(String),
    Enabled(bool),
    SoftwareStatus(String),
    Role { role: String, sub_role: String },
}

impl Store {
    pub async fn components(
        &self,
        f: &ComponentFilter,
        p: Projection,
    ) -> Result<Vec<Component>, Problem> {
        let w = f.to_where();
        let sql = format!("SELECT {COLUMNS} FROM components{} ORDER BY id", w.sql());
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(db_error)?;
        Ok(rows.iter().map(|r| from_row(r, p)).collect())
    }

    pub async fn component(&self, id: &str) -> Result<Option<Component>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM components WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| from_row(&r, Projection::Full)))
    }

    pub async fn component_by_nid(&self, nid: i64) -> Result<Option<Component>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM components WHERE nid = $1 ORDER BY id LIMIT 1"),
                &[&nid],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| from_row(&r, Projection::Full)))
    }

    /// Insert `rows` (one statement, so all or nothing). Existing components
    /// are left alone unless `force`, which overwrites State, Flag, Subtype,
    /// NetType, Arch and Class (OpenCHAMI's `InsertComponentsTx`).
    pub async fn upsert_components(&self, rows: &[Component], force: bool) -> Result<(), Problem> {
        let client = self.client().await?;
        upsert_components(&**client, rows, force).await
    }

    pub async fn delete_components(&self) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM components", &[])
            .await
            .map_err(db_error)
    }

    pub async fn delete_component(&self, id: &str) -> Result<bool, Problem> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM components WHERE id = $1", &[&id])
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }

    /// Apply `patch` to every id, in one transaction; returns the first id
    /// that does not exist (and then changes nothing).
    pub async fn patch_components(
        &self,
        ids: &[String],
        patch: &ComponentPatch,
    ) -> Result<Option<String>, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let (set, params): (&str, Vec<super::Param>) = match patch {
            ComponentPatch::State { state, flag } => (
                "state = $2, flag = $3",
                vec![Box::new(state.clone()), Box::new(flag.clone())],
            ),
            ComponentPatch::Flag(f) => ("flag = $2", vec![Box::new(f.clone())]),
            ComponentPatch::Enabled(e) => ("enabled = $2", vec![Box::new(*e)]),
            ComponentPatch::SoftwareStatus(s) => {
                ("software_status = $2", vec![Box::new(s.clone())])
            }
            ComponentPatch::Role { role, sub_role } => (
                "role = $2, sub_role = $3",
                vec![Box::new(role.clone()), Box::new(sub_role.clone())],
            ),
        };
        let sql = format!("UPDATE components SET {set} WHERE id = ANY($1) RETURNING id");
        let ids_param: super::Param = Box::new(ids.to_vec());
        let mut all: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![ids_param.as_ref()];
        all.extend(
            params
                .iter()
                .map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)),
        );
        let rows = tx.query(&sql, &all).await.map_err(db_error)?;
        let done: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
        if let Some(missing) = ids.iter().find(|id| !done.contains(*id)) {
            return Ok(Some(missing.clone()));
        }
        tx.commit().await.map_err(db_error)?;
        Ok(None)
    }

    /// Set NIDs, in one transaction; returns the first missing id.
    pub async fn patch_nids(
        &self,
        nids: &[(String, Option<i64>)],
    ) -> Result<Option<String>, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let stmt = tx
            .prepare("UPDATE components SET nid = $2 WHERE id = $1")
            .await
            .map_err(db_error)?;
        for (id, nid) in nids {
            let n = tx.execute(&stmt, &[id, nid]).await.map_err(db_error)?;
            if n == 0 {
                return Ok(Some(id.clone()));
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(None)
    }
}

/// Bulk upsert with `unnest` arrays: one statement for any number of rows.
/// Later duplicates of an id win.
pub(crate) async fn upsert_components<C: tokio_postgres::GenericClient>(
    client: &C,
    rows: &[Component],
    force: bool,
) -> Result<(), Problem> {
    let mut seen = std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        seen.insert(r.id.as_str(), i);
    }
    let mut idx: Vec<usize> = seen.into_values().collect();
    idx.sort_unstable();
    let col = |f: &dyn Fn(&Component) -> String| -> Vec<String> {
        idx.iter().map(|&i| f(&rows[i])).collect()
    };
    let ids = col(&|c| c.id.clone());
    let types = col(&|c| c.type_.clone());
    let states = col(&|c| c.state.clone());
    let flags = col(&|c| c.flag.clone());
    let enabled: Vec<bool> = idx
        .iter()
        .map(|&i| rows[i].enabled.unwrap_or(true))
        .collect();
    let sw = col(&|c| c.software_status.clone());
    let roles = col(&|c| c.role.clone());
    let sub_roles = col(&|c| c.sub_role.clone());
    let nids: Vec<Option<i64>> = idx.iter().map(|&i| rows[i].nid).collect();
    let subtypes = col(&|c| c.subtype.clone());
    let net_types = col(&|c| c.net_type.clone());
    let arch = col(&|c| c.arch.clone());
    let class = col(&|c| c.class.clone());
    let rd: Vec<bool> = idx.iter().map(|&i| rows[i].reservation_disabled).collect();
    let locked: Vec<bool> = idx.iter().map(|&i| rows[i].locked).collect();
    let conflict = if force {
        "DO UPDATE SET state = EXCLUDED.state, flag = EXCLUDED.flag, subtype = EXCLUDED.subtype, \
         net_type = EXCLUDED.net_type, arch = EXCLUDED.arch, class = EXCLUDED.class"
    } else {
        "DO NOTHING"
    };
    let sql = format!(
        "INSERT INTO components ({COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], \
         $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::int8[], \
         $10::text[], $11::text[], $12::text[], $13::text[], $14::bool[], $15::bool[]) \
         ON CONFLICT (id) {conflict}"
    );
    client
        .execute(
            &sql,
            &[
                &ids, &types, &states, &flags, &enabled, &sw, &roles, &sub_roles, &nids, &subtypes,
                &net_types, &arch, &class, &rd, &locked,
            ],
        )
        .await
        .map_err(db_error)?;
    Ok(())
}
