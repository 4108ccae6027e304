//! OpenCHAMI's legacy RedfishEndpoint payload (raw Redfish `Systems[].Data`,
//! `Chassis`) creates the same rows as magellan's SchemaVersion-1 payload.

use crate::support::client;
use crate::support::get_json as get;
use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

const RFEP: &str = "/hsm/v2/Inventory/RedfishEndpoints";

const H: &str = "https://172.16.0.104:443";

fn v1() -> Value {
    json!({
        "ID": "x1000c1s7b0", "FQDN": "172.16.0.104", "User": "admin", "SchemaVersion": 1,
        "Systems": [{
            "uri": format!("{H}/redfish/v1/Systems/1"), "uuid": "u-1", "name": "Node1",
            "manufacturer": "HPE", "system_type": "Physical", "model": "ProLiant", "serial": "SN1",
            "bios_version": "U30", "processor_count": 2, "processor_type": "EPYC", "memory_total": 64,
            "actions": ["On", "ForceOff"],
            "power": {"state": "On", "power_control_ids": []},
            "chassis_serial": "CH1", "chassis_manufacturer": "HPE", "chassis_model": "DL385",
            "chassis_sku": "SKU1", "chassis_asset_tag": "",
            "ethernet_interfaces": [
                {"uri": format!("{H}/redfish/v1/Systems/1/EthernetInterfaces/1"),
                 "mac": "EC:E7:A7:05:A1:00", "ip": "172.16.0.11", "name": "Port 1",
                 "description": "eth0", "enabled": true},
                {"uri": format!("{H}/redfish/v1/Systems/1/EthernetInterfaces/2"),
                 "mac": "ec:e7:a7:05:a1:01", "ip": "", "name": "Port 2",
                 "description": "eth1", "enabled": false}],
            "processors": [{"uri": format!("{H}/redfish/v1/Systems/1/Processors/CPU0"), "socket": "P0",
                "manufacturer": "AMD", "model": "EPYC", "architecture": "x86", "cores": 64,
                "threads": 128, "max_speed_mhz": 3500}],
            "memory": [{"uri": format!("{H}/redfish/v1/Systems/1/Memory/DIMM0"), "name": "DIMM0",
                "device_type": "DDR4", "capacity_mib": 32768, "speed_mhz": 3200,
                "manufacturer": "Samsung", "part_number": "M393", "serial": "D0"}],
            "links": {"chassis": ["/redfish/v1/Chassis/1"], "managers": ["/redfish/v1/Managers/1"]}
        }],
        "Managers": [{"uri": format!("{H}/redfish/v1/Managers/1"), "uuid": "m-1", "name": "Manager",
            "description": "BMC", "model": "iLO 5", "type": "BMC", "firmware_version": "2.44",
            "actions": ["ForceRestart"],
            "ethernet_interfaces": [{"uri": format!("{H}/redfish/v1/Managers/1/EthernetInterfaces/1"),
                "mac": "ec:e7:a7:05:b0:00", "ip": "172.16.0.104", "name": "iLO",
                "description": "bmc nic", "enabled": true}]}]
    })
}

/// The same BMC as OpenCHAMI's legacy parser takes it: raw Redfish resources.
fn legacy() -> Value {
    let nic = |n: u32, mac: &str, ip: Option<&str>, name: &str, desc: &str, en: bool| {
        let mut v = json!({"@odata.id": format!("/redfish/v1/Systems/1/EthernetInterfaces/{n}"),
            "Id": format!("{n}"), "Name": name, "Description": desc, "MACAddress": mac,
            "InterfaceEnabled": en, "IPv4Addresses": []});
        if let Some(ip) = ip {
            v["IPv4Addresses"] = json!([{"Address": ip, "AddressOrigin": "DHCP"}]);
        }
        v
    };
    json!({
        "ID": "x1000c1s7b0", "FQDN": "172.16.0.104", "User": "admin",
        "Systems": [{
            "Data": {"@odata.id": "/redfish/v1/Systems/1", "Id": "1", "UUID": "u-1", "Name": "Node1",
                "Manufacturer": "HPE", "SystemType": "Physical", "Model": "ProLiant",
                "SerialNumber": "SN1", "BiosVersion": "U30", "PowerState": "On",
                "Status": {"State": "Enabled"},
                "ProcessorSummary": {"Count": 2, "Model": "EPYC"},
                "MemorySummary": {"TotalSystemMemoryGiB": 64},
                "Actions": {"#ComputerSystem.Reset": {"target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                    "ResetType@Redfish.AllowableValues": ["On", "ForceOff"]}},
                "Links": {"ManagedBy": [{"@odata.id": "/redfish/v1/Managers/1"}]}},
            "EthernetInterfaces": [
                nic(1, "EC:E7:A7:05:A1:00", Some("172.16.0.11"), "Port 1", "eth0", true),
                nic(2, "ec:e7:a7:05:a1:01", None, "Port 2", "eth1", false)],
            "Processors": [{"@odata.id": "/redfish/v1/Systems/1/Processors/CPU0", "Socket": "P0",
                "Manufacturer": "AMD", "Model": "EPYC", "ProcessorArchitecture": "x86",
                "TotalCores": 64, "TotalThreads": 128, "MaxSpeedMHz": 3500}],
            "Memory": [{"@odata.id": "/redfish/v1/Systems/1/Memory/DIMM0", "Name": "DIMM0",
                "MemoryDeviceType": "DDR4", "CapacityMiB": 32768, "OperatingSpeedMhz": 3200,
                "Manufacturer": "Samsung", "PartNumber": "M393", "SerialNumber": "D0"}]
        }],
        "Chassis": [{"@odata.id": "/redfish/v1/Chassis/1", "Id": "1", "SerialNumber": "CH1",
            "Manufacturer": "HPE", "Model": "DL385", "SKU": "SKU1", "AssetTag": "",
            "Links": {"ComputerSystems": [{"@odata.id": "/redfish/v1/Systems/1"}]}}],
        "Managers": [{
            "Data": {"@odata.id": "/redfish/v1/Managers/1", "UUID": "m-1", "Name": "Manager",
                "Description": "BMC", "Model": "iLO 5", "ManagerType": "BMC", "FirmwareVersion": "2.44",
                "Actions": {"#Manager.Reset": {"ResetType@Redfish.AllowableValues": ["ForceRestart"]}}},
            "EthernetInterfaces": [{"@odata.id": "/redfish/v1/Managers/1/EthernetInterfaces/1",
                "Name": "iLO", "Description": "bmc nic", "MACAddress": "EC:E7:A7:05:B0:00",
                "InterfaceEnabled": true, "IPv4Addresses": [{"Address": "172.16.0.104"}]}]
        }]
    })
}

/// Everything the ingestion writes, with write times blanked.
async fn rows(base: impl Fn(&str) -> String) -> Value {
    let mut out = serde_json::Map::new();
    for path in [
        "/hsm/v2/State/Components",
        "/hsm/v2/Inventory/ComponentEndpoints",
        "/hsm/v2/Inventory/EthernetInterfaces",
        "/hsm/v2/Inventory/Hardware",
        "/hsm/v2/Inventory/HardwareByFRU",
    ] {
        let (s, mut v) = get(base(path)).await;
        assert_eq!(s, 200, "{path}");
        if let Some(a) = v.as_array_mut() {
            for e in a {
                e.as_object_mut().unwrap().remove("LastUpdate");
            }
        }
        out.insert(path.into(), v);
    }
    Value::Object(out)
}

#[tokio::test]
async fn legacy_payload_creates_the_same_rows_as_v1() {
    let a = spawn_smd().await;
    let b = spawn_smd().await;
    let res = client().post(a.at(RFEP)).json(&v1()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let res = client()
        .post(b.at(RFEP))
        .json(&legacy())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let from_v1 = rows(|p| a.at(p)).await;
    let from_legacy = rows(|p| b.at(p)).await;
    // Not vacuous: a node, its BMC, three MACs, four hardware locations.
    assert_eq!(
        from_v1["/hsm/v2/State/Components"]["Components"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        from_v1["/hsm/v2/Inventory/EthernetInterfaces"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        from_v1["/hsm/v2/Inventory/Hardware"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(from_legacy, from_v1);
    let (_, n0) = get(b.at("/hsm/v2/State/Components/x1000c1s7b0n0")).await;
    assert_eq!((&n0["Type"], &n0["State"]), (&json!("Node"), &json!("On")));
    let (_, e) = get(b.at("/hsm/v2/Inventory/EthernetInterfaces/ece7a705a100")).await;
    assert_eq!(e["ComponentID"], "x1000c1s7b0n0");
    assert_eq!(e["IPAddresses"], json!([{"IPAddress": "172.16.0.11"}]));

    // PUT (magellan --force-update) takes the legacy form too.
    let res = client()
        .put(b.at(&format!("{RFEP}/x1000c1s7b0")))
        .json(&legacy())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(rows(|p| b.at(p)).await, from_v1);
}

#[tokio::test]
async fn bad_legacy_payloads_are_400_and_write_nothing() {
    let smd = spawn_smd().await;
    for (mutate, detail) in [
        (
            json!({"Systems": [{"EthernetInterfaces": []}]}),
            "Systems[0].Data: missing",
        ),
        (
            json!({"Systems": [{"Data": "x"}]}),
            "Systems[0].Data: must be",
        ),
        (
            json!({"Systems": [{"Data": {}, "EthernetInterfaces": [{"MACAddress": "zz"}]}]}),
            "Systems[0].EthernetInterfaces[0].MACAddress: invalid MAC",
        ),
        (
            json!({"Systems": [{"Data": {}, "EthernetInterfaces": [{"MACAddress": "aa:bb:cc:dd:ee:ff",
                "IPv4Addresses": [{"Address": "10.0.0.300"}]}]}]}),
            "Systems[0].EthernetInterfaces[0].IPv4Addresses: ",
        ),
        (
            json!({"Chassis": {"not": "an array"}}),
            "Chassis: must be an array",
        ),
        (
            json!({"Managers": [{"Data": {}, "EthernetInterfaces": 3}]}),
            "Managers[0].EthernetInterfaces: must be an array",
        ),
    ] {
        let mut body = legacy();
        for (k, v) in mutate.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = client()
            .post(smd.at(RFEP))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let b: Value = res.json().await.unwrap();
        assert_eq!(status, 400, "{mutate}: {b}");
        assert!(
            b["detail"].as_str().unwrap().contains(detail),
            "{mutate}: {b}"
        );
    }
    let (_, b) = get(smd.at(RFEP)).await;
    assert_eq!(b, json!({"RedfishEndpoints": []}));
    let (_, b) = get(smd.at("/hsm/v2/Inventory/Hardware")).await;
    assert_eq!(b, json!([]));
}
