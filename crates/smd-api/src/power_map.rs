//! sysinfo/powermaps (OpenCHAMI pkg/sm/powermap.go).

use ochami_types::Xname;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PowerMap {
    pub id: String,
    #[serde(rename = "poweredBy", default, skip_serializing_if = "Vec::is_empty")]
    pub powered_by: Vec<String>,
}

/// A power map in a POST/PUT body; xnames are checked while decoding.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PowerMapIn {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub id: Option<Xname>,
    #[serde(rename = "poweredBy", default)]
    #[schema(value_type = Vec<String>)]
    pub powered_by: Vec<Xname>,
}

impl PowerMapIn {
    pub fn to_map(&self, at: &str, url_id: Option<&Xname>) -> Result<PowerMap, String> {
        let id = match (&self.id, url_id) {
            (Some(id), Some(u)) if id != u => {
                return Err(format!(
                    "{at}.id: '{id}' does not match the xname in the URL ({u})"
                ))
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => return Err(format!("{at}.id: missing")),
        };
        let mut powered_by: Vec<String> = Vec::with_capacity(self.powered_by.len());
        for x in &self.powered_by {
            if !powered_by.iter().any(|p| p == x.as_str()) {
                powered_by.push(x.as_str().to_owned());
            }
        }
        Ok(PowerMap {
            id: id.as_str().to_owned(),
            powered_by,
        })
    }
}
