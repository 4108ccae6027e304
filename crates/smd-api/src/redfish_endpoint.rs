//! Inventory/RedfishEndpoints: `RedfishEPDescription` out, `RawRedfishEP` plus
//! magellan's SchemaVersion-1 inventory (`Systems`, `Managers`) in.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::is_false;

/// `DiscoveryInfo` of an endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
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
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
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
///
/// The same type is what magellan and smd's discovery send: serialized, the
/// empty optional fields are left out, as OpenCHAMI magellan leaves them.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RedfishEndpointIn {
    #[serde(rename = "ID", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub id: String,
    /// Ignored: derived from the ID.
    #[serde(rename = "Type", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub type_: String,
    #[serde(rename = "Name", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(
        rename = "Hostname",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub hostname: String,
    #[serde(
        rename = "Domain",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub domain: String,
    #[serde(rename = "FQDN", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub fqdn: String,
    #[serde(rename = "Enabled", default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(
        rename = "UUID",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub uuid: String,
    #[serde(rename = "User", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub user: String,
    #[serde(
        rename = "Password",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub password: String,
    #[serde(rename = "UseSSDP", default, skip_serializing_if = "Option::is_none")]
    pub use_ssdp: Option<bool>,
    #[serde(
        rename = "MACRequired",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mac_required: Option<bool>,
    #[serde(
        rename = "MACAddr",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub mac_addr: String,
    #[serde(
        rename = "IPAddress",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub ip_address: String,
    #[serde(
        rename = "RediscoverOnUpdate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub rediscover_on_update: Option<bool>,
    #[serde(
        rename = "TemplateID",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub template_id: String,
    /// 1 = magellan's collect format in `Systems` / `Managers`.
    #[serde(
        rename = "SchemaVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub schema_version: Option<i64>,
    #[serde(rename = "Systems", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub systems: Vec<SystemIn>,
    #[serde(rename = "Managers", default, deserialize_with = "nullable")]
    #[schema(nullable)]
    pub managers: Vec<ManagerIn>,
}

/// `{"RedfishEndpoints":[...]}` in a POST body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RedfishEndpointArrayIn {
    #[serde(rename = "RedfishEndpoints")]
    pub redfish_endpoints: Vec<RedfishEndpointIn>,
}

/// PATCH body: only the fields present change.
#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct RedfishEndpointPatch {
    #[serde(rename = "Name", default)]
    pub name: Option<String>,
    #[serde(rename = "Hostname", default)]
    pub hostname: Option<String>,
    #[serde(rename = "Domain", default)]
    pub domain: Option<String>,
    #[serde(rename = "FQDN", default)]
    pub fqdn: Option<String>,
    #[serde(rename = "Enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "UUID", default)]
    pub uuid: Option<String>,
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    #[serde(rename = "Password", default)]
    pub password: Option<String>,
    #[serde(rename = "UseSSDP", default)]
    pub use_ssdp: Option<bool>,
    #[serde(rename = "MACRequired", default)]
    pub mac_required: Option<bool>,
    #[serde(rename = "MACAddr", default)]
    pub mac_addr: Option<String>,
    #[serde(rename = "IPAddress", default)]
    pub ip_address: Option<String>,
    #[serde(rename = "RediscoverOnUpdate", default)]
    pub rediscover_on_update: Option<bool>,
    #[serde(rename = "TemplateID", default)]
    pub template_id: Option<String>,
}

impl RedfishEndpointPatch {
    /// The stored endpoint with this patch applied, as a body to validate
    /// again (OpenCHAMI's PatchRFEndpointNoDiscInfo). A new IPAddress also
    /// replaces a Hostname and FQDN that were the old IP address.
    pub fn merged_into(&self, old: &RedfishEndpoint) -> RedfishEndpointIn {
        let pick = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_owned());
        let mut hostname = pick(&self.hostname, &old.hostname);
        let mut fqdn = pick(&self.fqdn, &old.fqdn);
        let ip_address = pick(&self.ip_address, &old.ip_address);
        if self.ip_address.is_some()
            && ip_address != old.ip_address
            && ip_string(&hostname).is_some_and(|ip| ip != ip_address)
        {
            hostname = ip_address.clone();
            fqdn = ip_address.clone();
        }
        RedfishEndpointIn {
            id: old.id.clone(),
            name: pick(&self.name, &old.name),
            hostname,
            domain: pick(&self.domain, &old.domain),
            fqdn,
            enabled: Some(self.enabled.unwrap_or(old.enabled)),
            uuid: pick(&self.uuid, &old.uuid),
            user: pick(&self.user, &old.user),
            password: pick(&self.password, &old.password),
            use_ssdp: Some(self.use_ssdp.unwrap_or(old.use_ssdp)),
            mac_required: Some(self.mac_required.unwrap_or(old.mac_required)),
            mac_addr: pick(&self.mac_addr, &old.mac_addr),
            ip_address,
            rediscover_on_update: Some(
                self.rediscover_on_update
                    .unwrap_or(old.rediscover_on_update),
            ),
            template_id: pick(&self.template_id, &old.template_id),
            ..Default::default()
        }
    }
}

/// One of magellan's `ethernet_interfaces`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EthernetIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub mac: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub ip: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A system's power facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PowerIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub state: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub mode: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub restore_policy: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub power_control_ids: Vec<String>,
}

/// A system's `Links`: chassis and managers, as Redfish URIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct LinksIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub managers: Vec<String>,
}

/// One of magellan's `Systems` (OpenCHAMI `schemas.InventoryDetail`); other
/// keys are accepted and ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SystemIn {
    /// Full URL of the system resource (SMD keeps only the path).
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uuid: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub system_type: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub serial: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub bios_version: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub ethernet_interfaces: Vec<EthernetIn>,
    /// Absent: the node's stored NICs are left alone; a list (even empty)
    /// is the whole truth and NICs not in it are removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterfaceIn>>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub power: PowerIn,
    /// Allowable `ResetType`s of `#ComputerSystem.Reset`.
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_count: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub processor_type: String,
    /// GiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_total: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub trusted_modules: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis_sku: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis_serial: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis_asset_tag: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis_manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub chassis_model: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub links: LinksIn,
    /// Per-CPU detail (beyond OpenCHAMI's summary; OpenCHAMI/magellan#143);
    /// absent or a list, as `network_interfaces`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processors: Option<Vec<ProcessorIn>>,
    /// Per-DIMM detail; absent or a list, as `network_interfaces`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Vec<MemoryIn>>,
}

/// One of magellan's `network_interfaces` (with its `adapter`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NetworkInterfaceIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub description: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub adapter: NetworkAdapterIn,
}

/// The adapter behind a network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NetworkAdapterIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub serial: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub description: String,
}

/// One of magellan's `processors` (a Redfish Processor, summarised).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProcessorIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub socket: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cores: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_speed_mhz: Option<u64>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub part_number: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    #[schema(nullable)]
    pub serial: String,
}

/// One of magellan's `memory` (a Redfish Memory device, summarised).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemoryIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub device_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_mib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_mhz: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub manufacturer: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub part_number: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub serial: String,
}

/// One of magellan's `Managers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ManagerIn {
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uri: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub uuid: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub description: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub model: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    #[schema(nullable)]
    pub type_: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub firmware_version: String,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub ethernet_interfaces: Vec<EthernetIn>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub actions: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    #[schema(nullable)]
    pub command_shell: Vec<String>,
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

/// Go's `GetIPAddressString`: the IP in canonical form, `[v6]` accepted.
fn ip_string(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(t);
    t.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

/// Go's `strings.Trim(s, "./ ")`.
fn go_trim(s: &str) -> &str {
    s.trim_matches(|c| c == '.' || c == '/' || c == ' ')
}

/// A RedfishEndpoint's `MACAddr`: a 48-bit MAC in canonical form, or an
/// 8-octet EUI-64 (`ff:ff:ff:ff:ff:ff:ff:ff`, which OpenCHAMI stores as
/// given) lower-cased.
pub fn endpoint_mac(s: &str) -> Result<String, String> {
    let t = s.trim();
    if let Ok(m) = t.parse::<ochami_types::MacAddr>() {
        return Ok(m.to_string());
    }
    let sep = if t.contains('-') { '-' } else { ':' };
    let parts: Vec<&str> = t.split(sep).collect();
    if parts.len() == 8
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Ok(parts.join(":").to_ascii_lowercase());
    }
    t.parse::<ochami_types::MacAddr>()
        .map(|m| m.to_string())
        .map_err(|e| e.to_string())
}

impl RedfishEndpointIn {
    /// Validate and fill defaults as OpenCHAMI's `NewRedfishEPDescription`
    /// does (rfendpoints.go), step for step; the error is its sentence
    /// (`foo is not a valid locational xname ID`, `host/domain conflicts with
    /// FQDN: 'a' != 'b'`), which handlers prefix with `couldn't validate
    /// endpoint data: `. Only an ID given: Hostname stays empty and FQDN is
    /// the ID.
    pub fn resolve(&self) -> Result<NewRedfishEndpoint, String> {
        let mut domain = go_trim(&self.domain).to_owned();
        let mut host_is_ip = false;
        let mut hostname = String::new();
        if !self.hostname.is_empty() {
            hostname = go_trim(&self.hostname).to_owned();
            if let Some(ip) = ip_string(&hostname) {
                host_is_ip = true;
                hostname = ip;
            } else if hostname.contains('.') {
                return Err("Hostname is not a basename or IP address.".into());
            }
        }
        // A FQDN fills in whichever of hostname and domain is missing; a
        // mismatch is caught below.
        if !self.fqdn.is_empty() {
            if let Some(ip) = ip_string(&self.fqdn).filter(|_| hostname.is_empty()) {
                hostname = ip;
                host_is_ip = true;
            }
            let (fqdn_host, fqdn_domain) = match self.fqdn.split_once('.') {
                Some((h, d)) => (go_trim(h), go_trim(d)),
                None => (go_trim(&self.fqdn), ""),
            };
            if hostname.is_empty() {
                hostname = fqdn_host.to_owned();
            }
            if domain.is_empty() && hostname == fqdn_host {
                domain = fqdn_domain.to_owned();
            }
        }
        let raw_id = if self.id.is_empty() {
            hostname.clone()
        } else {
            go_trim(&self.id).to_owned()
        };
        if raw_id.is_empty() {
            return Err("No xname ID found".into());
        }
        let id: ochami_types::Xname = raw_id.parse().map_err(|_| {
            format!(
                "{} is not a valid locational xname ID",
                raw_id.trim().to_ascii_lowercase()
            )
        })?;
        if !id.hms_type().is_controller() {
            return Err(format!(
                "xname ID {id} has wrong type for RF endpoint: {}",
                id.hms_type()
            ));
        }
        let host_or_id = if hostname.is_empty() {
            id.as_str()
        } else {
            hostname.as_str()
        };
        let fqdn = if domain.is_empty() {
            host_or_id.to_owned()
        } else if host_is_ip {
            hostname.clone()
        } else {
            format!("{host_or_id}.{domain}")
        };
        let given_fqdn = ip_string(&self.fqdn).unwrap_or_else(|| self.fqdn.clone());
        if !self.fqdn.is_empty() && fqdn != given_fqdn {
            return Err(format!(
                "host/domain conflicts with FQDN: '{fqdn}' != '{given_fqdn}'"
            ));
        }
        let ip_address = if !self.ip_address.is_empty() {
            let ip = ip_string(&self.ip_address).ok_or_else(|| {
                format!("IPAddress is not a valid IP address: '{}'", self.ip_address)
            })?;
            if host_is_ip && ip != hostname {
                return Err(format!(
                    "hostname IP address conflicts with given IP address: '{hostname}' != '{ip}'"
                ));
            }
            ip
        } else if host_is_ip {
            hostname.clone()
        } else {
            String::new()
        };
        let mac_addr = if self.mac_addr.trim().is_empty() {
            String::new()
        } else {
            endpoint_mac(&self.mac_addr)?
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
