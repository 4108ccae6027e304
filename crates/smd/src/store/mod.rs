//! Every SQL statement smd runs lives under this module; handlers never see SQL.
//! Statements are parameterised; writes touching several rows run in one
//! transaction (or one statement).

pub mod component_endpoints;
pub mod components;
pub mod discovery;
pub mod ethernet_interfaces;
pub mod groups;
pub mod hardware;
pub mod locks;
pub mod node_maps;
pub mod power_maps;
pub mod redfish_endpoints;
pub mod service_endpoints;
pub mod subscriptions;

use deadpool_postgres::Pool;
use ochami_service::db::{pool_error, query_error};
use ochami_service::http::Problem;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

/// Cheap to clone: the pool is shared.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    pub fn new(pool: Pool) -> Self {
        Store { pool }
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), Problem> {
        let client = self.pool.get().await.map_err(pool_error)?;
        client.simple_query("SELECT 1").await.map_err(db_error)?;
        Ok(())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, Problem> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// A unique violation is the caller's conflict (409 with OpenCHAMI's text);
/// anything else is ours.
pub(crate) fn unique_or(conflict: &'static str) -> impl Fn(tokio_postgres::Error) -> Problem {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            Problem::conflict(conflict)
        } else {
            db_error(e)
        }
    }
}

/// A statement failure: text PostgreSQL cannot store (a NUL character) is
/// the caller's 400; anything else is ours (500/503, logged). Both decided in
/// `ochami_service::db::query_error`.
pub(crate) fn db_error(e: tokio_postgres::Error) -> Problem {
    query_error(e)
}

type Param = Box<dyn ToSql + Sync + Send>;

/// A `WHERE` clause built from optional filters, with numbered parameters.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Where {
    /// Add `clause`, where each `$?` is replaced by the next parameter number,
    /// binding `params` in order.
    pub fn push(&mut self, clause: &str, params: Vec<Param>) {
        let mut out = String::new();
        let mut rest = clause;
        let mut n = self.params.len();
        while let Some(i) = rest.find("$?") {
            n += 1;
            out.push_str(&rest[..i]);
            out.push_str(&format!("${n}"));
            rest = &rest[i + 2..];
        }
        out.push_str(rest);
        self.clauses.push(out);
        self.params.extend(params);
    }

    /// `col = ANY($n)` when `vals` is non-empty (repeated values are ORed).
    pub fn any(&mut self, col: &str, vals: Vec<String>) {
        if !vals.is_empty() {
            self.push(&format!("{col} = ANY($?)"), vec![Box::new(vals)]);
        }
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// `prefix`'s descendants in the "C" collation: ids in `[prefix+'a', prefix+'{')`
/// (a descendant continues with a letter; '{' sorts right after 'z').
pub(crate) fn descendants_clause(w: &mut Where, col: &str, prefix: &str) {
    w.push(
        &format!("({col} = $? OR ({col} >= $? AND {col} < $?))"),
        vec![
            Box::new(prefix.to_owned()),
            Box::new(format!("{prefix}a")),
            Box::new(format!("{prefix}{{")),
        ],
    );
}
