//! Defaults/NodeMaps (OpenCHAMI pkg/sm/nodemap.go): a node's default NID,
//! Role and SubRole.

use ochami_types::{HmsType, Role, SubRole, Xname};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::component::given;
use super::nid_de;

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
    #[schema(value_type = Option<Value>)]
    pub node_info: Option<serde_json::Value>,
}

/// `{"NodeMaps":[..]}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NodeMapArray {
    #[serde(rename = "NodeMaps")]
    pub node_maps: Vec<NodeMap>,
}

/// A node map in a POST/PUT body; the values are checked by [`NodeMapIn::to_map`].
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NodeMapIn {
    #[serde(rename = "ID", default)]
    pub id: Option<String>,
    #[serde(rename = "NID", default, deserialize_with = "nid_de")]
    #[schema(value_type = Option<i64>)]
    pub nid: Option<i64>,
    #[serde(rename = "Role", default)]
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    #[serde(rename = "SubRole", default)]
    #[schema(value_type = Option<SubRole>)]
    pub sub_role: Option<String>,
    #[serde(rename = "NodeInfo", default)]
    #[schema(value_type = Option<Value>)]
    pub node_info: Option<serde_json::Value>,
}

/// POST body: `{"NodeMaps":[..]}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NodeMapArrayIn {
    #[serde(rename = "NodeMaps", default)]
    pub node_maps: Vec<NodeMapIn>,
}

impl NodeMapIn {
    /// Check and canonicalise as OpenCHAMI's `sm.NewNodeMap`: a Node or
    /// VirtualNode xname, a NID above 0, known Role and SubRole; the error
    /// is its sentence (`NID '0' is out of range`).
    pub fn to_map(&self) -> Result<NodeMap, String> {
        let raw = self.id.as_deref().unwrap_or_default();
        let id = raw
            .trim()
            .parse::<Xname>()
            .ok()
            .filter(|x| matches!(x.hms_type(), HmsType::Node | HmsType::VirtualNode))
            .ok_or_else(|| format!("xname ID '{raw}' is invalid or not a node"))?;
        let nid = self.nid.unwrap_or(0);
        if nid <= 0 {
            return Err(format!("NID '{nid}' is out of range"));
        }
        let role = match given(&self.role) {
            None => String::new(),
            Some(r) => r
                .parse::<Role>()
                .map_err(|_| format!("Role '{r}' is not valid."))?
                .as_str()
                .to_owned(),
        };
        let sub_role = match given(&self.sub_role) {
            None => String::new(),
            Some(r) => r
                .parse::<SubRole>()
                .map_err(|_| format!("SubRole '{r}' is not valid."))?
                .as_str()
                .to_owned(),
        };
        Ok(NodeMap {
            id: id.as_str().to_owned(),
            nid,
            role,
            sub_role,
            node_info: self.node_info.clone().filter(|v| !v.is_null()),
        })
    }
}
