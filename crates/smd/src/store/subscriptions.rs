//! `subscriptions`: Subscriptions/SCN and the SCN outbox.
//!
//! Notifications are queued by triggers on `components` (migration 0007), in
//! the transaction of the change; this module only reads and settles them.

use std::future::Future;
use std::time::Duration;

use ochami_service::http::Problem;
use tokio_postgres::Row;

use super::{db_error, unique_or, Store};
use crate::model::subscription::Subscription;

const COLUMNS: &str = "id, subscriber, url, enabled, roles, sub_roles, software_status, states";
const EXISTS: &str = "Subscription already exists";

fn from_row(r: &Row) -> Subscription {
    Subscription {
        id: r.get(0),
        subscriber: r.get(1),
        url: r.get(2),
        enabled: r.get(3),
        roles: r.get(4),
        sub_roles: r.get(5),
        software_status: r.get(6),
        states: r.get(7),
    }
}

/// One queued notification.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub url: String,
    /// The JSON body, as stored.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i32,
    /// The transaction that queued it.
    pub txid: i64,
}

/// What became of a queued notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Delivered (or given up on): delete it.
    Done,
    /// Failed: try again after this long.
    Retry(Duration),
    /// Not tried this round (an earlier one for its URL failed): leave it.
    Skip,
}

impl Store {
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, Problem> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM scn_subscriptions ORDER BY id"),
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn subscription(&self, id: i64) -> Result<Option<Subscription>, Problem> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM scn_subscriptions WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(from_row))
    }

    /// Insert `s` (its `id` is ignored); returns it with its new ID. 409 when
    /// the same Subscriber already subscribed the same Url.
    pub async fn insert_subscription(&self, s: &Subscription) -> Result<Subscription, Problem> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO scn_subscriptions (subscriber, url, enabled, roles, sub_roles, \
                     software_status, states) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     RETURNING {COLUMNS}"
                ),
                &[
                    &s.subscriber,
                    &s.url,
                    &s.enabled,
                    &s.roles,
                    &s.sub_roles,
                    &s.software_status,
                    &s.states,
                ],
            )
            .await
            .map_err(unique_or(EXISTS))?;
        Ok(from_row(&row))
    }

    /// Replace subscription `s.id` whole (what is still queued for it goes
    /// to its new Url); `false` when it does not exist.
    pub async fn update_subscription(&self, s: &Subscription) -> Result<bool, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let n = tx
            .execute(
                "UPDATE scn_subscriptions SET subscriber = $2, url = $3, enabled = $4, \
                 roles = $5, sub_roles = $6, software_status = $7, states = $8 WHERE id = $1",
                &[
                    &s.id,
                    &s.subscriber,
                    &s.url,
                    &s.enabled,
                    &s.roles,
                    &s.sub_roles,
                    &s.software_status,
                    &s.states,
                ],
            )
            .await
            .map_err(unique_or(EXISTS))?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "UPDATE scn_outbox SET url = $2 WHERE subscription_id = $1 AND url <> $2",
            &[&s.id, &s.url],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    /// Read, change with `edit`, write back, in one transaction (row locked,
    /// so concurrent PATCHes do not lose each other's changes). `false` when
    /// the subscription does not exist.
    pub async fn patch_subscription(
        &self,
        id: i64,
        edit: impl FnOnce(&mut Subscription),
    ) -> Result<bool, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let Some(row) = tx
            .query_opt(
                &format!("SELECT {COLUMNS} FROM scn_subscriptions WHERE id = $1 FOR UPDATE"),
                &[&id],
            )
            .await
            .map_err(db_error)?
        else {
            return Ok(false);
        };
        let mut s = from_row(&row);
        edit(&mut s);
        tx.execute(
            "UPDATE scn_subscriptions SET enabled = $2, roles = $3, sub_roles = $4, \
             software_status = $5, states = $6 WHERE id = $1",
            &[
                &id,
                &s.enabled,
                &s.roles,
                &s.sub_roles,
                &s.software_status,
                &s.states,
            ],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    pub async fn delete_subscriptions(&self) -> Result<u64, Problem> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM scn_subscriptions", &[])
            .await
            .map_err(db_error)
    }

    pub async fn delete_subscription(&self, id: i64) -> Result<bool, Problem> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM scn_subscriptions WHERE id = $1", &[&id])
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }

    /// One delivery round: take every URL whose oldest notification is due
    /// and that no other smd instance is sending to (a transaction-scoped
    /// advisory lock per URL, so each URL's notifications go out in order,
    /// from one instance at a time), lock up to `per_url` of its oldest rows
    /// (`FOR UPDATE SKIP LOCKED`), hand them to `send`, and settle each as it
    /// says, all in one transaction. Returns how many rows were handed over.
    pub async fn deliver_scns<F, Fut>(&self, per_url: i64, send: F) -> Result<usize, Problem>
    where
        F: FnOnce(Vec<Queued>) -> Fut,
        Fut: Future<Output = Vec<(i64, Settle)>>,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let urls: Vec<String> = tx
            .query(
                "WITH heads AS MATERIALIZED ( \
                     SELECT DISTINCT ON (url) url, next_attempt FROM scn_outbox ORDER BY url, id) \
                 SELECT url FROM heads WHERE next_attempt <= now() \
                   AND pg_try_advisory_xact_lock(hashtext('ochami-scn:' || url))",
                &[],
            )
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if urls.is_empty() {
            return Ok(0);
        }
        // A new statement, so a new snapshot: what another instance settled
        // before we got its URL's lock is seen.
        let rows = tx
            .query(
                "SELECT o.id, o.url, o.body::text, o.attempts, o.txid FROM scn_outbox o \
                 WHERE o.id IN (SELECT id FROM (SELECT id, row_number() OVER \
                     (PARTITION BY url ORDER BY id) AS rn FROM scn_outbox \
                     WHERE url = ANY($2)) q WHERE rn <= $1) \
                 ORDER BY o.url, o.id FOR UPDATE SKIP LOCKED",
                &[&per_url, &urls],
            )
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            return Ok(0);
        }
        let queued: Vec<Queued> = rows
            .iter()
            .map(|r| Queued {
                id: r.get(0),
                url: r.get(1),
                body: r.get(2),
                attempts: r.get(3),
                txid: r.get(4),
            })
            .collect();
        let n = queued.len();
        let outcomes = send(queued).await;
        let done: Vec<i64> = outcomes
            .iter()
            .filter(|(_, s)| *s == Settle::Done)
            .map(|(id, _)| *id)
            .collect();
        if !done.is_empty() {
            tx.execute("DELETE FROM scn_outbox WHERE id = ANY($1)", &[&done])
                .await
                .map_err(db_error)?;
        }
        for (id, s) in &outcomes {
            if let Settle::Retry(after) = s {
                tx.execute(
                    "UPDATE scn_outbox SET attempts = attempts + 1, \
                     next_attempt = now() + make_interval(secs => $2) WHERE id = $1",
                    &[id, &after.as_secs_f64()],
                )
                .await
                .map_err(db_error)?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(n)
    }
}
