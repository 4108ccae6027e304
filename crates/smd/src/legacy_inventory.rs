//! OpenCHAMI's legacy RedfishEndpoint payload (no `SchemaVersion`):
//! `Systems: [{"Data": <Redfish ComputerSystem>, "EthernetInterfaces":
//! [<Redfish EthernetInterface>..]}]`, `Chassis: [<Redfish Chassis>]` and
//! optionally `Managers: [{"Data": <Redfish Manager>, "EthernetInterfaces":
//! [..]}]`, read into magellan's SchemaVersion-1 shapes so both payloads
//! create the same rows through [`crate::inventory::plan`]. Pure: no SQL.
//!
//! Rationale: OpenCHAMI's parseRedfishEndpointData (cmd/smd/smd-api.go)
//! writes a Node component under the *BMC's* xname, no EthernetInterfaces,
//! and panics on a missing key; we name nodes `<bmc>n<k>` as the V2 parser
//! does and answer 400 naming the field instead.

use ochami_types::MacAddr;
use serde_json::Value;

use crate::model::ethernet_interface::parse_ip;
use crate::model::redfish_endpoint::{
    EthernetIn, LinksIn, ManagerIn, MemoryIn, PowerIn, ProcessorIn, SystemIn,
};

/// True when `body` is a legacy payload carrying inventory.
pub fn is_legacy(body: &Value) -> bool {
    let has = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    has("Systems") || has("Managers")
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn odata_ids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|l| text(l, "@odata.id"))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// An array member `key` of `v`, absent = empty; anything else is an error.
fn array<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a [Value], String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{at}{key}: must be an array")),
    }
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Value, String> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(format!("{at}: must be an object"))
    }
}

/// A Redfish EthernetInterface → magellan's `ethernet_interfaces` entry.
fn ethernet(v: &Value, at: &str) -> Result<EthernetIn, String> {
    object(v, at)?;
    let mac = match text(v, "MACAddress") {
        m if m.is_empty() => text(v, "PermanentMACAddress"),
        m => m,
    };
    let ip = v
        .get("IPv4Addresses")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|x| text(x, "Address")).find(|s| !s.is_empty()))
        .unwrap_or_default();
    // Checked here too so a bad value is named by its Redfish field.
    if !mac.trim().is_empty() {
        mac.parse::<MacAddr>()
            .map_err(|e| format!("{at}.MACAddress: {e}"))?;
    }
    if !ip.trim().is_empty() {
        parse_ip(&ip).map_err(|e| format!("{at}.IPv4Addresses: {e}"))?;
    }
    Ok(EthernetIn {
        uri: text(v, "@odata.id"),
        mac,
        ip,
        name: text(v, "Name"),
        description: text(v, "Description"),
        enabled: v.get("InterfaceEnabled").and_then(Value::as_bool),
    })
}

fn num(v: &Value, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(Value::as_u64)
}

/// The chassis a system sits in: the one its `Links.Chassis` names, else the
/// one whose `Links.ComputerSystems` names it, else the only one.
fn chassis_of<'a>(system: &Value, links: &[String], chassis: &'a [Value]) -> Option<&'a Value> {
    let uri = text(system, "@odata.id");
    chassis
        .iter()
        .find(|c| links.contains(&text(c, "@odata.id")))
        .or_else(|| {
            chassis
                .iter()
                .find(|c| odata_ids(c.pointer("/Links/ComputerSystems")).contains(&uri))
        })
        .or(if chassis.len() == 1 {
            chassis.first()
        } else {
            None
        })
}

fn system(entry: &Value, chassis: &[Value], at: &str) -> Result<SystemIn, String> {
    object(entry, at)?;
    let data = match entry.get("Data") {
        Some(d @ Value::Object(_)) => d,
        Some(_) => {
            return Err(format!(
                "{at}.Data: must be a Redfish ComputerSystem object"
            ))
        }
        None => return Err(format!("{at}.Data: missing (the Redfish ComputerSystem)")),
    };
    let mut links = LinksIn {
        chassis: odata_ids(data.pointer("/Links/Chassis")),
        managers: odata_ids(data.pointer("/Links/ManagedBy")),
    };
    let ch = chassis_of(data, &links.chassis, chassis);
    if links.chassis.is_empty() {
        if let Some(c) = ch {
            links.chassis.push(text(c, "@odata.id"));
        }
    }
    let c = |k: &str| ch.map(|c| text(c, k)).unwrap_or_default();
    let ethernet_interfaces = array(entry, "EthernetInterfaces", &format!("{at}."))?
        .iter()
        .enumerate()
        .map(|(j, e)| ethernet(e, &format!("{at}.EthernetInterfaces[{j}]")))
        .collect::<Result<_, _>>()?;
    let processors = match entry.get("Processors") {
        None | Some(Value::Null) => None,
        Some(_) => Some(
            array(entry, "Processors", &format!("{at}."))?
                .iter()
                .map(|p| ProcessorIn {
                    uri: text(p, "@odata.id"),
                    socket: text(p, "Socket"),
                    manufacturer: text(p, "Manufacturer"),
                    model: text(p, "Model"),
                    architecture: text(p, "ProcessorArchitecture"),
                    cores: num(p, "/TotalCores"),
                    threads: num(p, "/TotalThreads"),
                    max_speed_mhz: num(p, "/MaxSpeedMHz"),
                    part_number: text(p, "PartNumber"),
                    serial: text(p, "SerialNumber"),
                })
                .collect(),
        ),
    };
    let memory = match entry.get("Memory") {
        None | Some(Value::Null) => None,
        Some(_) => Some(
            array(entry, "Memory", &format!("{at}."))?
                .iter()
                .map(|d| MemoryIn {
                    uri: text(d, "@odata.id"),
                    name: text(d, "Name"),
                    device_type: text(d, "MemoryDeviceType"),
                    capacity_mib: num(d, "/CapacityMiB"),
                    speed_mhz: num(d, "/OperatingSpeedMhz"),
                    manufacturer: text(d, "Manufacturer"),
                    part_number: text(d, "PartNumber"),
                    serial: text(d, "SerialNumber"),
                })
                .collect(),
        ),
    };
    Ok(SystemIn {
        uri: text(data, "@odata.id"),
        uuid: text(data, "UUID"),
        name: text(data, "Name"),
        manufacturer: text(data, "Manufacturer"),
        system_type: text(data, "SystemType"),
        model: text(data, "Model"),
        serial: text(data, "SerialNumber"),
        bios_version: text(data, "BiosVersion"),
        ethernet_interfaces,
        power: PowerIn {
            state: text(data, "PowerState"),
            mode: text(data, "PowerMode"),
            restore_policy: text(data, "PowerRestorePolicy"),
            power_control_ids: Vec::new(),
        },
        actions: data
            .pointer("/Actions/#ComputerSystem.Reset/ResetType@Redfish.AllowableValues")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        links,
        processor_count: num(data, "/ProcessorSummary/Count"),
        processor_type: data
            .pointer("/ProcessorSummary/Model")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        memory_total: data
            .pointer("/MemorySummary/TotalSystemMemoryGiB")
            .and_then(Value::as_f64),
        chassis_sku: c("SKU"),
        chassis_serial: c("SerialNumber"),
        chassis_asset_tag: c("AssetTag"),
        chassis_manufacturer: c("Manufacturer"),
        chassis_model: c("Model"),
        network_interfaces: None,
        processors,
        memory,
        trusted_modules: Vec::new(),
    })
}

fn manager(entry: &Value, at: &str) -> Result<ManagerIn, String> {
    object(entry, at)?;
    let data = match entry.get("Data") {
        Some(d @ Value::Object(_)) => d,
        Some(_) => return Err(format!("{at}.Data: must be a Redfish Manager object")),
        None => return Err(format!("{at}.Data: missing (the Redfish Manager)")),
    };
    Ok(ManagerIn {
        command_shell: data
            .pointer("/CommandShell/ConnectTypesSupported")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        uri: text(data, "@odata.id"),
        uuid: text(data, "UUID"),
        name: text(data, "Name"),
        description: text(data, "Description"),
        model: text(data, "Model"),
        type_: text(data, "ManagerType"),
        firmware_version: text(data, "FirmwareVersion"),
        ethernet_interfaces: array(entry, "EthernetInterfaces", &format!("{at}."))?
            .iter()
            .enumerate()
            .map(|(j, e)| ethernet(e, &format!("{at}.EthernetInterfaces[{j}]")))
            .collect::<Result<_, _>>()?,
        actions: data
            .pointer("/Actions/#Manager.Reset/ResetType@Redfish.AllowableValues")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Read a legacy body's `Systems` and `Managers`; `at` prefixes error paths.
pub fn read(body: &Value, at: &str) -> Result<(Vec<SystemIn>, Vec<ManagerIn>), String> {
    let chassis = array(body, "Chassis", at)?;
    let systems = array(body, "Systems", at)?
        .iter()
        .enumerate()
        .map(|(i, s)| system(s, chassis, &format!("{at}Systems[{i}]")))
        .collect::<Result<_, _>>()?;
    let managers = array(body, "Managers", at)?
        .iter()
        .enumerate()
        .map(|(i, m)| manager(m, &format!("{at}Managers[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok((systems, managers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_raw_system_reads_like_magellans() {
        let body = json!({
            "Systems": [{
                "Data": {"@odata.id": "/redfish/v1/Systems/1", "UUID": "u-1", "Name": "S1",
                         "SystemType": "Physical",
                         "Actions": {"#ComputerSystem.Reset": {"ResetType@Redfish.AllowableValues": ["On"]}}},
                "EthernetInterfaces": [{"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces/1",
                    "MACAddress": "AA:BB:CC:00:00:01", "IPv4Addresses": [{"Address": "10.0.0.5"}],
                    "Name": "eth0", "Description": "NIC", "InterfaceEnabled": true}]
            }],
            "Chassis": [{"@odata.id": "/redfish/v1/Chassis/1", "SerialNumber": "C1"}]
        });
        let (s, m) = read(&body, "").unwrap();
        assert!(m.is_empty());
        assert_eq!(s[0].uri, "/redfish/v1/Systems/1");
        assert_eq!(s[0].actions, ["On"]);
        assert_eq!(s[0].links.chassis, ["/redfish/v1/Chassis/1"]);
        assert_eq!(s[0].chassis_serial, "C1");
        assert_eq!(s[0].ethernet_interfaces[0].ip, "10.0.0.5");
        assert!(s[0].processors.is_none());
    }

    #[test]
    fn a_system_without_data_names_the_field() {
        let e = read(&json!({"Systems": [{"EthernetInterfaces": []}]}), "").unwrap_err();
        assert!(e.starts_with("Systems[0].Data: missing"), "{e}");
        let e = read(
            &json!({"Systems": [{"Data": {}, "EthernetInterfaces": [1]}]}),
            "",
        )
        .unwrap_err();
        assert_eq!(e, "Systems[0].EthernetInterfaces[0]: must be an object");
    }
}
