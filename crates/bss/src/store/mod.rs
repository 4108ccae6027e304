//! Every SQL statement bss runs lives under this module; handlers never see SQL.
//!
//! Boot parameters are `boot_configs` rows (kernel, initrd, params, cloud-init)
//! and `boot_keys` rows pointing at them (`host`/`mac`/`nid` → config). Every
//! write runs in one transaction, so a request naming one taken key changes
//! nothing.

mod history;
mod params;

use deadpool_postgres::Pool;
use ochami_service::db::{pool_error, query_error};
use ochami_service::http::Problem;

pub struct Store {
    pool: Pool,
}

impl Store {
    /// The pool (for its use gauges).
    pub fn pool(&self) -> Pool {
        self.pool.clone()
    }

    pub fn new(pool: Pool) -> Self {
        Store { pool }
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), Problem> {
        let client = self.pool.get().await.map_err(pool_error)?;
        client.simple_query("SELECT 1").await.map_err(query_error)?;
        Ok(())
    }
}
