//! BMC IDs (NodeBMC xnames) for collected BMCs: from `--bmc-id-map`, else
//! generated from the address.
//!
//! Generated mapping (IPv4 `a.b.c.d`, `ip` = the address as a 32-bit number):
//!
//! ```text
//! x = ip >> 19          (top 13 bits: a and the top 5 bits of b; ≤ 8191)
//! c = (ip >> 16) & 7    (low 3 bits of b; ≤ 7)
//! s = c_octet + 256·k   (third octet; k see below)
//! b = d                 (fourth octet)
//! ```
//!
//! e.g. `172.16.0.10` → `x5506c0s0b10`, `10.0.1.5` → `x1280c0s1b5`. Every bit
//! of the address lands in exactly one field, so two addresses never share an
//! ID (OpenCHAMI's generator dropped the third octet and used the first twice,
//! so 10.0.1.5 and 10.0.2.5 collided). All fields stay within xname limits.
//!
//! `k` separates BMCs that share one IP on different ports (simulators,
//! port-forwarded labs): within one run, ports of the same IP are sorted and
//! the i-th gets k = i (k ≤ 38 keeps s ≤ 9999). A lone BMC on an IP has k = 0.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use ochami_types::enums::HmsType;
use ochami_types::xname::Xname;
use serde::Deserialize;

/// Largest `k` (port rank) that keeps `s` ≤ 9999.
const MAX_PORT_RANK: u32 = (9999 - 255) / 256;

/// `--bmc-id-map`: OpenCHAMI's `{"map_key": "bmc-ip-addr", "id_map": {ip: xname}}`,
/// or a flat `{ip: xname}`.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    entries: BTreeMap<String, Xname>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdMapWire {
    Wrapped {
        #[serde(default)]
        map_key: Option<String>,
        id_map: BTreeMap<String, String>,
    },
    Flat(BTreeMap<String, String>),
}

impl IdMap {
    /// Parse inline JSON/YAML, or `@path` to read a file.
    pub fn parse(arg: &str) -> Result<IdMap, String> {
        let text = match arg.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("--bmc-id-map: cannot read {path}: {e}"))?,
            None => arg.to_owned(),
        };
        // YAML is a superset of JSON, so one parser reads both.
        let wire: IdMapWire =
            serde_yaml::from_str(&text).map_err(|e| format!("--bmc-id-map: {e}"))?;
        let raw = match wire {
            IdMapWire::Wrapped { map_key, id_map } => {
                if let Some(k) = map_key.filter(|k| k != "bmc-ip-addr") {
                    return Err(format!(
                        "--bmc-id-map: map_key '{k}' is not supported (only bmc-ip-addr)"
                    ));
                }
                id_map
            }
            IdMapWire::Flat(m) => m,
        };
        let mut entries = BTreeMap::new();
        for (key, value) in raw {
            let x: Xname = value
                .parse()
                .map_err(|e| format!("--bmc-id-map entry {key}: {e}"))?;
            if !x.hms_type().is_controller() {
                return Err(format!(
                    "--bmc-id-map entry {key}: {x} is a {:?}, not a BMC xname",
                    x.hms_type()
                ));
            }
            entries.insert(key, x);
        }
        Ok(IdMap { entries })
    }

    /// Look a BMC up by its address (`ip`, `ip:port`) or host name.
    pub fn get(&self, keys: &[String]) -> Option<&Xname> {
        keys.iter().find_map(|k| self.entries.get(k))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The generated NodeBMC xname for `ip` with port rank `k` (see module docs).
pub fn generated(ip: Ipv4Addr, k: u32) -> Result<Xname, String> {
    if k > MAX_PORT_RANK {
        return Err(format!(
            "more than {} BMCs share {ip}; give them IDs with --bmc-id-map",
            MAX_PORT_RANK + 1
        ));
    }
    let n = u32::from(ip);
    let [_, _, third, fourth] = ip.octets();
    let text = format!(
        "x{}c{}s{}b{}",
        n >> 19,
        (n >> 16) & 7,
        u32::from(third) + 256 * k,
        fourth
    );
    let x: Xname = text.parse().map_err(|e| format!("{e}"))?;
    debug_assert_eq!(x.hms_type(), HmsType::NodeBmc);
    Ok(x)
}

/// Port ranks for a set of (ip, port) BMC addresses: the i-th port (sorted) of
/// each IP gets i.
pub fn port_ranks(addrs: &[(IpAddr, u16)]) -> BTreeMap<(IpAddr, u16), u32> {
    let mut by_ip: BTreeMap<IpAddr, BTreeSet<u16>> = BTreeMap::new();
    for (ip, port) in addrs {
        by_ip.entry(*ip).or_default().insert(*port);
    }
    let mut ranks = BTreeMap::new();
    for (ip, ports) in by_ip {
        for (i, port) in ports.into_iter().enumerate() {
            ranks.insert((ip, port), i as u32);
        }
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_follow_the_documented_layout() {
        assert_eq!(
            generated("172.16.0.10".parse().unwrap(), 0)
                .unwrap()
                .as_str(),
            "x5506c0s0b10"
        );
        assert_eq!(
            generated("255.255.255.255".parse().unwrap(), 38)
                .unwrap()
                .as_str(),
            "x8191c7s9983b255"
        );
        assert!(generated("10.0.0.1".parse().unwrap(), 39).is_err());
    }

    #[test]
    fn third_octet_counts() {
        let a = generated("10.0.1.5".parse().unwrap(), 0).unwrap();
        let b = generated("10.0.2.5".parse().unwrap(), 0).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn no_collisions_across_a_sample_of_addresses() {
        let mut seen = BTreeSet::new();
        // Vary every octet, including the first two that share x and c.
        for a in [1u8, 10, 127, 172, 192, 255] {
            for b in [0u8, 1, 7, 8, 16, 168, 255] {
                for c in [0u8, 1, 2, 255] {
                    for d in [0u8, 1, 254] {
                        let ip = Ipv4Addr::new(a, b, c, d);
                        assert!(seen.insert(generated(ip, 0).unwrap()), "{ip}");
                    }
                }
            }
        }
    }

    #[test]
    fn ports_of_one_ip_get_distinct_ids() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let ranks = port_ranks(&[(ip, 9001), (ip, 9000), ("127.0.0.2".parse().unwrap(), 9000)]);
        assert_eq!(ranks[&(ip, 9000)], 0);
        assert_eq!(ranks[&(ip, 9001)], 1);
    }

    #[test]
    fn id_map_forms() {
        let m = IdMap::parse(r#"{"map_key":"bmc-ip-addr","id_map":{"10.0.0.1":"x1000c1s7b0"}}"#)
            .unwrap();
        assert_eq!(m.get(&["10.0.0.1".into()]).unwrap().as_str(), "x1000c1s7b0");
        let m = IdMap::parse("10.0.0.2: x1000c1s7b1\n").unwrap();
        assert_eq!(m.get(&["10.0.0.2".into()]).unwrap().as_str(), "x1000c1s7b1");
        assert!(IdMap::parse(r#"{"10.0.0.1":"x1000c1s7b0n0"}"#).is_err());
        assert!(IdMap::parse(r#"{"10.0.0.1":"nonsense"}"#).is_err());
    }
}
