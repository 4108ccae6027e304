//! The scan cache: SQLite, OpenCHAMI's table
//! `magellan_scanned_assets(host, port, protocol, state, timestamp)`.
//! Scan writes it (`INSERT OR REPLACE`), list and collect read it.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use crate::scan::RemoteAsset;

/// `/tmp/$USER/magellan/assets.db`, as OpenCHAMI magellan.
pub fn default_path() -> PathBuf {
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    PathBuf::from(format!("/tmp/{user}/magellan/assets.db"))
}

pub struct Cache {
    conn: Connection,
}

impl Cache {
    pub fn open(path: &Path) -> Result<Cache, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cache {}: {e}", dir.display()))?;
        }
        let conn = Connection::open(path).map_err(|e| format!("cache {}: {e}", path.display()))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS magellan_scanned_assets (
                host TEXT NOT NULL,
                port INTEGER NOT NULL,
                protocol TEXT,
                state INTEGER,
                timestamp TIMESTAMP,
                PRIMARY KEY (host, port)
            );",
        )
        .map_err(|e| format!("cache {}: {e}", path.display()))?;
        Ok(Cache { conn })
    }

    /// Store found assets, replacing earlier rows for the same host and port.
    pub fn store(&mut self, assets: &[RemoteAsset]) -> Result<(), String> {
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        {
            let mut stmt = tx
                .prepare("INSERT OR REPLACE INTO magellan_scanned_assets (host, port, protocol, state, timestamp) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(|e| e.to_string())?;
            for a in assets {
                stmt.execute(params![
                    a.host,
                    a.port,
                    a.protocol,
                    a.state,
                    a.timestamp.to_rfc3339()
                ])
                .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().map_err(|e| e.to_string())
    }

    pub fn all(&self) -> Result<Vec<RemoteAsset>, String> {
        let mut stmt = self
            .conn
            .prepare("SELECT host, port, protocol, state, timestamp FROM magellan_scanned_assets ORDER BY host, port")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| {
                let ts: String = r.get(4).unwrap_or_default();
                Ok(RemoteAsset {
                    host: r.get(0)?,
                    port: r.get(1)?,
                    protocol: r
                        .get::<_, Option<String>>(2)?
                        .unwrap_or_else(|| "tcp".into()),
                    state: r.get::<_, Option<bool>>(3)?.unwrap_or(true),
                    timestamp: chrono::DateTime::parse_from_rfc3339(&ts)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .unwrap_or_default(),
                    service_type: "Redfish".into(),
                })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }
}
