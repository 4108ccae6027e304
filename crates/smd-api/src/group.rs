//! Groups, partitions and memberships (OpenCHAMI pkg/sm/groups.go).

use ochami_types::Xname;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"ids":[..]}`: member xnames, sorted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Members {
    pub ids: Vec<String>,
}

/// A group as GET returns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Group {
    pub label: String,
    pub description: String,
    #[serde(
        rename = "exclusiveGroup",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub exclusive_group: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub members: Members,
}

/// A partition as GET returns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Partition {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub members: Members,
}

/// Members in a POST body; each id is checked (and normalised) as an xname.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MembersIn {
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<Xname>,
}

/// POST /groups body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GroupIn {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "exclusiveGroup", default)]
    pub exclusive_group: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub members: MembersIn,
}

/// POST /partitions body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PartitionIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub members: MembersIn,
}

/// PATCH /groups/{label} and /partitions/{name}: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GroupPatch {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// POST .../members body: `{"id":"x.."}`; the handler checks the xname
/// (OpenCHAMI's `invalid xname ID`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MemberIn {
    #[serde(default)]
    pub id: String,
}

/// A component's groups and partition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Membership {
    pub id: String,
    #[serde(rename = "groupLabels")]
    pub group_labels: Vec<String>,
    #[serde(rename = "partitionName")]
    pub partition_name: String,
}

/// A group label, partition name, exclusive-group name or tag: lower-cased,
/// then `^[-a-z0-9:._]+$` (OpenCHAMI's VerifyGroupField).
pub fn group_field(field: &str, raw: &str) -> Result<String, String> {
    let v = raw.trim().to_ascii_lowercase();
    if !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-:._".contains(&b))
    {
        Ok(v)
    } else if v.is_empty() {
        Err(format!("{field}: missing"))
    } else {
        Err(format!(
            "{field}: '{raw}' has invalid characters (allowed: a-z, 0-9, '-', ':', '.', '_')"
        ))
    }
}
