//! Subscriptions/SCN: HSM's `SCNSubscription` family (hms-smd `pkg/sm/scn.go`)
//! and the notification body subscribers receive (`SCNPayload`).

use ochami_types::{Role, State, SubRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored subscription, as GET returns it (`Enabled` and empty lists omitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "Subscriber")]
    pub subscriber: String,
    #[serde(rename = "Enabled", skip_serializing_if = "Option::is_none", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "Roles", skip_serializing_if = "Vec::is_empty", default)]
    pub roles: Vec<String>,
    #[serde(rename = "SubRoles", skip_serializing_if = "Vec::is_empty", default)]
    pub sub_roles: Vec<String>,
    #[serde(
        rename = "SoftwareStatus",
        skip_serializing_if = "Vec::is_empty",
        default
    )]
    pub software_status: Vec<String>,
    #[serde(rename = "States", skip_serializing_if = "Vec::is_empty", default)]
    pub states: Vec<String>,
    #[serde(rename = "Url")]
    pub url: String,
}

/// `{"SubscriptionList": [...]}`; `null` when there are none, as Go's nil
/// slice (OpenCHAMI's schema allows only that).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionList {
    #[serde(
        rename = "SubscriptionList",
        serialize_with = "null_when_empty",
        deserialize_with = "null_as_empty"
    )]
    #[schema(value_type = Option<Vec<Subscription>>)]
    pub subscription_list: Vec<Subscription>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Subscription>, D::Error> {
    Ok(Option::<Vec<Subscription>>::deserialize(d)?.unwrap_or_default())
}

fn null_when_empty<S: serde::Serializer>(v: &[Subscription], s: S) -> Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(v)
    }
}

/// POST and PUT body (`SCNPostSubscription`). States, Roles and SubRoles
/// must be HMS values (a bad one is a 400 naming it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionIn {
    #[serde(rename = "Subscriber", default)]
    pub subscriber: String,
    #[serde(rename = "Enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "Roles", default)]
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    #[serde(rename = "SubRoles", default)]
    #[schema(value_type = Vec<String>)]
    pub sub_roles: Vec<SubRole>,
    #[serde(rename = "SoftwareStatus", default)]
    pub software_status: Vec<String>,
    #[serde(rename = "States", default)]
    #[schema(value_type = Vec<String>)]
    pub states: Vec<State>,
    #[serde(rename = "Url", default)]
    pub url: String,
}

/// PATCH body (`SCNPatchSubscription`): `Op` is add, remove or replace and
/// applies to every trigger list given; `Enabled` is set when given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscriptionPatch {
    #[serde(rename = "Op", default)]
    pub op: String,
    #[serde(rename = "Enabled", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "Roles", default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub roles: Option<Vec<Role>>,
    #[serde(rename = "SubRoles", default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub sub_roles: Option<Vec<SubRole>>,
    #[serde(rename = "SoftwareStatus", default)]
    pub software_status: Option<Vec<String>>,
    #[serde(rename = "States", default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub states: Option<Vec<State>>,
}

/// How PATCH changes a trigger list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Remove,
    Replace,
}

impl PatchOp {
    /// Case-insensitive, as HSM's `GetPatchOp`.
    pub fn parse(s: &str) -> Option<PatchOp> {
        match s.trim().to_ascii_lowercase().as_str() {
            "add" => Some(PatchOp::Add),
            "remove" => Some(PatchOp::Remove),
            "replace" => Some(PatchOp::Replace),
            _ => None,
        }
    }

    /// Apply to `list`; comparisons ignore case, order is kept, no duplicates.
    pub fn apply(self, list: &mut Vec<String>, values: &[String]) {
        match self {
            PatchOp::Replace => {
                list.clear();
                PatchOp::Add.apply(list, values);
            }
            PatchOp::Add => {
                for v in values {
                    if !list.iter().any(|x| x.eq_ignore_ascii_case(v)) {
                        list.push(v.clone());
                    }
                }
            }
            PatchOp::Remove => list.retain(|x| !values.iter().any(|v| v.eq_ignore_ascii_case(x))),
        }
    }
}

/// What a subscriber receives (`SCNPayload`): the components that share one
/// change, and that change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScnPayload {
    #[serde(rename = "Components", default)]
    pub components: Vec<String>,
    #[serde(rename = "Enabled", skip_serializing_if = "Option::is_none", default)]
    pub enabled: Option<bool>,
    #[serde(rename = "Flag", skip_serializing_if = "Option::is_none", default)]
    pub flag: Option<String>,
    #[serde(rename = "Role", skip_serializing_if = "Option::is_none", default)]
    pub role: Option<String>,
    #[serde(rename = "SubRole", skip_serializing_if = "Option::is_none", default)]
    pub sub_role: Option<String>,
    #[serde(
        rename = "SoftwareStatus",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub software_status: Option<String>,
    #[serde(rename = "State", skip_serializing_if = "Option::is_none", default)]
    pub state: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn patch_ops_add_remove_replace_ignoring_case() {
        let mut l = s(&["On", "Off"]);
        PatchOp::Add.apply(&mut l, &s(&["off", "Ready"]));
        assert_eq!(l, s(&["On", "Off", "Ready"]));
        PatchOp::Remove.apply(&mut l, &s(&["ON"]));
        assert_eq!(l, s(&["Off", "Ready"]));
        PatchOp::Replace.apply(&mut l, &s(&["Standby", "standby"]));
        assert_eq!(l, s(&["Standby"]));
        assert_eq!(PatchOp::parse("RePlace"), Some(PatchOp::Replace));
        assert_eq!(PatchOp::parse("merge"), None);
    }
}
