//! The view of SMD's nodes: joined from SMD's three answers, indexed by MAC,
//! name, NID and IP, and patched by state change notifications. Pure data.

use std::collections::HashMap;
use std::net::IpAddr;

use ochami_types::{HmsType, MacAddr, Xname};
use serde_json::Value;
use smd_api::component::Component;
use smd_api::component_endpoint::ComponentEndpoint;
use smd_api::ethernet_interface::EthernetInterface;
use smd_api::subscription::ScnPayload as Scn;

/// One node as bss sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub nid: Option<i64>,
    pub role: String,
    pub sub_role: String,
    /// `None`: SMD has no ComponentEndpoint for it.
    pub endpoint_enabled: Option<bool>,
    pub fqdn: String,
    pub macs: Vec<MacAddr>,
    pub ips: Vec<IpAddr>,
    /// The component as SMD sent it, for `/hosts` and `/dumpstate`.
    pub component: Component,
}

impl Node {
    /// See the module doc: no endpoint is fine, a disabled one blocks.
    pub fn bootable(&self) -> bool {
        self.endpoint_enabled != Some(false)
    }

    /// OpenCHAMI's `SMComponent`: the component plus `FQDN`, `MAC`, `EndpointEnabled`.
    pub fn to_wire(&self) -> Value {
        let mut m = match serde_json::to_value(&self.component) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        m.insert("FQDN".into(), Value::String(self.fqdn.clone()));
        m.insert(
            "MAC".into(),
            Value::Array(
                self.macs
                    .iter()
                    .map(|m| Value::String(m.to_string()))
                    .collect(),
            ),
        );
        m.insert("EndpointEnabled".into(), Value::Bool(self.bootable()));
        Value::Object(m)
    }
}

/// An immutable view of SMD's nodes with its indexes.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub nodes: Vec<Node>,
    by_mac: HashMap<MacAddr, usize>,
    by_name: HashMap<String, usize>,
    by_nid: HashMap<i64, usize>,
    by_ip: HashMap<IpAddr, usize>,
}

impl Snapshot {
    pub fn by_mac(&self, m: &MacAddr) -> Option<&Node> {
        self.by_mac.get(m).map(|&i| &self.nodes[i])
    }
    pub fn by_name(&self, n: &str) -> Option<&Node> {
        self.by_name.get(n).map(|&i| &self.nodes[i])
    }
    pub fn by_nid(&self, n: i64) -> Option<&Node> {
        self.by_nid.get(&n).map(|&i| &self.nodes[i])
    }
    pub fn by_ip(&self, ip: &IpAddr) -> Option<&Node> {
        self.by_ip.get(ip).map(|&i| &self.nodes[i])
    }

    /// Join SMD's three answers. MACs and IPs that do not parse are skipped.
    pub fn build(
        components: Vec<Component>,
        endpoints: Vec<ComponentEndpoint>,
        interfaces: Vec<EthernetInterface>,
    ) -> Self {
        let mut snap = Snapshot::default();
        for c in components {
            if c.type_ != "Node" {
                continue;
            }
            let node = Node {
                role: c.role.clone(),
                sub_role: c.sub_role.clone(),
                id: c.id.clone(),
                nid: c.nid,
                endpoint_enabled: None,
                fqdn: String::new(),
                macs: Vec::new(),
                ips: Vec::new(),
                component: c,
            };
            snap.by_name.insert(node.id.clone(), snap.nodes.len());
            snap.nodes.push(node);
        }
        for e in endpoints {
            let Some(&i) = snap.by_name.get(&e.id) else {
                continue;
            };
            let node = &mut snap.nodes[i];
            // Several endpoints for one node: any disabled one blocks it.
            node.endpoint_enabled = Some(node.endpoint_enabled.unwrap_or(true) && e.enabled);
            if !e.fqdn.is_empty() {
                node.fqdn = e.fqdn.clone();
            }
            let mut macs: Vec<&str> = vec![e.mac_addr.as_str()];
            if let Some(nics) = e
                .system_info
                .as_ref()
                .and_then(|i| i.pointer("/EthernetNICInfo"))
                .and_then(Value::as_array)
            {
                macs.extend(
                    nics.iter()
                        .filter_map(|n| n.get("MACAddress").and_then(Value::as_str)),
                );
            }
            for m in macs.into_iter().filter_map(|m| m.parse::<MacAddr>().ok()) {
                if !node.macs.contains(&m) {
                    node.macs.push(m);
                }
            }
        }
        for ei in interfaces {
            let Some(&i) = snap.by_name.get(&ei.component_id) else {
                continue;
            };
            let node = &mut snap.nodes[i];
            if let Ok(m) = ei.mac_address.parse::<MacAddr>() {
                if !node.macs.contains(&m) {
                    node.macs.push(m);
                }
            }
            for ip in &ei.ip_addresses {
                if let Ok(ip) = ip.ip_address.parse::<IpAddr>() {
                    if !node.ips.contains(&ip) {
                        node.ips.push(ip);
                    }
                }
            }
        }
        Snapshot::index(snap.nodes)
    }

    /// A snapshot of `nodes` with its indexes.
    pub fn index(nodes: Vec<Node>) -> Self {
        let mut snap = Snapshot {
            nodes,
            ..Default::default()
        };
        for (i, n) in snap.nodes.iter().enumerate() {
            // As `build` joins: a repeated ID resolves to its last entry.
            snap.by_name.insert(n.id.clone(), i);
            for m in &n.macs {
                snap.by_mac.entry(*m).or_insert(i);
            }
            for ip in &n.ips {
                snap.by_ip.entry(*ip).or_insert(i);
            }
            if let Some(nid) = n.nid {
                snap.by_nid.entry(nid).or_insert(i);
            }
        }
        snap
    }

    /// This view with `scn`'s change applied to the nodes it names; also
    /// returns the named components that are nodes this view does not hold.
    pub fn with_scn(&self, scn: &Scn) -> (Snapshot, Vec<String>) {
        let mut nodes = self.nodes.clone();
        let mut unknown = Vec::new();
        for id in &scn.components {
            let Ok(x) = id.parse::<Xname>() else { continue };
            let Some(&i) = self.by_name.get(x.as_str()) else {
                if x.hms_type() == HmsType::Node {
                    unknown.push(x.as_str().to_owned());
                }
                continue;
            };
            let n = &mut nodes[i];
            let c = &mut n.component;
            if let Some(e) = scn.enabled {
                c.enabled = Some(e);
            }
            for (field, v) in [
                (&mut c.state, &scn.state),
                (&mut c.flag, &scn.flag),
                (&mut c.software_status, &scn.software_status),
                (&mut c.role, &scn.role),
                (&mut c.sub_role, &scn.sub_role),
            ] {
                if let Some(v) = v {
                    field.clone_from(v);
                }
            }
            if let Some(r) = &scn.role {
                n.role = r.clone();
            }
            if let Some(r) = &scn.sub_role {
                n.sub_role = r.clone();
            }
        }
        (Snapshot::index(nodes), unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snapshot_joins_components_endpoints_and_interfaces() {
        let from = |v: Value| serde_json::from_value(v).unwrap();
        let snap = Snapshot::build(
            vec![
                from(json!({"ID":"x1000c1s7b0n0","Type":"Node","NID":1,"Role":"Compute"})),
                from(json!({"ID":"x1000c1s7b0n1","Type":"Node","NID":2,"Role":"Compute"})),
                from(json!({"ID":"x1000c1s7b0","Type":"NodeBMC"})),
            ],
            vec![ComponentEndpoint {
                id: "x1000c1s7b0n1".into(),
                enabled: false,
                system_info: Some(json!({"EthernetNICInfo":[{"MACAddress":"AA:BB:CC:00:00:02"}]})),
                ..Default::default()
            }],
            vec![EthernetInterface {
                mac_address: "aa:bb:cc:00:00:01".into(),
                component_id: "x1000c1s7b0n0".into(),
                ip_addresses: vec![smd_api::ethernet_interface::IpAddressMapping {
                    ip_address: "172.16.0.10".into(),
                    network: String::new(),
                }],
                ..Default::default()
            }],
        );
        assert_eq!(snap.nodes.len(), 2);
        let a: MacAddr = "aa:bb:cc:00:00:01".parse().unwrap();
        let b: MacAddr = "aa:bb:cc:00:00:02".parse().unwrap();
        let n0 = snap.by_mac(&a).unwrap();
        assert_eq!(n0.id, "x1000c1s7b0n0");
        assert!(n0.bootable(), "no endpoint: still bootable");
        assert_eq!(
            snap.by_ip(&"172.16.0.10".parse().unwrap()).unwrap().id,
            n0.id
        );
        let n1 = snap.by_mac(&b).unwrap();
        assert!(!n1.bootable(), "disabled endpoint blocks");
        assert_eq!(snap.by_nid(2).unwrap().id, "x1000c1s7b0n1");
        assert_eq!(n1.to_wire()["EndpointEnabled"], false);
        assert_eq!(n1.to_wire()["MAC"], json!(["aa:bb:cc:00:00:02"]));
    }
}
