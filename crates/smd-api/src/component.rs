//! State/Components: `base.Component` (hms-base) on the wire.

use ochami_types::{Arch, Class, Flag, HmsType, NetType, Role, State, SubRole, Xname};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{is_false, nid_de, nid_strict_de};

/// A component as GET returns it; empty fields are omitted as OpenCHAMI does.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Component {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(rename = "State", default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(rename = "Flag", default, skip_serializing_if = "String::is_empty")]
    pub flag: String,
    #[serde(rename = "Enabled", default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(
        rename = "SoftwareStatus",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub software_status: String,
    #[serde(rename = "Role", default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    #[serde(rename = "SubRole", default, skip_serializing_if = "String::is_empty")]
    pub sub_role: String,
    #[serde(rename = "NID", default, skip_serializing_if = "Option::is_none")]
    pub nid: Option<i64>,
    #[serde(rename = "Subtype", default, skip_serializing_if = "String::is_empty")]
    pub subtype: String,
    #[serde(rename = "NetType", default, skip_serializing_if = "String::is_empty")]
    pub net_type: String,
    #[serde(rename = "Arch", default, skip_serializing_if = "String::is_empty")]
    pub arch: String,
    #[serde(rename = "Class", default, skip_serializing_if = "String::is_empty")]
    pub class: String,
    #[serde(
        rename = "ReservationDisabled",
        default,
        skip_serializing_if = "is_false"
    )]
    pub reservation_disabled: bool,
    #[serde(rename = "Locked", default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

/// `{"Components":[...]}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComponentArray {
    #[serde(rename = "Components")]
    pub components: Vec<Component>,
}

/// A component in a POST/PUT body. Values are checked after decoding, in
/// OpenCHAMI's order (`sm.NewCompPost`: ID, State, Flag, Role, SubRole,
/// NetType, Arch, Class), so a bad one is OpenCHAMI's sentence,
/// e.g. `state 'FAKE' is invalid`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ComponentIn {
    #[serde(rename = "ID", default)]
    pub id: Option<String>,
    /// Ignored beyond a consistency check: the type comes from the xname.
    #[serde(rename = "Type", default)]
    pub type_: Option<String>,
    #[serde(rename = "State", default)]
    #[schema(value_type = Option<State>)]
    pub state: Option<String>,
    #[serde(rename = "Flag", default)]
    #[schema(value_type = Option<Flag>)]
    pub flag: Option<String>,
    #[serde(rename = "Enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "SoftwareStatus", default)]
    pub software_status: Option<String>,
    #[serde(rename = "Role", default)]
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    #[serde(rename = "SubRole", default)]
    #[schema(value_type = Option<SubRole>)]
    pub sub_role: Option<String>,
    #[serde(rename = "NID", default, deserialize_with = "nid_de")]
    #[schema(value_type = Option<i64>)]
    pub nid: Option<i64>,
    #[serde(rename = "Subtype", default)]
    pub subtype: Option<String>,
    #[serde(rename = "NetType", default)]
    #[schema(value_type = Option<NetType>)]
    pub net_type: Option<String>,
    #[serde(rename = "Arch", default)]
    #[schema(value_type = Option<Arch>)]
    pub arch: Option<String>,
    #[serde(rename = "Class", default)]
    #[schema(value_type = Option<Class>)]
    pub class: Option<String>,
    #[serde(rename = "ReservationDisabled", default)]
    pub reservation_disabled: Option<bool>,
    #[serde(rename = "Locked", default)]
    pub locked: Option<bool>,
}

/// A value given, i.e. present and not blank (Go's zero value is "absent").
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An optional enum in OpenCHAMI's words: `<field> '<value>' is invalid`.
fn checked<T: std::str::FromStr>(v: &Option<String>, field: &str) -> Result<Option<T>, String> {
    given(v)
        .map(|t| {
            t.parse()
                .map_err(|_| format!("{field} '{}' is invalid", v.as_deref().unwrap_or_default()))
        })
        .transpose()
}

impl ComponentIn {
    /// The xname of the body, or OpenCHAMI's `xname ID '…' is invalid`.
    pub fn xname(&self) -> Result<Xname, String> {
        let raw = self.id.as_deref().unwrap_or_default();
        raw.trim()
            .parse()
            .map_err(|_| format!("xname ID '{raw}' is invalid"))
    }

    /// The row to store for a new component with `id`: HMS defaults filled in
    /// (State Unknown, Flag OK, Enabled, a Node's Role Compute). An invalid
    /// value is OpenCHAMI's sentence naming it.
    ///
    /// We differ in one place: a missing State is Unknown, where OpenCHAMI
    /// answers `state '' is invalid` (magellan and older clients omit it).
    pub fn to_row(&self, id: &Xname) -> Result<Component, String> {
        let state: Option<State> = checked(&self.state, "state")?;
        let flag: Option<Flag> = checked(&self.flag, "flag")?;
        let role: Option<Role> = checked(&self.role, "role")?;
        let sub_role: Option<SubRole> = checked(&self.sub_role, "subRole")?;
        let net_type: Option<NetType> = checked(&self.net_type, "netType")?;
        let arch: Option<Arch> = checked(&self.arch, "arch")?;
        let class: Option<Class> = checked(&self.class, "class")?;
        let t = id.hms_type();
        let node = matches!(t, HmsType::Node | HmsType::VirtualNode);
        let role = role.map(|r| r.as_str().to_owned()).unwrap_or_else(|| {
            if node {
                "Compute".into()
            } else {
                String::new()
            }
        });
        let text = |v: Option<&'static str>| v.unwrap_or_default().to_owned();
        Ok(Component {
            id: id.as_str().to_owned(),
            type_: t.as_str().to_owned(),
            state: state.unwrap_or(State::Unknown).as_str().to_owned(),
            flag: flag.unwrap_or(Flag::Ok).as_str().to_owned(),
            enabled: Some(self.enabled.unwrap_or(true)),
            software_status: self.software_status.clone().unwrap_or_default(),
            role,
            sub_role: text(sub_role.map(|r| r.as_str())),
            nid: self.nid,
            subtype: self.subtype.clone().unwrap_or_default(),
            net_type: text(net_type.map(|r| r.as_str())),
            arch: text(arch.map(|r| r.as_str())),
            class: text(class.map(|r| r.as_str())),
            reservation_disabled: self.reservation_disabled.unwrap_or(false),
            locked: self.locked.unwrap_or(false),
        })
    }

    /// A `Type` that contradicts the xname is an error; empty is fine
    /// (magellan sends `"Type":""`).
    pub fn check_type(&self, id: &Xname) -> Result<(), String> {
        match self.type_.as_deref().map(str::trim) {
            None | Some("") => Ok(()),
            Some(t) => match t.parse::<HmsType>() {
                Ok(ht) if ht == id.hms_type() => Ok(()),
                Ok(ht) => Err(format!(
                    "'{ht}' does not match the type of {id} ({})",
                    id.hms_type()
                )),
                Err(e) => Err(e.to_string()),
            },
        }
    }
}

/// `POST /State/Components`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ComponentsPost {
    #[serde(rename = "Components", default)]
    pub components: Vec<ComponentIn>,
    /// Overwrite State, Flag, Subtype, NetType, Arch and Class of existing components.
    #[serde(rename = "Force", default)]
    pub force: bool,
}

/// `PUT /State/Components/{xname}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ComponentPut {
    #[serde(rename = "Component")]
    pub component: ComponentIn,
    #[serde(rename = "Force", default)]
    pub force: bool,
}

// The PATCH bodies take their values as strings and the handlers check them,
// so a bad one is OpenCHAMI's sentence (`invalid xname ID`,
// `Argument was not a valid HMS State`, `Missing Flag`, ...).

/// PATCH `/{xname}/StateData` and `BulkStateData`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatePatch {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "State", default)]
    #[schema(value_type = State)]
    pub state: Option<String>,
    #[serde(rename = "Flag", default)]
    #[schema(value_type = Option<Flag>)]
    pub flag: Option<String>,
    #[serde(rename = "Force", default)]
    pub force: bool,
}

/// PATCH `/{xname}/FlagOnly` and `BulkFlagOnly`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FlagPatch {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "Flag", default)]
    #[schema(value_type = Flag)]
    pub flag: Option<String>,
}

/// PATCH `/{xname}/Enabled` and `BulkEnabled`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnabledPatch {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "Enabled", default)]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
}

/// PATCH `/{xname}/SoftwareStatus` and `BulkSoftwareStatus`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SoftwareStatusPatch {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "SoftwareStatus", default)]
    #[schema(value_type = String)]
    pub software_status: Option<String>,
}

/// PATCH `/{xname}/Role` and `BulkRole`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RolePatch {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "Role", default)]
    #[schema(value_type = Role)]
    pub role: Option<String>,
    #[serde(rename = "SubRole", default)]
    #[schema(value_type = Option<SubRole>)]
    pub sub_role: Option<String>,
}

/// PATCH `/{xname}/NID`: `{"NID": n}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NidPatch {
    #[serde(rename = "NID", default, deserialize_with = "nid_de")]
    #[schema(value_type = i64)]
    pub nid: Option<i64>,
}

/// PATCH `BulkNID`: `{"Components":[{"ID":..,"NID":..}]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkNidPatch {
    #[serde(rename = "Components")]
    pub components: Vec<NidEntry>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NidEntry {
    #[serde(rename = "ID")]
    #[schema(value_type = String)]
    pub id: Xname,
    /// `""` is no NID here: OpenCHAMI rejects it before any look-up.
    #[serde(rename = "NID", deserialize_with = "nid_strict_de")]
    #[schema(value_type = i64)]
    pub nid: Option<i64>,
}

/// `POST /State/Components/ByNID/Query`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NidQuery {
    #[serde(rename = "NIDRanges", default)]
    pub nid_ranges: Vec<String>,
    #[serde(rename = "stateonly", default)]
    pub state_only: bool,
    #[serde(rename = "flagonly", default)]
    pub flag_only: bool,
    #[serde(rename = "roleonly", default)]
    pub role_only: bool,
    #[serde(rename = "nidonly", default)]
    pub nid_only: bool,
}

/// `POST /State/Components/Query`: IDs plus the GET filters as lists of
/// strings (Go's `hmsds.ComponentFilter`); booleans and numbers are taken too,
/// in their text form, and checked by the handler.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ComponentsQuery {
    #[serde(rename = "ComponentIDs", default, deserialize_with = "texts")]
    pub component_ids: Vec<String>,
    #[serde(rename = "type", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<HmsType>)]
    pub types: Vec<String>,
    #[serde(rename = "state", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<State>)]
    pub states: Vec<String>,
    #[serde(rename = "flag", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<Flag>)]
    pub flags: Vec<String>,
    #[serde(rename = "role", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<Role>)]
    pub roles: Vec<String>,
    #[serde(rename = "subrole", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<SubRole>)]
    pub sub_roles: Vec<String>,
    /// `"true"`/`"false"` (or JSON booleans).
    #[serde(rename = "enabled", default, deserialize_with = "texts")]
    pub enabled: Vec<String>,
    #[serde(rename = "softwarestatus", default, deserialize_with = "texts")]
    pub software_status: Vec<String>,
    #[serde(rename = "subtype", default, deserialize_with = "texts")]
    pub subtypes: Vec<String>,
    #[serde(rename = "arch", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<Arch>)]
    pub arch: Vec<String>,
    #[serde(rename = "class", default, deserialize_with = "texts")]
    #[schema(value_type = Vec<Class>)]
    pub class: Vec<String>,
    /// NIDs as strings (or JSON numbers).
    #[serde(rename = "nid", default, deserialize_with = "texts")]
    pub nids: Vec<String>,
    #[serde(rename = "nid_start", default, deserialize_with = "texts")]
    pub nid_start: Vec<String>,
    #[serde(rename = "nid_end", default, deserialize_with = "texts")]
    pub nid_end: Vec<String>,
    #[serde(rename = "stateonly", default)]
    pub state_only: bool,
    #[serde(rename = "flagonly", default)]
    pub flag_only: bool,
    #[serde(rename = "roleonly", default)]
    pub role_only: bool,
    #[serde(rename = "nidonly", default)]
    pub nid_only: bool,
}

/// A list of strings where booleans and numbers count as their text.
fn texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        Str(String),
        Bool(bool),
        Int(i64),
    }
    Ok(Option::<Vec<T>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|t| match t {
            T::Str(s) => s,
            T::Bool(b) => b.to_string(),
            T::Int(n) => n.to_string(),
        })
        .collect())
}
