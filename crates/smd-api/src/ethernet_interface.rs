//! Inventory/EthernetInterfaces (v2): `sm.CompEthInterfaceV2`.

use ochami_types::{MacAddr, Xname};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// One IP address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IpAddressMapping {
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "Network", default, skip_serializing_if = "String::is_empty")]
    pub network: String,
}

/// An Ethernet interface as GET returns it. `IPAddresses` is never null.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EthernetInterface {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "MACAddress")]
    pub mac_address: String,
    #[serde(rename = "LastUpdate")]
    pub last_update: String,
    #[serde(rename = "ComponentID")]
    pub component_id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "IPAddresses")]
    pub ip_addresses: Vec<IpAddressMapping>,
}

/// An IP address in a body: must parse as IPv4 or IPv6; stored canonical.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IpAddressIn {
    #[serde(rename = "IPAddress", deserialize_with = "ip_de")]
    #[schema(value_type = String)]
    pub ip_address: String,
    #[serde(rename = "Network", default)]
    pub network: String,
}

impl From<IpAddressIn> for IpAddressMapping {
    fn from(i: IpAddressIn) -> Self {
        IpAddressMapping {
            ip_address: i.ip_address,
            network: i.network,
        }
    }
}

pub fn ip_de<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    parse_ip(&s).map_err(serde::de::Error::custom)
}

/// A canonical IP address string.
pub fn parse_ip(s: &str) -> Result<String, String> {
    s.trim()
        .parse::<std::net::IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| format!("invalid IP address '{s}'"))
}

/// `POST /Inventory/EthernetInterfaces`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EthernetInterfaceIn {
    /// Ignored: the ID is always the MAC in lower-case hex.
    #[serde(rename = "ID", default)]
    pub id: Option<String>,
    #[serde(rename = "Description", default)]
    pub description: String,
    #[serde(rename = "MACAddress", default)]
    #[schema(value_type = String)]
    pub mac_address: Option<MacAddr>,
    #[serde(rename = "ComponentID", default, deserialize_with = "opt_xname")]
    #[schema(value_type = Option<String>)]
    pub component_id: Option<Xname>,
    #[serde(rename = "IPAddresses", default)]
    pub ip_addresses: Vec<IpAddressIn>,
}

/// `PATCH /Inventory/EthernetInterfaces/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EthernetInterfacePatch {
    #[serde(rename = "Description", default)]
    pub description: Option<String>,
    /// `""` detaches the interface from its component.
    #[serde(rename = "ComponentID", default)]
    pub component_id: Option<String>,
    #[serde(rename = "IPAddresses", default)]
    pub ip_addresses: Option<Vec<IpAddressIn>>,
}

/// `PATCH .../IPAddresses/{ip}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IpAddressPatch {
    #[serde(rename = "Network", default)]
    pub network: Option<String>,
}

/// An optional xname where `""` means none.
pub fn opt_xname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Xname>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A row to insert.
#[derive(Debug, Clone)]
pub struct NewEthernetInterface {
    pub mac: MacAddr,
    pub description: String,
    pub component_id: Option<Xname>,
    pub ip_addresses: Vec<IpAddressMapping>,
}
