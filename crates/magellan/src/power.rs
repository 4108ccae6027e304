//! Power: which nodes, behind which BMC, at which Redfish path — then
//! `ComputerSystem.Reset` on them, and waiting until they are where they
//! were told to be.
//!
//! Where nodes come from ([`Topology`]): SMD (RedfishEndpoints give each
//! BMC's FQDN and stored credentials, ComputerSystem ComponentEndpoints each
//! node's system path and reset types), or offline a collect inventory (node
//! `<BMC ID>n<k>` is the k-th system with a distinct UUID, the numbering SMD
//! uses). A BMC xname means all of its nodes.
//!
//! `fleet` talks Redfish (one session per BMC, bounded concurrency);
//! `converge` drives nodes to a power state with retries; `report` renders
//! the outcome in `pm -q`'s shape. None of them prints.

pub mod converge;
pub mod fleet;
pub mod report;

use std::collections::BTreeMap;

use ochami_types::Xname;

use smd_api::component_endpoint::ComponentEndpoint;
use smd_api::redfish_endpoint::RedfishEndpoint as SmdRedfishEndpoint;

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
    /// Allowable reset types (empty: not known, anything is tried).
    pub reset_types: Vec<String>,
    /// Credentials SMD holds for the BMC (password non-empty), if any.
    pub stored_credentials: Option<(String, String)>,
}

impl PowerTarget {
    /// Whether the node says it accepts `reset` (unknown lists accept all).
    pub fn allows(&self, reset: &str) -> bool {
        self.reset_types.is_empty() || self.reset_types.iter().any(|r| r == reset)
    }
}

/// Every power-controllable node, by xname.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    pub nodes: BTreeMap<String, PowerTarget>,
}

impl Topology {
    /// From collect output (`-f`).
    pub fn from_inventory(inventory: &[RedfishEndpoint]) -> Topology {
        let mut nodes = BTreeMap::new();
        for ep in inventory {
            for (node, sys) in ep.nodes() {
                let node = node.to_string();
                let (base, path) = split_uri(&sys.uri, &ep.fqdn, "https");
                nodes.insert(
                    node.clone(),
                    PowerTarget {
                        node,
                        bmc_id: ep.id.clone(),
                        bmc_base: base,
                        system_path: path,
                        reset_types: sys.actions.clone(),
                        stored_credentials: None,
                    },
                );
            }
        }
        Topology { nodes }
    }

    /// From SMD's RedfishEndpoints and ComputerSystem ComponentEndpoints.
    /// Nodes of a disabled or unknown RedfishEndpoint are left out.
    pub fn from_smd(
        endpoints: &[SmdRedfishEndpoint],
        systems: &[ComponentEndpoint],
        scheme: &str,
    ) -> Topology {
        let by_id: BTreeMap<String, &SmdRedfishEndpoint> = endpoints
            .iter()
            .map(|e| (e.id.to_ascii_lowercase(), e))
            .collect();
        let mut nodes = BTreeMap::new();
        let systems = systems
            .iter()
            .filter(|c| c.redfish_type.is_empty() || c.redfish_type == "ComputerSystem");
        for ce in systems {
            let bmc_id = ce.redfish_endpoint_id.to_ascii_lowercase();
            let Some(ep) = by_id.get(&bmc_id) else {
                tracing::warn!(
                    "{}: its RedfishEndpoint {bmc_id} is not in SMD; skipped",
                    ce.id
                );
                continue;
            };
            if !ep.enabled {
                continue;
            }
            let fqdn = [&ep.fqdn, &ce.redfish_endpoint_fqdn, &ep.hostname]
                .into_iter()
                .find(|f| !f.is_empty())
                .cloned()
                .unwrap_or_else(|| bmc_id.clone());
            let (base, path) = split_uri(&ce.odata_id, &fqdn, scheme);
            let node = ce.id.to_ascii_lowercase();
            nodes.insert(
                node.clone(),
                PowerTarget {
                    node,
                    bmc_id: bmc_id.clone(),
                    bmc_base: base,
                    system_path: path,
                    reset_types: ce.reset_types(),
                    stored_credentials: (!ep.password.is_empty())
                        .then(|| (ep.user.clone(), ep.password.clone())),
                },
            );
        }
        Topology { nodes }
    }

    /// Resolve names (nodes, or BMCs meaning all their nodes) to targets, in
    /// xname order, each once. Unknown names are an error naming them.
    pub fn select<S: AsRef<str>>(
        &self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Vec<PowerTarget>, String> {
        let mut picked: BTreeMap<String, &PowerTarget> = BTreeMap::new();
        let mut unknown = Vec::new();
        for name in names {
            let name = name.as_ref().to_ascii_lowercase();
            if let Some(t) = self.nodes.get(&name) {
                picked.insert(name, t);
                continue;
            }
            let mut any = false;
            for t in self.nodes.values().filter(|t| t.bmc_id == name) {
                any = true;
                picked.insert(t.node.clone(), t);
            }
            if !any {
                unknown.push(name);
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "no power-controllable node or BMC named {}",
                crate::hostlist::fold(&unknown)
            ));
        }
        Ok(sorted(picked.into_values().cloned().collect()))
    }

    /// Every node.
    pub fn all(&self) -> Vec<PowerTarget> {
        sorted(self.nodes.values().cloned().collect())
    }
}

/// Xname order (numeric), names that are not xnames after them.
fn sorted(mut v: Vec<PowerTarget>) -> Vec<PowerTarget> {
    v.sort_by(
        |a, b| match (a.node.parse::<Xname>(), b.node.parse::<Xname>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => a.node.cmp(&b.node),
        },
    );
    v
}

/// Resolve node (or BMC) xnames against an inventory. Unknown names are errors.
pub fn resolve(
    inventory: &[RedfishEndpoint],
    names: &[String],
) -> Result<Vec<PowerTarget>, String> {
    Topology::from_inventory(inventory).select(names)
}

/// Split a system `uri` into BMC base and path. Path-only URIs (as SMD and
/// some tools write them) get the endpoint's FQDN over `scheme`.
fn split_uri(uri: &str, fqdn: &str, scheme: &str) -> (String, String) {
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
        _ => (format!("{scheme}://{fqdn}"), uri.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smd_api::redfish_endpoint::SystemIn;

    fn ep() -> RedfishEndpoint {
        RedfishEndpoint {
            id: "x1c0s1b2".into(),
            fqdn: "10.0.0.1".into(),
            user: "admin".into(),
            schema_version: Some(1),
            systems: vec![
                SystemIn {
                    uri: "https://10.0.0.1:8443/redfish/v1/Systems/A".into(),
                    uuid: "u1".into(),
                    ..Default::default()
                },
                SystemIn {
                    uri: "/redfish/v1/Systems/B".into(),
                    uuid: "u2".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
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
        let e = resolve(&[ep()], &["x9c0s0b0n0".into(), "x9c0s0b0n1".into()]).unwrap_err();
        assert!(e.contains("x9c0s0b0n[0-1]"), "{e}");
    }

    #[test]
    fn smd_endpoints_give_paths_credentials_and_reset_types() {
        let eps = vec![
            SmdRedfishEndpoint {
                id: "x1c0s1b0".into(),
                enabled: true,
                fqdn: "127.0.0.1:8443".into(),
                user: "root".into(),
                password: "secret".into(),
                ..Default::default()
            },
            SmdRedfishEndpoint {
                id: "x1c0s2b0".into(),
                enabled: true,
                fqdn: "10.0.0.2".into(),
                user: "root".into(),
                ..Default::default()
            },
        ];
        let ce = |id: &str, bmc: &str| ComponentEndpoint {
            id: id.into(),
            redfish_type: "ComputerSystem".into(),
            odata_id: "/redfish/v1/Systems/Node0".into(),
            redfish_endpoint_id: bmc.into(),
            system_info: Some(serde_json::json!({"Actions": {"#ComputerSystem.Reset": {
                "ResetType@Redfish.AllowableValues": ["On", "ForceOff"]}}})),
            ..Default::default()
        };
        let topo = Topology::from_smd(
            &eps,
            &[
                ce("x1c0s2b0n0", "x1c0s2b0"),
                ce("x1c0s1b0n0", "x1c0s1b0"),
                ce("x1c0s9b0n0", "x1c0s9b0"),
            ],
            "https",
        );
        let all = topo.all();
        assert_eq!(
            all.len(),
            2,
            "a node without its RedfishEndpoint is left out"
        );
        assert_eq!(all[0].node, "x1c0s1b0n0");
        assert_eq!(all[0].bmc_base, "https://127.0.0.1:8443");
        assert_eq!(all[0].system_path, "/redfish/v1/Systems/Node0");
        assert_eq!(
            all[0].stored_credentials,
            Some(("root".into(), "secret".into()))
        );
        assert_eq!(all[1].stored_credentials, None, "hidden password");
        assert!(all[0].allows("On") && !all[0].allows("GracefulShutdown"));
        assert_eq!(topo.select(["x1c0s2b0"]).unwrap()[0].node, "x1c0s2b0n0");
    }
}
