//! MAC addresses in any common spelling, shown in lower-case colon form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 48-bit Ethernet MAC address.
///
/// Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` and
/// `aabbccddeeff`; displays as `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address '{input}': {reason} (expected a form like aa:bb:cc:dd:ee:ff)")]
pub struct MacParseError {
    pub input: String,
    pub reason: &'static str,
}

impl MacAddr {
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// OpenCHAMI's EthernetInterface ID: lower-case hex without separators.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The `BOOTIF=01-aa-bb-...` form pxelinux and dracut use.
    pub fn to_bootif(&self) -> String {
        let dashed: Vec<String> = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("01-{}", dashed.join("-"))
    }
}

impl FromStr for MacAddr {
    type Err = MacParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| MacParseError {
            input: s.to_owned(),
            reason,
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(err("empty"));
        }
        let hex: String = if t.len() == 17 && (t.contains(':') || t.contains('-')) {
            let sep = if t.contains(':') { ':' } else { '-' };
            let parts: Vec<&str> = t.split(sep).collect();
            if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
                return Err(err("groups must be six pairs of hex digits"));
            }
            parts.concat()
        } else if t.len() == 14 && t.contains('.') {
            let parts: Vec<&str> = t.split('.').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
                return Err(err("dotted form must be three groups of four hex digits"));
            }
            parts.concat()
        } else if t.len() == 12 {
            t.to_owned()
        } else {
            return Err(err("wrong length"));
        };
        let mut out = [0u8; 6];
        for (i, byte) in out.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2).ok_or_else(|| err("not hex"))?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| err("not hex"))?;
            if !pair.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(err("not hex"));
            }
        }
        Ok(MacAddr(out))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(b: [u8; 6]) -> Self {
        MacAddr(b)
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for MacAddr {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::string_schema("MAC address", "aa:bb:cc:dd:ee:ff")
    }
}

impl utoipa::ToSchema for MacAddr {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "aa:bb:cc:dd:ee:ff",
            "AA-BB-CC-DD-EE-FF",
            "aabb.ccdd.eeff",
            "AABBCCDDEEFF",
            " aa:bb:cc:dd:ee:ff ",
        ] {
            let m: MacAddr = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(m.to_string(), "aa:bb:cc:dd:ee:ff");
        }
    }

    #[test]
    fn rejects_garbage_with_reason() {
        for s in [
            "",
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:fg",
            "aa:bb:cc:dd:eeff:",
            "aabbccddeef",
            "+abbccddeeff",
            "aa:bb-cc:dd:ee:ff",
            "zz.zzzz.zzzz",
        ] {
            let e = s.parse::<MacAddr>().unwrap_err();
            assert!(e.to_string().contains("invalid MAC address"), "{s}: {e}");
        }
    }

    #[test]
    fn forms() {
        let m: MacAddr = "52:54:00:12:34:56".parse().unwrap();
        assert_eq!(m.to_hex(), "525400123456");
        assert_eq!(m.to_bootif(), "01-52-54-00-12-34-56");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"52:54:00:12:34:56\"");
        let back: MacAddr = serde_json::from_str("\"52-54-00-12-34-56\"").unwrap();
        assert_eq!(back, m);
    }

    proptest::proptest! {
        #[test]
        fn display_parse_roundtrip(b: [u8; 6]) {
            let m = MacAddr(b);
            proptest::prop_assert_eq!(m.to_string().parse::<MacAddr>().unwrap(), m);
            proptest::prop_assert_eq!(m.to_hex().parse::<MacAddr>().unwrap(), m);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<MacAddr>();
        }
    }
}
