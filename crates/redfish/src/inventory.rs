//! The inventory magellan produces and SMD consumes: OpenCHAMI's
//! "SchemaVersion 1" RedfishEndpoint payload (one object per BMC), key for key
//! as OpenCHAMI magellan sends it and OpenCHAMI smd's
//! `parseRedfishEndpointDataV2` reads it.
//!
//! Wire structs only; building them from Redfish is `collect`'s job.
//! magellan prints and sends them; smd reads them back through its own
//! RedfishEndpoints ingestion.

use serde::{Deserialize, Serialize};

/// One BMC as POSTed to `/hsm/v2/Inventory/RedfishEndpoints`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedfishEndpoint {
    #[serde(rename = "ID")]
    pub id: String,
    /// Always "": SMD derives the type from the ID.
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(rename = "Name", default)]
    pub name: String,
    /// The BMC's address without scheme (and with `:port` only when it is not
    /// the scheme's default).
    #[serde(rename = "FQDN")]
    pub fqdn: String,
    #[serde(rename = "User", default)]
    pub user: String,
    #[serde(rename = "MACRequired", default)]
    pub mac_required: bool,
    #[serde(rename = "RediscoverOnUpdate", default)]
    pub rediscover_on_update: bool,
    /// The BMC's own MAC, when a manager interface carries the BMC's IP.
    #[serde(rename = "MACAddr", default, skip_serializing_if = "Option::is_none")]
    pub mac_addr: Option<String>,
    #[serde(rename = "SchemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "Systems", default)]
    pub systems: Vec<InventoryDetail>,
    #[serde(rename = "Managers", default)]
    pub managers: Vec<Manager>,
}

/// One ComputerSystem (OpenCHAMI smd `pkg/schemas` InventoryDetail).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryDetail {
    /// Full URL of the system resource (SMD keeps only the path).
    pub uri: String,
    pub uuid: String,
    pub manufacturer: String,
    pub system_type: String,
    pub name: String,
    pub model: String,
    pub serial: String,
    pub bios_version: String,
    pub ethernet_interfaces: Vec<EthernetInterface>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub power: Power,
    /// Allowable `ResetType`s of `#ComputerSystem.Reset`.
    pub actions: Vec<String>,
    pub processor_count: u32,
    pub processor_type: String,
    /// GiB.
    pub memory_total: f64,
    pub trusted_modules: Vec<String>,
    pub chassis_sku: String,
    pub chassis_serial: String,
    pub chassis_asset_tag: String,
    pub chassis_manufacturer: String,
    pub chassis_model: String,
    pub links: Links,
    /// Per-CPU detail (beyond OpenCHAMI's summary; OpenCHAMI/magellan#143).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processors: Vec<Processor>,
    /// Per-DIMM detail (OpenCHAMI/magellan#143).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub memory: Vec<MemoryDevice>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EthernetInterface {
    pub uri: String,
    pub mac: String,
    pub ip: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkInterface {
    pub uri: String,
    pub name: String,
    pub description: String,
    pub adapter: NetworkAdapter,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkAdapter {
    pub uri: String,
    pub manufacturer: String,
    pub name: String,
    pub model: String,
    pub serial: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Power {
    pub state: String,
    pub mode: String,
    pub restore_policy: String,
    pub power_control_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Links {
    pub chassis: Vec<String>,
    pub managers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Processor {
    pub uri: String,
    pub socket: String,
    pub manufacturer: String,
    pub model: String,
    pub architecture: String,
    pub cores: u32,
    pub threads: u32,
    pub max_speed_mhz: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemoryDevice {
    pub uri: String,
    pub name: String,
    pub device_type: String,
    pub capacity_mib: u64,
    pub speed_mhz: u32,
    pub manufacturer: String,
    pub part_number: String,
    pub serial: String,
}

/// One Manager (the inline type of OpenCHAMI smd's V2 parser).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manager {
    pub uri: String,
    pub uuid: String,
    pub name: String,
    pub description: String,
    pub model: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub firmware_version: String,
    pub ethernet_interfaces: Vec<EthernetInterface>,
    pub actions: Vec<String>,
    pub command_shell: Vec<String>,
}

impl RedfishEndpoint {
    /// Node xnames as SMD assigns them: `<ID>n<k>`, k counting unique system
    /// UUIDs in order (parseRedfishEndpointDataV2).
    pub fn nodes(&self) -> Vec<(String, &InventoryDetail)> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for sys in &self.systems {
            if seen.contains(&sys.uuid.as_str()) {
                continue;
            }
            seen.push(&sys.uuid);
            out.push((format!("{}n{}", self.id, out.len()), sys));
        }
        out
    }
}
