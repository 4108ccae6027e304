//! Component locks and reservations (HSM v2 `/locks`): the wire types of
//! OpenCHAMI smd's pkg/sm/complocks.go (CompLockV2*), and the per-component
//! rules that decide whether an operation may proceed.

use ochami_types::{Arch, Class, Flag, HmsType, Role, State, SubRole, Xname};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// Longest reservation a service may take, in minutes (OpenCHAMI's limit).
pub const MAX_DURATION: i64 = 15;

/// Why one component was not changed; the strings are HSM's `Reason` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NotFound,
    Locked,
    Unlocked,
    Disabled,
    Reserved,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotFound => "NotFound",
            Reason::Locked => "Locked",
            Reason::Unlocked => "Unlocked",
            Reason::Disabled => "Disabled",
            Reason::Reserved => "Reserved",
        }
    }

    /// OpenCHAMI's error text for a rigid request failing for this reason.
    pub fn message(self) -> &'static str {
        match self {
            Reason::NotFound => "Component not found",
            Reason::Locked => "Component is Locked",
            Reason::Unlocked => "Component is Unlocked",
            Reason::Disabled => "Component reservations are disabled",
            Reason::Reserved => "Component is Reserved",
        }
    }
}

/// A component's lock state as the rules see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockState {
    pub locked: bool,
    pub reservation_disabled: bool,
    /// Holds a reservation that has not expired.
    pub reserved: bool,
}

/// What is being done to a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockAction {
    /// An admin reservation (no expiry): the component must be locked.
    ReserveAdmin,
    /// A service reservation (expiring): the component must be unlocked.
    ReserveService,
    Lock,
    Unlock,
    /// Turn reservations off (releasing any held); always allowed.
    Disable,
    /// Turn reservations back on; always allowed.
    Repair,
}

impl LockAction {
    /// `None` when the action may proceed on a component in state `s`, else
    /// why not (OpenCHAMI hmsds UpdateCompLocksV2 / insertCompReservationsHelper).
    pub fn refusal(self, s: LockState) -> Option<Reason> {
        match self {
            LockAction::ReserveAdmin | LockAction::ReserveService => {
                let service = self == LockAction::ReserveService;
                if s.reservation_disabled {
                    Some(Reason::Disabled)
                } else if !service && !s.locked {
                    Some(Reason::Unlocked)
                } else if service && s.locked {
                    Some(Reason::Locked)
                } else if s.reserved {
                    Some(Reason::Reserved)
                } else {
                    None
                }
            }
            LockAction::Lock | LockAction::Unlock => {
                let lock = self == LockAction::Lock;
                // OpenCHAMI checks "already (un)locked" after "disabled", so it
                // is the reason reported when both hold.
                if s.locked == lock {
                    Some(if lock {
                        Reason::Locked
                    } else {
                        Reason::Unlocked
                    })
                } else if s.reservation_disabled {
                    Some(Reason::Disabled)
                } else if s.reserved {
                    Some(Reason::Reserved)
                } else {
                    None
                }
            }
            LockAction::Disable | LockAction::Repair => None,
        }
    }
}

/// `ProcessingModel`: rigid (all or nothing, the default) or flexible (best try).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingModel {
    Rigid,
    Flexible,
}

impl ProcessingModel {
    /// Case-insensitive; empty means rigid, as OpenCHAMI. The error is the
    /// value and what is expected (the client sees `Invalid Processing Model`).
    pub fn parse(raw: &str) -> Result<ProcessingModel, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "rigid" => Ok(ProcessingModel::Rigid),
            "flexible" => Ok(ProcessingModel::Flexible),
            _ => Err(format!(
                "ProcessingModel '{raw}': expected rigid or flexible"
            )),
        }
    }
}

/// Component selection and options of most `/locks` POST bodies
/// (OpenCHAMI `CompLockV2Filter`). Field names as HSM's, case variants accepted.
/// IDs and enum values are strings here, checked by the handler, so a bad one
/// is OpenCHAMI's sentence (`Argument was not a valid xname ID`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LockFilter {
    #[serde(rename = "ComponentIDs", default)]
    pub component_ids: Vec<String>,
    #[serde(rename = "NID", default, deserialize_with = "nids_de")]
    #[schema(value_type = Option<Vec<IntOrStr>>)]
    pub nid: Vec<i64>,
    /// HSM's Go struct tags this field "Sype" (a typo); both are accepted.
    #[serde(rename = "Type", alias = "Sype", default)]
    #[schema(value_type = Vec<HmsType>)]
    pub types: Vec<String>,
    #[serde(rename = "State", default)]
    #[schema(value_type = Vec<State>)]
    pub state: Vec<String>,
    #[serde(rename = "Flag", default)]
    #[schema(value_type = Vec<Flag>)]
    pub flag: Vec<String>,
    #[serde(rename = "Enabled", default, deserialize_with = "bools_de")]
    #[schema(value_type = Option<Vec<BoolOrStr>>)]
    pub enabled: Vec<bool>,
    #[serde(rename = "SoftwareStatus", default)]
    pub software_status: Vec<String>,
    #[serde(rename = "Role", default)]
    #[schema(value_type = Vec<Role>)]
    pub role: Vec<String>,
    #[serde(rename = "Subrole", default)]
    #[schema(value_type = Vec<SubRole>)]
    pub sub_role: Vec<String>,
    #[serde(rename = "Subtype", default)]
    pub subtype: Vec<String>,
    #[serde(rename = "Arch", default)]
    #[schema(value_type = Vec<Arch>)]
    pub arch: Vec<String>,
    #[serde(rename = "Class", default)]
    #[schema(value_type = Vec<Class>)]
    pub class: Vec<String>,
    #[serde(rename = "Group", default)]
    pub group: Vec<String>,
    #[serde(rename = "Partition", default)]
    pub partition: Vec<String>,
    /// Status queries only: select by lock flags (`"true"`/`"false"`).
    #[serde(rename = "Locked", default, deserialize_with = "bools_de")]
    #[schema(value_type = Option<Vec<BoolOrStr>>)]
    pub locked: Vec<bool>,
    #[serde(rename = "ReservationDisabled", default, deserialize_with = "bools_de")]
    #[schema(value_type = Option<Vec<BoolOrStr>>)]
    pub reservation_disabled: Vec<bool>,
    #[serde(rename = "Reserved", default, deserialize_with = "bools_de")]
    #[schema(value_type = Option<Vec<BoolOrStr>>)]
    pub reserved: Vec<bool>,
    #[serde(rename = "ProcessingModel", default)]
    pub processing_model: String,
    /// Minutes (service reservations only, 1 to 15).
    #[serde(rename = "ReservationDuration", default)]
    pub reservation_duration: Option<i64>,
}

/// `{"ID": xname, "Key": key}`: addresses one reservation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct XnameWithKey {
    #[serde(rename = "ID")]
    #[schema(value_type = String)]
    pub id: Xname,
    #[serde(rename = "Key", default)]
    pub key: String,
}

/// Release and renew bodies (OpenCHAMI `CompLockV2ReservationFilter`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReservationKeys {
    #[serde(rename = "ReservationKeys", default)]
    pub reservation_keys: Vec<XnameWithKey>,
    #[serde(rename = "ProcessingModel", default)]
    pub processing_model: String,
    /// Minutes (renew only, 1 to 15).
    #[serde(rename = "ReservationDuration", default)]
    pub reservation_duration: Option<i64>,
}

/// The check body (OpenCHAMI `CompLockV2DeputyKeyArray`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DeputyKeys {
    #[serde(rename = "DeputyKeys", default)]
    pub deputy_keys: Vec<XnameWithKey>,
}

/// One reservation made or found.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReservationSuccess {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "DeputyKey")]
    pub deputy_key: String,
    #[serde(
        rename = "ReservationKey",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub reservation_key: String,
    #[serde(
        rename = "CreationTime",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub creation_time: String,
    #[serde(
        rename = "ExpirationTime",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub expiration_time: String,
}

/// A component the operation did not apply to, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LockFailure {
    #[serde(rename = "ID")]
    pub id: String,
    /// NotFound, Locked, Unlocked, Disabled or Reserved.
    #[serde(rename = "Reason")]
    pub reason: String,
}

impl LockFailure {
    pub fn new(id: impl Into<String>, reason: Reason) -> Self {
        LockFailure {
            id: id.into(),
            reason: reason.as_str().to_owned(),
        }
    }
}

/// Answer of reservation create and check.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReservationResult {
    #[serde(rename = "Success")]
    pub success: Vec<ReservationSuccess>,
    #[serde(rename = "Failure")]
    pub failure: Vec<LockFailure>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Counts {
    #[serde(rename = "Total")]
    pub total: usize,
    #[serde(rename = "Success")]
    pub success: usize,
    #[serde(rename = "Failure")]
    pub failure: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ComponentIds {
    #[serde(rename = "ComponentIDs")]
    pub component_ids: Vec<String>,
}

/// Answer of lock/unlock/repair/disable and reservation remove/release/renew.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UpdateResult {
    #[serde(rename = "Counts")]
    pub counts: Counts,
    #[serde(rename = "Success")]
    pub success: ComponentIds,
    #[serde(rename = "Failure")]
    pub failure: Vec<LockFailure>,
}

impl UpdateResult {
    pub fn new(success: Vec<String>, failure: Vec<LockFailure>) -> Self {
        UpdateResult {
            counts: Counts {
                total: success.len() + failure.len(),
                success: success.len(),
                failure: failure.len(),
            },
            success: ComponentIds {
                component_ids: success,
            },
            failure,
        }
    }
}

/// One component's lock status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LockStatus {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Locked")]
    pub locked: bool,
    #[serde(rename = "Reserved")]
    pub reserved: bool,
    /// OpenCHAMI's code sends `CreationTime` (its swagger says `CreatedTime`).
    #[serde(
        rename = "CreationTime",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub creation_time: String,
    #[serde(
        rename = "ExpirationTime",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub expiration_time: String,
    #[serde(rename = "ReservationDisabled")]
    pub reservation_disabled: bool,
}

/// `GET`/`POST /locks/status` answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LockStatusArray {
    #[serde(rename = "Components")]
    pub components: Vec<LockStatus>,
    /// Requested `ComponentIDs` that are not components; left out when
    /// there are none (Go's `omitempty`).
    #[serde(rename = "NotFound", default, skip_serializing_if = "Vec::is_empty")]
    pub not_found: Vec<String>,
}

/// A Go-style boolean: `true`/`false`, `"true"`, `"1"`, `"f"`, ...
pub fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        other => Err(format!("'{other}' is not a boolean")),
    }
}

/// A boolean, as JSON or as HSM's string (`"true"`, `"f"`, ...).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BoolOrStr {
    Bool(bool),
    Str(String),
}

/// A list of booleans given as JSON booleans or strings (HSM's Go type is []string).
fn bools_de<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<bool>, D::Error> {
    Option::<Vec<BoolOrStr>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            BoolOrStr::Bool(b) => Ok(b),
            BoolOrStr::Str(s) => parse_go_bool(&s).map_err(serde::de::Error::custom),
        })
        .collect()
}

/// A NID, as a JSON number or as HSM's string.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IntOrStr {
    Int(i64),
    Str(String),
}

/// NIDs given as numbers or strings (HSM's Go type is []string).
fn nids_de<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Option::<Vec<IntOrStr>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            IntOrStr::Int(n) => Ok(n),
            IntOrStr::Str(s) => s.trim().parse().map_err(|_| {
                serde::de::Error::custom(format!("invalid NID '{s}': not an integer"))
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREE: LockState = LockState {
        locked: false,
        reservation_disabled: false,
        reserved: false,
    };

    #[test]
    fn admin_reservations_need_a_lock_service_ones_forbid_it() {
        let locked = LockState {
            locked: true,
            ..FREE
        };
        assert_eq!(
            LockAction::ReserveAdmin.refusal(FREE),
            Some(Reason::Unlocked)
        );
        assert_eq!(LockAction::ReserveAdmin.refusal(locked), None);
        assert_eq!(LockAction::ReserveService.refusal(FREE), None);
        assert_eq!(
            LockAction::ReserveService.refusal(locked),
            Some(Reason::Locked)
        );
        let reserved = LockState {
            reserved: true,
            ..FREE
        };
        assert_eq!(
            LockAction::ReserveService.refusal(reserved),
            Some(Reason::Reserved)
        );
    }

    #[test]
    fn disabled_blocks_everything_but_disable_and_repair() {
        let disabled = LockState {
            reservation_disabled: true,
            ..FREE
        };
        for a in [
            LockAction::ReserveAdmin,
            LockAction::ReserveService,
            LockAction::Lock,
        ] {
            assert_eq!(a.refusal(disabled), Some(Reason::Disabled), "{a:?}");
        }
        // Already unlocked wins over disabled, as in OpenCHAMI.
        assert_eq!(LockAction::Unlock.refusal(disabled), Some(Reason::Unlocked));
        assert_eq!(LockAction::Disable.refusal(disabled), None);
        assert_eq!(LockAction::Repair.refusal(disabled), None);
    }

    #[test]
    fn processing_model_is_case_insensitive_and_defaults_to_rigid() {
        assert_eq!(ProcessingModel::parse(""), Ok(ProcessingModel::Rigid));
        assert_eq!(
            ProcessingModel::parse("FLEXIBLE"),
            Ok(ProcessingModel::Flexible)
        );
        assert!(ProcessingModel::parse("best-effort")
            .unwrap_err()
            .starts_with("ProcessingModel 'best-effort'"));
    }
}
