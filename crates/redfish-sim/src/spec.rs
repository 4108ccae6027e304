//! What to simulate: the fleet of BMCs, their systems, MACs, credentials and
//! reset hooks. Parsed from TOML/JSON or built from CLI flags; expanded into
//! concrete per-BMC descriptions by [`Spec::expand`]. No I/O besides reading
//! the spec file.
//!
//! Determinism: UUIDs depend only on the BMC index and system index, MACs on
//! the node's number counted across the fleet in order, so two runs of the
//! same spec describe the same hardware and no two nodes share a MAC.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use ochami_types::mac::MacAddr;
use serde::{Deserialize, Serialize};

/// How the simulated BMCs are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    #[default]
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Where BMC number `i` listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// BMC `i` on `listen + i` (IPv4 address arithmetic), all on `port_base`
    /// (0: an ephemeral port each). Like a real BMC network.
    #[default]
    Addresses,
    /// All on `listen`, BMC `i` on port `port_base + i` (0: ephemeral each).
    Ports,
}

/// Misbehaviour a BMC can be told to show, to test clients' fault handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Accept TCP connections and never answer a request (not even the root).
    Hang,
    /// Service root answers; everything below it is a 500.
    InternalError,
    /// Service root answers; everything below it is truncated JSON.
    MalformedJson,
    /// Service root answers; resources hang (collect times out, scan succeeds).
    SlowResources,
}

/// The whole simulated fleet. Field names are the TOML/JSON keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spec {
    /// Number of BMCs generated from the defaults below (explicit `bmc`
    /// entries override the first ones, and add more if there are more).
    pub bmcs: usize,
    pub systems_per_bmc: usize,
    /// First three octets of every generated MAC.
    pub mac_prefix: String,
    pub listen: IpAddr,
    pub port_base: u16,
    pub layout: Layout,
    pub scheme: Scheme,
    pub username: String,
    pub password: String,
    /// How long a power change takes: for this many milliseconds after a
    /// reset that changes the power, `PowerState` reads `PoweringOn` /
    /// `PoweringOff` (0: at once, the default).
    pub power_transition_ms: u64,
    /// Per-BMC overrides, by position.
    pub bmc: Vec<BmcSpec>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            bmcs: 1,
            systems_per_bmc: 1,
            mac_prefix: "52:54:00".into(),
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port_base: 0,
            layout: Layout::Addresses,
            scheme: Scheme::Https,
            username: "admin".into(),
            password: "password".into(),
            power_transition_ms: 0,
            bmc: Vec::new(),
        }
    }
}

/// One BMC's overrides; everything optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BmcSpec {
    /// Exact address to listen on (port 0: ephemeral).
    pub address: Option<SocketAddr>,
    pub scheme: Option<Scheme>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub fault: Option<Fault>,
    /// Explicit systems (replaces the generated ones).
    pub systems: Option<Vec<SystemSpec>>,
    /// Put the systems' Ethernet interfaces under the Manager only (some
    /// vendors do), to exercise clients' fallbacks.
    pub nics_under_manager: bool,
}

/// One computer system behind a BMC.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemSpec {
    /// MACs of its Ethernet interfaces (empty: one generated MAC).
    pub macs: Vec<MacAddr>,
    /// Initial power state: "On" or "Off" (default "Off").
    pub power_state: Option<String>,
    /// Reset type → shell command run on the host (`sh -c`) when that reset is
    /// requested; e.g. `On = "qemu-system-x86_64 ... &"`.
    pub on_reset: BTreeMap<String, String>,
    /// A stubborn node: the first this many resets are accepted (204) and
    /// ignored, as some real nodes do; later ones act.
    pub stubborn: u32,
    /// The system's UUID instead of the generated one: `""` for none, or a
    /// value another system has too (firmware that gets it wrong).
    pub uuid: Option<String>,
}

/// A fully resolved BMC, ready to serve.
#[derive(Debug, Clone)]
pub struct BmcPlan {
    pub index: usize,
    pub address: SocketAddr,
    pub scheme: Scheme,
    pub username: String,
    pub password: String,
    pub fault: Option<Fault>,
    pub nics_under_manager: bool,
    pub manager_mac: MacAddr,
    pub manager_uuid: String,
    pub systems: Vec<SystemPlan>,
    pub power_transition: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct SystemPlan {
    pub id: String,
    pub uuid: String,
    pub macs: Vec<MacAddr>,
    pub powered_on: bool,
    pub on_reset: BTreeMap<String, String>,
    pub stubborn: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read spec {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("bad spec {path}: {err}")]
    Parse { path: String, err: String },
    #[error("{0}")]
    Invalid(String),
}

impl Spec {
    /// Load a `.toml` or `.json` spec file (by extension; default TOML).
    pub fn from_file(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|err| SpecError::Read {
            path: path.display().to_string(),
            err,
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| e.to_string())
        };
        parsed.map_err(|err| SpecError::Parse {
            path: path.display().to_string(),
            err,
        })
    }

    /// Resolve every BMC: addresses, MACs, UUIDs, credentials.
    pub fn expand(&self) -> Result<Vec<BmcPlan>, SpecError> {
        let prefix = parse_prefix(&self.mac_prefix)?;
        let count = self.bmcs.max(self.bmc.len());
        let mut plans = Vec::with_capacity(count);
        // Global node number of this BMC's first system: MACs stay distinct
        // when BMCs have different numbers of systems.
        let mut first_node = 0usize;
        for i in 0..count {
            let over = self.bmc.get(i).cloned().unwrap_or_default();
            let address = match over.address {
                Some(a) => a,
                None => self.address_of(i)?,
            };
            let systems: Vec<SystemPlan> = match over.systems {
                Some(list) => list
                    .into_iter()
                    .enumerate()
                    .map(|(j, s)| SystemPlan {
                        id: system_id(j),
                        uuid: s.uuid.unwrap_or_else(|| system_uuid(i, j)),
                        macs: if s.macs.is_empty() {
                            vec![system_mac(prefix, first_node + j)]
                        } else {
                            s.macs
                        },
                        powered_on: s.power_state.as_deref() == Some("On"),
                        on_reset: s.on_reset,
                        stubborn: s.stubborn,
                    })
                    .collect(),
                None => (0..self.systems_per_bmc)
                    .map(|j| SystemPlan {
                        id: system_id(j),
                        uuid: system_uuid(i, j),
                        macs: vec![system_mac(prefix, first_node + j)],
                        powered_on: false,
                        on_reset: BTreeMap::new(),
                        stubborn: 0,
                    })
                    .collect(),
            };
            first_node += systems.len();
            plans.push(BmcPlan {
                index: i,
                address,
                scheme: over.scheme.unwrap_or(self.scheme),
                username: over.username.unwrap_or_else(|| self.username.clone()),
                password: over.password.unwrap_or_else(|| self.password.clone()),
                fault: over.fault,
                nics_under_manager: over.nics_under_manager,
                manager_mac: manager_mac(prefix, i),
                manager_uuid: format!("b3c00000-0000-4000-8000-{i:012x}"),
                systems,
                power_transition: std::time::Duration::from_millis(self.power_transition_ms),
            });
        }
        Ok(plans)
    }

    fn address_of(&self, i: usize) -> Result<SocketAddr, SpecError> {
        let offset = u16::try_from(i)
            .ok()
            .filter(|_| self.port_base == 0 || usize::from(self.port_base) + i <= 65535);
        match self.layout {
            Layout::Ports => {
                let port = if self.port_base == 0 {
                    0
                } else {
                    offset
                        .map(|o| self.port_base + o)
                        .ok_or_else(|| SpecError::Invalid(format!("BMC {i}: port out of range")))?
                };
                Ok(SocketAddr::new(self.listen, port))
            }
            Layout::Addresses => match self.listen {
                IpAddr::V4(v4) => {
                    let n = u32::from(v4)
                        .checked_add(i as u32)
                        .filter(|_| i <= u32::MAX as usize)
                        .ok_or_else(|| {
                            SpecError::Invalid(format!("BMC {i}: address out of range"))
                        })?;
                    Ok(SocketAddr::new(
                        IpAddr::V4(Ipv4Addr::from(n)),
                        self.port_base,
                    ))
                }
                IpAddr::V6(_) if i == 0 => Ok(SocketAddr::new(self.listen, self.port_base)),
                IpAddr::V6(_) => Err(SpecError::Invalid(
                    "layout \"addresses\" needs an IPv4 listen address".into(),
                )),
            },
        }
    }
}

fn parse_prefix(s: &str) -> Result<[u8; 3], SpecError> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    let bytes: Option<Vec<u8>> = parts
        .iter()
        .map(|p| u8::from_str_radix(p, 16).ok())
        .collect();
    match bytes {
        Some(b) if b.len() == 3 => Ok([b[0], b[1], b[2]]),
        _ => Err(SpecError::Invalid(format!(
            "mac_prefix '{s}': expected three hex octets like 52:54:00"
        ))),
    }
}

/// Redfish system ids as many BMCs spell them for a multi-node sled.
pub fn system_id(j: usize) -> String {
    format!("Node{j}")
}

fn system_uuid(i: usize, j: usize) -> String {
    format!("5e1f0000-{j:04x}-4000-8000-{i:012x}")
}

/// System NICs use the low 23 bits of a global node counter; the top bit of
/// the fourth octet is kept for manager MACs so the two never collide.
fn system_mac(prefix: [u8; 3], node: usize) -> MacAddr {
    let n = node as u32 & 0x7F_FFFF;
    MacAddr([
        prefix[0],
        prefix[1],
        prefix[2],
        (n >> 16) as u8,
        (n >> 8) as u8,
        n as u8,
    ])
}

fn manager_mac(prefix: [u8; 3], i: usize) -> MacAddr {
    let n = i as u32 & 0x7F_FFFF;
    MacAddr([
        prefix[0],
        prefix[1],
        prefix[2],
        0x80 | (n >> 16) as u8,
        (n >> 8) as u8,
        n as u8,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_fleet_is_deterministic_and_distinct() {
        let spec = Spec {
            bmcs: 3,
            systems_per_bmc: 2,
            listen: "127.0.1.1".parse().unwrap(),
            port_base: 8443,
            ..Spec::default()
        };
        let a = spec.expand().unwrap();
        let b = spec.expand().unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[2].address, "127.0.1.3:8443".parse().unwrap());
        let macs: std::collections::BTreeSet<String> = a
            .iter()
            .flat_map(|p| {
                p.systems
                    .iter()
                    .flat_map(|s| s.macs.iter().map(|m| m.to_string()))
                    .chain([p.manager_mac.to_string()])
            })
            .collect();
        assert_eq!(macs.len(), 3 * 2 + 3, "every MAC distinct");
        assert_eq!(a[1].systems[1].macs, b[1].systems[1].macs);
        assert_eq!(a[1].systems[1].macs[0].to_string(), "52:54:00:00:00:03");
    }

    #[test]
    fn toml_spec_with_explicit_bmc() {
        let text = r#"
            bmcs = 2
            layout = "ports"
            scheme = "http"
            [[bmc]]
            password = "other"
            [[bmc.systems]]
            macs = ["52:54:00:12:34:56"]
            power_state = "On"
            on_reset = { On = "true", ForceOff = "true" }
            stubborn = 2
        "#;
        let spec: Spec = toml::from_str(text).unwrap();
        let plans = spec.expand().unwrap();
        assert_eq!(plans.len(), 2);
        assert_eq!(plans[0].password, "other");
        assert!(plans[0].systems[0].powered_on);
        assert_eq!(plans[0].systems[0].on_reset["On"], "true");
        assert_eq!(plans[0].systems[0].stubborn, 2);
        assert_eq!(plans[1].password, "password");
        assert_eq!(plans[0].scheme, Scheme::Http);
    }

    #[test]
    fn macs_stay_distinct_when_bmcs_have_different_system_counts() {
        let spec = Spec {
            bmcs: 3,
            bmc: vec![BmcSpec {
                systems: Some(vec![SystemSpec::default(); 3]),
                ..BmcSpec::default()
            }],
            ..Spec::default()
        };
        let macs: Vec<String> = spec
            .expand()
            .unwrap()
            .iter()
            .flat_map(|p| p.systems.iter().map(|s| s.macs[0].to_string()))
            .collect();
        assert_eq!(macs.len(), 5);
        let distinct: std::collections::BTreeSet<&String> = macs.iter().collect();
        assert_eq!(distinct.len(), 5, "{macs:?}");
    }

    #[test]
    fn bad_prefix_is_rejected() {
        let spec = Spec {
            mac_prefix: "zz".into(),
            ..Spec::default()
        };
        assert!(spec.expand().is_err());
    }
}
