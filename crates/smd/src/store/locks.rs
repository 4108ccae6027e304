//! `reservations` and the `locked` / `reservation_disabled` columns of
//! `components`: HSM v2 component locks and reservations.
//!
//! Every operation runs in one transaction that first row-locks the components
//! it targets (`FOR UPDATE`), decides per component with
//! [`LockAction::refusal`], and writes nothing when a rigid request has any
//! failure. A service reservation counts only while `expires > now()`; that
//! test is in every statement below (see `LIVE`), so nothing has to reap
//! lapsed rows (the next write on the component deletes them).

use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::Transaction;
use ochami_service::http::Problem;

use super::components::ComponentFilter;
use super::{db_error, Store};
use crate::model::lock::{
    LockAction, LockFailure, LockState, LockStatus, Reason, ReservationResult, ReservationSuccess,
    UpdateResult,
};

/// A reservation row `r` that still counts.
const LIVE: &str = "(r.expires IS NULL OR r.expires > now())";

/// Which components an operation targets.
#[derive(Debug, Clone, Default)]
pub struct LockSelect {
    /// Component filters; `filter.ids` are the requested `ComponentIDs`.
    pub filter: ComponentFilter,
    pub locked: Vec<bool>,
    pub reservation_disabled: Vec<bool>,
    pub reserved: Vec<bool>,
}

/// A targeted component with its lock state and live reservation, if any.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    state: LockState,
    created: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
}

/// Go's `time.RFC3339` (seconds, UTC).
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(rfc3339).unwrap_or_default()
}

/// The answer to a rigid request with failures: nothing was changed.
/// OpenCHAMI answers 400 with the failing rule's bare text ("Component is
/// Locked"); which components failed and why goes to the request's log line.
pub fn rigid_failure(failures: &[LockFailure]) -> Problem {
    let first = failures
        .first()
        .map(|f| reason_message(&f.reason))
        .unwrap_or("Component not found");
    let list = failures
        .iter()
        .map(|f| format!("{} {}", f.id, f.reason))
        .collect::<Vec<_>>()
        .join(", ");
    Problem::bad_request(first).because(format_args!(
        "nothing was changed (ProcessingModel rigid); failed: {list}"
    ))
}

fn missing_list(missing: &[String]) -> String {
    if missing.is_empty() {
        "no component matches the selection".to_owned()
    } else {
        format!("not components: {}", missing.join(", "))
    }
}

fn reason_message(reason: &str) -> &'static str {
    [
        Reason::NotFound,
        Reason::Locked,
        Reason::Unlocked,
        Reason::Disabled,
        Reason::Reserved,
    ]
    .into_iter()
    .find(|r| r.as_str() == reason)
    .map(Reason::message)
    .unwrap_or("Unknown locking error")
}

/// No component matched at all: 400 "Component not found", as OpenCHAMI.
fn none_matched() -> Problem {
    Problem::bad_request("Component not found")
}

/// Rows of the components `sel` selects (row-locked when `for_update`), and
/// the requested IDs that are not components.
async fn targets(
    tx: &Transaction<'_>,
    sel: &LockSelect,
    for_update: bool,
) -> Result<(Vec<Row>, Vec<String>), Problem> {
    let mut w = sel.filter.to_where();
    if !sel.locked.is_empty() {
        w.push("locked = ANY($?)", vec![Box::new(sel.locked.clone())]);
    }
    if !sel.reservation_disabled.is_empty() {
        w.push(
            "reservation_disabled = ANY($?)",
            vec![Box::new(sel.reservation_disabled.clone())],
        );
    }
    // Lock the rows first, then read their state in a second statement: its
    // fresh snapshot sees whatever the transaction we waited for committed.
    let ids: Vec<String> = tx
        .query(
            &format!(
                "SELECT id FROM components{} ORDER BY id{}",
                w.sql(),
                if for_update { " FOR UPDATE" } else { "" }
            ),
            &w.params(),
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let rows = tx
        .query(
            &format!(
                "SELECT c.id, c.locked, c.reservation_disabled, r.created, r.expires, \
                        r.component_id IS NOT NULL \
                 FROM components c LEFT JOIN reservations r ON r.component_id = c.id AND {LIVE} \
                 WHERE c.id = ANY($1) ORDER BY c.id"
            ),
            &[&ids],
        )
        .await
        .map_err(db_error)?;
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            id: r.get(0),
            state: LockState {
                locked: r.get(1),
                reservation_disabled: r.get(2),
                reserved: r.get(5),
            },
            created: r.get(3),
            expires: r.get(4),
        })
        .filter(|r| sel.reserved.is_empty() || sel.reserved.contains(&r.state.reserved))
        .collect();
    let missing = if sel.filter.ids.is_empty() {
        Vec::new()
    } else {
        tx.query(
            "SELECT DISTINCT x FROM unnest($1::text[]) x \
             WHERE NOT EXISTS (SELECT 1 FROM components WHERE id = x) ORDER BY x",
            &[&sel.filter.ids],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    Ok((rows, missing))
}

/// Split targets into those `action` may change and the failures.
fn decide(
    action: LockAction,
    rows: &[Row],
    missing: Vec<String>,
) -> (Vec<String>, Vec<LockFailure>) {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for r in rows {
        match action.refusal(r.state) {
            None => ok.push(r.id.clone()),
            Some(reason) => failed.push(LockFailure::new(&r.id, reason)),
        }
    }
    failed.extend(
        missing
            .into_iter()
            .map(|id| LockFailure::new(id, Reason::NotFound)),
    );
    (ok, failed)
}

/// Delete lapsed service reservations of `ids` (so a new one may be inserted).
async fn purge_lapsed(tx: &Transaction<'_>, ids: &[String]) -> Result<(), Problem> {
    tx.execute(
        "DELETE FROM reservations WHERE component_id = ANY($1) \
         AND expires IS NOT NULL AND expires <= now()",
        &[&ids],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// IDs and keys as two parallel arrays for `unnest`.
fn key_arrays(keys: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    keys.iter().cloned().unzip()
}

/// Success for the keys whose ID came back, NotFound for the others.
fn by_key(keys: &[(String, String)], done: &[String]) -> (Vec<String>, Vec<LockFailure>) {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (id, _) in keys {
        if done.contains(id) {
            if !ok.contains(id) {
                ok.push(id.clone());
            }
        } else {
            failed.push(LockFailure::new(id, Reason::NotFound));
        }
    }
    (ok, failed)
}

impl Store {
    /// Create reservations on the selected components: admin ones (no expiry,
    /// component must be locked) when `minutes` is `None`, else service ones
    /// expiring after `minutes` (component must be unlocked).
    pub async fn reserve(
        &self,
        sel: &LockSelect,
        rigid: bool,
        minutes: Option<i32>,
    ) -> Result<ReservationResult, Problem> {
        let action = if minutes.is_some() {
            LockAction::ReserveService
        } else {
            LockAction::ReserveAdmin
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let (rows, missing) = targets(&tx, sel, true).await?;
        if rows.is_empty() {
            return Err(none_matched().because(missing_list(&missing)));
        }
        let (ok, failure) = decide(action, &rows, missing);
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        purge_lapsed(&tx, &ok).await?;
        let made = tx
            .query(
                "INSERT INTO reservations (component_id, expires, deputy_key, reservation_key) \
                 SELECT x, now() + make_interval(mins => $2::int4), \
                        x || ':dk:' || gen_random_uuid(), x || ':rk:' || gen_random_uuid() \
                 FROM unnest($1::text[]) x \
                 ON CONFLICT (component_id) DO NOTHING \
                 RETURNING component_id, deputy_key, reservation_key, expires",
                &[&ok, &minutes],
            )
            .await
            .map_err(db_error)?;
        // Reserved meanwhile by a request that committed after our read.
        let mut failure = failure;
        for id in &ok {
            if !made.iter().any(|r| r.get::<_, &str>(0) == id) {
                failure.push(LockFailure::new(id, Reason::Reserved));
            }
        }
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        let mut success: Vec<ReservationSuccess> = made
            .iter()
            .map(|r| ReservationSuccess {
                id: r.get(0),
                deputy_key: r.get(1),
                reservation_key: r.get(2),
                // OpenCHAMI's create answer carries no CreationTime.
                creation_time: String::new(),
                expiration_time: opt_time(r.get(3)),
            })
            .collect();
        success.sort_by(|a, b| a.id.cmp(&b.id));
        tx.commit().await.map_err(db_error)?;
        Ok(ReservationResult { success, failure })
    }

    /// Forcibly delete the reservations of the selected components (no key).
    pub async fn remove_reservations(
        &self,
        sel: &LockSelect,
        rigid: bool,
    ) -> Result<UpdateResult, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let (rows, missing) = targets(&tx, sel, true).await?;
        if rows.is_empty() {
            return Err(none_matched().because(missing_list(&missing)));
        }
        let mut ok = Vec::new();
        let mut failure = Vec::new();
        for r in &rows {
            if r.state.reserved {
                ok.push(r.id.clone());
            } else {
                failure.push(LockFailure::new(&r.id, Reason::NotFound));
            }
        }
        failure.extend(
            missing
                .into_iter()
                .map(|id| LockFailure::new(id, Reason::NotFound)),
        );
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        let all: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        tx.execute(
            "DELETE FROM reservations WHERE component_id = ANY($1)",
            &[&all],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(UpdateResult::new(ok, failure))
    }

    /// Release reservations by (ID, reservation key); a wrong key or a lapsed
    /// reservation is NotFound.
    pub async fn release_reservations(
        &self,
        keys: &[(String, String)],
        rigid: bool,
    ) -> Result<UpdateResult, Problem> {
        let (ids, ks) = key_arrays(keys);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let done: Vec<String> = tx
            .query(
                &format!(
                    "DELETE FROM reservations r USING unnest($1::text[], $2::text[]) AS k(id, key) \
                     WHERE r.component_id = k.id AND r.reservation_key = k.key AND {LIVE} \
                     RETURNING r.component_id"
                ),
                &[&ids, &ks],
            )
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let (ok, failure) = by_key(keys, &done);
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        tx.commit().await.map_err(db_error)?;
        Ok(UpdateResult::new(ok, failure))
    }

    /// Extend service reservations by (ID, reservation key) to `minutes`
    /// from now; admin reservations and lapsed ones are NotFound.
    pub async fn renew_reservations(
        &self,
        keys: &[(String, String)],
        rigid: bool,
        minutes: i32,
    ) -> Result<UpdateResult, Problem> {
        let (ids, ks) = key_arrays(keys);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let done: Vec<String> = tx
            .query(
                &format!(
                    "UPDATE reservations r SET expires = now() + make_interval(mins => $3::int4) \
                     FROM unnest($1::text[], $2::text[]) AS k(id, key) \
                     WHERE r.component_id = k.id AND r.reservation_key = k.key \
                       AND r.expires IS NOT NULL AND {LIVE} \
                     RETURNING r.component_id"
                ),
                &[&ids, &ks, &minutes],
            )
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let (ok, failure) = by_key(keys, &done);
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        tx.commit().await.map_err(db_error)?;
        Ok(UpdateResult::new(ok, failure))
    }

    /// Look reservations up by (ID, deputy key).
    pub async fn check_reservations(
        &self,
        keys: &[(String, String)],
    ) -> Result<ReservationResult, Problem> {
        let (ids, ks) = key_arrays(keys);
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT r.component_id, r.deputy_key, r.created, r.expires \
                     FROM reservations r JOIN unnest($1::text[], $2::text[]) AS k(id, key) \
                       ON r.component_id = k.id AND r.deputy_key = k.key \
                     WHERE {LIVE} ORDER BY r.component_id"
                ),
                &[&ids, &ks],
            )
            .await
            .map_err(db_error)?;
        let mut success: Vec<ReservationSuccess> = Vec::new();
        for r in &rows {
            let id: String = r.get(0);
            if success.iter().any(|s| s.id == id) {
                continue;
            }
            success.push(ReservationSuccess {
                id,
                deputy_key: r.get(1),
                reservation_key: String::new(),
                creation_time: rfc3339(r.get(2)),
                expiration_time: opt_time(r.get(3)),
            });
        }
        let failure = keys
            .iter()
            .filter(|(id, _)| !success.iter().any(|s| &s.id == id))
            .map(|(id, _)| LockFailure::new(id, Reason::NotFound))
            .collect();
        Ok(ReservationResult { success, failure })
    }

    /// Lock status of the selected components, and requested IDs that are
    /// not components.
    pub async fn lock_status(
        &self,
        sel: &LockSelect,
    ) -> Result<(Vec<LockStatus>, Vec<String>), Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let (rows, missing) = targets(&tx, sel, false).await?;
        tx.commit().await.map_err(db_error)?;
        if rows.is_empty() {
            return Err(none_matched().because(missing_list(&missing)));
        }
        let status = rows
            .into_iter()
            .map(|r| LockStatus {
                id: r.id,
                locked: r.state.locked,
                reserved: r.state.reserved,
                creation_time: opt_time(r.created),
                expiration_time: opt_time(r.expires),
                reservation_disabled: r.state.reservation_disabled,
            })
            .collect();
        Ok((status, missing))
    }

    /// Lock, unlock, disable (releasing reservations) or repair the selected
    /// components.
    pub async fn update_locks(
        &self,
        sel: &LockSelect,
        action: LockAction,
        rigid: bool,
    ) -> Result<UpdateResult, Problem> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let (rows, missing) = targets(&tx, sel, true).await?;
        if rows.is_empty() {
            return Err(none_matched().because(missing_list(&missing)));
        }
        let (ok, failure) = decide(action, &rows, missing);
        if rigid && !failure.is_empty() {
            return Err(rigid_failure(&failure));
        }
        let (column, value) = match action {
            LockAction::Lock => ("locked", true),
            LockAction::Unlock => ("locked", false),
            LockAction::Disable => ("reservation_disabled", true),
            LockAction::Repair => ("reservation_disabled", false),
            LockAction::ReserveAdmin | LockAction::ReserveService => {
                return Err(Problem::internal("not a lock action"))
            }
        };
        if action == LockAction::Disable {
            tx.execute(
                "DELETE FROM reservations WHERE component_id = ANY($1)",
                &[&ok],
            )
            .await
            .map_err(db_error)?;
        }
        tx.execute(
            &format!("UPDATE components SET {column} = $2 WHERE id = ANY($1)"),
            &[&ok, &value],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(UpdateResult::new(ok, failure))
    }
}
