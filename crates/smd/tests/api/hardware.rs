//! Inventory/Hardware, Inventory/HardwareByFRU and their History, through
//! HTTP; and the hardware inventory magellan's payload creates.

use crate::support::get;
use crate::support::{check, row, Want};
use crate::support::{client, send};
use ochami_testkit::spawn_smd;
use serde_json::{json, Value};

const HW: &str = "/hsm/v2/Inventory/Hardware";
const FRU: &str = "/hsm/v2/Inventory/HardwareByFRU";
const RFEP: &str = "/hsm/v2/Inventory/RedfishEndpoints";

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|e| e["ID"].as_str().unwrap().to_owned())
        .collect()
}

fn dimm(id: &str, serial: &str) -> Value {
    json!({"ID": id, "Type": "Memory", "Ordinal": 0,
           "MemoryLocationInfo": {"Id": "DIMM0", "Name": "DIMM 0"},
           "PopulatedFRU": {"FRUID": "ignored", "Type": "Memory",
               "MemoryFRUInfo": {"Manufacturer": "Hynix", "PartNumber": "HMA84G",
                                 "SerialNumber": serial, "CapacityMiB": 32768}}})
}

fn inventory() -> Value {
    json!({"Hardware": [
        {"ID": "x1c0s0b0n0", "NodeLocationInfo": {"Id": "Self", "Name": "n0"},
         "PopulatedFRU": {"Subtype": "River", "NodeFRUInfo": {"Manufacturer": "HPE", "SerialNumber": "N0"}}},
        {"ID": "x1c0s0b0n0p0", "Ordinal": 0, "ProcessorLocationInfo": {"Id": "CPU0", "Socket": "P0"},
         "PopulatedFRU": {"ProcessorFRUInfo": {"Manufacturer": "AMD", "Model": "EPYC"}}},
        dimm("x1c0s0b0n0d0", "S-0"),
        dimm("x1c0s0b0n1d0", "S-1"),
    ]})
}

#[tokio::test]
async fn locations_post_get_filter_delete() {
    let smd = spawn_smd().await;
    assert_eq!(get(smd.at(HW)).await, (200, json!([])));
    let (s, b) = send(client().post(smd.at(HW)).json(&inventory())).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "Created 4 entries"}))
    );

    let (s, all) = get(smd.at(HW)).await;
    assert_eq!(s, 200);
    assert_eq!(
        ids(&all),
        ["x1c0s0b0n0", "x1c0s0b0n0d0", "x1c0s0b0n0p0", "x1c0s0b0n1d0"]
    );
    let (s, d0) = get(smd.at(&format!("{HW}/X1C0S0B0N0D0"))).await;
    assert_eq!(s, 200);
    assert_eq!(
        d0,
        json!({"ID": "x1c0s0b0n0d0", "Type": "Memory", "Ordinal": 0, "Status": "Populated",
               "HWInventoryByLocationType": "HWInvByLocMemory",
               "MemoryLocationInfo": {"Id": "DIMM0", "Name": "DIMM 0"},
               "PopulatedFRU": {"FRUID": "Memory.Hynix.HMA84G.S0", "Type": "Memory", "Subtype": "",
                   "HWInventoryByFRUType": "HWInvByFRUMemory",
                   "MemoryFRUInfo": {"Manufacturer": "Hynix", "PartNumber": "HMA84G",
                                     "SerialNumber": "S-0", "CapacityMiB": 32768}}})
    );
    // A processor without a serial number cannot be tracked: FRUIDfor<xname>.
    let (_, p0) = get(smd.at(&format!("{HW}/x1c0s0b0n0p0"))).await;
    assert_eq!(p0["PopulatedFRU"]["FRUID"], "FRUIDforx1c0s0b0n0p0");

    // Filters.
    for (q, want) in [
        ("type=memory", vec!["x1c0s0b0n0d0", "x1c0s0b0n1d0"]),
        ("manufacturer=AMD", vec!["x1c0s0b0n0p0"]),
        ("serialnumber=S-1", vec!["x1c0s0b0n1d0"]),
        ("partnumber=HMA84G&id=x1c0s0b0n0d0", vec!["x1c0s0b0n0d0"]),
        ("fruid=Node.HPE.N0", vec!["x1c0s0b0n0"]),
        (
            "id=x1c0s0b0n0&children=true",
            vec!["x1c0s0b0n0", "x1c0s0b0n0d0", "x1c0s0b0n0p0"],
        ),
        (
            "id=x1c0s0b0n0p0&parents=true",
            vec!["x1c0s0b0n0", "x1c0s0b0n0p0"],
        ),
        ("id=x9c0s0b0n0", vec![]),
    ] {
        let (s, b) = get(smd.at(&format!("{HW}?{q}"))).await;
        assert_eq!(
            (s, ids(&b)),
            (200, want.iter().map(|s| s.to_string()).collect()),
            "{q}"
        );
    }
    // Partition: the node is a member, so are its parts.
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/State/Components"))
            .json(&json!({"Components": [{"ID": "x1c0s0b0n0", "State": "On"}]})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/partitions"))
            .json(&json!({"name": "p1", "members": {"ids": ["x1c0s0b0n0"]}})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, b) = get(smd.at(&format!("{HW}?partition=p1&type=Memory"))).await;
    assert_eq!(ids(&b), ["x1c0s0b0n0d0"]);

    // Bad input: OpenCHAMI's 400s (S12).
    let bad = |q: &str, detail: &'static str| {
        row("GET", format!("{HW}?{q}"), None, 400, Want::Problem(detail))
    };
    check(
        &smd.url,
        &[
            bad("id=FAKE", "Invalid xname"),
            bad("type=FAKE", "Invalid HMS type"),
            row(
                "GET",
                format!("{HW}/Query/FAKE"),
                None,
                400,
                Want::Problem("Invalid xname"),
            ),
            // A malformed xname in a look-up is a miss (S4).
            row(
                "GET",
                format!("{HW}/not-an-xname"),
                None,
                404,
                Want::Problem("no such xname."),
            ),
            row(
                "DELETE",
                format!("{HW}/FAKE"),
                None,
                404,
                Want::Problem("no such xname."),
            ),
            row(
                "GET",
                format!("{HW}/x1c0s0b0n7"),
                None,
                404,
                Want::Problem("no such xname."),
            ),
            // S30: chi falls through to the FRU-ID delete.
            row(
                "DELETE",
                format!("{FRU}/History/"),
                None,
                404,
                Want::Problem("no such FRU ID."),
            ),
        ],
    )
    .await;
    let (s, b) = get(smd.at(&format!("{HW}?id=x1c0s0b0n0&children=maybe"))).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("'children'"), "{b}");

    // POST errors, OpenCHAMI's texts (S12); nothing is written.
    let post =
        |body: Value, detail: &'static str| row("POST", HW, Some(body), 400, Want::Problem(detail));
    check(
        &smd.url,
        &[
            post(
                json!({"Hardware": [{"ID": "x1c0s0b0n0d1", "PopulatedFRU": {"MemoryFRUInfo": {}}}]}),
                "Component location info is empty",
            ),
            post(
                json!({"Hardware": [{"ID": "x1c0s0b0n0d1", "MemoryLocationInfo": {}}]}),
                "PopulatedFRU must be populated",
            ),
            post(
                json!({"Hardware": [{"ID": "x1c0s0b0n0d1"}]}),
                "PopulatedFRU must be populated",
            ),
            post(
                json!({"Hardware": [dimm("x1c0s0b0n0d1", "A"), {"ID": "x1c0s0b0n0d2", "MemoryLocationInfo": {},
                     "PopulatedFRU": {"ProcessorFRUInfo": {}}}]}),
                "FRU info is empty",
            ),
            post(
                json!({"Hardware": [{"ID": "x1c0s0b0", "PopulatedFRU": {"NodeBMCFRUInfo": {}}}]}),
                "Component location info is empty",
            ),
            post(
                json!({"Hardware": [{"ID": "x1c0s0e0", "NodeEnclosureLocationInfo": {},
                     "PopulatedFRU": {}}]}),
                "FRU info is empty",
            ),
            post(json!({"Hardware": [{"ID": "bad"}]}), "ID is empty or not a valid xname"),
            post(json!({"Hardware": [{"ID": ""}]}), "ID is empty or not a valid xname"),
            post(json!({"Hardware": [{}]}), "ID is empty or not a valid xname"),
        ],
    )
    .await;
    for body in [
        json!({"Hardware": [{"ID": "x1c0s0b0n0d1", "Type": "Node"}]}),
        json!({"Hardware": [{"ID": "x1c0s0b0n0i0"}]}),
        json!({"Hardware": "x"}),
    ] {
        let (s, b) = send(client().post(smd.at(HW)).json(&body)).await;
        assert_eq!(s, 400, "{body}: {b}");
    }
    let (s, b) = send(client().post(smd.at(HW)).body("{not json")).await;
    assert_eq!(s, 400, "{b}");
    let (_, b) = get(smd.at(&format!("{HW}?id=x1c0s0b0n0d1"))).await;
    assert_eq!(b, json!([]));

    // DELETE one: its FRU stays, the location's history says Removed.
    let (s, b) = send(client().delete(smd.at(&format!("{HW}/x1c0s0b0n1d0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (s, b) = send(client().delete(smd.at(&format!("{HW}/x1c0s0b0n1d0")))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such xname.")));
    let (s, _) = get(smd.at(&format!("{FRU}/Memory.Hynix.HMA84G.S1"))).await;
    assert_eq!(s, 200);
    let (_, h) = get(smd.at(&format!("{HW}/History/x1c0s0b0n1d0"))).await;
    let events: Vec<&str> = h["History"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["EventType"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["Detected", "Removed"]);

    let (s, b) = send(client().delete(smd.at(HW))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 3 entries"}))
    );
    let (s, b) = send(client().delete(smd.at(HW))).await;
    assert_eq!(
        (s, b["detail"].as_str()),
        (404, Some("no entries to delete"))
    );
    let (s, _) = send(client().put(smd.at(HW)).json(&json!({}))).await;
    assert_eq!(s, 405);
}

#[tokio::test]
async fn query_lays_out_the_hierarchy() {
    let smd = spawn_smd().await;
    let mut inv = inventory();
    inv["Hardware"].as_array_mut().unwrap().push(json!(
        {"ID": "x1c0s0b0", "NodeBMCLocationInfo": {"Id": "BMC"},
         "PopulatedFRU": {"NodeBMCFRUInfo": {"Model": "iLO"}}}
    ));
    let (s, _) = send(client().post(smd.at(HW)).json(&inv)).await;
    assert_eq!(s, 200);
    let q = |rest: &str| smd.at(&format!("{HW}/Query/{rest}"));

    // Default NestNodesOnly: parts under their node; a part whose node is not
    // listed stays at the top.
    let (s, b) = get(q("s0")).await;
    assert_eq!(s, 200);
    assert_eq!(
        (&b["XName"], &b["Format"]),
        (&json!("s0"), &json!("NestNodesOnly"))
    );
    assert_eq!(ids(&b["Nodes"]), ["x1c0s0b0n0"]);
    assert_eq!(ids(&b["Nodes"][0]["Processors"]), ["x1c0s0b0n0p0"]);
    assert_eq!(ids(&b["Nodes"][0]["Memory"]), ["x1c0s0b0n0d0"]);
    assert_eq!(ids(&b["Memory"]), ["x1c0s0b0n1d0"]);
    assert_eq!(ids(&b["NodeBMCs"]), ["x1c0s0b0"]);
    assert!(b.get("Processors").is_none());

    let (_, b) = get(q("all?format=FullyFlat")).await;
    assert_eq!(b["Format"], "FullyFlat");
    assert_eq!(ids(&b["Processors"]), ["x1c0s0b0n0p0"]);
    assert_eq!(ids(&b["Memory"]), ["x1c0s0b0n0d0", "x1c0s0b0n1d0"]);
    assert!(b["Nodes"][0].get("Processors").is_none());

    // Hierarchical: everything under its nearest listed ancestor.
    let (_, b) = get(q("x1c0s0b0?format=hierarchical")).await;
    assert_eq!(ids(&b["NodeBMCs"]), ["x1c0s0b0"]);
    assert_eq!(ids(&b["NodeBMCs"][0]["Nodes"]), ["x1c0s0b0n0"]);
    assert_eq!(ids(&b["NodeBMCs"][0]["Memory"]), ["x1c0s0b0n1d0"]);
    assert_eq!(
        ids(&b["NodeBMCs"][0]["Nodes"][0]["Processors"]),
        ["x1c0s0b0n0p0"]
    );

    // Under one node; its parents; a type filter.
    let (_, b) = get(q("x1c0s0b0n0?format=FullyFlat")).await;
    assert_eq!(ids(&b["Nodes"]), ["x1c0s0b0n0"]);
    assert_eq!(ids(&b["Memory"]), ["x1c0s0b0n0d0"]);
    assert!(b.get("NodeBMCs").is_none());
    let (_, b) = get(q("x1c0s0b0n0p0?parents=true&format=FullyFlat")).await;
    assert_eq!(ids(&b["Processors"]), ["x1c0s0b0n0p0"]);
    assert_eq!(ids(&b["Nodes"]), ["x1c0s0b0n0"]);
    assert_eq!(ids(&b["NodeBMCs"]), ["x1c0s0b0"]);
    let (_, b) = get(q("x1c0s0b0n0p0?parents=true&children=false&type=NodeBMC")).await;
    assert_eq!(ids(&b["NodeBMCs"]), ["x1c0s0b0"]);
    assert!(b.get("Nodes").is_none());
    let (_, b) = get(q("x1c0s0b0?type=Memory")).await;
    assert_eq!(ids(&b["Memory"]), ["x1c0s0b0n0d0", "x1c0s0b0n1d0"]);
    // A partition in the path: its member node and the node's parts.
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/State/Components"))
            .json(&json!({"Components": [{"ID": "x1c0s0b0n0", "State": "On"}]})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        client()
            .post(smd.at("/hsm/v2/partitions"))
            .json(&json!({"name": "p2", "members": {"ids": ["x1c0s0b0n0"]}})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, b) = get(q("p2?format=FullyFlat")).await;
    assert_eq!(b["XName"], "p2");
    assert_eq!(ids(&b["Nodes"]), ["x1c0s0b0n0"]);
    assert_eq!(ids(&b["Memory"]), ["x1c0s0b0n0d0"]);
    assert!(b.get("NodeBMCs").is_none());
    let (s, b) = get(q("x7")).await;
    assert_eq!(
        (s, b),
        (200, json!({"XName": "x7", "Format": "NestNodesOnly"}))
    );

    for (rest, field) in [
        ("s0?format=Nested", "'format'"),
        ("s0?parents=sure", "'parents'"),
        ("s0?type=Nope", "Invalid HMS type"),
        ("zz9", "Invalid xname"),
    ] {
        let (s, b) = get(q(rest)).await;
        assert_eq!(s, 400, "{rest}");
        assert!(b["detail"].as_str().unwrap().contains(field), "{rest}: {b}");
    }
}

#[tokio::test]
async fn frus_get_filter_delete() {
    let smd = spawn_smd().await;
    let (s, _) = send(client().post(smd.at(HW)).json(&inventory())).await;
    assert_eq!(s, 200);
    let fru_ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["FRUID"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, b) = get(smd.at(FRU)).await;
    assert_eq!(s, 200);
    assert_eq!(
        fru_ids(&b),
        [
            "FRUIDforx1c0s0b0n0p0",
            "Memory.Hynix.HMA84G.S0",
            "Memory.Hynix.HMA84G.S1",
            "Node.HPE.N0"
        ]
    );
    let (_, b) = get(smd.at(&format!("{FRU}?type=Memory&serialnumber=S-1"))).await;
    assert_eq!(fru_ids(&b), ["Memory.Hynix.HMA84G.S1"]);
    let (_, b) = get(smd.at(&format!("{FRU}?manufacturer=HPE"))).await;
    assert_eq!(fru_ids(&b), ["Node.HPE.N0"]);
    let (s, b) = get(smd.at(&format!("{FRU}?type=Nope"))).await;
    assert_eq!(s, 400, "{b}");

    let (s, b) = get(smd.at(&format!("{FRU}/Node.HPE.N0"))).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"FRUID": "Node.HPE.N0", "Type": "Node", "Subtype": "River",
               "HWInventoryByFRUType": "HWInvByFRUNode",
               "NodeFRUInfo": {"Manufacturer": "HPE", "SerialNumber": "N0"}})
    );
    let (s, b) = get(smd.at(&format!("{FRU}/nope"))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such FRU ID.")));

    // Deleting a FRU empties its location.
    let (s, b) = send(client().delete(smd.at(&format!("{FRU}/Memory.Hynix.HMA84G.S0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entry"}))
    );
    let (_, d0) = get(smd.at(&format!("{HW}/x1c0s0b0n0d0"))).await;
    assert_eq!(d0["Status"], "Empty");
    assert!(d0.get("PopulatedFRU").is_none());
    let (s, b) = send(client().delete(smd.at(&format!("{FRU}/Memory.Hynix.HMA84G.S0")))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such FRU ID.")));

    let (s, b) = send(client().delete(smd.at(FRU))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 3 entries"}))
    );
    let (s, _) = send(client().delete(smd.at(FRU))).await;
    assert_eq!(s, 404);
    let (_, b) = get(smd.at(&format!("{HW}?id=x1c0s0b0n0"))).await;
    assert_eq!(b[0]["Status"], "Empty");
}

#[tokio::test]
async fn history_routes() {
    let smd = spawn_smd().await;
    let (s, b) = get(smd.at(&format!("{HW}/History"))).await;
    assert_eq!((s, b), (200, json!({"Components": []})));
    let (s, _) = send(client().post(smd.at(HW)).json(&inventory())).await;
    assert_eq!(s, 200);
    // Posting the same FRUs again records nothing new; a new DIMM in d0 does.
    let (s, _) = send(client().post(smd.at(HW)).json(&inventory())).await;
    assert_eq!(s, 200);
    let (s, _) = send(
        client()
            .post(smd.at(HW))
            .json(&json!({"Hardware": [dimm("x1c0s0b0n0d0", "S-9")]})),
    )
    .await;
    assert_eq!(s, 200);

    let (s, b) = get(smd.at(&format!("{HW}/History"))).await;
    assert_eq!(s, 200);
    let comps = b["Components"].as_array().unwrap();
    let keys: Vec<&str> = comps.iter().map(|c| c["ID"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["x1c0s0b0n0", "x1c0s0b0n0p0", "x1c0s0b0n0d0", "x1c0s0b0n1d0"]
    );
    let d0: Vec<(String, String)> = comps[2]["History"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["FRUID"].as_str().unwrap().into(),
                e["EventType"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        d0,
        [
            ("Memory.Hynix.HMA84G.S0".to_string(), "Detected".to_string()),
            ("Memory.Hynix.HMA84G.S0".into(), "Removed".into()),
            ("Memory.Hynix.HMA84G.S9".into(), "Detected".into()),
        ]
    );
    let ts = comps[2]["History"][0]["Timestamp"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");

    // By FRU.
    let (_, b) = get(smd.at(&format!("{FRU}/History?fruid=Memory.Hynix.HMA84G.S0"))).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
    assert_eq!(b["Components"][0]["ID"], "Memory.Hynix.HMA84G.S0");
    assert_eq!(b["Components"][0]["History"].as_array().unwrap().len(), 2);
    let (s, b) = get(smd.at(&format!("{FRU}/History/Memory.Hynix.HMA84G.S9"))).await;
    assert_eq!(s, 200);
    assert_eq!(b["ID"], "Memory.Hynix.HMA84G.S9");
    assert_eq!(b["History"][0]["ID"], "x1c0s0b0n0d0");

    // Filters.
    let (_, b) = get(smd.at(&format!("{HW}/History?eventtype=removed"))).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 1);
    let (_, b) = get(smd.at(&format!("{HW}/History?id=x1c0s0b0n1d0"))).await;
    assert_eq!(b["Components"][0]["ID"], "x1c0s0b0n1d0");
    let (_, b) = get(smd.at(&format!("{HW}/History/x1c0s0b0n0d0?eventtype=Detected"))).await;
    assert_eq!(b["History"].as_array().unwrap().len(), 2);
    let (_, b) = get(smd.at(&format!(
        "{HW}/History/x1c0s0b0n0d0?endtime=2000-01-01T00:00:00Z"
    )))
    .await;
    assert_eq!(b, json!({"ID": "x1c0s0b0n0d0", "History": []}));
    let (_, b) = get(smd.at(&format!(
        "{HW}/History/x1c0s0b0n0d0?starttime=2000-01-01T00:00:00Z"
    )))
    .await;
    assert_eq!(b["History"].as_array().unwrap().len(), 3);
    for (path, field) in [
        (format!("{HW}/History?eventtype=Moved"), "'eventtype'"),
        (
            format!("{HW}/History/x1c0s0b0n0d0?starttime=yesterday"),
            "'starttime'",
        ),
        (format!("{FRU}/History?endtime=1"), "'endtime'"),
        (format!("{HW}/History?id=bad"), "'id'"),
        (format!("{HW}/History/bad"), "invalid xname"),
    ] {
        let (s, b) = get(smd.at(&path)).await;
        assert_eq!(s, 400, "{path}");
        assert!(b["detail"].as_str().unwrap().contains(field), "{path}: {b}");
    }

    // Deletes.
    let (s, b) = send(client().delete(smd.at(&format!("{HW}/History/x1c0s0b0n0d0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 3 entries"}))
    );
    let (s, _) = send(client().delete(smd.at(&format!("{HW}/History/x1c0s0b0n0d0")))).await;
    assert_eq!(s, 404);
    let (s, b) = send(client().delete(smd.at(&format!("{FRU}/History/Node.HPE.N0")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 1 entries"}))
    );
    let (s, _) = send(client().delete(smd.at(&format!("{FRU}/History/Node.HPE.N0")))).await;
    assert_eq!(s, 404);
    let (s, b) = send(client().delete(smd.at(&format!("{HW}/History")))).await;
    assert_eq!(
        (s, b),
        (200, json!({"code": 0, "message": "deleted 2 entries"}))
    );
    let (s, _) = send(client().delete(smd.at(&format!("{HW}/History")))).await;
    assert_eq!(s, 404);
    // As OpenCHAMI, whose router takes it for a FRU-ID delete (S30).
    let (s, b) = send(client().delete(smd.at(&format!("{FRU}/History")))).await;
    assert_eq!((s, b["detail"].as_str()), (404, Some("no such FRU ID.")));
}

/// magellan's payload for one BMC with one node: 2 CPUs, 2 DIMMs, a NIC.
fn magellan(dimm1_serial: &str, with_dimm1: bool) -> Value {
    let h = "https://172.16.0.104:443";
    let mut memory = vec![
        json!({"uri": format!("{h}/redfish/v1/Systems/1/Memory/DIMM0"), "name": "DIMM0",
        "device_type": "DDR4", "capacity_mib": 32768, "speed_mhz": 3200,
        "manufacturer": "Samsung", "part_number": "M393A4K40", "serial": "D0"}),
    ];
    if with_dimm1 {
        memory.push(
            json!({"uri": format!("{h}/redfish/v1/Systems/1/Memory/DIMM1"), "name": "DIMM1",
            "device_type": "DDR4", "capacity_mib": 32768, "speed_mhz": 3200,
            "manufacturer": "Samsung", "part_number": "M393A4K40", "serial": dimm1_serial}),
        );
    }
    json!({
        "ID": "x1000c1s7b0", "FQDN": "172.16.0.104", "User": "admin", "MACRequired": true,
        "SchemaVersion": 1,
        "Systems": [{
            "uri": format!("{h}/redfish/v1/Systems/1"), "uuid": "u-1", "name": "Node1",
            "manufacturer": "HPE", "system_type": "Physical", "model": "ProLiant", "serial": "SN1",
            "bios_version": "U30", "processor_count": 2, "processor_type": "EPYC", "memory_total": 64,
            "ethernet_interfaces": [{"uri": format!("{h}/redfish/v1/Systems/1/EthernetInterfaces/1"),
                "mac": "ec:e7:a7:05:a1:00", "ip": "172.16.0.11", "name": "1", "description": "eth", "enabled": true}],
            "network_interfaces": [{"uri": format!("{h}/redfish/v1/Systems/1/NetworkInterfaces/1"),
                "name": "NIC", "description": "",
                "adapter": {"uri": format!("{h}/redfish/v1/Chassis/1/NetworkAdapters/1"),
                    "manufacturer": "Mellanox", "name": "CX6", "model": "MCX653", "serial": "MT1", "description": ""}}],
            "processors": [
                {"uri": format!("{h}/redfish/v1/Systems/1/Processors/CPU0"), "socket": "P0",
                 "manufacturer": "AMD", "model": "EPYC 7763", "architecture": "x86", "cores": 64, "threads": 128, "max_speed_mhz": 3500},
                {"uri": format!("{h}/redfish/v1/Systems/1/Processors/CPU1"), "socket": "P1",
                 "manufacturer": "AMD", "model": "EPYC 7763", "architecture": "x86", "cores": 64, "threads": 128, "max_speed_mhz": 3500}
            ],
            "memory": memory,
            "links": {"chassis": ["/redfish/v1/Chassis/1"], "managers": ["/redfish/v1/Managers/1"]}
        }],
        "Managers": [{"uri": format!("{h}/redfish/v1/Managers/1"), "uuid": "m-1", "name": "Manager",
            "description": "BMC", "model": "iLO 5", "type": "BMC", "firmware_version": "2.44",
            "ethernet_interfaces": []}]
    })
}

fn events(h: &Value) -> Vec<(String, String)> {
    h["History"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["FRUID"].as_str().unwrap().into(),
                e["EventType"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn magellan_inventory_lands_in_hardware_with_history() {
    let smd = spawn_smd().await;
    let (s, b) = send(client().post(smd.at(RFEP)).json(&magellan("D1", true))).await;
    assert_eq!(s, 201, "{b}");

    let (s, b) = get(smd.at(&format!("{HW}/Query/x1000c1s7b0"))).await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b["NodeBMCs"]), ["x1000c1s7b0"]);
    let node = &b["Nodes"][0];
    assert_eq!(node["ID"], "x1000c1s7b0n0");
    assert_eq!(node["PopulatedFRU"]["FRUID"], "Node.HPE.SN1");
    assert_eq!(node["NodeLocationInfo"]["ProcessorSummary"]["Count"], 2);
    assert_eq!(
        ids(&node["Processors"]),
        ["x1000c1s7b0n0p0", "x1000c1s7b0n0p1"]
    );
    assert_eq!(
        node["Processors"][1]["ProcessorLocationInfo"]["Socket"],
        "P1"
    );
    assert_eq!(
        node["Processors"][1]["PopulatedFRU"]["ProcessorFRUInfo"]["TotalCores"],
        64
    );
    assert_eq!(ids(&node["Memory"]), ["x1000c1s7b0n0d0", "x1000c1s7b0n0d1"]);
    assert_eq!(
        node["Memory"][1]["PopulatedFRU"]["FRUID"],
        "Memory.Samsung.M393A4K40.D1"
    );
    assert_eq!(node["Memory"][1]["MemoryLocationInfo"]["Id"], "DIMM1");
    assert_eq!(ids(&node["NodeHsnNics"]), ["x1000c1s7b0n0h0"]);
    assert_eq!(
        node["NodeHsnNics"][0]["PopulatedFRU"]["FRUID"],
        "NodeHsnNic.Mellanox.MT1"
    );
    let (_, b) = get(smd.at(&format!("{HW}/History"))).await;
    assert_eq!(b["Components"].as_array().unwrap().len(), 7);
    assert!(b["Components"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["History"][0]["EventType"] == "Detected"));

    // magellan --force-update with the same inventory: no new events.
    let put = |body: Value| {
        client()
            .put(smd.at(&format!("{RFEP}/x1000c1s7b0")))
            .json(&body)
    };
    let (s, _) = send(put(magellan("D1", true))).await;
    assert_eq!(s, 200);
    let (_, h) = get(smd.at(&format!("{HW}/History/x1000c1s7b0n0d1"))).await;
    assert_eq!(
        events(&h),
        [(
            "Memory.Samsung.M393A4K40.D1".to_string(),
            "Detected".to_string()
        )]
    );

    // A different DIMM in slot 1: the old one Removed, the new one Detected.
    let (s, _) = send(put(magellan("D1-NEW", true))).await;
    assert_eq!(s, 200);
    let (_, h) = get(smd.at(&format!("{HW}/History/x1000c1s7b0n0d1"))).await;
    assert_eq!(
        events(&h),
        [
            (
                "Memory.Samsung.M393A4K40.D1".to_string(),
                "Detected".to_string()
            ),
            ("Memory.Samsung.M393A4K40.D1".into(), "Removed".into()),
            ("Memory.Samsung.M393A4K40.D1NEW".into(), "Detected".into()),
        ]
    );
    let (_, h) = get(smd.at(&format!("{FRU}/History/Memory.Samsung.M393A4K40.D1"))).await;
    assert_eq!(h["History"].as_array().unwrap().len(), 2);
    // The old DIMM is still a known FRU, just not located anywhere.
    let (s, _) = get(smd.at(&format!("{FRU}/Memory.Samsung.M393A4K40.D1"))).await;
    assert_eq!(s, 200);

    // The DIMM is pulled: its location goes, with a Removed event.
    let (s, _) = send(put(magellan("D1-NEW", false))).await;
    assert_eq!(s, 200);
    let (s, _) = get(smd.at(&format!("{HW}/x1000c1s7b0n0d1"))).await;
    assert_eq!(s, 404);
    let (_, h) = get(smd.at(&format!("{HW}/History/x1000c1s7b0n0d1"))).await;
    assert_eq!(
        events(&h).last().unwrap(),
        &(
            "Memory.Samsung.M393A4K40.D1NEW".to_string(),
            "Removed".to_string()
        )
    );
    let (s, _) = get(smd.at(&format!("{HW}/x1000c1s7b0n0d0"))).await;
    assert_eq!(s, 200);

    // Another BMC whose node claims a MAC already owned by x1000c1s7b0n0:
    // 409, and none of its inventory (hardware included) is written.
    let mut dup = magellan("D2", true);
    dup["ID"] = json!("x1000c1s8b0");
    dup["FQDN"] = json!("172.16.0.105");
    let (s, b) = send(client().post(smd.at(RFEP)).json(&dup)).await;
    assert_eq!(s, 409, "{b}");
    let (_, b) = get(smd.at(&format!("{HW}?id=x1000c1s8b0&children=true"))).await;
    assert_eq!(b, json!([]));
    let (_, b) = get(smd.at(&format!("{HW}/History?id=x1000c1s8b0n0"))).await;
    assert_eq!(b, json!({"Components": []}));
    let (s, _) = get(smd.at(&format!("{FRU}/Memory.Samsung.M393A4K40.D2"))).await;
    assert_eq!(s, 404);
}
