//! Walk one BMC's Redfish tree into OpenCHAMI's inventory payload.
//!
//! One session per BMC; `Systems` (directly and via `Chassis` links, merged
//! by URI), each system's Ethernet interfaces (falling back to the Manager's
//! when a vendor only lists them there), network interfaces and adapters,
//! processors and DIMMs, chassis facts and `Power` controls, reset types;
//! `Managers` with their interfaces (the BMC's own MAC found by its IP).
//! A failure on a top-level collection fails the walk; a failure below it is
//! logged and the property left empty. Naming BMCs and walking many at once
//! is the caller's business (magellan's `collect`, smd's discovery).

use std::net::{IpAddr, Ipv4Addr};

use serde_json::Value;

use crate::client::{odata_id, odata_ids, text, RedfishError, Session};
use smd_api::redfish_endpoint::{
    EthernetIn, LinksIn, ManagerIn, MemoryIn, NetworkAdapterIn, NetworkInterfaceIn, PowerIn,
    ProcessorIn, RedfishEndpointIn, SystemIn,
};

/// One BMC's inventory, before it gets an ID.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub systems: Vec<SystemIn>,
    pub managers: Vec<ManagerIn>,
    pub bmc_mac: Option<String>,
    /// The service root's `RedfishVersion` ("" when the BMC gives none).
    pub redfish_version: String,
    /// The service root's `UUID` ("" when none).
    pub uuid: String,
    /// The Redfish services the root links (OpenCHAMI's discovery stores
    /// them as ServiceEndpoints), each as the BMC describes it.
    pub services: Vec<RedfishService>,
}

/// One service the service root links: `AccountService`, `SessionService`,
/// `EventService`, `TaskService` or `UpdateService` (OpenCHAMI's
/// DiscoverServiceEndpointArray).
#[derive(Debug, Clone, PartialEq)]
pub struct RedfishService {
    /// `AccountService`, ...
    pub kind: String,
    /// Its `@odata.id`.
    pub odata_id: String,
    /// The resource as the BMC sent it, without its `@odata.*` members.
    pub info: Value,
}

/// The services OpenCHAMI's discovery records.
const SERVICES: &[&str] = &[
    "AccountService",
    "SessionService",
    "EventService",
    "TaskService",
    "UpdateService",
];

/// The services `root` links, each read once; one that cannot be read is
/// logged and left out (a service is not worth failing the walk for).
async fn services(s: &Session, root: &Value) -> Vec<RedfishService> {
    let mut out = Vec::new();
    for kind in SERVICES {
        let Some(path) = odata_id(root.get(*kind)) else {
            continue;
        };
        match s.get(&path).await {
            Ok(Value::Object(mut m)) => {
                m.retain(|k, _| !k.starts_with("@odata."));
                out.push(RedfishService {
                    kind: (*kind).to_owned(),
                    odata_id: path,
                    info: Value::Object(m),
                });
            }
            Ok(_) => tracing::warn!("{kind} at {path} is not an object; skipped"),
            Err(e) => tracing::warn!("{kind} skipped: {e}"),
        }
    }
    out
}

impl Inventory {
    /// The SchemaVersion-1 payload for this BMC, named `id`, reached at
    /// `fqdn` (host, with `:port` only when not the scheme's default) as `user`.
    pub fn into_endpoint(self, id: String, fqdn: String, user: String) -> RedfishEndpointIn {
        RedfishEndpointIn {
            id,
            fqdn,
            user,
            mac_required: Some(true),
            rediscover_on_update: Some(false),
            mac_addr: self.bmc_mac.unwrap_or_default(),
            schema_version: Some(1),
            systems: self.systems,
            managers: self.managers,
            ..Default::default()
        }
    }
}

/// Walk one BMC. `bmc_ip` finds the BMC's own MAC among manager interfaces.
pub async fn crawl(s: &Session, bmc_ip: Option<IpAddr>) -> Result<Inventory, RedfishError> {
    let root = s.get("/redfish/v1/").await?;
    let systems_path =
        odata_id(root.get("Systems")).unwrap_or_else(|| "/redfish/v1/Systems".into());
    let chassis_path =
        odata_id(root.get("Chassis")).unwrap_or_else(|| "/redfish/v1/Chassis".into());
    let managers_path =
        odata_id(root.get("Managers")).unwrap_or_else(|| "/redfish/v1/Managers".into());

    let mut system_uris = s.members(&systems_path).await?;
    // Systems reachable only through Chassis links count too (some blades).
    match s.members(&chassis_path).await {
        Ok(chassis) => {
            for c in chassis {
                match s.get(&c).await {
                    Ok(ch) => {
                        for sys in odata_ids(ch.pointer("/Links/ComputerSystems")) {
                            if !system_uris.contains(&sys) {
                                system_uris.push(sys);
                            }
                        }
                    }
                    Err(e) => tracing::warn!("chassis skipped: {e}"),
                }
            }
        }
        Err(e) => tracing::warn!("no chassis collection: {e}"),
    }

    let mut managers = Vec::new();
    for m in s.members(&managers_path).await? {
        match manager(s, &m).await {
            Ok(mgr) => managers.push(mgr),
            Err(e) => tracing::warn!("manager skipped: {e}"),
        }
    }
    let bmc_ip_text = bmc_ip.map(|ip| ip.to_string());
    let bmc_mac = managers
        .iter()
        .flat_map(|m| &m.ethernet_interfaces)
        .find(|e| Some(&e.ip) == bmc_ip_text.as_ref() && !e.mac.is_empty())
        .map(|e| e.mac.clone());
    if bmc_mac.is_none() {
        tracing::info!(bmc = %s.base, "no manager interface carries the BMC's IP; MACAddr left out");
    }

    let mut systems = Vec::new();
    for uri in &system_uris {
        match system(s, uri).await {
            Ok(sys) => systems.push(sys),
            Err(e) => {
                // A listed system that cannot be read is the BMC's failure:
                // sending a partial node list would drop nodes from SMD.
                return Err(e);
            }
        }
    }

    // Vendors that list host NICs only under the Manager (OpenCHAMI/magellan#31):
    // give the manager's non-BMC interfaces to the one system that has none.
    let bare: Vec<usize> = systems
        .iter()
        .enumerate()
        .filter(|(_, sys)| sys.ethernet_interfaces.is_empty())
        .map(|(i, _)| i)
        .collect();
    if !bare.is_empty() {
        let spare: Vec<EthernetIn> = managers
            .iter()
            .flat_map(|m| &m.ethernet_interfaces)
            .filter(|e| Some(&e.ip) != bmc_ip_text.as_ref() && Some(&e.mac) != bmc_mac.as_ref())
            .cloned()
            .collect();
        match (bare.as_slice(), spare.is_empty()) {
            ([only], false) => systems[*only].ethernet_interfaces = spare,
            (_, true) => {}
            _ => {
                tracing::warn!(bmc = %s.base, "several systems without Ethernet interfaces; manager interfaces not assigned")
            }
        }
    }

    let services = services(s, &root).await;
    Ok(Inventory {
        systems,
        managers,
        bmc_mac,
        redfish_version: text(&root, "RedfishVersion"),
        uuid: text(&root, "UUID"),
        services,
    })
}

async fn manager(s: &Session, uri: &str) -> Result<ManagerIn, RedfishError> {
    let m = s.get(uri).await?;
    let ethernet_interfaces = match odata_id(m.get("EthernetInterfaces")) {
        Some(p) => ethernet_interfaces(s, &p).await,
        None => Vec::new(),
    };
    let actions = m
        .pointer("/Actions/#Manager.Reset/ResetType@Redfish.AllowableValues")
        .map(strings)
        .unwrap_or_default();
    Ok(ManagerIn {
        uri: s.url(uri),
        uuid: text(&m, "UUID"),
        name: text(&m, "Name"),
        description: text(&m, "Description"),
        model: text(&m, "Model"),
        type_: text(&m, "ManagerType"),
        firmware_version: text(&m, "FirmwareVersion"),
        ethernet_interfaces,
        actions,
        command_shell: m
            .pointer("/CommandShell/ConnectTypesSupported")
            .map(strings)
            .unwrap_or_default(),
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

async fn ethernet_interfaces(s: &Session, coll: &str) -> Vec<EthernetIn> {
    let members = match s.members(coll).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("Ethernet interfaces skipped: {e}");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for m in members {
        let nic = match s.get(&m).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("Ethernet interface skipped: {e}");
                continue;
            }
        };
        let raw_mac = text(&nic, "MACAddress");
        // Normalise the MAC when it parses; keep the vendor's text otherwise.
        let mac = match raw_mac.parse::<ochami_types::mac::MacAddr>() {
            Ok(m) => m.to_string(),
            Err(_) if raw_mac.is_empty() => String::new(),
            Err(_) => {
                tracing::warn!("{m}: odd MACAddress '{raw_mac}' kept as is");
                raw_mac
            }
        };
        let ip = ["IPv4Addresses", "IPv4StaticAddresses"]
            .iter()
            .filter_map(|k| nic.get(*k).and_then(Value::as_array))
            .flatten()
            .filter_map(|a| a.get("Address").and_then(Value::as_str))
            .find(|a| a.parse::<Ipv4Addr>().is_ok_and(|ip| !ip.is_unspecified()))
            .unwrap_or_default()
            .to_owned();
        out.push(EthernetIn {
            uri: s.url(&m),
            mac,
            ip,
            name: text(&nic, "Name"),
            description: text(&nic, "Description"),
            enabled: Some(
                nic.get("InterfaceEnabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
        });
    }
    out
}

async fn system(s: &Session, uri: &str) -> Result<SystemIn, RedfishError> {
    let v = s.get(uri).await?;
    let mut d = SystemIn {
        uri: s.url(uri),
        uuid: text(&v, "UUID"),
        manufacturer: text(&v, "Manufacturer"),
        system_type: text(&v, "SystemType"),
        name: text(&v, "Name"),
        model: text(&v, "Model"),
        serial: text(&v, "SerialNumber"),
        bios_version: text(&v, "BiosVersion"),
        power: PowerIn {
            state: text(&v, "PowerState"),
            mode: text(&v, "PowerMode"),
            restore_policy: text(&v, "PowerRestorePolicy"),
            power_control_ids: Vec::new(),
        },
        processor_count: Some(
            v.pointer("/ProcessorSummary/Count")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        ),
        processor_type: v
            .pointer("/ProcessorSummary/Model")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        memory_total: Some(
            v.pointer("/MemorySummary/TotalSystemMemoryGiB")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        ),
        network_interfaces: Some(Vec::new()),
        links: LinksIn {
            chassis: odata_ids(v.pointer("/Links/Chassis")),
            managers: odata_ids(v.pointer("/Links/ManagedBy")),
        },
        ..SystemIn::default()
    };
    d.actions = reset_types(s, &v).await;
    if let Some(p) = odata_id(v.get("EthernetInterfaces")) {
        d.ethernet_interfaces = ethernet_interfaces(s, &p).await;
    }
    if let Some(p) = odata_id(v.get("NetworkInterfaces")) {
        d.network_interfaces = Some(network_interfaces(s, &p).await);
    }
    let cpus = match odata_id(v.get("Processors")) {
        Some(p) => processors(s, &p).await,
        None => Vec::new(),
    };
    let dimms = match odata_id(v.get("Memory")) {
        Some(p) => memory(s, &p).await,
        None => Vec::new(),
    };
    // Fill summaries from devices when the BMC gave none.
    if d.processor_count == Some(0) && !cpus.is_empty() {
        d.processor_count = Some(cpus.len() as u64);
    }
    if d.processor_type.is_empty() {
        if let Some(p) = cpus.first() {
            d.processor_type = p.model.clone();
        }
    }
    if d.memory_total == Some(0.0) && !dimms.is_empty() {
        let mib: u64 = dimms.iter().filter_map(|m| m.capacity_mib).sum();
        d.memory_total = Some(mib as f64 / 1024.0);
    }
    // No devices listed: leave SMD's stored ones alone (absent, not empty).
    d.processors = (!cpus.is_empty()).then_some(cpus);
    d.memory = (!dimms.is_empty()).then_some(dimms);
    if let Some(c) = d.links.chassis.first().cloned() {
        match s.get(&c).await {
            Ok(ch) => {
                d.chassis_sku = text(&ch, "SKU");
                d.chassis_serial = text(&ch, "SerialNumber");
                d.chassis_asset_tag = text(&ch, "AssetTag");
                d.chassis_manufacturer = text(&ch, "Manufacturer");
                d.chassis_model = text(&ch, "Model");
                let power = odata_id(ch.get("Power")).unwrap_or_else(|| format!("{c}/Power"));
                match s.get(&power).await {
                    Ok(p) => {
                        d.power.power_control_ids = p
                            .get("PowerControl")
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|pc| {
                                        pc.get("MemberId")
                                            .and_then(Value::as_str)
                                            .or_else(|| pc.get("@odata.id").and_then(Value::as_str))
                                    })
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default()
                    }
                    Err(e) => tracing::debug!("chassis power skipped: {e}"),
                }
            }
            Err(e) => tracing::warn!("chassis skipped: {e}"),
        }
    }
    Ok(d)
}

/// Allowable reset types: inline, else from the action's `@Redfish.ActionInfo`.
async fn reset_types(s: &Session, sys: &Value) -> Vec<String> {
    let Some(action) = sys.pointer("/Actions/#ComputerSystem.Reset") else {
        return Vec::new();
    };
    if let Some(v) = action.get("ResetType@Redfish.AllowableValues") {
        return strings(v);
    }
    let Some(info) = action.get("@Redfish.ActionInfo").and_then(Value::as_str) else {
        return Vec::new();
    };
    match s.get(info).await {
        Ok(ai) => ai
            .get("Parameters")
            .and_then(Value::as_array)
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("Name").and_then(Value::as_str) == Some("ResetType"))
            })
            .and_then(|p| p.get("AllowableValues"))
            .map(strings)
            .unwrap_or_default(),
        Err(e) => {
            tracing::warn!("reset action info skipped: {e}");
            Vec::new()
        }
    }
}

async fn network_interfaces(s: &Session, coll: &str) -> Vec<NetworkInterfaceIn> {
    let mut out = Vec::new();
    let members = s.members(coll).await.unwrap_or_else(|e| {
        tracing::warn!("network interfaces skipped: {e}");
        Vec::new()
    });
    for m in members {
        let Ok(ni) = s
            .get(&m)
            .await
            .inspect_err(|e| tracing::warn!("network interface skipped: {e}"))
        else {
            continue;
        };
        let mut adapter = NetworkAdapterIn::default();
        if let Some(a) = odata_id(ni.pointer("/Links/NetworkAdapter")) {
            match s.get(&a).await {
                Ok(av) => {
                    adapter = NetworkAdapterIn {
                        uri: s.url(&a),
                        manufacturer: text(&av, "Manufacturer"),
                        name: text(&av, "Name"),
                        model: text(&av, "Model"),
                        serial: text(&av, "SerialNumber"),
                        description: text(&av, "Description"),
                    }
                }
                Err(e) => tracing::warn!("network adapter skipped: {e}"),
            }
        }
        out.push(NetworkInterfaceIn {
            uri: s.url(&m),
            name: text(&ni, "Name"),
            description: text(&ni, "Description"),
            adapter,
        });
    }
    out
}

async fn processors(s: &Session, coll: &str) -> Vec<ProcessorIn> {
    let mut out = Vec::new();
    let members = s.members(coll).await.unwrap_or_else(|e| {
        tracing::warn!("processors skipped: {e}");
        Vec::new()
    });
    for m in members {
        let Ok(p) = s
            .get(&m)
            .await
            .inspect_err(|e| tracing::warn!("processor skipped: {e}"))
        else {
            continue;
        };
        let num = |k: &str| Some(p.get(k).and_then(Value::as_u64).unwrap_or(0));
        out.push(ProcessorIn {
            uri: s.url(&m),
            socket: text(&p, "Socket"),
            manufacturer: text(&p, "Manufacturer"),
            model: text(&p, "Model"),
            architecture: text(&p, "ProcessorArchitecture"),
            cores: num("TotalCores"),
            threads: num("TotalThreads"),
            max_speed_mhz: num("MaxSpeedMHz"),
            ..Default::default()
        });
    }
    out
}

async fn memory(s: &Session, coll: &str) -> Vec<MemoryIn> {
    let mut out = Vec::new();
    let members = s.members(coll).await.unwrap_or_else(|e| {
        tracing::warn!("memory skipped: {e}");
        Vec::new()
    });
    for m in members {
        let Ok(d) = s
            .get(&m)
            .await
            .inspect_err(|e| tracing::warn!("memory device skipped: {e}"))
        else {
            continue;
        };
        out.push(MemoryIn {
            uri: s.url(&m),
            name: text(&d, "Name"),
            device_type: text(&d, "MemoryDeviceType"),
            capacity_mib: Some(d.get("CapacityMiB").and_then(Value::as_u64).unwrap_or(0)),
            speed_mhz: Some(
                d.get("OperatingSpeedMhz")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            ),
            manufacturer: text(&d, "Manufacturer"),
            part_number: text(&d, "PartNumber"),
            serial: text(&d, "SerialNumber"),
        });
    }
    out
}
