//! SMD's wire contract: JSON bodies with OpenCHAMI's field names and omitempty rules.
//! Input types validate at the edge (xnames, enums, MACs, IPs) so the store only
//! ever sees canonical values.

#[cfg(feature = "client")]
pub mod client;
pub mod component;
pub mod component_endpoint;
pub mod discovery;
pub mod ethernet_interface;
pub mod group;
pub mod hardware;
pub mod lock;
pub mod naming;
pub mod node_map;
pub mod power_map;
pub mod redfish_endpoint;
pub mod subscription;

use serde::{Deserialize, Deserializer};

/// Go's `json.Number` accepts a number; HMS clients also send NIDs as strings,
/// and `""` as none.
pub fn nid_de<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    nid_value(d, true)
}

/// A NID that must be an integer (or a string holding one): `""` is an error,
/// as Go's `json.Number` makes it (`BulkNID`).
pub fn nid_strict_de<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    nid_value(d, false)
}

fn nid_value<'de, D: Deserializer<'de>>(d: D, blank_ok: bool) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Int(i64),
        Str(String),
    }
    match Option::<N>::deserialize(d)? {
        None => Ok(None),
        Some(N::Int(n)) => Ok(Some(n)),
        Some(N::Str(s)) if blank_ok && s.trim().is_empty() => Ok(None),
        Some(N::Str(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("invalid NID '{s}': not an integer"))),
    }
}

/// `#[serde(skip_serializing_if = "is_false")]`: Go's omitempty on a bool.
pub fn is_false(b: &bool) -> bool {
    !*b
}

/// An optional HMS enum where `""` means absent, as Go's zero value does.
pub fn opt_enum<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}
