//! Defaults/NodeMaps (OpenCHAMI pkg/sm/nodemap.go): a node's default NID,
//! Role and SubRole.

use ochami_types::{HmsType, Role, SubRole, Xname};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{nid_de, opt_enum};

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct NodeMap {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "NID")]
    pub nid: i64,
    #[serde(rename = "Role", default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    #[serde(rename = "SubRole", default, skip_serializing_if = "String::is_empty")]
    pub sub_role: String,
    #[serde(rename = "NodeInfo", default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub node_info: Option<serde_json::Value>,
}

/// `{"NodeMaps":[..]}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NodeMapArray {
    #[serde(rename = "NodeMaps")]
    pub node_maps: Vec<NodeMap>,
}

/// A node map in a POST/PUT body; values are checked while decoding.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NodeMapIn {
    #[serde(rename = "ID", alias = "id", default)]
    #[schema(value_type = Option<String>)]
    pub id: Option<Xname>,
    #[serde(rename = "NID", alias = "nid", default, deserialize_with = "nid_de")]
    #[schema(value_type = Option<i64>)]
    pub nid: Option<i64>,
    #[serde(
        rename = "Role",
        alias = "role",
        default,
        deserialize_with = "opt_enum"
    )]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    #[serde(
        rename = "SubRole",
        alias = "subrole",
        alias = "subRole",
        default,
        deserialize_with = "opt_enum"
    )]
    #[schema(value_type = Option<String>)]
    pub sub_role: Option<SubRole>,
    #[serde(rename = "NodeInfo", alias = "nodeinfo", default)]
    #[schema(value_type = Option<Object>)]
    pub node_info: Option<serde_json::Value>,
}

/// POST body: `{"NodeMaps":[..]}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NodeMapArrayIn {
    #[serde(rename = "NodeMaps", alias = "nodemaps", alias = "nodeMaps", default)]
    pub node_maps: Vec<NodeMapIn>,
}

impl NodeMapIn {
    /// Check and canonicalise; `at` names the entry, `url_id` is the PUT path.
    pub fn to_map(&self, at: &str, url_id: Option<&Xname>) -> Result<NodeMap, String> {
        let id = match (&self.id, url_id) {
            (Some(id), Some(u)) if id != u => {
                return Err(format!(
                    "{at}.ID: '{id}' does not match the xname in the URL ({u})"
                ))
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => return Err(format!("{at}.ID: missing")),
        };
        if id.hms_type() != HmsType::Node {
            return Err(format!("{at}.ID: xname ID '{id}' is not a node"));
        }
        let nid = match self.nid {
            None => return Err(format!("{at}.NID: missing")),
            Some(n) if n <= 0 => return Err(format!("{at}.NID: NID '{n}' is out of range")),
            Some(n) => n,
        };
        Ok(NodeMap {
            id: id.as_str().to_owned(),
            nid,
            role: self.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            sub_role: self
                .sub_role
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            node_info: self.node_info.clone().filter(|v| !v.is_null()),
        })
    }
}
