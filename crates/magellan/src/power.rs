//! Power: `ComputerSystem.Reset` on nodes named by xname, located through a
//! collect inventory (node `<BMC ID>n<k>` is the k-th system with a distinct
//! UUID, the numbering SMD uses). A BMC xname means all of its nodes.

use std::collections::BTreeMap;

use crate::inventory::RedfishEndpoint;

/// One node resolved to its BMC and system resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerTarget {
    pub node: String,
    pub bmc_id: String,
    /// `scheme://host:port` of the BMC.
    pub bmc_base: String,
    /// Path of the ComputerSystem.
    pub system_path: String,
    pub reset_types: Vec<String>,
}

/// Resolve node (or BMC) xnames against an inventory. Unknown names are errors.
pub fn resolve(
    inventory: &[RedfishEndpoint],
    names: &[String],
) -> Result<Vec<PowerTarget>, String> {
    let mut all: BTreeMap<String, PowerTarget> = BTreeMap::new();
    for ep in inventory {
        for (node, sys) in ep.nodes() {
            let (base, path) = split_uri(&sys.uri, &ep.fqdn);
            all.insert(
                node.clone(),
                PowerTarget {
                    node,
                    bmc_id: ep.id.clone(),
                    bmc_base: base,
                    system_path: path,
                    reset_types: sys.actions.clone(),
                },
            );
        }
    }
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let name = name.to_lowercase();
        let matched: Vec<&PowerTarget> = all
            .values()
            .filter(|t| t.node == name || t.bmc_id == name)
            .collect();
        if matched.is_empty() {
            unknown.push(name);
        }
        out.extend(matched.into_iter().cloned());
    }
    if !unknown.is_empty() {
        return Err(format!("not in the inventory: {}", unknown.join(", ")));
    }
    Ok(out)
}

/// Split a system `uri` into BMC base and path. Path-only URIs (as some tools
/// write them) get the endpoint's FQDN over HTTPS.
fn split_uri(uri: &str, fqdn: &str) -> (String, String) {
    match url::Url::parse(uri) {
        Ok(u) if u.has_host() => {
            let host = u.host_str().unwrap_or_default();
            let host = if host.contains(':') && !host.starts_with('[') {
                format!("[{host}]")
            } else {
                host.to_owned()
            };
            let base = match u.port() {
                Some(p) => format!("{}://{}:{}", u.scheme(), host, p),
                None => format!("{}://{}", u.scheme(), host),
            };
            (base, u.path().to_owned())
        }
        _ => (format!("https://{fqdn}"), uri.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::InventoryDetail;

    fn ep() -> RedfishEndpoint {
        RedfishEndpoint {
            id: "x1c0s1b2".into(),
            kind: String::new(),
            name: String::new(),
            fqdn: "10.0.0.1".into(),
            user: "admin".into(),
            mac_required: true,
            rediscover_on_update: false,
            mac_addr: None,
            schema_version: 1,
            systems: vec![
                InventoryDetail {
                    uri: "https://10.0.0.1:8443/redfish/v1/Systems/A".into(),
                    uuid: "u1".into(),
                    ..Default::default()
                },
                InventoryDetail {
                    uri: "/redfish/v1/Systems/B".into(),
                    uuid: "u2".into(),
                    ..Default::default()
                },
            ],
            managers: vec![],
        }
    }

    #[test]
    fn nodes_resolve_to_system_uris() {
        let t = resolve(&[ep()], &["x1c0s1b2n1".into()]).unwrap();
        assert_eq!(t[0].bmc_base, "https://10.0.0.1");
        assert_eq!(t[0].system_path, "/redfish/v1/Systems/B");
        let t = resolve(&[ep()], &["X1C0S1B2".into()]).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].bmc_base, "https://10.0.0.1:8443");
        assert!(resolve(&[ep()], &["x9c0s0b0n0".into()]).is_err());
    }
}
