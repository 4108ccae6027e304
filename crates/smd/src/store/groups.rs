//! `component_groups` / `component_group_members`: groups and partitions
//! (one table, `kind` tells them apart) and the memberships derived from them.

use ochami_service::http::Problem;
use tokio_postgres::error::SqlState;

use super::components::ComponentFilter;
use super::{db_error, Store, Where};
use crate::model::group::Membership;

pub const DUP_GROUP: &str = "operation would conflict with an existing group that has the same label or duplicate ids found in request.";
pub const DUP_PARTITION: &str = "operation would conflict with an existing partition that has the same name or duplicate ids found in request.";
pub const DUP_GROUP_MEMBER: &str =
    "operation would conflict with an existing member in the same group.";
pub const DUP_PARTITION_MEMBER: &str =
    "operation would conflict with an existing member in the same partition.";
pub const EXCLUSIVE_CONFLICT: &str =
    "operation would conflict with an existing member in another exclusive group.";
pub const PARTITION_CONFLICT: &str =
    "operation would conflict with an existing member in another partition.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Group,
    Partition,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::Partition => "partition",
        }
    }

    /// The uniqueness namespace of a member row (see migration 0002).
    fn namespace(self, name: &str, exclusive: &str) -> String {
        match self {
            Kind::Partition => "%%partition%%".to_owned(),
            Kind::Group if exclusive.is_empty() => name.to_owned(),
            Kind::Group => format!("%{exclusive}%"),
        }
    }

    fn dup(self) -> &'static str {
        match self {
            Kind::Group => DUP_GROUP,
            Kind::Partition => DUP_PARTITION,
        }
    }

    fn dup_member(self) -> &'static str {
        match self {
            Kind::Group => DUP_GROUP_MEMBER,
            Kind::Partition => DUP_PARTITION_MEMBER,
        }
    }

    fn elsewhere(self) -> &'static str {
        match self {
            Kind::Group => EXCLUSIVE_CONFLICT,
            Kind::Partition => PARTITION_CONFLICT,
        }
    }
}

/// A group or partition with its members (sorted).
#[derive(Debug, Clone, Default)]
pub struct SetRow {
    pub name: String,
    pub description: String,
    pub exclusive_group: String,
    pub tags: Vec<String>,
    pub members: Vec<String>,
}

/// A member insert failed: which rule did it break?
fn member_error(kind: Kind, on_create: bool) -> impl Fn(tokio_postgres::Error) -> Problem {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            let c = e.as_db_error().and_then(|d| d.constraint()).unwrap_or("");
            if c == "component_group_members_namespace_key" {
                // Same label twice for a plain group is the same-group case.
                return Problem::conflict(kind.elsewhere());
            }
            return Problem::conflict(if on_create {
                kind.dup()
            } else {
                kind.dup_member()
            });
        }
        if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) {
            return Problem::bad_request("member is not an existing component");
        }
        db_error(e)
    }
}

/// The first id that is not a component: members must exist (as in OpenCHAMI,
/// where members reference components and vanish with them).
async fn missing_component<C: tokio_postgres::GenericClient>(
    c: &C,
    ids: &[String],
) -> Result<Option<String>, Problem> {
    let row = c
        .query_opt(
            "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) \
             WHERE NOT EXISTS (SELECT 1 FROM components WHERE id = x) ORDER BY i LIMIT 1",
            &[&ids],
        )
        .await
        .map_err(db_error)?;
    Ok(row.map(|r| r.get(0)))
}

impl Store {
    /// Groups or partitions, filtered by name and by tag (any of them).
    pub async fn sets(
        &self,
        kind: Kind,
        names: &[String],
        tags: &[String],
    ) -> Result<Vec<SetRow>, Problem> {
        let mut w = Where::default();
        w.push("g.kind = $?", vec![Box::new(kind.as_str())]);
        w.any("g.name", names.to_vec());
        if !tags.is_empty() {
            w.push("g.tags && $?::text[]", vec![Box::new(tags.to_vec())]);
        }
        let sql = format!(
            "SELECT g.name, g.description, g.exclusive_group, g.tags, \
             COALESCE(array_agg(m.component_id ORDER BY m.component_id) \
                      FILTER (WHERE m.component_id IS NOT NULL), '{{}}') \
             FROM component_groups g LEFT JOIN component_group_members m \
               ON m.kind = g.kind AND m.name = g.name{} \
             GROUP BY g.kind, g.name ORDER BY g.name",
            w.sql()
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| SetRow {
                name: r.get(0),
                description: r.get(1),
                exclusive_group: r.get(2),
                tags: r.get(3),
                members: r.get(4),
            })
            .collect())
    }

    pub async fn set(&self, kind: Kind, name: &str) -> Result<Option<SetRow>, Problem> {
        Ok(self
            .sets(kind, &[name.to_owned()], &[])
            .await?
            .into_iter()
            .next())
    }

    pub async fn set_names(&self, kind: Kind) -> Result<Vec<String>, Problem> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name FROM component_groups WHERE kind = $1 ORDER BY name",
                &[&kind.as_str()],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Create a group/partition with its members, all or nothing.
    pub async fn insert_set(&self, kind: Kind, s: &SetRow) -> Result<(), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        tx.execute(
            "INSERT INTO component_groups (kind, name, description, exclusive_group, tags) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &kind.as_str(),
                &s.name,
                &s.description,
                &s.exclusive_group,
                &s.tags,
            ],
        )
        .await
        .map_err(super::unique_or(kind.dup()))?;
        if !s.members.is_empty() {
            if let Some(x) = missing_component(&*tx, &s.members).await? {
                return Err(Problem::bad_request(format!(
                    "members.ids: '{x}' is not an existing component"
                )));
            }
            tx.execute(
                "INSERT INTO component_group_members (kind, name, component_id, namespace) \
                 SELECT $1, $2, x, $4 FROM unnest($3::text[]) x",
                &[
                    &kind.as_str(),
                    &s.name,
                    &s.members,
                    &kind.namespace(&s.name, &s.exclusive_group),
                ],
            )
            .await
            .map_err(member_error(kind, true))?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// Change description and/or tags; `false` when there is no such set.
    pub async fn patch_set(
        &self,
        kind: Kind,
        name: &str,
        description: Option<&str>,
        tags: Option<&[String]>,
    ) -> Result<bool, Problem> {
        let client = self.client().await?;
        let tags = tags.map(<[String]>::to_vec);
        let n = client
            .execute(
                "UPDATE component_groups SET description = COALESCE($3, description), \
                 tags = COALESCE($4, tags) WHERE kind = $1 AND name = $2",
                &[&kind.as_str(), &name, &description, &tags],
            )
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }

    pub async fn delete_set(&self, kind: Kind, name: &str) -> Result<bool, Problem> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM component_groups WHERE kind = $1 AND name = $2",
                &[&kind.as_str(), &name],
            )
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }

    /// Add one member; `Ok(false)` when there is no such set.
    pub async fn add_member(&self, kind: Kind, name: &str, id: &str) -> Result<bool, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let Some(row) = tx
            .query_opt(
                "SELECT exclusive_group FROM component_groups WHERE kind = $1 AND name = $2 \
                 FOR UPDATE",
                &[&kind.as_str(), &name],
            )
            .await
            .map_err(db_error)?
        else {
            return Ok(false);
        };
        let exclusive: String = row.get(0);
        if missing_component(&*tx, &[id.to_owned()]).await?.is_some() {
            return Err(Problem::bad_request(format!(
                "id: '{id}' is not an existing component"
            )));
        }
        tx.execute(
            "INSERT INTO component_group_members (kind, name, component_id, namespace) \
             VALUES ($1, $2, $3, $4)",
            &[
                &kind.as_str(),
                &name,
                &id,
                &kind.namespace(name, &exclusive),
            ],
        )
        .await
        .map_err(member_error(kind, false))?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    /// Replace the members; `Ok(false)` when there is no such set.
    pub async fn replace_members(
        &self,
        kind: Kind,
        name: &str,
        ids: &[String],
    ) -> Result<bool, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let Some(row) = tx
            .query_opt(
                "SELECT exclusive_group FROM component_groups WHERE kind = $1 AND name = $2 \
                 FOR UPDATE",
                &[&kind.as_str(), &name],
            )
            .await
            .map_err(db_error)?
        else {
            return Ok(false);
        };
        let exclusive: String = row.get(0);
        if let Some(x) = missing_component(&*tx, ids).await? {
            return Err(Problem::bad_request(format!(
                "ids: '{x}' is not an existing component"
            )));
        }
        tx.execute(
            "DELETE FROM component_group_members WHERE kind = $1 AND name = $2",
            &[&kind.as_str(), &name],
        )
        .await
        .map_err(db_error)?;
        tx.execute(
            "INSERT INTO component_group_members (kind, name, component_id, namespace) \
             SELECT $1, $2, x, $4 FROM unnest($3::text[]) x",
            &[
                &kind.as_str(),
                &name,
                &ids,
                &kind.namespace(name, &exclusive),
            ],
        )
        .await
        .map_err(member_error(kind, true))?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    /// Remove one member: (set exists, member was there).
    pub async fn remove_member(
        &self,
        kind: Kind,
        name: &str,
        id: &str,
    ) -> Result<(bool, bool), Problem> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "WITH d AS (DELETE FROM component_group_members \
                   WHERE kind = $1 AND name = $2 AND component_id = $3 RETURNING 1) \
                 SELECT EXISTS (SELECT 1 FROM component_groups WHERE kind = $1 AND name = $2), \
                        EXISTS (SELECT 1 FROM d)",
                &[&kind.as_str(), &name, &id],
            )
            .await
            .map_err(db_error)?;
        Ok((row.get(0), row.get(1)))
    }

    /// Memberships of the components `f` selects.
    pub async fn memberships(&self, f: &ComponentFilter) -> Result<Vec<Membership>, Problem> {
        let w = f.to_where();
        let sql = format!(
            "SELECT c.id, \
             COALESCE(array_agg(m.name ORDER BY m.name) FILTER (WHERE m.kind = 'group'), '{{}}'), \
             COALESCE(min(m.name) FILTER (WHERE m.kind = 'partition'), '') \
             FROM (SELECT id FROM components{}) c \
             LEFT JOIN component_group_members m ON m.component_id = c.id \
             GROUP BY c.id ORDER BY c.id",
            w.sql()
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &w.params()).await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| Membership {
                id: r.get(0),
                group_labels: r.get(1),
                partition_name: r.get(2),
            })
            .collect())
    }
}
