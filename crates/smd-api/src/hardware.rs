//! Hardware inventory wire types (HSM `pkg/sm/hwinv.go`, `hwinvhist.go`):
//! a location (`HWInvByLoc`, keyed by xname) optionally populated by a FRU
//! (`HWInvByFRU`, keyed by FRU ID), each carrying its type-specific Redfish
//! details under a type-specific key (`MemoryLocationInfo`, `MemoryFRUInfo`,
//! ...), and history events.

use ochami_types::{HmsType, Xname};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// How HSM names a type in hardware inventory: the `SystemHWInventory` array
/// and the prefix of the `<prefix>LocationInfo` / `<prefix>FRUInfo` keys and
/// of `HWInvByLoc<prefix>` / `HWInvByFRU<prefix>` (pkg/sm/hwinv.go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HwKind {
    pub array: &'static str,
    pub prefix: &'static str,
}

/// The types HSM keeps hardware inventory for; others are refused.
pub fn kind_of(t: HmsType) -> Option<HwKind> {
    let (array, prefix) = match t {
        HmsType::Cabinet => ("Cabinets", "Cabinet"),
        HmsType::Chassis => ("Chassis", "Chassis"),
        HmsType::ComputeModule => ("ComputeModules", "ComputeModule"),
        HmsType::RouterModule => ("RouterModules", "RouterModule"),
        HmsType::NodeEnclosure => ("NodeEnclosures", "NodeEnclosure"),
        HmsType::HsnBoard => ("HSNBoards", "HSNBoard"),
        HmsType::Node => ("Nodes", "Node"),
        HmsType::Processor => ("Processors", "Processor"),
        HmsType::NodeAccel => ("NodeAccels", "NodeAccel"),
        HmsType::Memory => ("Memory", "Memory"),
        HmsType::Drive => ("Drives", "Drive"),
        HmsType::NodeHsnNic => ("NodeHsnNics", "NodeHsnNic"),
        HmsType::CabinetPdu => ("CabinetPDUs", "PDU"),
        HmsType::CabinetPduOutlet | HmsType::CabinetPduPowerConnector => {
            ("CabinetPDUPowerConnectors", "Outlet")
        }
        HmsType::CmmRectifier => ("CMMRectifiers", "CMMRectifier"),
        HmsType::NodeEnclosurePowerSupply => {
            ("NodeEnclosurePowerSupplies", "NodeEnclosurePowerSupply")
        }
        HmsType::NodeAccelRiser => ("NodeAccelRisers", "NodeAccelRiser"),
        HmsType::NodeBmc => ("NodeBMCs", "NodeBMC"),
        HmsType::RouterBmc => ("RouterBMCs", "RouterBMC"),
        _ => return None,
    };
    Some(HwKind { array, prefix })
}

/// Node subcomponents: nested under their node in `NestNodesOnly` output.
pub fn is_node_part(t: HmsType) -> bool {
    matches!(
        t,
        HmsType::Processor
            | HmsType::NodeAccel
            | HmsType::Memory
            | HmsType::Drive
            | HmsType::NodeHsnNic
            | HmsType::NodeAccelRiser
    )
}

/// The node a node subcomponent sits in (a drive sits deeper, under a
/// storage group); `None` for anything else.
pub fn parent_node(id: &Xname) -> Option<Xname> {
    if !is_node_part(id.hms_type()) {
        return None;
    }
    let mut p = id.parent();
    while let Some(x) = p {
        if x.hms_type() == HmsType::Node {
            return Some(x);
        }
        p = x.parent();
    }
    None
}

/// HSM's FRU ID (pkg/redfish getStandardFRUID): `<Type>.<Manufacturer>.
/// <PartNumber>.<SerialNumber>` with everything but ASCII letters and digits
/// dropped; without a serial number, or without both manufacturer and part
/// number, the unit cannot be tracked and is `FRUIDfor<xname>`.
pub fn standard_fru_id(type_: &str, id: &str, mfr: &str, part: &str, serial: &str) -> String {
    let clean = |s: &str| -> String { s.chars().filter(char::is_ascii_alphanumeric).collect() };
    let (m, p, s) = (clean(mfr), clean(part), clean(serial));
    if (m.is_empty() && p.is_empty()) || s.is_empty() {
        return format!("FRUIDfor{id}");
    }
    let fru: Vec<&str> = [type_, m.as_str(), p.as_str(), s.as_str()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
    let fru = fru.join(".");
    if fru.len() > 255 {
        format!("FRUIDfor{id}")
    } else {
        fru
    }
}

/// The FRU ID for `info` (a `<prefix>FRUInfo` object) at location `id`.
pub fn fru_id_of(t: HmsType, id: &str, info: &Value) -> String {
    let s = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or("");
    let mfr = if t == HmsType::NodeAccelRiser {
        s("Producer")
    } else {
        s("Manufacturer")
    };
    // Power supplies carry no part number in HSM's FRU ID.
    let part = if matches!(t, HmsType::CmmRectifier | HmsType::NodeEnclosurePowerSupply) {
        ""
    } else {
        s("PartNumber")
    };
    standard_fru_id(t.as_str(), id, mfr, part, s("SerialNumber"))
}

/// A FRU, as `GET /Inventory/HardwareByFRU` and `PopulatedFRU` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HwInvByFru {
    #[serde(rename = "FRUID")]
    pub fru_id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "Subtype")]
    pub subtype: String,
    #[serde(rename = "HWInventoryByFRUType")]
    pub by_fru_type: String,
    /// `<prefix>FRUInfo`: the Redfish FRU properties (Manufacturer,
    /// PartNumber, SerialNumber, ...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub info: Map<String, Value>,
}

/// A location, as `GET /Inventory/Hardware` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HwInvByLoc {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "Ordinal")]
    pub ordinal: i32,
    /// `Populated` or `Empty`.
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "HWInventoryByLocationType")]
    pub by_loc_type: String,
    /// `<prefix>LocationInfo`: where it is (Id, Name, Description, ...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub info: Map<String, Value>,
    #[serde(rename = "PopulatedFRU", skip_serializing_if = "Option::is_none")]
    pub populated_fru: Option<HwInvByFru>,
}

impl HwInvByFru {
    pub fn new(fru_id: String, type_: String, subtype: String, info: Value) -> Self {
        let prefix = type_
            .parse::<HmsType>()
            .ok()
            .and_then(kind_of)
            .map_or("", |k| k.prefix);
        let mut m = Map::new();
        m.insert(format!("{prefix}FRUInfo"), info);
        HwInvByFru {
            fru_id,
            by_fru_type: format!("HWInvByFRU{prefix}"),
            type_,
            subtype,
            info: m,
        }
    }
}

impl HwInvByLoc {
    pub fn new(
        id: String,
        type_: String,
        ordinal: i32,
        info: Value,
        fru: Option<HwInvByFru>,
    ) -> Self {
        let prefix = type_
            .parse::<HmsType>()
            .ok()
            .and_then(kind_of)
            .map_or("", |k| k.prefix);
        let mut m = Map::new();
        m.insert(format!("{prefix}LocationInfo"), info);
        HwInvByLoc {
            id,
            status: if fru.is_some() { "Populated" } else { "Empty" }.into(),
            by_loc_type: format!("HWInvByLoc{prefix}"),
            type_,
            ordinal,
            info: m,
            populated_fru: fru,
        }
    }
}

/// A FRU to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFru {
    pub fru_id: String,
    pub type_: HmsType,
    pub subtype: String,
    pub info: Value,
}

/// A location to store, with the FRU now in it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLocation {
    pub id: Xname,
    pub ordinal: i32,
    pub info: Value,
    pub fru: Option<NewFru>,
}

/// One `PopulatedFRU` in a POST body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HwInvByFruIn {
    #[serde(rename = "FRUID", default)]
    pub fru_id: Option<String>,
    #[serde(rename = "Type", default)]
    pub type_: Option<String>,
    #[serde(rename = "Subtype", default)]
    pub subtype: Option<String>,
    /// `<prefix>FRUInfo` for the location's type.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub rest: Map<String, Value>,
}

/// One location in a POST body (HSM `HWInvByLoc`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HwInvByLocIn {
    #[serde(rename = "ID", default)]
    pub id: String,
    /// Derived from the ID; when given it must agree.
    #[serde(rename = "Type", default)]
    pub type_: Option<String>,
    #[serde(rename = "Ordinal", default)]
    pub ordinal: Option<i32>,
    #[serde(rename = "PopulatedFRU", default)]
    pub populated_fru: Option<HwInvByFruIn>,
    /// `<prefix>LocationInfo` for the location's type.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub rest: Map<String, Value>,
}

/// `POST /Inventory/Hardware` body (HSM `HwInvIn`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct HwInvIn {
    #[serde(rename = "Hardware")]
    pub hardware: Vec<HwInvByLocIn>,
}

/// A case-insensitive lookup of `key` among the body's other keys (Go's
/// decoder matches field names case-insensitively).
fn take_ci(m: &Map<String, Value>, key: &str) -> Option<Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.clone())
}

impl HwInvByLocIn {
    /// Validate as HSM's `NewHWInvByLocs` does; `at` prefixes field names.
    /// Check an entry in OpenCHAMI's order (`sm.NewHWInvByLocs`: ID,
    /// PopulatedFRU, location info, FRU info). The error is OpenCHAMI's
    /// sentence, which the client sees, and our explanation for the log
    /// (`at` names the entry there).
    pub fn resolve(&self, at: &str) -> Result<NewLocation, (&'static str, String)> {
        const BAD_ID: &str = "ID is empty or not a valid xname";
        let id: Xname = self
            .id
            .trim()
            .parse()
            .map_err(|e| (BAD_ID, format!("{at}ID: {e}")))?;
        let t = id.hms_type();
        let kind = kind_of(t).ok_or_else(|| {
            (
                "HMSType value not supported for this operation",
                format!("{at}ID: '{id}' is a {t}; hardware inventory is not kept for that type"),
            )
        })?;
        if let Some(given) = self.type_.as_deref().filter(|s| !s.trim().is_empty()) {
            let bad = |why: String| ("Type does not match the xname", why);
            let given: HmsType = given.parse().map_err(|e| bad(format!("{at}Type: {e}")))?;
            if given != t {
                return Err(bad(format!(
                    "{at}Type: '{given}' does not match ID '{id}' ({t})"
                )));
            }
        }
        let fru_in = self.populated_fru.as_ref().ok_or_else(|| {
            (
                "PopulatedFRU must be populated",
                format!("{at}PopulatedFRU: missing"),
            )
        })?;
        const NO_LOC: &str = "Component location info is empty";
        let loc_key = format!("{}LocationInfo", kind.prefix);
        let info = match take_ci(&self.rest, &loc_key) {
            Some(v @ Value::Object(_)) => v,
            Some(_) => return Err((NO_LOC, format!("{at}{loc_key}: must be an object"))),
            None => return Err((NO_LOC, format!("{at}{loc_key}: missing"))),
        };
        const NO_FRU: &str = "FRU info is empty";
        let fru_key = format!("{}FRUInfo", kind.prefix);
        let fru_info = match take_ci(&fru_in.rest, &fru_key) {
            Some(v @ Value::Object(_)) => v,
            Some(_) => {
                return Err((
                    NO_FRU,
                    format!("{at}PopulatedFRU.{fru_key}: must be an object"),
                ))
            }
            None => return Err((NO_FRU, format!("{at}PopulatedFRU.{fru_key}: missing"))),
        };
        // HSM derives the FRU ID from the FRU info; only outlets keep a given one.
        let fru_id = match (t, fru_in.fru_id.as_deref().map(str::trim)) {
            (HmsType::CabinetPduOutlet | HmsType::CabinetPduPowerConnector, Some(f))
                if !f.is_empty() =>
            {
                f.to_owned()
            }
            _ => fru_id_of(t, id.as_str(), &fru_info),
        };
        Ok(NewLocation {
            ordinal: self.ordinal.unwrap_or(0),
            info,
            fru: Some(NewFru {
                fru_id,
                type_: t,
                subtype: fru_in.subtype.clone().unwrap_or_default(),
                info: fru_info,
            }),
            id,
        })
    }
}

/// History event kinds (HSM `HWInvHistEventType*`).
pub const EVENT_TYPES: &[&str] = &["Added", "Removed", "Scanned", "Detected"];

/// An event type from a query, any case; `None` if unknown.
pub fn normalize_event_type(s: &str) -> Option<&'static str> {
    EVENT_TYPES
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(s.trim()))
}

/// One history event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HwInvHist {
    /// The location (xname).
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "FRUID")]
    pub fru_id: String,
    /// RFC 3339, UTC.
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    /// `Added`, `Removed`, `Scanned` or `Detected`.
    #[serde(rename = "EventType")]
    pub event_type: String,
}

/// The history of one location or FRU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HwInvHistArray {
    /// An xname or a FRU ID.
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "History")]
    pub history: Vec<HwInvHist>,
}

/// `{"Components":[...]}`: histories grouped by location or FRU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HwInvHistResp {
    #[serde(rename = "Components")]
    pub components: Vec<HwInvHistArray>,
}

impl HwInvHistResp {
    /// Group `events` (already ordered) by location or by FRU, keeping the
    /// order in which each key first appears (HSM `NewHWInvHistResp`).
    pub fn group(events: Vec<HwInvHist>, by_fru: bool) -> Self {
        let mut components: Vec<HwInvHistArray> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for e in events {
            let key = if by_fru {
                e.fru_id.clone()
            } else {
                e.id.clone()
            };
            match index.get(&key) {
                Some(&i) => components[i].history.push(e),
                None => {
                    index.insert(key.clone(), components.len());
                    components.push(HwInvHistArray {
                        id: key,
                        history: vec![e],
                    });
                }
            }
        }
        HwInvHistResp { components }
    }
}

/// Output layout of `GET /Inventory/Hardware/Query/{xname}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HwInvFormat {
    /// Every location in its type's top-level array.
    FullyFlat,
    /// Node subcomponents nested in their node; the rest flat (HSM's default).
    NestNodesOnly,
    /// Every location nested in its nearest listed ancestor.
    Hierarchical,
}

impl std::str::FromStr for HwInvFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fullyflat" => Ok(HwInvFormat::FullyFlat),
            "nestnodesonly" => Ok(HwInvFormat::NestNodesOnly),
            "hierarchical" => Ok(HwInvFormat::Hierarchical),
            _ => Err(format!(
                "'{s}' is not a format (FullyFlat, NestNodesOnly, Hierarchical)"
            )),
        }
    }
}

impl HwInvFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            HwInvFormat::FullyFlat => "FullyFlat",
            HwInvFormat::NestNodesOnly => "NestNodesOnly",
            HwInvFormat::Hierarchical => "Hierarchical",
        }
    }
}

/// `SystemHWInventory`: `XName`, `Format`, and one array per type present
/// (`Cabinets`, `Chassis`, `ComputeModules`, `RouterModules`,
/// `NodeEnclosures`, `HSNBoards`, `Nodes`, `Processors`, `NodeAccels`,
/// `Drives`, `Memory`, `NodeHsnNics`, `NodeBMCs`, ...); nested entries carry
/// their children's arrays the same way.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SystemHwInventory {
    #[serde(rename = "XName")]
    pub xname: String,
    #[serde(rename = "Format")]
    pub format: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub arrays: Map<String, Value>,
}

impl SystemHwInventory {
    /// Lay `locs` out in `format` (HSM `NewSystemHWInventory`). An entry
    /// whose parent is not among `locs` stays at the top level.
    pub fn build(xname: String, format: HwInvFormat, locs: Vec<HwInvByLoc>) -> Self {
        let ids: Vec<Option<Xname>> = locs.iter().map(|l| l.id.parse().ok()).collect();
        let pos: std::collections::HashMap<&str, usize> = locs
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();
        // The entry each location nests in, if any.
        let parent: Vec<Option<usize>> = ids
            .iter()
            .map(|id| {
                let id = id.as_ref()?;
                match format {
                    HwInvFormat::FullyFlat => None,
                    HwInvFormat::NestNodesOnly => {
                        parent_node(id).and_then(|n| pos.get(n.as_str()).copied())
                    }
                    HwInvFormat::Hierarchical => {
                        let mut p = id.parent();
                        while let Some(x) = p {
                            if let Some(&i) = pos.get(x.as_str()) {
                                return Some(i);
                            }
                            p = x.parent();
                        }
                        None
                    }
                }
            })
            .collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); locs.len()];
        let mut roots = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match p {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }
        fn array_name(l: &HwInvByLoc) -> &'static str {
            l.type_
                .parse::<HmsType>()
                .ok()
                .and_then(kind_of)
                .map_or("Other", |k| k.array)
        }
        fn render(i: usize, locs: &[HwInvByLoc], children: &[Vec<usize>]) -> Value {
            let mut v = serde_json::to_value(&locs[i]).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                for &c in &children[i] {
                    let arr = m
                        .entry(array_name(&locs[c]))
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = arr {
                        a.push(render(c, locs, children));
                    }
                }
            }
            v
        }
        let mut arrays = Map::new();
        for i in roots {
            let arr = arrays
                .entry(array_name(&locs[i]))
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = arr {
                a.push(render(i, &locs, &children));
            }
        }
        SystemHwInventory {
            xname,
            format: format.as_str().into(),
            arrays,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fru_ids_follow_hsm() {
        assert_eq!(
            standard_fru_id("Memory", "x1c0s0b0n0d0", "Hynix Ltd.", "HMA-84G", "0x1234"),
            "Memory.HynixLtd.HMA84G.0x1234"
        );
        assert_eq!(
            standard_fru_id("Memory", "x1c0s0b0n0d0", "Hynix", "", "S1"),
            "Memory.Hynix.S1"
        );
        assert_eq!(
            standard_fru_id("Processor", "x1c0s0b0n0p0", "Intel", "", ""),
            "FRUIDforx1c0s0b0n0p0"
        );
        assert_eq!(
            standard_fru_id("Node", "x1c0s0b0n0", "", "", "S1"),
            "FRUIDforx1c0s0b0n0"
        );
    }

    #[test]
    fn drives_belong_to_their_node() {
        let d: Xname = "x1c0s0b0n0g1k2".parse().unwrap();
        assert_eq!(parent_node(&d).unwrap().as_str(), "x1c0s0b0n0");
        let n: Xname = "x1c0s0b0n0".parse().unwrap();
        assert!(parent_node(&n).is_none());
    }

    #[test]
    fn post_entries_need_location_and_fru_info() {
        let e: HwInvByLocIn = serde_json::from_value(json!({
            "ID": "x1c0s0b0n0d0", "MemoryLocationInfo": {"Id": "DIMM0"}
        }))
        .unwrap();
        let (detail, why) = e.resolve("Hardware[0].").unwrap_err();
        assert_eq!(detail, "PopulatedFRU must be populated");
        assert_eq!(why, "Hardware[0].PopulatedFRU: missing");
        let e: HwInvByLocIn = serde_json::from_value(json!({
            "ID": "x1c0s0b0n0d0", "Type": "Processor", "MemoryLocationInfo": {},
            "PopulatedFRU": {"MemoryFRUInfo": {}}
        }))
        .unwrap();
        let (_, why) = e.resolve("").unwrap_err();
        assert!(why.starts_with("Type: 'Processor' does not match"), "{why}");
    }

    #[test]
    fn nest_nodes_only_puts_parts_under_their_node() {
        let loc = |id: &str, t: &str| HwInvByLoc::new(id.into(), t.into(), 0, json!({}), None);
        let inv = SystemHwInventory::build(
            "s0".into(),
            HwInvFormat::NestNodesOnly,
            vec![
                loc("x1c0s0b0n0", "Node"),
                loc("x1c0s0b0n0p0", "Processor"),
                loc("x1c0s0b0n1d0", "Memory"),
            ],
        );
        let v = serde_json::to_value(&inv).unwrap();
        assert_eq!(v["Nodes"][0]["Processors"][0]["ID"], "x1c0s0b0n0p0");
        // Its node is not listed: the DIMM stays at the top.
        assert_eq!(v["Memory"][0]["ID"], "x1c0s0b0n1d0");
        assert!(v.get("Processors").is_none());
    }
}
