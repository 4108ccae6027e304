//! PostgreSQL: the connection pool and the migration runner.
//!
//! Schema lives only in `migrations/<service>/NNNN_name.sql`, embedded by each
//! service as a [`Migration`] list. `migrate` applies the missing ones in order,
//! each in its own transaction, under an advisory lock (two runs at once are
//! safe), recording them in `ochami_schema_history`. Services call
//! [`check_schema`] at start and refuse to run on a schema that is behind.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::config::ConfigError;
use crate::http::Problem;

/// One numbered SQL migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Connection settings shared by smd and bss: a libpq URL or key=value string,
/// or OpenCHAMI's split variables (`*_DBHOST`, `*_DBPORT`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DbSettings {
    pub database_url: Option<String>,
    pub dbhost: Option<String>,
    pub dbport: Option<u16>,
    pub dbname: Option<String>,
    pub dbuser: Option<String>,
    pub dbpass: Option<String>,
    pub dbopts: Option<String>,
}

impl DbSettings {
    /// The effective connection string. `database_url` wins; otherwise the split
    /// variables (with the service's default database and user) are combined.
    pub fn connection_string(&self, default_db: &str, default_user: Option<&str>) -> String {
        if let Some(url) = &self.database_url {
            return url.clone();
        }
        let mut parts = vec![
            format!(
                "host={}",
                quote(self.dbhost.as_deref().unwrap_or("localhost"))
            ),
            format!("port={}", self.dbport.unwrap_or(5432)),
            format!(
                "dbname={}",
                quote(self.dbname.as_deref().unwrap_or(default_db))
            ),
        ];
        if let Some(user) = self.dbuser.as_deref().or(default_user) {
            parts.push(format!("user={}", quote(user)));
        }
        if let Some(pass) = &self.dbpass {
            parts.push(format!("password={}", quote(pass)));
        }
        if let Some(opts) = &self.dbopts {
            // OpenCHAMI's DBOPTS are `key=value` pairs separated by spaces or '&'.
            for opt in opts.split(['&', ' ']).filter(|o| !o.is_empty()) {
                parts.push(opt.to_owned());
            }
        }
        parts.join(" ")
    }
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Build a pool. Nothing connects yet; a bad connection string is a config
/// error naming `key`.
pub fn pool(conn: &str, key: &str, max_size: usize) -> Result<Pool, ConfigError> {
    let mut pg = tokio_postgres::Config::from_str(conn).map_err(|e| {
        ConfigError(format!(
            "{key}: {e} (expected postgres://user:pass@host:port/db or key=value pairs)"
        ))
    })?;
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(Duration::from_secs(3));
    }
    if pg.get_application_name().is_none() {
        pg.application_name("ochami");
    }
    let mgr = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(mgr)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(3)))
        .recycle_timeout(Some(Duration::from_secs(3)))
        .build()
        .map_err(|e| ConfigError(format!("{key}: {e}")))
}

/// A service's [`crate::metrics::Metrics`] with its database pool's use as gauges.
pub fn service_metrics(service: &str, pool: &Pool) -> crate::metrics::Metrics {
    let (size, available) = (pool.clone(), pool.clone());
    crate::metrics::Metrics::new(service)
        .gauge(
            &format!("{service}_db_pool_connections"),
            "open database connections",
            move || size.status().size as f64,
        )
        .gauge(
            &format!("{service}_db_pool_available"),
            "idle database connections",
            move || available.status().available as f64,
        )
}

/// A pool checkout failure is the database being unavailable: 503.
pub fn pool_error(e: deadpool_postgres::PoolError) -> Problem {
    tracing::warn!(error = %e, "database unavailable");
    Problem::unavailable(format!("database unavailable: {e}"))
}

/// A query failure that is not the caller's fault: 500 (or 503 when the
/// connection is gone), logged with the cause; the client sees OpenCHAMI's text.
pub fn query_error(e: tokio_postgres::Error) -> Problem {
    use tokio_postgres::error::SqlState;
    // Text PostgreSQL cannot hold (a NUL character, e.g. `?name=%00`) is the
    // caller's 400, naming the cause; it was a 500 in bss (found by schemathesis).
    if let Some(c) = e.code() {
        if *c == SqlState::CHARACTER_NOT_IN_REPERTOIRE || *c == SqlState::UNTRANSLATABLE_CHARACTER {
            let why = e
                .as_db_error()
                .map(|d| d.message())
                .unwrap_or("invalid character");
            return Problem::bad_request(format!("a text value cannot be stored: {why}"));
        }
    }
    if e.is_closed() {
        tracing::warn!(error = %e, "database connection lost");
        return Problem::unavailable("database unavailable: connection lost");
    }
    tracing::error!(error = %e, "query failed");
    Problem::internal("failed to query DB.")
}

/// Migration failures.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration {version} ({name}) failed: {source}")]
    Failed {
        version: i32,
        name: &'static str,
        source: tokio_postgres::Error,
    },
    #[error("database error: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("database schema of {service} lacks migration(s) {missing} that this build needs: run `{service} migrate`")]
    Behind { service: String, missing: String },
    #[error("database schema of {service} is at version {have}, newer than this build knows ({need}); upgrade {service}")]
    Ahead {
        service: String,
        have: i32,
        need: i32,
    },
}

const HISTORY_DDL: &str = "CREATE TABLE IF NOT EXISTS ochami_schema_history (
    service    TEXT        NOT NULL,
    version    INTEGER     NOT NULL,
    name       TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (service, version)
)";

fn lock_key(service: &str) -> i64 {
    // FNV-1a of the service name: stable across builds and processes.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in format!("ochami-migrate:{service}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h as i64
}

/// Apply missing migrations in order; returns the versions applied (empty when
/// the schema was current).
pub async fn migrate(
    client: &mut tokio_postgres::Client,
    service: &str,
    migrations: &[Migration],
) -> Result<Vec<i32>, MigrateError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&lock_key(service)])
        .await?;
    let result = migrate_locked(client, service, migrations).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&lock_key(service)])
        .await;
    let applied = result?;
    unlock?;
    Ok(applied)
}

async fn migrate_locked(
    client: &mut tokio_postgres::Client,
    service: &str,
    migrations: &[Migration],
) -> Result<Vec<i32>, MigrateError> {
    client.batch_execute(HISTORY_DDL).await?;
    // Every known migration not yet recorded, in order: one merged between
    // two already applied (parallel branches numbering their own) is not
    // skipped.
    let have = applied_versions(client, service).await?;
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| !have.contains(&m.version)) {
        let tx = client.transaction().await?;
        tx.batch_execute(m.sql)
            .await
            .map_err(|source| MigrateError::Failed {
                version: m.version,
                name: m.name,
                source,
            })?;
        tx.execute(
            "INSERT INTO ochami_schema_history (service, version, name) VALUES ($1, $2, $3)",
            &[&service, &m.version, &m.name],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            service,
            version = m.version,
            name = m.name,
            "migration applied"
        );
        applied.push(m.version);
    }
    Ok(applied)
}

async fn applied_versions(
    client: &tokio_postgres::Client,
    service: &str,
) -> Result<std::collections::BTreeSet<i32>, tokio_postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('ochami_schema_history') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !exists {
        return Ok(Default::default());
    }
    let rows = client
        .query(
            "SELECT version FROM ochami_schema_history WHERE service = $1",
            &[&service],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Refuse to run on a schema that is behind (or ahead of) this build.
pub async fn check_schema(
    pool: &Pool,
    service: &str,
    migrations: &[Migration],
) -> Result<(), MigrateError> {
    let client = pool
        .get()
        .await
        .map_err(|e| MigrateError::Connect(e.to_string()))?;
    let have = applied_versions(&client, service).await?;
    let need = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(&newest) = have.iter().next_back().filter(|&&v| v > need) {
        return Err(MigrateError::Ahead {
            service: service.into(),
            have: newest,
            need,
        });
    }
    let missing: Vec<String> = migrations
        .iter()
        .filter(|m| !have.contains(&m.version))
        .map(|m| m.version.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::Behind {
            service: service.into(),
            missing: missing.join(", "),
        })
    }
}

/// `<service> migrate`: connect to `conn` and apply pending migrations.
pub async fn migrate_database(
    conn: &str,
    service: &str,
    migrations: &[Migration],
) -> Result<(), String> {
    let mut client = connect(conn).await.map_err(|e| e.to_string())?;
    let applied = migrate(&mut client, service, migrations)
        .await
        .map_err(|e| e.to_string())?;
    if applied.is_empty() {
        tracing::info!(service, "schema is up to date");
    }
    Ok(())
}

/// Connect one dedicated client (for `migrate`), driving its connection.
pub async fn connect(conn: &str) -> Result<tokio_postgres::Client, MigrateError> {
    let mut pg =
        tokio_postgres::Config::from_str(conn).map_err(|e| MigrateError::Connect(e.to_string()))?;
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(Duration::from_secs(5));
    }
    let (client, connection) = pg
        .connect(NoTls)
        .await
        .map_err(|e| MigrateError::Connect(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "migration connection closed");
        }
    });
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_variables_build_a_connection_string() {
        let s = DbSettings {
            dbhost: Some("db".into()),
            dbuser: Some("smd".into()),
            dbpass: Some("it's".into()),
            dbopts: Some("sslmode=disable".into()),
            ..Default::default()
        };
        let c = s.connection_string("hmsds", None);
        assert_eq!(
            c,
            "host='db' port=5432 dbname='hmsds' user='smd' password='it\\'s' sslmode=disable"
        );
        let cfg = tokio_postgres::Config::from_str(&c).unwrap();
        assert_eq!(cfg.get_password(), Some(&b"it's"[..]));
        let url = DbSettings {
            database_url: Some("postgres://a@b/c".into()),
            dbhost: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(url.connection_string("hmsds", None), "postgres://a@b/c");
    }

    #[test]
    fn bad_connection_string_names_the_key() {
        let e = pool("postgres://[bad", "SMD_DATABASE_URL", 4).unwrap_err();
        assert!(e.0.starts_with("SMD_DATABASE_URL: "), "{}", e.0);
    }
}
