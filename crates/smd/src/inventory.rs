//! magellan's SchemaVersion-1 inventory → the rows OpenCHAMI creates from it
//! (`parseRedfishEndpointDataV2`). Pure: no SQL here; the store applies the
//! plan in one transaction and picks NIDs.
//!
//! From one RedfishEndpoint `<bmc>`:
//! - each manager: Component `<bmc>` (its own type, Enabled, State Ready),
//!   ComponentEndpoint (`Manager`), an EthernetInterface per MAC owned by `<bmc>`;
//! - each distinct system (by UUID, else by URI), k = 0, 1, ..: Component
//!   `<bmc>n<k>` (Node, State On, Role Compute, a NID), ComponentEndpoint
//!   (`ComputerSystem` with `RedfishSystemInfo`), an EthernetInterface per MAC.
//!
//! and hardware inventory (HSM's HWInvByLoc/HWInvByFRU shapes): the BMC, each
//! node, its processors `<node>p<k>`, DIMMs `<node>d<k>` and network adapters
//! `<node>h<k>` (HSM builds NodeHsnNic entries from Redfish NetworkAdapters),
//! each with its FRU.

use ochami_types::{MacAddr, Xname};
use serde_json::{json, Value};

use crate::model::ethernet_interface::{parse_ip, IpAddressMapping, NewEthernetInterface};
use crate::model::hardware::{fru_id_of, kind_of, NewFru, NewLocation};
use crate::model::redfish_endpoint::{EthernetIn, ManagerIn, SystemIn};

/// A ComponentEndpoint row.
#[derive(Debug, Clone, PartialEq)]
pub struct CepRow {
    pub id: String,
    pub type_: String,
    pub redfish_type: String,
    pub redfish_subtype: String,
    pub mac_addr: String,
    pub uuid: String,
    pub odata_id: String,
    pub redfish_endpoint_id: String,
    pub enabled: bool,
    /// `{"RedfishSystemInfo": {...}}` or `{"RedfishManagerInfo": {...}}`.
    pub info: Value,
}

/// A node to create or refresh; `k` is its index under the BMC.
#[derive(Debug, Clone)]
pub struct NodePlan {
    pub id: Xname,
    pub k: u32,
    pub cep: CepRow,
}

/// Node parts of `types` no longer reported: remove those not in `keep`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prune {
    pub node: String,
    pub types: Vec<&'static str>,
    pub keep: Vec<String>,
}

/// Everything one endpoint's inventory creates.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub bmc: Option<CepRow>,
    pub nodes: Vec<NodePlan>,
    pub interfaces: Vec<NewEthernetInterface>,
    /// Hardware inventory locations with their FRUs.
    pub hardware: Vec<NewLocation>,
    pub prune: Vec<Prune>,
}

/// `https://host:443/redfish/v1/Systems/1` → `/redfish/v1/Systems/1`
/// (OpenCHAMI's NormalizeURLPath).
pub use smd_api::naming::url_path;

fn nic_info(e: &EthernetIn, mac: &MacAddr) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("RedfishId".into(), json!(e.name));
    m.insert("@odata.id".into(), json!(url_path(&e.uri)));
    m.insert("Description".into(), json!(e.description));
    m.insert("MACAddress".into(), json!(mac.to_string()));
    if let Some(en) = e.enabled {
        m.insert("InterfaceEnabled".into(), json!(en));
    }
    Value::Object(m)
}

/// Parse one interface's MAC (skipping an empty one) and IP.
fn interface(
    e: &EthernetIn,
    at: &str,
    owner: &Xname,
) -> Result<Option<(NewEthernetInterface, Value)>, String> {
    if e.mac.trim().is_empty() {
        return Ok(None);
    }
    let mac: MacAddr = e.mac.parse().map_err(|err| format!("{at}.mac: {err}"))?;
    let mut ips = Vec::new();
    if !e.ip.trim().is_empty() {
        let ip = parse_ip(&e.ip).map_err(|err| format!("{at}.ip: {err}"))?;
        ips.push(IpAddressMapping {
            ip_address: ip,
            network: String::new(),
        });
    }
    let description = if e.description.is_empty() {
        e.name.clone()
    } else {
        e.description.clone()
    };
    Ok(Some((
        NewEthernetInterface {
            mac,
            description,
            component_id: Some(owner.clone()),
            ip_addresses: ips,
        },
        nic_info(e, &mac),
    )))
}

fn reset_action(name: &str, uri: &str, actions: &[String]) -> Value {
    let target = format!("{}/Actions/{name}.Reset", url_path(uri));
    let mut a = serde_json::Map::new();
    a.insert(
        format!("#{name}.Reset"),
        json!({"ResetType@Redfish.AllowableValues": actions, "target": target}),
    );
    Value::Object(a)
}

fn system_info(s: &SystemIn, nics: Vec<Value>) -> Value {
    let mut info = serde_json::Map::new();
    info.insert("Name".into(), json!(s.name));
    info.insert(
        "Actions".into(),
        reset_action("ComputerSystem", &s.uri, &s.actions),
    );
    info.insert("EthernetNICInfo".into(), Value::Array(nics));
    // The chassis' Power resource (Redfish: <chassis>/Power).
    if let Some(chassis) = s.links.chassis.first() {
        let power = format!("{}/Power", url_path(chassis).trim_end_matches('/'));
        let controls: Vec<Value> = s
            .power
            .power_control_ids
            .iter()
            .map(|id| json!({"@odata.id": format!("{power}#/PowerControl/{id}"), "MemberId": id}))
            .collect();
        info.insert("PowerURL".into(), json!(power));
        if !controls.is_empty() {
            info.insert("PowerControl".into(), Value::Array(controls));
        }
    }
    json!({ "RedfishSystemInfo": info })
}

fn manager_info(m: &ManagerIn, nics: Vec<Value>) -> Value {
    json!({ "RedfishManagerInfo": {
        "Name": m.name,
        "Actions": reset_action("Manager", &m.uri, &m.actions),
        "EthernetNICInfo": nics,
    }})
}

/// Build the plan for endpoint `bmc`. `at` prefixes error paths (e.g.
/// `RedfishEndpoints[2].`); errors name the field and the value.
pub fn plan(
    bmc: &Xname,
    bmc_mac: &str,
    systems: &[SystemIn],
    managers: &[ManagerIn],
    at: &str,
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    for (i, m) in managers.iter().enumerate() {
        let mut nics = Vec::new();
        for (j, e) in m.ethernet_interfaces.iter().enumerate() {
            let here = format!("{at}Managers[{i}].ethernet_interfaces[{j}]");
            if let Some((iface, nic)) = interface(e, &here, bmc)? {
                plan.interfaces.push(iface);
                nics.push(nic);
            }
        }
        // Several managers under one endpoint all map to the endpoint's own
        // xname (as OpenCHAMI does); the first one describes it.
        if plan.bmc.is_none() {
            plan.bmc = Some(CepRow {
                id: bmc.as_str().to_owned(),
                type_: bmc.hms_type().as_str().to_owned(),
                redfish_type: "Manager".into(),
                redfish_subtype: m.type_.clone(),
                mac_addr: bmc_mac.to_owned(),
                uuid: m.uuid.clone(),
                odata_id: url_path(&m.uri),
                redfish_endpoint_id: bmc.as_str().to_owned(),
                enabled: true,
                info: manager_info(m, nics),
            });
            plan.hardware.extend(manager_hardware(bmc, m));
        }
    }
    for (k, i) in smd_api::naming::node_numbers(systems) {
        let s = &systems[i];
        let node = bmc.child('n', k).map_err(|e| {
            format!(
                "{at}Systems[{i}]: cannot name node {k} under {bmc} ({}): {e}",
                bmc.hms_type()
            )
        })?;
        let mut nics = Vec::new();
        for (j, e) in s.ethernet_interfaces.iter().enumerate() {
            let here = format!("{at}Systems[{i}].ethernet_interfaces[{j}]");
            if let Some((iface, nic)) = interface(e, &here, &node)? {
                plan.interfaces.push(iface);
                nics.push(nic);
            }
        }
        let (hw, prune) = system_hardware(&node, s, &format!("{at}Systems[{i}]"))?;
        plan.hardware.extend(hw);
        plan.prune.extend(prune);
        plan.nodes.push(NodePlan {
            cep: CepRow {
                id: node.as_str().to_owned(),
                type_: node.hms_type().as_str().to_owned(),
                redfish_type: "ComputerSystem".into(),
                redfish_subtype: s.system_type.clone(),
                mac_addr: String::new(),
                uuid: s.uuid.clone(),
                odata_id: url_path(&s.uri),
                redfish_endpoint_id: bmc.as_str().to_owned(),
                enabled: true,
                info: system_info(s, nics),
            },
            id: node,
            k,
        });
    }
    Ok(plan)
}

/// The last path segment of a Redfish URI (its `Id`).
fn rf_id(uri: &str) -> String {
    url_path(uri)
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A location and its FRU; the FRU ID as HSM builds it from `fru_info`.
fn location(id: Xname, ordinal: u32, info: Value, subtype: &str, fru_info: Value) -> NewLocation {
    let t = id.hms_type();
    NewLocation {
        fru: Some(NewFru {
            fru_id: fru_id_of(t, id.as_str(), &fru_info),
            type_: t,
            subtype: subtype.to_owned(),
            info: fru_info,
        }),
        ordinal: i32::try_from(ordinal).unwrap_or(i32::MAX),
        info,
        id,
    }
}

/// The BMC's own location (only for types HSM keeps inventory of).
fn manager_hardware(bmc: &Xname, m: &ManagerIn) -> Option<NewLocation> {
    kind_of(bmc.hms_type())?;
    Some(location(
        bmc.clone(),
        0,
        json!({"Id": rf_id(&m.uri), "Name": m.name, "Description": m.description,
               "FirmwareVersion": m.firmware_version}),
        "",
        json!({"ManagerType": m.type_, "Model": m.model, "Manufacturer": "",
               "PartNumber": "", "SerialNumber": "", "UUID": m.uuid}),
    ))
}

fn or<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.trim().is_empty() {
        b
    } else {
        a
    }
}

/// The node's location and those of the parts the payload lists.
fn system_hardware(
    node: &Xname,
    s: &SystemIn,
    at: &str,
) -> Result<(Vec<NewLocation>, Vec<Prune>), String> {
    let mut out = vec![location(
        node.clone(),
        0,
        json!({"Id": rf_id(&s.uri), "Name": s.name,
               "ProcessorSummary": {"Count": s.processor_count.unwrap_or(0), "Model": s.processor_type},
               "MemorySummary": {"TotalSystemMemoryGiB": s.memory_total.unwrap_or(0.0)}}),
        &s.system_type,
        json!({"AssetTag": s.chassis_asset_tag, "BiosVersion": s.bios_version,
               "Model": or(&s.model, &s.chassis_model),
               "Manufacturer": or(&s.manufacturer, &s.chassis_manufacturer),
               "PartNumber": "", "SerialNumber": or(&s.serial, &s.chassis_serial),
               "SKU": s.chassis_sku, "SystemType": s.system_type, "UUID": s.uuid}),
    )];
    let mut prune = Vec::new();
    let child = |letter: char, k: usize, what: &str| -> Result<Xname, String> {
        u32::try_from(k)
            .map_err(|e| e.to_string())
            .and_then(|k| node.child(letter, k).map_err(|e| e.to_string()))
            .map_err(|e| format!("{at}.{what}[{k}]: cannot name it under {node}: {e}"))
    };
    if let Some(procs) = &s.processors {
        let mut keep = Vec::new();
        for (k, p) in procs.iter().enumerate() {
            let id = child('p', k, "processors")?;
            keep.push(id.as_str().to_owned());
            out.push(location(
                id,
                k as u32,
                json!({"Id": rf_id(&p.uri), "Name": or(&p.socket, &rf_id(&p.uri)), "Socket": p.socket}),
                "",
                json!({"Manufacturer": p.manufacturer, "Model": p.model,
                       "ProcessorArchitecture": p.architecture, "ProcessorType": "CPU",
                       "TotalCores": p.cores.unwrap_or(0), "TotalThreads": p.threads.unwrap_or(0),
                       "MaxSpeedMHz": p.max_speed_mhz.unwrap_or(0),
                       "PartNumber": p.part_number, "SerialNumber": p.serial}),
            ));
        }
        prune.push(Prune {
            node: node.as_str().to_owned(),
            types: vec!["Processor"],
            keep,
        });
    }
    if let Some(dimms) = &s.memory {
        let mut keep = Vec::new();
        for (k, d) in dimms.iter().enumerate() {
            let id = child('d', k, "memory")?;
            keep.push(id.as_str().to_owned());
            out.push(location(
                id,
                k as u32,
                json!({"Id": rf_id(&d.uri), "Name": d.name}),
                "",
                json!({"CapacityMiB": d.capacity_mib.unwrap_or(0), "Manufacturer": d.manufacturer,
                       "MemoryDeviceType": d.device_type,
                       "OperatingSpeedMhz": d.speed_mhz.unwrap_or(0),
                       "PartNumber": d.part_number, "SerialNumber": d.serial}),
            ));
        }
        prune.push(Prune {
            node: node.as_str().to_owned(),
            types: vec!["Memory"],
            keep,
        });
    }
    if let Some(nics) = &s.network_interfaces {
        let mut keep = Vec::new();
        let adapters = nics.iter().map(|n| &n.adapter).filter(|a| {
            !(a.uri.is_empty()
                && a.manufacturer.is_empty()
                && a.model.is_empty()
                && a.serial.is_empty())
        });
        for (k, a) in adapters.enumerate() {
            let id = child('h', k, "network_interfaces")?;
            keep.push(id.as_str().to_owned());
            out.push(location(
                id,
                k as u32,
                json!({"Id": rf_id(&a.uri), "Name": a.name, "Description": a.description}),
                "",
                json!({"Manufacturer": a.manufacturer, "Model": a.model,
                       "PartNumber": "", "SerialNumber": a.serial}),
            ));
        }
        prune.push(Prune {
            node: node.as_str().to_owned(),
            types: vec!["NodeHsnNic"],
            keep,
        });
    }
    Ok((out, prune))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_lose_scheme_and_host() {
        assert_eq!(
            url_path("https://172.16.0.10:443/redfish/v1/Systems/1"),
            "/redfish/v1/Systems/1"
        );
        assert_eq!(
            url_path("/redfish/v1/Managers/bmc"),
            "/redfish/v1/Managers/bmc"
        );
        assert_eq!(url_path("http://h"), "");
    }

    #[test]
    fn systems_are_deduplicated_by_uuid() {
        let bmc: Xname = "x1c0s0b0".parse().unwrap();
        let sys = |uuid: &str, uri: &str| SystemIn {
            uuid: uuid.into(),
            uri: uri.into(),
            ..Default::default()
        };
        let p = plan(
            &bmc,
            "",
            &[
                sys("A", "/s/1"),
                sys("a", "/s/2"),
                sys("B", "/s/3"),
                sys("", "/s/4"),
            ],
            &[],
            "",
        )
        .unwrap();
        let ids: Vec<&str> = p.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["x1c0s0b0n0", "x1c0s0b0n1", "x1c0s0b0n2"]);
        assert!(p.bmc.is_none());
    }

    #[test]
    fn bad_mac_names_its_path() {
        let bmc: Xname = "x1c0s0b0".parse().unwrap();
        let s = SystemIn {
            ethernet_interfaces: vec![EthernetIn {
                mac: "zz".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let e = plan(&bmc, "", &[s], &[], "RedfishEndpoints[1].").unwrap_err();
        assert!(
            e.starts_with("RedfishEndpoints[1].Systems[0].ethernet_interfaces[0].mac: invalid MAC"),
            "{e}"
        );
    }
}
