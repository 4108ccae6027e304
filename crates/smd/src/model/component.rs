//! State/Components: `base.Component` (hms-base) on the wire.

use ochami_types::{Arch, Class, Flag, HmsType, NetType, Role, State, SubRole, Xname};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{is_false, nid_de, opt_enum};

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

/// A component in a POST/PUT body. Every value is checked while decoding, so
/// a bad one is a 400 naming its path (`Components[3].State: invalid state ...`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ComponentIn {
    #[serde(rename = "ID", alias = "id", default)]
    #[schema(value_type = Option<String>)]
    pub id: Option<Xname>,
    /// Ignored beyond a consistency check: the type comes from the xname.
    #[serde(rename = "Type", alias = "type", default)]
    pub type_: Option<String>,
    #[serde(
        rename = "State",
        alias = "state",
        default,
        deserialize_with = "opt_enum"
    )]
    pub state: Option<State>,
    #[serde(
        rename = "Flag",
        alias = "flag",
        default,
        deserialize_with = "opt_enum"
    )]
    pub flag: Option<Flag>,
    #[serde(rename = "Enabled", alias = "enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "SoftwareStatus", alias = "softwarestatus", default)]
    pub software_status: Option<String>,
    #[serde(
        rename = "Role",
        alias = "role",
        default,
        deserialize_with = "opt_enum"
    )]
    pub role: Option<Role>,
    #[serde(
        rename = "SubRole",
        alias = "subrole",
        default,
        deserialize_with = "opt_enum"
    )]
    pub sub_role: Option<SubRole>,
    #[serde(rename = "NID", alias = "nid", default, deserialize_with = "nid_de")]
    #[schema(value_type = Option<i64>)]
    pub nid: Option<i64>,
    #[serde(rename = "Subtype", alias = "subtype", default)]
    pub subtype: Option<String>,
    #[serde(
        rename = "NetType",
        alias = "nettype",
        default,
        deserialize_with = "opt_enum"
    )]
    pub net_type: Option<NetType>,
    #[serde(
        rename = "Arch",
        alias = "arch",
        default,
        deserialize_with = "opt_enum"
    )]
    pub arch: Option<Arch>,
    #[serde(
        rename = "Class",
        alias = "class",
        default,
        deserialize_with = "opt_enum"
    )]
    pub class: Option<Class>,
    #[serde(rename = "ReservationDisabled", alias = "reservationdisabled", default)]
    pub reservation_disabled: Option<bool>,
    #[serde(rename = "Locked", alias = "locked", default)]
    pub locked: Option<bool>,
}

impl ComponentIn {
    /// The row to store for a new component with `id`: HMS defaults filled in
    /// (State Unknown, Flag OK, Enabled, a Node's Role Compute).
    pub fn to_row(&self, id: &Xname) -> Component {
        let t = id.hms_type();
        let node = matches!(t, HmsType::Node | HmsType::VirtualNode);
        let role = self.role.map(|r| r.as_str().to_owned()).unwrap_or_else(|| {
            if node {
                "Compute".into()
            } else {
                String::new()
            }
        });
        Component {
            id: id.as_str().to_owned(),
            type_: t.as_str().to_owned(),
            state: self.state.unwrap_or(State::Unknown).as_str().to_owned(),
            flag: self.flag.unwrap_or(Flag::Ok).as_str().to_owned(),
            enabled: Some(self.enabled.unwrap_or(true)),
            software_status: self.software_status.clone().unwrap_or_default(),
            role,
            sub_role: self
                .sub_role
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            nid: self.nid,
            subtype: self.subtype.clone().unwrap_or_default(),
            net_type: self
                .net_type
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            arch: self.arch.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            class: self
                .class
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            reservation_disabled: self.reservation_disabled.unwrap_or(false),
            locked: self.locked.unwrap_or(false),
        }
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
    #[serde(rename = "Components", alias = "components", default)]
    pub components: Vec<ComponentIn>,
    /// Overwrite State, Flag, Subtype, NetType and Arch of existing components.
    #[serde(rename = "Force", alias = "force", default)]
    pub force: bool,
}

/// `PUT /State/Components/{xname}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ComponentPut {
    #[serde(rename = "Component", alias = "component")]
    pub component: ComponentIn,
    #[serde(rename = "Force", alias = "force", default)]
    pub force: bool,
}

/// PATCH `/{xname}/StateData` and `BulkStateData`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatePatch {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "State", alias = "state")]
    pub state: State,
    #[serde(rename = "Flag", alias = "flag", default)]
    pub flag: Option<Flag>,
    #[serde(rename = "Force", alias = "force", default)]
    pub force: bool,
}

/// PATCH `/{xname}/FlagOnly` and `BulkFlagOnly`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FlagPatch {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "Flag", alias = "flag")]
    pub flag: Flag,
}

/// PATCH `/{xname}/Enabled` and `BulkEnabled`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnabledPatch {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "Enabled", alias = "enabled")]
    pub enabled: bool,
}

/// PATCH `/{xname}/SoftwareStatus` and `BulkSoftwareStatus`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SoftwareStatusPatch {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "SoftwareStatus", alias = "softwarestatus")]
    pub software_status: String,
}

/// PATCH `/{xname}/Role` and `BulkRole`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RolePatch {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "Role", alias = "role")]
    pub role: Role,
    #[serde(rename = "SubRole", alias = "subrole", default)]
    pub sub_role: Option<SubRole>,
}

/// PATCH `/{xname}/NID`: `{"NID": n}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NidPatch {
    #[serde(rename = "NID", alias = "nid", deserialize_with = "nid_de")]
    #[schema(value_type = i64)]
    pub nid: Option<i64>,
}

/// PATCH `BulkNID`: `{"Components":[{"ID":..,"NID":..}]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkNidPatch {
    #[serde(rename = "Components", alias = "components")]
    pub components: Vec<NidEntry>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NidEntry {
    #[serde(rename = "ID", alias = "id")]
    #[schema(value_type = String)]
    pub id: Xname,
    #[serde(rename = "NID", alias = "nid", deserialize_with = "nid_de")]
    #[schema(value_type = i64)]
    pub nid: Option<i64>,
}

/// `POST /State/Components/ByNID/Query`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NidQuery {
    #[serde(rename = "NIDRanges", alias = "nidranges", default)]
    pub nid_ranges: Vec<String>,
    #[serde(rename = "stateonly", alias = "StateOnly", default)]
    pub state_only: bool,
    #[serde(rename = "flagonly", alias = "FlagOnly", default)]
    pub flag_only: bool,
    #[serde(rename = "roleonly", alias = "RoleOnly", default)]
    pub role_only: bool,
    #[serde(rename = "nidonly", alias = "NIDOnly", default)]
    pub nid_only: bool,
}

/// `POST /State/Components/Query`: IDs plus the GET filters as lists.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ComponentsQuery {
    #[serde(rename = "ComponentIDs", alias = "componentids", default)]
    #[schema(value_type = Vec<String>)]
    pub component_ids: Vec<Xname>,
    #[serde(rename = "type", alias = "Type", default)]
    pub types: Vec<HmsType>,
    #[serde(rename = "state", alias = "State", default)]
    pub states: Vec<State>,
    #[serde(rename = "flag", alias = "Flag", default)]
    pub flags: Vec<Flag>,
    #[serde(rename = "role", alias = "Role", default)]
    pub roles: Vec<Role>,
    #[serde(rename = "subrole", alias = "SubRole", default)]
    pub sub_roles: Vec<SubRole>,
    #[serde(rename = "enabled", alias = "Enabled", default)]
    pub enabled: Vec<bool>,
    #[serde(rename = "softwarestatus", alias = "SoftwareStatus", default)]
    pub software_status: Vec<String>,
    #[serde(rename = "subtype", alias = "Subtype", default)]
    pub subtypes: Vec<String>,
    #[serde(rename = "arch", alias = "Arch", default)]
    pub arch: Vec<Arch>,
    #[serde(rename = "class", alias = "Class", default)]
    pub class: Vec<Class>,
    #[serde(rename = "stateonly", alias = "StateOnly", default)]
    pub state_only: bool,
    #[serde(rename = "flagonly", alias = "FlagOnly", default)]
    pub flag_only: bool,
    #[serde(rename = "roleonly", alias = "RoleOnly", default)]
    pub role_only: bool,
    #[serde(rename = "nidonly", alias = "NIDOnly", default)]
    pub nid_only: bool,
}
