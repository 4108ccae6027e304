//! Inventory/RedfishEndpoints: `RedfishEPDescription` out, `RawRedfishEP` plus
//! magellan's SchemaVersion-1 inventory (`Systems`, `Managers`) in.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::is_false;

/// `DiscoveryInfo` of an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiscoveryInfo {
    #[serde(
        rename = "LastDiscoveryAttempt",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub last_discovery_attempt: String,
    #[serde(rename = "LastDiscoveryStatus")]
    pub last_discovery_status: String,
    #[serde(
        rename = "RedfishVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub redfish_version: String,
}

/// A RedfishEndpoint as GET returns it.
// `Debug` (below) leaves the password out.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RedfishEndpoint {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "Name", default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(rename = "Hostname")]
    pub hostname: String,
    #[serde(rename = "Domain")]
    pub domain: String,
    #[serde(rename = "FQDN")]
    pub fqdn: String,
    #[serde(rename = "Enabled")]
    pub enabled: bool,
    #[serde(rename = "UUID", default, skip_serializing_if = "String::is_empty")]
    pub uuid: String,
    #[serde(rename = "User")]
    pub user: String,
    #[serde(rename = "Password")]
    pub password: String,
    #[serde(rename = "UseSSDP", default, skip_serializing_if = "is_false")]
    pub use_ssdp: bool,
    #[serde(rename = "MACRequired", default, skip_serializing_if = "is_false")]
    pub mac_required: bool,
    #[serde(rename = "MACAddr", default, skip_serializing_if = "String::is_empty")]
    pub mac_addr: String,
    #[serde(
        rename = "IPAddress",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub ip_address: String,
    #[serde(rename = "RediscoverOnUpdate")]
    pub rediscover_on_update: bool,
    #[serde(
        rename = "TemplateID",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub template_id: String,
    #[serde(rename = "DiscoveryInfo")]
    pub discovery_info: DiscoveryInfo,
}

/// `{"RedfishEndpoints":[...]}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RedfishEndpointArray {
    #[serde(rename = "RedfishEndpoints")]
    pub redfish_endpoints: Vec<RedfishEndpoint>,
}

/// `{"URI": ...}`, as OpenCHAMI's `ResourceURI`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResourceUri {
    #[serde(rename = "URI")]
    pub uri: String,
}

/// Go's nil slice arrives as `null`: treat it as empty.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A RedfishEndpoint in a POST/PUT body, possibly carrying magellan's
/// inventory. IDs, MACs and IPs are checked by the handler so errors can say
/// which entry is wrong.
#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct RedfishEndpointIn {
    #[serde(rename = "ID", alias = "id", default, deserialize_with = "nullable")]
    pub id: String,
    /// Ignored: derived from the ID.
    #[serde(
        rename = "Type",
        alias = "type",
        default,
        deserialize_with = "nullable"
    )]
    pub type_: String,
    #[serde(
        rename = "Name",
        alias = "name",
        default,
        deserialize_with = "nullable"
    )]
    pub name: String,
    #[serde(
        rename = "Hostname",
        alias = "hostname",
        default,
        deserialize_with = "nullable"
    )]
    pub hostname: String,
    #[serde(
        rename = "Domain",
        alias = "domain",
        default,
        deserialize_with = "nullable"
    )]
    pub domain: String,
    #[serde(
        rename = "FQDN",
        alias = "fqdn",
        default,
        deserialize_with = "nullable"
    )]
    pub fqdn: String,
    #[serde(rename = "Enabled", alias = "enabled", default)]
    pub enabled: Option<bool>,
    #[serde(
        rename = "UUID",
        alias = "uuid",
        default,
        deserialize_with = "nullable"
    )]
    pub uuid: String,
    #[serde(
        rename = "User",
        alias = "user",
        default,
        deserialize_with = "nullable"
    )]
    pub user: String,
    #[serde(
        rename = "Password",
        alias = "password",
        default,
        deserialize_with = "nullable"
    )]
    pub password: String,
    #[serde(rename = "UseSSDP", alias = "usessdp", default)]
    pub use_ssdp: Option<bool>,
    #[serde(rename = "MACRequired", alias = "macrequired", default)]
    pub mac_required: Option<bool>,
    #[serde(
        rename = "MACAddr",
        alias = "macaddr",
        default,
        deserialize_with = "nullable"
    )]
    pub mac_addr: String,
    #[serde(
        rename = "IPAddress",
        alias = "ipaddress",
        default,
        deserialize_with = "nullable"
    )]
    pub ip_address: String,
    #[serde(rename = "RediscoverOnUpdate", alias = "rediscoveronupdate", default)]
    pub rediscover_on_update: Option<bool>,
    #[serde(
        rename = "TemplateID",
        alias = "templateid",
        default,
        deserialize_with = "nullable"
    )]
    pub template_id: String,
    /// 1 = magellan's collect format in `Systems` / `Managers`.
    #[serde(rename = "SchemaVersion", alias = "schemaversion", default)]
    pub schema_version: Option<i64>,
    #[serde(
        rename = "Systems",
        alias = "systems",
        default,
        deserialize_with = "nullable"
    )]
    pub systems: Vec<SystemIn>,
    #[serde(
        rename = "Managers",
        alias = "managers",
        default,
        deserialize_with = "nullable"
    )]
    pub managers: Vec<ManagerIn>,
}

/// `{"RedfishEndpoints":[...]}` in a POST body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RedfishEndpointArrayIn {
    #[serde(rename = "RedfishEndpoints", alias = "redfishendpoints")]
    pub redfish_endpoints: Vec<RedfishEndpointIn>,
}

/// PATCH body: only the fields present change.
#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct RedfishEndpointPatch {
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<String>,
    #[serde(rename = "Hostname", alias = "hostname", default)]
    pub hostname: Option<String>,
    #[serde(rename = "Domain", alias = "domain", default)]
    pub domain: Option<String>,
    #[serde(rename = "FQDN", alias = "fqdn", default)]
    pub fqdn: Option<String>,
    #[serde(rename = "Enabled", alias = "enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "UUID", alias = "uuid", default)]
    pub uuid: Option<String>,
    #[serde(rename = "User", alias = "user", default)]
    pub user: Option<String>,
    #[serde(rename = "Password", alias = "password", default)]
    pub password: Option<String>,
    #[serde(rename = "UseSSDP", alias = "usessdp", default)]
    pub use_ssdp: Option<bool>,
    #[serde(rename = "MACRequired", alias = "macrequired", default)]
    pub mac_required: Option<bool>,
    #[serde(rename = "MACAddr", alias = "macaddr", default)]
    pub mac_addr: Option<String>,
    #[serde(rename = "IPAddress", alias = "ipaddress", default)]
    pub ip_address: Option<String>,
    #[serde(rename = "RediscoverOnUpdate", alias = "rediscoveronupdate", default)]
    pub rediscover_on_update: Option<bool>,
    #[serde(rename = "TemplateID", alias = "templateid", default)]
    pub template_id: Option<String>,
}

/// One of magellan's `ethernet_interfaces`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EthernetIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub mac: String,
    #[serde(deserialize_with = "nullable")]
    pub ip: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PowerIn {
    #[serde(deserialize_with = "nullable")]
    pub state: String,
    #[serde(deserialize_with = "nullable")]
    pub power_control_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct LinksIn {
    #[serde(deserialize_with = "nullable")]
    pub chassis: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub managers: Vec<String>,
}

/// One of magellan's `Systems` (OpenCHAMI `schemas.InventoryDetail`); other
/// keys are accepted and ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SystemIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub uuid: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    pub system_type: String,
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub serial: String,
    #[serde(deserialize_with = "nullable")]
    pub bios_version: String,
    #[serde(deserialize_with = "nullable")]
    pub ethernet_interfaces: Vec<EthernetIn>,
    #[serde(deserialize_with = "nullable")]
    pub power: PowerIn,
    #[serde(deserialize_with = "nullable")]
    pub actions: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub links: LinksIn,
    pub processor_count: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub processor_type: String,
    /// GiB.
    pub memory_total: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub chassis_sku: String,
    #[serde(deserialize_with = "nullable")]
    pub chassis_serial: String,
    #[serde(deserialize_with = "nullable")]
    pub chassis_asset_tag: String,
    #[serde(deserialize_with = "nullable")]
    pub chassis_manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    pub chassis_model: String,
    /// Absent: the node's stored NICs are left alone; a list (even empty)
    /// is the whole truth and NICs not in it are removed.
    pub network_interfaces: Option<Vec<NetworkInterfaceIn>>,
    /// Per-CPU detail; absent or a list, as `network_interfaces`.
    pub processors: Option<Vec<ProcessorIn>>,
    /// Per-DIMM detail; absent or a list, as `network_interfaces`.
    pub memory: Option<Vec<MemoryIn>>,
}

/// One of magellan's `network_interfaces` (with its `adapter`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NetworkInterfaceIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    #[serde(deserialize_with = "nullable")]
    pub adapter: NetworkAdapterIn,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NetworkAdapterIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub serial: String,
    #[serde(deserialize_with = "nullable")]
    pub description: String,
}

/// One of magellan's `processors` (a Redfish Processor, summarised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProcessorIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub socket: String,
    #[serde(deserialize_with = "nullable")]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub architecture: String,
    pub cores: Option<u64>,
    pub threads: Option<u64>,
    pub max_speed_mhz: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub part_number: String,
    #[serde(deserialize_with = "nullable")]
    pub serial: String,
}

/// One of magellan's `memory` (a Redfish Memory device, summarised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemoryIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub device_type: String,
    pub capacity_mib: Option<u64>,
    pub speed_mhz: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    pub part_number: String,
    #[serde(deserialize_with = "nullable")]
    pub serial: String,
}

/// One of magellan's `Managers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ManagerIn {
    #[serde(deserialize_with = "nullable")]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    pub uuid: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub type_: String,
    #[serde(deserialize_with = "nullable")]
    pub firmware_version: String,
    #[serde(deserialize_with = "nullable")]
    pub ethernet_interfaces: Vec<EthernetIn>,
    #[serde(deserialize_with = "nullable")]
    pub actions: Vec<String>,
}

/// A validated endpoint row, defaults applied as OpenCHAMI's
/// `NewRedfishEPDescription` does.
#[derive(Clone)]
pub struct NewRedfishEndpoint {
    pub id: ochami_types::Xname,
    pub name: String,
    pub hostname: String,
    pub domain: String,
    pub fqdn: String,
    pub enabled: bool,
    pub uuid: String,
    pub user: String,
    pub password: String,
    pub use_ssdp: bool,
    pub mac_required: bool,
    pub mac_addr: String,
    pub ip_address: String,
    pub rediscover_on_update: bool,
    pub template_id: String,
}

fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

impl RedfishEndpointIn {
    /// Validate and fill defaults; `at` prefixes field names in errors.
    pub fn resolve(&self, at: &str) -> Result<NewRedfishEndpoint, String> {
        let raw_id = if self.id.trim().is_empty() {
            self.hostname.trim()
        } else {
            self.id.trim()
        };
        if raw_id.is_empty() {
            return Err(format!("{at}ID: missing (give ID or Hostname)"));
        }
        let id: ochami_types::Xname = raw_id.parse().map_err(|e| format!("{at}ID: {e}"))?;
        if !id.hms_type().is_controller() {
            return Err(format!(
                "{at}ID: '{id}' is a {}; a RedfishEndpoint ID must be a controller xname \
                 (NodeBMC, ChassisBMC, RouterBMC, CabinetBMC, CabinetPDUController, MgmtSwitch, \
                 MgmtHLSwitch, CDUMgmtSwitch)",
                id.hms_type()
            ));
        }
        let fqdn_in = self.fqdn.trim();
        let (hostname, mut domain) = if !self.hostname.trim().is_empty() {
            (
                self.hostname.trim().to_owned(),
                self.domain.trim().to_owned(),
            )
        } else if !fqdn_in.is_empty() {
            if is_ip(fqdn_in) {
                (fqdn_in.to_owned(), String::new())
            } else {
                match fqdn_in.split_once('.') {
                    Some((h, d)) => (h.to_owned(), d.to_owned()),
                    None => (fqdn_in.to_owned(), String::new()),
                }
            }
        } else {
            (id.as_str().to_owned(), self.domain.trim().to_owned())
        };
        if domain.is_empty() && !self.domain.trim().is_empty() {
            domain = self.domain.trim().to_owned();
        }
        let fqdn = if !fqdn_in.is_empty() {
            fqdn_in.to_owned()
        } else if is_ip(&hostname) || domain.is_empty() {
            hostname.clone()
        } else {
            format!("{hostname}.{domain}")
        };
        let ip_address = if !self.ip_address.trim().is_empty() {
            super::ethernet_interface::parse_ip(&self.ip_address)
                .map_err(|e| format!("{at}IPAddress: {e}"))?
        } else if is_ip(&hostname) {
            hostname.clone()
        } else {
            String::new()
        };
        let mac_addr = if self.mac_addr.trim().is_empty() {
            String::new()
        } else {
            self.mac_addr
                .parse::<ochami_types::MacAddr>()
                .map_err(|e| format!("{at}MACAddr: {e}"))?
                .to_string()
        };
        Ok(NewRedfishEndpoint {
            id,
            name: self.name.clone(),
            hostname,
            domain,
            fqdn,
            enabled: self.enabled.unwrap_or(true),
            uuid: self.uuid.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
            use_ssdp: self.use_ssdp.unwrap_or(false),
            mac_required: self.mac_required.unwrap_or(false),
            mac_addr,
            ip_address,
            rediscover_on_update: self.rediscover_on_update.unwrap_or(false),
            template_id: self.template_id.clone(),
        })
    }
}

// Rationale: passwords must never reach a log line, so no `Debug` prints them.
macro_rules! debug_without_password {
    ($t:ty) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))
                    .field("id", &self.id)
                    .finish_non_exhaustive()
            }
        }
    };
}
debug_without_password!(RedfishEndpoint);
debug_without_password!(RedfishEndpointIn);
debug_without_password!(NewRedfishEndpoint);

impl std::fmt::Debug for RedfishEndpointPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedfishEndpointPatch")
            .finish_non_exhaustive()
    }
}
