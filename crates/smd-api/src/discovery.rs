//! Inventory/Discover and Inventory/DiscoveryStatus bodies (HSM's
//! `sm.DiscoverIn` and `sm.DiscoveryStatus`, pkg/sm/misc.go).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::redfish_endpoint::nullable;

/// `Status` values of a DiscoveryStatus.
pub const NOT_STARTED: &str = "NotStarted";
pub const IN_PROGRESS: &str = "InProgress";
pub const COMPLETE: &str = "Complete";

/// POST /Inventory/Discover: which RedfishEndpoints to walk (none = all),
/// and whether to restart walks already under way.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DiscoverIn {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub xnames: Vec<String>,
    #[serde(default)]
    pub force: bool,
}

/// One DiscoveryStatus entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiscoveryStatus {
    #[serde(rename = "ID")]
    pub id: u32,
    /// NotStarted, Pending, InProgress or Complete.
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "LastUpdateTime")]
    pub last_update_time: String,
    #[serde(rename = "Details", default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}
