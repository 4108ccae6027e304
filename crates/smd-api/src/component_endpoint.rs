//! Inventory/ComponentEndpoints and ServiceEndpoints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a component is reached through its RedfishEndpoint. Exactly one of the
/// `Redfish*Info` blocks is present, by `ComponentEndpointType`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ComponentEndpoint {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "Domain", default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(rename = "FQDN", default, skip_serializing_if = "String::is_empty")]
    pub fqdn: String,
    #[serde(rename = "RedfishType")]
    pub redfish_type: String,
    #[serde(rename = "RedfishSubtype")]
    pub redfish_subtype: String,
    #[serde(rename = "MACAddr", default, skip_serializing_if = "String::is_empty")]
    pub mac_addr: String,
    #[serde(rename = "UUID", default, skip_serializing_if = "String::is_empty")]
    pub uuid: String,
    #[serde(rename = "OdataID")]
    pub odata_id: String,
    #[serde(rename = "RedfishEndpointID")]
    pub redfish_endpoint_id: String,
    #[serde(rename = "Enabled")]
    pub enabled: bool,
    #[serde(rename = "RedfishEndpointFQDN")]
    pub redfish_endpoint_fqdn: String,
    #[serde(rename = "RedfishURL")]
    pub redfish_url: String,
    #[serde(rename = "ComponentEndpointType")]
    pub component_endpoint_type: String,
    #[serde(
        rename = "RedfishChassisInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub chassis_info: Option<serde_json::Value>,
    #[serde(
        rename = "RedfishSystemInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub system_info: Option<serde_json::Value>,
    #[serde(
        rename = "RedfishManagerInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub manager_info: Option<serde_json::Value>,
    #[serde(
        rename = "RedfishPDUInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub pdu_info: Option<serde_json::Value>,
    #[serde(
        rename = "RedfishOutletInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub outlet_info: Option<serde_json::Value>,
}

/// `{"ComponentEndpoints":[...]}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComponentEndpointArray {
    #[serde(rename = "ComponentEndpoints")]
    pub component_endpoints: Vec<ComponentEndpoint>,
}

/// `ComponentEndpointType` for a Redfish type.
pub fn endpoint_type(redfish_type: &str) -> &'static str {
    match redfish_type {
        "ComputerSystem" => "ComponentEndpointComputerSystem",
        "Manager" => "ComponentEndpointManager",
        "Chassis" => "ComponentEndpointChassis",
        "PowerDistribution" => "ComponentEndpointPDU",
        "Outlet" => "ComponentEndpointOutlet",
        _ => "",
    }
}

/// A Redfish service (UpdateService, EventService, ...) of an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceEndpoint {
    #[serde(rename = "RedfishEndpointID")]
    pub redfish_endpoint_id: String,
    #[serde(rename = "RedfishType")]
    pub redfish_type: String,
    #[serde(
        rename = "RedfishSubtype",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub redfish_subtype: String,
    #[serde(rename = "UUID")]
    pub uuid: String,
    #[serde(rename = "OdataID")]
    pub odata_id: String,
    #[serde(rename = "RedfishEndpointFQDN")]
    pub redfish_endpoint_fqdn: String,
    #[serde(rename = "RedfishURL")]
    pub redfish_url: String,
    #[serde(
        rename = "ServiceInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub service_info: Option<serde_json::Value>,
}

/// `{"ServiceEndpoints":[...]}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceEndpointArray {
    #[serde(rename = "ServiceEndpoints")]
    pub service_endpoints: Vec<ServiceEndpoint>,
}

impl ComponentEndpoint {
    /// The reset types the node's system accepts:
    /// `RedfishSystemInfo.Actions["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"]`
    /// (empty when SMD does not know).
    pub fn reset_types(&self) -> Vec<String> {
        self.system_info
            .as_ref()
            .and_then(|i| i.get("Actions"))
            .and_then(|a| a.get("#ComputerSystem.Reset"))
            .and_then(|r| r.get("ResetType@Redfish.AllowableValues"))
            .and_then(serde_json::Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}
