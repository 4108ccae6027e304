//! HMS component names ("xnames"): `x1000c1s7b0n0` and friends.
//!
//! An [`Xname`] is always normalised (lower case, no leading zeros) and always one
//! of the known HMS shapes, so its [`HmsType`] is known. Ordering is numeric per
//! segment: `x1c0s0b0n2` sorts before `x1c0s0b0n10`.
//!
//! Partition names (`p1`, `p1.2`) are xnames too, of type `Partition`, as in
//! hms-xname (`^p([0-9]+)(.([0-9]+))?$`); HSM locks and reservations select
//! components by them. They sit outside the location tree: no parent, and `s0`
//! does not contain them. They sort by their numbers, among themselves, after
//! CDUs (`d…`) and before `s0` and cabinets.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::HmsType;

/// Longest xname accepted, in bytes; anything longer is rejected before parsing.
const MAX_LEN: usize = 64;

/// Letter sequence of an xname → its HMS type. `s` alone means System (`s0`).
const SHAPES: &[(&str, HmsType)] = &[
    ("s", HmsType::System),
    // Partitions: `pN` and `pN.M`; the `.` is a segment of its own.
    ("p", HmsType::Partition),
    ("p.", HmsType::Partition),
    ("d", HmsType::Cdu),
    ("dw", HmsType::CduMgmtSwitch),
    ("x", HmsType::Cabinet),
    ("xd", HmsType::CabinetCdu),
    ("xb", HmsType::CabinetBmc),
    ("xe", HmsType::Cec),
    ("xm", HmsType::CabinetPduController),
    ("xmi", HmsType::CabinetPduNic),
    ("xmp", HmsType::CabinetPdu),
    ("xmpj", HmsType::CabinetPduOutlet),
    ("xmpv", HmsType::CabinetPduPowerConnector),
    ("xc", HmsType::Chassis),
    ("xcb", HmsType::ChassisBmc),
    ("xcbi", HmsType::ChassisBmcNic),
    ("xcf", HmsType::CmmFpga),
    ("xct", HmsType::CmmRectifier),
    ("xcs", HmsType::ComputeModule),
    ("xcsb", HmsType::NodeBmc),
    ("xcsbi", HmsType::NodeBmcNic),
    ("xcsbf", HmsType::NodeFpga),
    ("xcsbn", HmsType::Node),
    ("xcsbnv", HmsType::VirtualNode),
    ("xcsbnp", HmsType::Processor),
    ("xcsbnd", HmsType::Memory),
    ("xcsbnh", HmsType::NodeHsnNic),
    ("xcsbni", HmsType::NodeNic),
    ("xcsbna", HmsType::NodeAccel),
    ("xcsbnr", HmsType::NodeAccelRiser),
    ("xcsbng", HmsType::StorageGroup),
    ("xcsbngk", HmsType::Drive),
    ("xcse", HmsType::NodeEnclosure),
    ("xcset", HmsType::NodeEnclosurePowerSupply),
    ("xcsj", HmsType::NodePowerConnector),
    ("xcr", HmsType::RouterModule),
    ("xcrb", HmsType::RouterBmc),
    ("xcrbi", HmsType::RouterBmcNic),
    ("xcre", HmsType::HsnBoard),
    ("xcra", HmsType::HsnAsic),
    ("xcral", HmsType::HsnLink),
    ("xcrf", HmsType::RouterFpga),
    ("xcrt", HmsType::RouterTor),
    ("xcrtf", HmsType::RouterTorFpga),
    ("xcrj", HmsType::HsnConnector),
    ("xcrjp", HmsType::HsnConnectorPort),
    ("xcw", HmsType::MgmtSwitch),
    ("xcwj", HmsType::MgmtSwitchConnector),
    ("xch", HmsType::MgmtHlSwitchEnclosure),
    ("xchs", HmsType::MgmtHlSwitch),
];

/// A valid, normalised HMS component name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Xname {
    text: String,
    segments: Vec<(u8, u32)>,
    hms_type: HmsType,
}

/// Why a string is not an xname; `Display` is the message a user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid xname '{input}': {reason}")]
pub struct XnameError {
    pub input: String,
    pub reason: String,
}

fn max_for(letter: u8) -> u32 {
    match letter {
        b'x' => 9999,
        b'c' => 7,
        b's' | b'd' => 9999,
        // hms-xname bounds partition numbers by nothing but `[0-9]+`; nine
        // digits keep them in a u32.
        b'p' | b'.' => 999_999_999,
        _ => 9999,
    }
}

fn shape_of(letters: &str) -> Option<HmsType> {
    SHAPES.iter().find(|(l, _)| *l == letters).map(|(_, t)| *t)
}

impl Xname {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn hms_type(&self) -> HmsType {
        self.hms_type
    }

    /// The containing component: `x1000c1s7b0n0` → `x1000c1s7b0`; a cabinet or
    /// CDU → `s0`; `s0` has none.
    /// A partition has none: it is not a location.
    pub fn parent(&self) -> Option<Xname> {
        if self.hms_type == HmsType::Partition {
            return None;
        }
        match self.segments.len() {
            0 => None,
            1 if self.hms_type == HmsType::System => None,
            1 => Some(Xname::system()),
            n => Some(Xname::from_segments(self.segments[..n - 1].to_vec())),
        }
    }

    /// `s0`, the whole system.
    pub fn system() -> Xname {
        Xname::from_segments(vec![(b's', 0)])
    }

    /// True if `self` is `other` or contains it (`x1c0` contains `x1c0s0b0n0`,
    /// `p1` contains `p1.2`); `s0` contains every location, but no partition.
    pub fn contains(&self, other: &Xname) -> bool {
        if self.hms_type == HmsType::System {
            return other.hms_type != HmsType::Partition;
        }
        other.segments.starts_with(&self.segments)
    }

    /// Append a segment, e.g. `bmc.child('n', 0)` for its first node.
    pub fn child(&self, letter: char, n: u32) -> Result<Xname, XnameError> {
        format!("{}{}{}", self.text, letter, n).parse()
    }

    fn from_segments(segments: Vec<(u8, u32)>) -> Xname {
        let mut text = String::new();
        let mut letters = String::new();
        for (l, n) in &segments {
            text.push(*l as char);
            text.push_str(&n.to_string());
            letters.push(*l as char);
        }
        // Only called with prefixes of valid xnames, whose shapes are in the table
        // (every shape's prefix is a shape too).
        let hms_type = shape_of(&letters).unwrap_or(HmsType::System);
        Xname {
            text,
            segments,
            hms_type,
        }
    }
}

impl FromStr for Xname {
    type Err = XnameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| XnameError {
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(fail("empty".into()));
        }
        if s.len() > MAX_LEN {
            return Err(fail(format!("longer than {MAX_LEN} characters")));
        }
        let lower = s.to_ascii_lowercase();
        let bytes = lower.as_bytes();
        let mut segments = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let letter = bytes[i];
            // GOOD: only `.` after `pN`. Rationale: hms-xname's unescaped `.`
            // matches any character there, but every name it generates is `pN.M`.
            let partition_dot = letter == b'.' && segments.len() == 1 && bytes[0] == b'p';
            if !letter.is_ascii_lowercase() && !partition_dot {
                return Err(fail(if letter.is_ascii_digit() {
                    "must start with a letter (x for a cabinet, d for a CDU, s0 for the system, p for a partition)"
                        .into()
                } else {
                    format!(
                        "unexpected character '{}'",
                        s[i..].chars().next().unwrap_or('?')
                    )
                }));
            }
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(fail(format!(
                    "'{}' must be followed by a number",
                    letter as char
                )));
            }
            let digits = lower[start..i].trim_start_matches('0');
            let n: u64 = if digits.is_empty() {
                0
            } else if digits.len() > 9 {
                u64::MAX
            } else {
                digits.parse().unwrap_or(u64::MAX)
            };
            let max = max_for(letter);
            if n > u64::from(max) {
                return Err(fail(format!(
                    "number {} after '{}' is out of range (0-{max})",
                    &lower[start..i],
                    letter as char
                )));
            }
            segments.push((letter, n as u32));
        }
        let letters: String = segments.iter().map(|(l, _)| *l as char).collect();
        let Some(hms_type) = shape_of(&letters) else {
            // Find where the shape went wrong to say so.
            let good = (1..=letters.len())
                .rev()
                .find(|k| shape_of(&letters[..*k]).is_some());
            return Err(fail(match good {
                None => "must start with x (cabinet), d (CDU), s0 (system) or p (partition)".into(),
                Some(k) => {
                    let prefix = Xname::from_segments(segments[..k].to_vec());
                    format!(
                        "'{}' cannot follow {} ({})",
                        letters.as_bytes()[k] as char,
                        prefix.text,
                        prefix.hms_type
                    )
                }
            }));
        };
        if hms_type == HmsType::System && segments[0].1 != 0 {
            return Err(fail("the system is always s0".into()));
        }
        Ok(Xname::from_segments(segments))
    }
}

impl fmt::Display for Xname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Xname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Xname({})", self.text)
    }
}

impl Ord for Xname {
    fn cmp(&self, other: &Self) -> Ordering {
        self.segments.cmp(&other.segments)
    }
}

impl PartialOrd for Xname {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl AsRef<str> for Xname {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl Serialize for Xname {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Xname {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Xname {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::string_schema("HMS component name (xname)", "x1000c1s7b0n0")
    }
}

impl utoipa::ToSchema for Xname {}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[(&str, &str, HmsType)] = &[
        ("s0", "s0", HmsType::System),
        ("S0", "s0", HmsType::System),
        ("x1000", "x1000", HmsType::Cabinet),
        ("x0", "x0", HmsType::Cabinet),
        ("x9999", "x9999", HmsType::Cabinet),
        ("x1000m0", "x1000m0", HmsType::CabinetPduController),
        ("x1000m0p0", "x1000m0p0", HmsType::CabinetPdu),
        ("x1000m0p0j1", "x1000m0p0j1", HmsType::CabinetPduOutlet),
        (
            "x1000m0p0v1",
            "x1000m0p0v1",
            HmsType::CabinetPduPowerConnector,
        ),
        ("x1000c1", "x1000c1", HmsType::Chassis),
        ("x1000c1b0", "x1000c1b0", HmsType::ChassisBmc),
        ("x1000c1s7", "x1000c1s7", HmsType::ComputeModule),
        ("x1000c1s7b0", "x1000c1s7b0", HmsType::NodeBmc),
        ("x1000c1s7b0i0", "x1000c1s7b0i0", HmsType::NodeBmcNic),
        ("x1000c1s7e0", "x1000c1s7e0", HmsType::NodeEnclosure),
        ("x1000c1s7b0n0", "x1000c1s7b0n0", HmsType::Node),
        ("x1000c1s7b0n0p0", "x1000c1s7b0n0p0", HmsType::Processor),
        ("x1000c1s7b0n0d0", "x1000c1s7b0n0d0", HmsType::Memory),
        ("x1000c1s7b0n0h0", "x1000c1s7b0n0h0", HmsType::NodeHsnNic),
        ("x1000c1s7b0n0i0", "x1000c1s7b0n0i0", HmsType::NodeNic),
        ("x1000c1s7b0n0a0", "x1000c1s7b0n0a0", HmsType::NodeAccel),
        ("x1000c1r7", "x1000c1r7", HmsType::RouterModule),
        ("x1000c1r7b0", "x1000c1r7b0", HmsType::RouterBmc),
        ("x1000c1r7e0", "x1000c1r7e0", HmsType::HsnBoard),
        ("x3000c0w14", "x3000c0w14", HmsType::MgmtSwitch),
        (
            "x3000c0w14j48",
            "x3000c0w14j48",
            HmsType::MgmtSwitchConnector,
        ),
        ("x3000c0h12s1", "x3000c0h12s1", HmsType::MgmtHlSwitch),
        ("x3000c0h12", "x3000c0h12", HmsType::MgmtHlSwitchEnclosure),
        ("d0", "d0", HmsType::Cdu),
        ("d0w1", "d0w1", HmsType::CduMgmtSwitch),
        ("X0001C01S7B0N0", "x1c1s7b0n0", HmsType::Node),
        ("x0001c0s0b0n0", "x1c0s0b0n0", HmsType::Node),
        ("x1000c1s7b0n0v3", "x1000c1s7b0n0v3", HmsType::VirtualNode),
        ("x1000c1s7b0n0g1k2", "x1000c1s7b0n0g1k2", HmsType::Drive),
        ("x1000c1s7b0f0", "x1000c1s7b0f0", HmsType::NodeFpga),
        ("x1000c1r7a1l4", "x1000c1r7a1l4", HmsType::HsnLink),
        ("x1000c1r7j3p1", "x1000c1r7j3p1", HmsType::HsnConnectorPort),
        ("x1000c1r7b0i1", "x1000c1r7b0i1", HmsType::RouterBmcNic),
        ("x1000c1b0i0", "x1000c1b0i0", HmsType::ChassisBmcNic),
        ("x1000b0", "x1000b0", HmsType::CabinetBmc),
        ("x1000d1", "x1000d1", HmsType::CabinetCdu),
        ("x1000c7s64b1n7", "x1000c7s64b1n7", HmsType::Node),
        ("x5506c0s172b10", "x5506c0s172b10", HmsType::NodeBmc),
        ("x5506c0s172b10n0", "x5506c0s172b10n0", HmsType::Node),
        ("p0", "p0", HmsType::Partition),
        ("p98", "p98", HmsType::Partition),
        ("P1", "p1", HmsType::Partition),
        ("p0.0", "p0.0", HmsType::Partition),
        ("p9999.9996", "p9999.9996", HmsType::Partition),
        ("p007.010", "p7.10", HmsType::Partition),
        ("p123456789", "p123456789", HmsType::Partition),
    ];

    const INVALID: &[(&str, &str)] = &[
        ("", "invalid xname '': empty"),
        ("x", "invalid xname 'x': 'x' must be followed by a number"),
        ("x1000c", "invalid xname 'x1000c': 'c' must be followed by a number"),
        ("c1", "invalid xname 'c1': must start with x (cabinet), d (CDU), s0 (system) or p (partition)"),
        ("n0", "invalid xname 'n0': must start with x (cabinet), d (CDU), s0 (system) or p (partition)"),
        ("1000", "invalid xname '1000': must start with a letter (x for a cabinet, d for a CDU, s0 for the system, p for a partition)"),
        ("s1", "invalid xname 's1': the system is always s0"),
        ("s0x1", "invalid xname 's0x1': 'x' cannot follow s0 (System)"),
        ("x1000n0", "invalid xname 'x1000n0': 'n' cannot follow x1000 (Cabinet)"),
        ("x1000s7", "invalid xname 'x1000s7': 's' cannot follow x1000 (Cabinet)"),
        ("x1000c1n0", "invalid xname 'x1000c1n0': 'n' cannot follow x1000c1 (Chassis)"),
        ("x1000c1s7n0", "invalid xname 'x1000c1s7n0': 'n' cannot follow x1000c1s7 (ComputeModule)"),
        ("x1000c1s7b0n0n0", "invalid xname 'x1000c1s7b0n0n0': 'n' cannot follow x1000c1s7b0n0 (Node)"),
        ("x1000c1b0n0", "invalid xname 'x1000c1b0n0': 'n' cannot follow x1000c1b0 (ChassisBMC)"),
        ("x1000c1s7b0q0", "invalid xname 'x1000c1s7b0q0': 'q' cannot follow x1000c1s7b0 (NodeBMC)"),
        ("x1000z1", "invalid xname 'x1000z1': 'z' cannot follow x1000 (Cabinet)"),
        ("x10000", "invalid xname 'x10000': number 10000 after 'x' is out of range (0-9999)"),
        ("x99999999999999999999", "invalid xname 'x99999999999999999999': number 99999999999999999999 after 'x' is out of range (0-9999)"),
        ("x1000c8", "invalid xname 'x1000c8': number 8 after 'c' is out of range (0-7)"),
        ("x1000c1s99999", "invalid xname 'x1000c1s99999': number 99999 after 's' is out of range (0-9999)"),
        ("x1000c1s7b0n4294967296", "invalid xname 'x1000c1s7b0n4294967296': number 4294967296 after 'n' is out of range (0-9999)"),
        ("x1000-c1", "invalid xname 'x1000-c1': unexpected character '-'"),
        ("x1000 c1", "invalid xname 'x1000 c1': unexpected character ' '"),
        (" x1000", "invalid xname ' x1000': unexpected character ' '"),
        ("x1000c1s7b0n0 ", "invalid xname 'x1000c1s7b0n0 ': unexpected character ' '"),
        ("x1000.c1", "invalid xname 'x1000.c1': unexpected character '.'"),
        ("x1000c1s7b0n", "invalid xname 'x1000c1s7b0n': 'n' must be followed by a number"),
        ("xx1000", "invalid xname 'xx1000': 'x' must be followed by a number"),
        ("x1000c1c1", "invalid xname 'x1000c1c1': 'c' cannot follow x1000c1 (Chassis)"),
        ("d0x1", "invalid xname 'd0x1': 'x' cannot follow d0 (CDU)"),
        ("d0w1j1", "invalid xname 'd0w1j1': 'j' cannot follow d0w1 (CDUMgmtSwitch)"),
        ("x3000c0w14j48k1", "invalid xname 'x3000c0w14j48k1': 'k' cannot follow x3000c0w14j48 (MgmtSwitchConnector)"),
        ("x1000m0p0j1z1", "invalid xname 'x1000m0p0j1z1': 'z' cannot follow x1000m0p0j1 (CabinetPDUOutlet)"),
        ("x1000c1r7n0", "invalid xname 'x1000c1r7n0': 'n' cannot follow x1000c1r7 (RouterModule)"),
        ("node1", "invalid xname 'node1': 'n' must be followed by a number"),
        ("Default", "invalid xname 'Default': 'd' must be followed by a number"),
        ("x1000c1s7b0n0é", "invalid xname 'x1000c1s7b0n0é': unexpected character 'é'"),
        ("x1000\0", "invalid xname 'x1000\0': unexpected character '\0'"),
        ("x1000c1s7b0n0p0p0", "invalid xname 'x1000c1s7b0n0p0p0': 'p' cannot follow x1000c1s7b0n0p0 (Processor)"),
        ("x1000c1s7e0n0", "invalid xname 'x1000c1s7e0n0': 'n' cannot follow x1000c1s7e0 (NodeEnclosure)"),
        ("x1000c1s7b0n0d0x", "invalid xname 'x1000c1s7b0n0d0x': 'x' must be followed by a number"),
        ("y1", "invalid xname 'y1': must start with x (cabinet), d (CDU), s0 (system) or p (partition)"),
        ("p", "invalid xname 'p': 'p' must be followed by a number"),
        ("p1.", "invalid xname 'p1.': '.' must be followed by a number"),
        (".1", "invalid xname '.1': unexpected character '.'"),
        ("p1.2.3", "invalid xname 'p1.2.3': unexpected character '.'"),
        ("p1..2", "invalid xname 'p1..2': '.' must be followed by a number"),
        ("p1x2", "invalid xname 'p1x2': 'x' cannot follow p1 (Partition)"),
        ("p1.2c3", "invalid xname 'p1.2c3': 'c' cannot follow p1.2 (Partition)"),
        ("p1c3", "invalid xname 'p1c3': 'c' cannot follow p1 (Partition)"),
        ("x1000p1", "invalid xname 'x1000p1': 'p' cannot follow x1000 (Cabinet)"),
        ("x1000.1", "invalid xname 'x1000.1': unexpected character '.'"),
        ("s0.1", "invalid xname 's0.1': unexpected character '.'"),
        ("p1234567890", "invalid xname 'p1234567890': number 1234567890 after 'p' is out of range (0-999999999)"),
        ("p1.1234567890", "invalid xname 'p1.1234567890': number 1234567890 after '.' is out of range (0-999999999)"),
    ];

    #[test]
    fn valid_xnames_parse_normalise_and_type() {
        assert!(VALID.len() >= 40);
        for (input, norm, ty) in VALID {
            let x: Xname = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(x.as_str(), *norm, "{input}");
            assert_eq!(x.hms_type(), *ty, "{input}");
            // Display → parse is the identity.
            assert_eq!(x.to_string().parse::<Xname>().unwrap(), x);
        }
    }

    #[test]
    fn invalid_xnames_say_why() {
        assert!(INVALID.len() >= 40);
        let long = "x1".repeat(40);
        assert!(long
            .parse::<Xname>()
            .unwrap_err()
            .to_string()
            .contains("longer than 64"));
        for (input, msg) in INVALID {
            let e = input.parse::<Xname>().expect_err(input);
            assert_eq!(e.to_string(), *msg, "{input:?}");
        }
    }

    #[test]
    fn parent_chain() {
        let x: Xname = "x1000c1s7b0n0p0".parse().unwrap();
        let chain: Vec<String> = std::iter::successors(Some(x), |x| x.parent())
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            chain,
            [
                "x1000c1s7b0n0p0",
                "x1000c1s7b0n0",
                "x1000c1s7b0",
                "x1000c1s7",
                "x1000c1",
                "x1000",
                "s0"
            ]
        );
        let hl: Xname = "x3000c0h12s1".parse().unwrap();
        assert_eq!(
            hl.parent().unwrap().hms_type(),
            HmsType::MgmtHlSwitchEnclosure
        );
        assert_eq!(
            "d0".parse::<Xname>().unwrap().parent().unwrap().as_str(),
            "s0"
        );
        assert_eq!("s0".parse::<Xname>().unwrap().parent(), None);
    }

    #[test]
    fn numeric_ordering() {
        let mut v: Vec<Xname> = ["x1c0s0b0n10", "x1c0s0b0n2", "x10c0", "x2c0", "x1c0s0b0"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let got: Vec<&str> = v.iter().map(|x| x.as_str()).collect();
        assert_eq!(
            got,
            ["x1c0s0b0", "x1c0s0b0n2", "x1c0s0b0n10", "x2c0", "x10c0"]
        );
    }

    #[test]
    fn partitions_stand_apart_from_locations() {
        let p: Xname = "p9999.9996".parse().unwrap();
        let top: Xname = "p9999".parse().unwrap();
        assert_eq!(p.parent(), None);
        assert_eq!(top.parent(), None);
        assert!(top.contains(&p));
        assert!(!p.contains(&top));
        assert!(!Xname::system().contains(&p));
        assert!(!"p99".parse::<Xname>().unwrap().contains(&p));
        assert!(p.child('n', 0).is_err());
        let mut v: Vec<Xname> = ["x1", "s0", "p10", "p9.10", "p9.9", "p9", "d1", "p10.0"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let got: Vec<&str> = v.iter().map(|x| x.as_str()).collect();
        assert_eq!(
            got,
            ["d1", "p9", "p9.9", "p9.10", "p10", "p10.0", "s0", "x1"]
        );
        // serde and the HMS type's spelling.
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"p9999.9996\"");
        assert_eq!(p.hms_type().to_string(), "Partition");
    }

    #[test]
    fn containment_and_children() {
        let bmc: Xname = "x1000c1s7b0".parse().unwrap();
        let node = bmc.child('n', 1).unwrap();
        assert_eq!(node.as_str(), "x1000c1s7b0n1");
        assert!(bmc.contains(&node));
        assert!(!node.contains(&bmc));
        assert!(Xname::system().contains(&node));
        assert!(bmc.child('q', 0).is_err());
    }

    #[test]
    fn serde_rejects_bad_names() {
        let e = serde_json::from_str::<Xname>("\"x1000n0\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'n' cannot follow x1000"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = s.parse::<Xname>();
        }

        #[test]
        fn node_roundtrip(x in 0u32..10000, c in 0u32..8, s in 0u32..100, b in 0u32..4, n in 0u32..16) {
            let text = format!("x{x}c{c}s{s}b{b}n{n}");
            let parsed: Xname = text.parse().unwrap();
            proptest::prop_assert_eq!(parsed.as_str(), text.as_str());
            proptest::prop_assert_eq!(parsed.hms_type(), HmsType::Node);
        }
    }
}
