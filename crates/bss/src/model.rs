//! Wire shapes (OpenCHAMI `pkg/bssTypes`) and the typed keys they name.
//!
//! The wire struct keeps OpenCHAMI's field names and emptiness rules; the edge
//! turns it into [`Keys`] + [`Fields`], which are valid once held.

use std::fmt;

use ochami_service::http::Problem;
use ochami_types::{HmsType, MacAddr, Role, Xname};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `BootParams` as OpenCHAMI reads and writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BootParams {
    /// Node xnames, or `Default`, `Global`, `Unknown-<arch>`, or an SMD role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// MAC addresses, any spelling; stored and shown as `aa:bb:cc:dd:ee:ff`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nids: Vec<i32>,
    /// Kernel command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// Kernel URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Initrd URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initrd: Option<String>,
    #[serde(rename = "cloud-init", default)]
    pub cloud_init: Option<CloudInit>,
}

/// cloud-init data served through `/meta-data`, `/user-data`, `/phone-home`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CloudInit {
    #[serde(rename = "meta-data", default)]
    #[schema(value_type = Option<Object>)]
    pub meta_data: Option<Map<String, Value>>,
    #[serde(rename = "user-data", default)]
    #[schema(value_type = Option<Object>)]
    pub user_data: Option<Map<String, Value>>,
    #[serde(rename = "phone-home", default)]
    pub phone_home: PhoneHome,
}

/// What a node reports through `POST /phone-home`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PhoneHome {
    pub pub_key_dsa: String,
    pub pub_key_rsa: String,
    pub pub_key_ecdsa: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pub_key_ed25519: String,
    pub instance_id: String,
    pub hostname: String,
    pub fqdn: String,
}

/// One record of `/boot/v1/endpoint-history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointAccess {
    pub name: String,
    pub endpoint: String,
    pub last_epoch: i64,
}

/// What a boot key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An xname, `Default`, `Global`, `Unknown-<arch>` or a role.
    Host,
    Mac,
    Nid,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Mac => "mac",
            Kind::Nid => "nid",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "host" => Some(Kind::Host),
            "mac" => Some(Kind::Mac),
            "nid" => Some(Kind::Nid),
            _ => None,
        }
    }
}

/// A normalised key: `(host, x1000c1s7b0n0)`, `(mac, aa:bb:..)`, `(nid, 12)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: Kind,
    pub key: String,
}

impl Key {
    pub fn host(s: impl Into<String>) -> Key {
        Key {
            kind: Kind::Host,
            key: s.into(),
        }
    }
    pub fn mac(m: MacAddr) -> Key {
        Key {
            kind: Kind::Mac,
            key: m.to_string(),
        }
    }
    pub fn nid(n: i64) -> Key {
        Key {
            kind: Kind::Nid,
            key: n.to_string(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.key)
    }
}

/// The special host name every node falls back to.
pub const DEFAULT_HOST: &str = "Default";
/// The host name whose meta-data every node sees under `Global`.
pub const GLOBAL_HOST: &str = "Global";
/// Prefix of the per-architecture discovery parameters.
pub const UNKNOWN_PREFIX: &str = "Unknown-";

/// Normalise a `hosts` entry: a Node xname, a special name, or a role.
pub fn parse_host(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t == DEFAULT_HOST || t == GLOBAL_HOST {
        return Ok(t.to_owned());
    }
    if let Some(arch) = t.strip_prefix(UNKNOWN_PREFIX) {
        if !arch.is_empty() && arch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Ok(t.to_owned());
        }
        return Err(format!(
            "'{t}': an architecture is letters, digits and '_' (e.g. Unknown-x86_64)"
        ));
    }
    if let Ok(role) = t.parse::<Role>() {
        return Ok(role.as_str().to_owned());
    }
    let x: Xname = t
        .parse()
        .map_err(|e: ochami_types::XnameError| e.to_string())?;
    if x.hms_type() != HmsType::Node {
        return Err(format!(
            "invalid xname type: '{t}' is a {}, not a Node (or Default, Global, Unknown-<arch>, a role)",
            x.hms_type()
        ));
    }
    Ok(x.as_str().to_owned())
}

/// The keys a request names, validated; errors name the field and index.
pub fn keys_of(bp: &BootParams) -> Result<Vec<Key>, Problem> {
    let mut keys = Vec::new();
    for (i, h) in bp.hosts.iter().enumerate() {
        let k = parse_host(h).map_err(|e| Problem::bad_request(format!("hosts[{i}]: {e}")))?;
        keys.push(Key::host(k));
    }
    for (i, m) in bp.macs.iter().enumerate() {
        let mac: MacAddr = m
            .parse()
            .map_err(|e| Problem::bad_request(format!("macs[{i}]: {e}")))?;
        keys.push(Key::mac(mac));
    }
    for (i, n) in bp.nids.iter().enumerate() {
        if *n < 0 {
            return Err(Problem::bad_request(format!(
                "nids[{i}]: invalid NID {n}: must not be negative"
            )));
        }
        keys.push(Key::nid(i64::from(*n)));
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The boot settings a request carries; `None` = not given (PATCH keeps it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub params: Option<String>,
    pub cloud_init: Option<CloudInit>,
}

fn check_url(field: &str, v: &str) -> Result<(), Problem> {
    if v.is_empty() {
        return Ok(());
    }
    match url::Url::parse(v) {
        Ok(u) if u.has_host() || u.scheme() == "file" => Ok(()),
        Ok(_) => Err(Problem::bad_request(format!(
            "{field}: '{v}' is not a URL with a host (expected e.g. http://host/path)"
        ))),
        Err(e) => Err(Problem::bad_request(format!(
            "{field}: '{v}' is not a URL: {e} (expected e.g. http://host/path)"
        ))),
    }
}

/// The settings of a request, validated.
pub fn fields_of(bp: &BootParams) -> Result<Fields, Problem> {
    let kernel = bp.kernel.as_ref().map(|s| s.trim().to_owned());
    let initrd = bp.initrd.as_ref().map(|s| s.trim().to_owned());
    if let Some(k) = &kernel {
        check_url("kernel", k)?;
    }
    if let Some(i) = &initrd {
        check_url("initrd", i)?;
    }
    Ok(Fields {
        kernel,
        initrd,
        params: bp.params.clone(),
        cloud_init: bp.cloud_init.clone(),
    })
}

/// A stored boot configuration with the keys that point at it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BootConfig {
    pub id: i64,
    pub kernel: String,
    pub initrd: String,
    pub params: String,
    pub cloud_init: Option<CloudInit>,
    pub referral_token: String,
    pub keys: Vec<Key>,
}

impl BootConfig {
    /// The wire form, listing `keys` (all of them, or the ones a filter matched).
    pub fn to_wire(&self, keys: &[&Key]) -> BootParams {
        let mut bp = BootParams {
            params: non_empty(&self.params),
            kernel: non_empty(&self.kernel),
            initrd: non_empty(&self.initrd),
            cloud_init: Some(self.cloud_init.clone().unwrap_or_default()),
            ..Default::default()
        };
        let mut nids = Vec::new();
        for k in keys {
            match k.kind {
                Kind::Host => bp.hosts.push(k.key.clone()),
                Kind::Mac => bp.macs.push(k.key.clone()),
                Kind::Nid => {
                    if let Ok(n) = k.key.parse::<i32>() {
                        nids.push(n)
                    }
                }
            }
        }
        nids.sort_unstable();
        bp.nids = nids;
        bp
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A state change notification as SMD POSTs it to `/boot/v1/scn`
/// (HSM's `SCNPayload`; OpenCHAMI bss `Scn`): `smd-api`'s type.
pub use smd_api::subscription::ScnPayload as Scn;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_nodes_specials_or_roles() {
        assert_eq!(parse_host("x1000c1s7b0n0").unwrap(), "x1000c1s7b0n0");
        assert_eq!(parse_host("Default").unwrap(), "Default");
        assert_eq!(parse_host("Unknown-x86_64").unwrap(), "Unknown-x86_64");
        assert_eq!(parse_host("compute").unwrap(), "Compute");
        assert!(parse_host("x1000c1s7b0")
            .unwrap_err()
            .contains("not a Node"));
        assert!(parse_host("bogus").is_err());
        assert!(parse_host("Unknown-").is_err());
    }

    #[test]
    fn keys_name_the_bad_field() {
        let bp = BootParams {
            macs: vec!["aa:bb:cc:dd:ee:ff".into(), "nope".into()],
            ..Default::default()
        };
        assert!(keys_of(&bp).unwrap_err().detail.starts_with("macs[1]:"));
        let bp = BootParams {
            nids: vec![-1],
            ..Default::default()
        };
        assert!(keys_of(&bp).unwrap_err().detail.starts_with("nids[0]:"));
        let bp = BootParams {
            kernel: Some("vmlinuz".into()),
            ..Default::default()
        };
        assert!(fields_of(&bp).unwrap_err().detail.starts_with("kernel:"));
    }

    #[test]
    fn macs_are_normalised() {
        let bp = BootParams {
            macs: vec!["AA-BB-CC-DD-EE-FF".into()],
            ..Default::default()
        };
        let mac: MacAddr = "aa:bb:cc:dd:ee:ff".parse().unwrap();
        assert_eq!(keys_of(&bp).unwrap(), vec![Key::mac(mac)]);
    }
}
