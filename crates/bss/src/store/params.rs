//! `boot_configs` + `boot_keys`: boot parameters and who they apply to.

use std::collections::BTreeMap;

use deadpool_postgres::Transaction;
use ochami_service::db::{pool_error, query_error};
use ochami_service::http::Problem;
use tokio_postgres::error::SqlState;

use super::Store;
use crate::model::{BootConfig, CloudInit, Fields, Key, Kind};

fn split(keys: &[Key]) -> (Vec<&str>, Vec<&str>) {
    keys.iter()
        .map(|k| (k.kind.as_str(), k.key.as_str()))
        .unzip()
}

fn cloud_json(c: &Option<CloudInit>) -> Option<serde_json::Value> {
    c.as_ref().and_then(|c| serde_json::to_value(c).ok())
}

/// A unique violation means another writer took a key first: the client's
/// "already exists", not our 500.
fn write_error(e: tokio_postgres::Error) -> Problem {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return Problem::bad_request("Already exists: a key was taken concurrently; retry");
    }
    query_error(e)
}

async fn taken(tx: &Transaction<'_>, keys: &[Key]) -> Result<Vec<(Key, i64)>, Problem> {
    let (kinds, names) = split(keys);
    let rows = tx
        .query(
            "SELECT k.kind, k.key, k.config_id FROM boot_keys k \
             JOIN unnest($1::text[], $2::text[]) AS q(kind, key) \
               ON k.kind = q.kind AND k.key = q.key \
             ORDER BY k.kind, k.key",
            &[&kinds, &names],
        )
        .await
        .map_err(query_error)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let kind = Kind::parse(r.get(0))?;
            Some((
                Key {
                    kind,
                    key: r.get(1),
                },
                r.get(2),
            ))
        })
        .collect())
}

async fn insert_config(tx: &Transaction<'_>, f: &Fields, token: &str) -> Result<i64, Problem> {
    let row = tx
        .query_one(
            "INSERT INTO boot_configs (kernel, initrd, params, cloud_init, referral_token) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &f.kernel.clone().unwrap_or_default(),
                &f.initrd.clone().unwrap_or_default(),
                &f.params.clone().unwrap_or_default(),
                &cloud_json(&f.cloud_init),
                &token,
            ],
        )
        .await
        .map_err(query_error)?;
    Ok(row.get(0))
}

async fn insert_keys(tx: &Transaction<'_>, keys: &[Key], config: i64) -> Result<(), Problem> {
    let (kinds, names) = split(keys);
    tx.execute(
        "INSERT INTO boot_keys (kind, key, config_id) \
         SELECT q.kind, q.key, $3 FROM unnest($1::text[], $2::text[]) AS q(kind, key)",
        &[&kinds, &names, &config],
    )
    .await
    .map_err(write_error)?;
    Ok(())
}

async fn drop_orphans(tx: &Transaction<'_>) -> Result<(), Problem> {
    tx.execute(
        "DELETE FROM boot_configs c WHERE NOT EXISTS \
         (SELECT 1 FROM boot_keys k WHERE k.config_id = c.id)",
        &[],
    )
    .await
    .map_err(query_error)?;
    Ok(())
}

impl Store {
    /// Every config with its keys, oldest first.
    pub async fn boot_configs(&self) -> Result<Vec<BootConfig>, Problem> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query(
                "SELECT c.id, c.kernel, c.initrd, c.params, c.cloud_init, c.referral_token, \
                        array_agg(k.kind), array_agg(k.key) \
                 FROM boot_configs c JOIN boot_keys k ON k.config_id = c.id \
                 GROUP BY c.id ORDER BY c.id",
                &[],
            )
            .await
            .map_err(query_error)?;
        Ok(rows
            .iter()
            .map(|r| {
                let kinds: Vec<String> = r.get(6);
                let names: Vec<String> = r.get(7);
                let mut keys: Vec<Key> = kinds
                    .iter()
                    .zip(names)
                    .filter_map(|(k, key)| {
                        Some(Key {
                            kind: Kind::parse(k)?,
                            key,
                        })
                    })
                    .collect();
                keys.sort();
                let cloud: Option<serde_json::Value> = r.get(4);
                BootConfig {
                    id: r.get(0),
                    kernel: r.get(1),
                    initrd: r.get(2),
                    params: r.get(3),
                    cloud_init: cloud.and_then(|v| serde_json::from_value(v).ok()),
                    referral_token: r.get(5),
                    keys,
                }
            })
            .collect())
    }

    /// POST: a new config for `keys`; 400 naming the first key that has one.
    pub async fn create(&self, keys: &[Key], f: &Fields, token: &str) -> Result<(), Problem> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(query_error)?;
        if let Some((k, _)) = taken(&tx, keys).await?.first() {
            return Err(Problem::bad_request(format!(
                "Already exists: {k} already has boot parameters (use PUT or PATCH)"
            )));
        }
        let id = insert_config(&tx, f, token).await?;
        insert_keys(&tx, keys, id).await?;
        tx.commit().await.map_err(query_error)
    }

    /// PUT: `keys` get exactly these settings, whatever they had.
    pub async fn replace(&self, keys: &[Key], f: &Fields, token: &str) -> Result<(), Problem> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(query_error)?;
        let (kinds, names) = split(keys);
        tx.execute(
            "DELETE FROM boot_keys k USING unnest($1::text[], $2::text[]) AS q(kind, key) \
             WHERE k.kind = q.kind AND k.key = q.key",
            &[&kinds, &names],
        )
        .await
        .map_err(query_error)?;
        let id = insert_config(&tx, f, token).await?;
        insert_keys(&tx, keys, id).await?;
        drop_orphans(&tx).await?;
        tx.commit().await.map_err(query_error)
    }

    /// PATCH: change the given settings of `keys`; 404 naming a key without
    /// parameters. A config shared with keys not named is split off first, so
    /// a PATCH never changes what it was not asked to.
    pub async fn patch(&self, keys: &[Key], f: &Fields) -> Result<(), Problem> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(query_error)?;
        let found = taken(&tx, keys).await?;
        if let Some(missing) = keys.iter().find(|k| !found.iter().any(|(f, _)| f == *k)) {
            return Err(Problem::not_found(format!(
                "Not Found: {missing} has no boot parameters"
            )));
        }
        let mut groups: BTreeMap<i64, Vec<&Key>> = BTreeMap::new();
        for (k, id) in &found {
            groups.entry(*id).or_default().push(k);
        }
        for (id, group) in groups {
            let total: i64 = tx
                .query_one(
                    "SELECT count(*) FROM boot_keys WHERE config_id = $1",
                    &[&id],
                )
                .await
                .map_err(query_error)?
                .get(0);
            let target = if total as usize == group.len() {
                id
            } else {
                let row = tx
                    .query_one(
                        "INSERT INTO boot_configs (kernel, initrd, params, cloud_init, referral_token) \
                         SELECT kernel, initrd, params, cloud_init, referral_token \
                         FROM boot_configs WHERE id = $1 RETURNING id",
                        &[&id],
                    )
                    .await
                    .map_err(query_error)?;
                let new: i64 = row.get(0);
                let owned: Vec<Key> = group.iter().map(|k| (*k).clone()).collect();
                let (kinds, names) = split(&owned);
                tx.execute(
                    "UPDATE boot_keys k SET config_id = $3 \
                     FROM unnest($1::text[], $2::text[]) AS q(kind, key) \
                     WHERE k.kind = q.kind AND k.key = q.key",
                    &[&kinds, &names, &new],
                )
                .await
                .map_err(query_error)?;
                new
            };
            tx.execute(
                "UPDATE boot_configs SET \
                   kernel = COALESCE($2, kernel), initrd = COALESCE($3, initrd), \
                   params = COALESCE($4, params), cloud_init = COALESCE($5, cloud_init) \
                 WHERE id = $1",
                &[
                    &target,
                    &f.kernel,
                    &f.initrd,
                    &f.params,
                    &cloud_json(&f.cloud_init),
                ],
            )
            .await
            .map_err(query_error)?;
        }
        tx.commit().await.map_err(query_error)
    }

    /// DELETE: forget `keys`; with no keys, every config using `kernel` /
    /// `initrd` (OpenCHAMI deletes images that way). Returns how many keys went.
    pub async fn delete(
        &self,
        keys: &[Key],
        kernel: Option<&str>,
        initrd: Option<&str>,
    ) -> Result<u64, Problem> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(query_error)?;
        let n = if keys.is_empty() {
            tx.execute(
                "DELETE FROM boot_keys k USING boot_configs c WHERE k.config_id = c.id \
                 AND ($1::text IS NOT NULL OR $2::text IS NOT NULL) \
                 AND ($1::text IS NULL OR c.kernel = $1) AND ($2::text IS NULL OR c.initrd = $2)",
                &[&kernel, &initrd],
            )
            .await
            .map_err(query_error)?
        } else {
            let (kinds, names) = split(keys);
            tx.execute(
                "DELETE FROM boot_keys k USING unnest($1::text[], $2::text[]) AS q(kind, key) \
                 WHERE k.kind = q.kind AND k.key = q.key",
                &[&kinds, &names],
            )
            .await
            .map_err(query_error)?
        };
        drop_orphans(&tx).await?;
        tx.commit().await.map_err(query_error)?;
        Ok(n)
    }

    /// Update the phone-home data of the config `key` uses.
    pub async fn set_cloud_init(&self, key: &Key, cloud: &CloudInit) -> Result<(), Problem> {
        self.patch(
            std::slice::from_ref(key),
            &Fields {
                cloud_init: Some(cloud.clone()),
                ..Default::default()
            },
        )
        .await
    }
}
