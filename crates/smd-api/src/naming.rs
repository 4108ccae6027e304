//! How SMD names the nodes behind a BMC: the rule once, for smd (which
//! creates them) and magellan (which powers them by name).
//!
//! A BMC `<bmc>`'s systems become `<bmc>n0`, `<bmc>n1`, … in the order the
//! payload lists them. Two entries are the same system when their UUIDs match
//! ignoring case and surrounding blanks; a system without a UUID is told
//! apart by its Redfish path (the URI without scheme and host). Repeats are
//! skipped and do not use up a number.

use ochami_types::Xname;

use crate::redfish_endpoint::{RedfishEndpointIn, SystemIn};

/// The path of a Redfish URI: `https://10.0.0.1/redfish/v1/Systems/1` →
/// `/redfish/v1/Systems/1`; a bare path is kept; `http://h` is `""`.
pub fn url_path(uri: &str) -> String {
    let t = uri.trim();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    match rest {
        Some(r) => match r.find('/') {
            Some(i) => r[i..].to_owned(),
            None => String::new(),
        },
        None => t.to_owned(),
    }
}

/// What makes two entries of `Systems` the same node.
fn identity(s: &SystemIn) -> String {
    if s.uuid.trim().is_empty() {
        format!("uri:{}", url_path(&s.uri))
    } else {
        format!("uuid:{}", s.uuid.trim().to_ascii_lowercase())
    }
}

/// For each node, `(k, index into systems)`: the system that becomes
/// `<bmc>n<k>`, repeats left out.
pub fn node_numbers(systems: &[SystemIn]) -> Vec<(u32, usize)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, s) in systems.iter().enumerate() {
        let key = identity(s);
        if seen.contains(&key) {
            continue;
        }
        out.push((seen.len() as u32, i));
        seen.push(key);
    }
    out
}

impl RedfishEndpointIn {
    /// This BMC's nodes as SMD names them, with the system each one is.
    /// An ID that is not a controller xname names none.
    pub fn nodes(&self) -> Vec<(Xname, &SystemIn)> {
        let Ok(bmc) = self.id.trim().parse::<Xname>() else {
            return Vec::new();
        };
        node_numbers(&self.systems)
            .into_iter()
            .filter_map(|(k, i)| Some((bmc.child('n', k).ok()?, &self.systems[i])))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys(uuid: &str, uri: &str) -> SystemIn {
        SystemIn {
            uuid: uuid.into(),
            uri: uri.into(),
            ..Default::default()
        }
    }

    #[test]
    fn repeats_by_uuid_or_by_path_use_no_number() {
        let systems = [
            sys("AB-1", "https://b/redfish/v1/Systems/1"),
            sys(" ab-1 ", "https://b/redfish/v1/Systems/1bis"),
            sys("", "https://b/redfish/v1/Systems/2"),
            sys("", "/redfish/v1/Systems/2"),
            sys("", "https://b/redfish/v1/Systems/3"),
        ];
        assert_eq!(node_numbers(&systems), vec![(0, 0), (1, 2), (2, 4)]);
        let ep = RedfishEndpointIn {
            id: "x3000c0s1b0".into(),
            systems: systems.to_vec(),
            ..Default::default()
        };
        let names: Vec<String> = ep.nodes().iter().map(|(x, _)| x.to_string()).collect();
        assert_eq!(names, ["x3000c0s1b0n0", "x3000c0s1b0n1", "x3000c0s1b0n2"]);
    }
}
