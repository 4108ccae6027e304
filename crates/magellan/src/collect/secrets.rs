//! BMC credentials: `-u/-p` for all, or a secrets file with per-BMC entries.
//!
//! The file is plain JSON/YAML `{"<key>": {"username": .., "password": ..}}`
//! where key is the BMC host, `host:port`, its base URL, or `default`.
//! (OpenCHAMI's secrets file is AES-GCM encrypted with `MASTER_KEY`; that
//! format is not read here.)

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::BmcTarget;

#[derive(Debug, Clone, Deserialize)]
pub struct Secret {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub per_bmc: BTreeMap<String, Secret>,
}

impl Credentials {
    pub fn load_file(&mut self, path: &str) -> Result<(), String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--secrets-file {path}: {e}"))?;
        self.per_bmc =
            serde_yaml::from_str(&text).map_err(|e| format!("--secrets-file {path}: {e}"))?;
        Ok(())
    }

    /// (username, password) for a BMC: its own entry, else -u/-p, else `default`.
    pub fn for_bmc(&self, t: &BmcTarget) -> (String, String) {
        self.for_bmc_with(t, None, None)
    }

    /// As [`Credentials::for_bmc`], for a BMC that also has an xname (a key
    /// of the file too) and maybe credentials SMD holds for it: its own
    /// entry, else -u/-p, else SMD's, else `default`.
    pub fn for_bmc_with(
        &self,
        t: &BmcTarget,
        id: Option<&str>,
        stored: Option<&(String, String)>,
    ) -> (String, String) {
        let keys = [
            Some(t.base.clone()),
            Some(format!("{}:{}", t.host, t.port)),
            Some(t.host.clone()),
            id.map(str::to_owned),
        ];
        if let Some(s) = keys.iter().flatten().find_map(|k| self.per_bmc.get(k)) {
            return (s.username.clone(), s.password.clone());
        }
        if self.username.is_empty() {
            if let Some((u, p)) = stored {
                return (u.clone(), p.clone());
            }
            if let Some(s) = self.per_bmc.get("default") {
                return (s.username.clone(), s.password.clone());
            }
        }
        (self.username.clone(), self.password.clone())
    }
}
