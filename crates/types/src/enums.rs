//! HMS enumerations with OpenCHAMI's exact spellings.
//!
//! Parsing is case-insensitive (and takes hms-base's aliases, e.g. `Warn` for
//! the Flag `Warning`); output is always the canonical spelling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An unknown enum value: names the enum and lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} '{input}' (expected one of: {expected})")]
pub struct EnumParseError {
    pub kind: &'static str,
    pub input: String,
    pub expected: String,
}

macro_rules! hms_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
        pub enum $name {
            $(#[schema(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in OpenCHAMI's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = EnumParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $(if s.eq_ignore_ascii_case($text) $(|| s.eq_ignore_ascii_case($alias))* {
                    return Ok($name::$variant);
                })+
                Err(EnumParseError {
                    kind: $kind,
                    input: s.to_owned(),
                    expected: [$($text),+].join(", "),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hms_enum!(
    /// Component state.
    State, "state", {
        Unknown => "Unknown",
        Empty => "Empty",
        Populated => "Populated",
        Off => "Off",
        On => "On",
        Standby => "Standby",
        Halt => "Halt",
        Ready => "Ready",
    }
);

hms_enum!(
    /// Component flag.
    Flag, "flag", {
        Unknown => "Unknown",
        Ok => "OK",
        // hms-base `VerifyNormalizeFlag`: "warn" is Warning.
        Warning => "Warning" | "Warn",
        Alert => "Alert",
        Locked => "Locked",
    }
);

hms_enum!(
    /// Node role.
    Role, "role", {
        Compute => "Compute",
        Service => "Service",
        System => "System",
        Application => "Application",
        Storage => "Storage",
        Management => "Management",
    }
);

hms_enum!(
    /// Node sub-role.
    SubRole, "subrole", {
        Master => "Master",
        Worker => "Worker",
        Storage => "Storage",
    }
);

hms_enum!(
    /// Processor architecture.
    Arch, "arch", {
        X86 => "X86",
        Arm => "ARM",
        Other => "Other",
        Unknown => "UNKNOWN",
    }
);

hms_enum!(
    /// High-speed network type.
    NetType, "nettype", {
        Sling => "Sling",
        Infiniband => "Infiniband",
        Ethernet => "Ethernet",
        Oem => "OEM",
        None => "None",
    }
);

hms_enum!(
    /// Hardware class.
    Class, "class", {
        River => "River",
        Mountain => "Mountain",
        Hill => "Hill",
    }
);

hms_enum!(
    /// HMS component type, as derived from the xname.
    HmsType, "type", {
        Cdu => "CDU",
        CabinetCdu => "CabinetCDU",
        CabinetPduPowerConnector => "CabinetPDUPowerConnector",
        CabinetPduOutlet => "CabinetPDUOutlet",
        CabinetPdu => "CabinetPDU",
        CabinetPduNic => "CabinetPDUNic",
        CabinetPduController => "CabinetPDUController",
        CabinetBmc => "CabinetBMC",
        Cabinet => "Cabinet",
        Cec => "CEC",
        CduMgmtSwitch => "CDUMgmtSwitch",
        CmmRectifier => "CMMRectifier",
        CmmFpga => "CMMFpga",
        Chassis => "Chassis",
        ChassisBmc => "ChassisBMC",
        ChassisBmcNic => "ChassisBMCNic",
        ComputeModule => "ComputeModule",
        Drive => "Drive",
        HsnAsic => "HSNAsic",
        HsnBoard => "HSNBoard",
        HsnConnector => "HSNConnector",
        HsnConnectorPort => "HSNConnectorPort",
        HsnLink => "HSNLink",
        Memory => "Memory",
        MgmtHlSwitch => "MgmtHLSwitch",
        MgmtHlSwitchEnclosure => "MgmtHLSwitchEnclosure",
        MgmtSwitch => "MgmtSwitch",
        MgmtSwitchConnector => "MgmtSwitchConnector",
        Node => "Node",
        NodeAccel => "NodeAccel",
        NodeAccelRiser => "NodeAccelRiser",
        NodeBmc => "NodeBMC",
        NodeBmcNic => "NodeBMCNic",
        NodeEnclosure => "NodeEnclosure",
        NodeEnclosurePowerSupply => "NodeEnclosurePowerSupply",
        NodeFpga => "NodeFpga",
        NodeHsnNic => "NodeHsnNic",
        NodeNic => "NodeNic",
        NodePowerConnector => "NodePowerConnector",
        Partition => "Partition",
        Processor => "Processor",
        RouterBmc => "RouterBMC",
        RouterBmcNic => "RouterBMCNic",
        RouterFpga => "RouterFpga",
        RouterModule => "RouterModule",
        RouterTor => "RouterTOR",
        RouterTorFpga => "RouterTORFpga",
        StorageGroup => "StorageGroup",
        System => "System",
        VirtualNode => "VirtualNode",
        Hsn => "HSN",
    }
);

impl HmsType {
    /// Controller types: what a RedfishEndpoint ID may be (OpenCHAMI
    /// `NewRedfishEPDescription`).
    pub fn is_controller(self) -> bool {
        matches!(
            self,
            HmsType::ChassisBmc
                | HmsType::NodeBmc
                | HmsType::RouterBmc
                | HmsType::CabinetBmc
                | HmsType::CabinetPduController
                | HmsType::MgmtSwitch
                | HmsType::MgmtHlSwitch
                | HmsType::CduMgmtSwitch
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_parse_canonical_output() {
        assert_eq!("on".parse::<State>().unwrap(), State::On);
        assert_eq!("ok".parse::<Flag>().unwrap().to_string(), "OK");
        assert_eq!("arm".parse::<Arch>().unwrap().to_string(), "ARM");
        assert_eq!("unknown".parse::<Arch>().unwrap().to_string(), "UNKNOWN");
        assert_eq!("nodebmc".parse::<HmsType>().unwrap().to_string(), "NodeBMC");
        assert_eq!(
            "INFINIBAND".parse::<NetType>().unwrap().to_string(),
            "Infiniband"
        );
        assert_eq!("hill".parse::<Class>().unwrap().to_string(), "Hill");
        assert_eq!("Warn".parse::<Flag>().unwrap(), Flag::Warning);
        assert_eq!("WARN".parse::<Flag>().unwrap().to_string(), "Warning");
        assert!("Warni".parse::<Flag>().is_err());
        assert_eq!("worker".parse::<SubRole>().unwrap().to_string(), "Worker");
    }

    #[test]
    fn unknown_value_lists_choices() {
        let e = "Bogus".parse::<Role>().unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid role 'Bogus' (expected one of: Compute, Service, System, Application, Storage, Management)"
        );
    }

    #[test]
    fn serde_roundtrip_every_value() {
        for s in State::ALL {
            let j = serde_json::to_string(s).unwrap();
            assert_eq!(&serde_json::from_str::<State>(&j).unwrap(), s);
        }
        for t in HmsType::ALL {
            let j = serde_json::to_string(t).unwrap();
            assert_eq!(&serde_json::from_str::<HmsType>(&j).unwrap(), t);
        }
    }
}
