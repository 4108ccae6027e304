//! magellan end to end: the real binary against simulated BMCs (redfish-sim)
//! and a recording fake SMD, all on loopback. Each test owns a 127.77.N.0/24
//! block so tests run in parallel without sharing addresses.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod power;
mod support;
mod sushy;

use std::collections::BTreeSet;

use redfish_sim::{BmcSpec, Fault, Layout, Scheme, Simulator, Spec, SystemSpec};
use serde_json::Value;
use support::{magellan, not_redfish, FakeSmd};

async fn fleet(block: u8, port: u16, bmcs: usize, systems: usize) -> Simulator {
    Simulator::start(&Spec {
        bmcs,
        systems_per_bmc: systems,
        listen: format!("127.77.{block}.1").parse().unwrap(),
        port_base: port,
        ..Spec::default()
    })
    .await
    .unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_finds_only_redfish_services_and_caches_them() {
    let dir = tempfile::tempdir().unwrap();
    let _sim = fleet(1, 18443, 3, 1).await;
    // An ordinary web server on a scanned address is not a BMC.
    not_redfish("127.77.1.9:18443").await;
    let run = magellan(
        dir.path(),
        &[
            "scan",
            "--subnet",
            "127.77.1.0/28",
            "--port",
            "18443",
            "-i",
            "-F",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = json(&run.stdout);
    let hosts: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "https://127.77.1.1",
            "https://127.77.1.2",
            "https://127.77.1.3"
        ]
    );
    assert!(
        run.stderr.contains("3 BMC(s) found among 14 address(es)"),
        "{}",
        run.stderr
    );

    let list = magellan(dir.path(), &["list"]).await;
    assert_eq!(list.code, 0);
    assert_eq!(
        list.stdout.lines().count(),
        4,
        "header + 3 rows:\n{}",
        list.stdout
    );
    assert!(list.stdout.contains("https://127.77.1.2"));
    let yaml = magellan(dir.path(), &["list", "-F", "yaml"]).await;
    assert!(yaml.stdout.contains("port: 18443"), "{}", yaml.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_refuses_self_signed_certificates_without_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let _sim = fleet(2, 18443, 2, 1).await;
    let run = magellan(
        dir.path(),
        &[
            "scan",
            "--subnet",
            "127.77.2.0/29",
            "--port",
            "18443",
            "-F",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0);
    assert_eq!(json(&run.stdout), serde_json::json!([]));
    assert!(run.stderr.contains("use -i"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_plain_http_hosts_and_a_hung_bmc_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(&Spec {
        bmcs: 2,
        listen: "127.77.3.1".parse().unwrap(),
        port_base: 18080,
        scheme: Scheme::Http,
        bmc: vec![
            BmcSpec::default(),
            BmcSpec {
                fault: Some(Fault::Hang),
                ..BmcSpec::default()
            },
        ],
        ..Spec::default()
    })
    .await
    .unwrap();
    let urls = sim.urls();
    // Positional hosts, a closed port among them.
    let run = magellan(
        dir.path(),
        &[
            "scan",
            "--scheme",
            "http",
            "-t",
            "1",
            "-F",
            "json",
            &urls[0],
            &urls[1],
            "127.77.3.1:18081",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = json(&run.stdout);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["host"], "http://127.77.3.1");
    assert_eq!(found[0]["port"], 18080);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_probing_counts_open_ports() {
    let dir = tempfile::tempdir().unwrap();
    not_redfish("127.77.4.1:18443").await;
    let run = magellan(
        dir.path(),
        &[
            "scan",
            "--subnet",
            "127.77.4.0/30",
            "--port",
            "18443",
            "--disable-probing",
            "--disable-cache",
            "-F",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0);
    assert_eq!(json(&run.stdout).as_array().unwrap().len(), 1);
    assert!(
        !dir.path().join("assets.db").exists(),
        "--disable-cache writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_sends_openchami_payload_to_smd_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let sim = fleet(5, 18443, 2, 2).await;
    let smd = FakeSmd::start().await;
    let d = dir.path();
    assert_eq!(
        magellan(
            d,
            &["scan", "--subnet", "127.77.5.0/29", "--port", "18443", "-i"]
        )
        .await
        .code,
        0
    );
    let smd_port = smd.url.rsplit(':').next().unwrap().to_owned();
    // The seed's form: --user/--pass, SMD as --host and --port.
    let args = [
        "collect",
        "--user",
        "admin",
        "--pass",
        "password",
        "-i",
        "--host",
        "http://127.0.0.1",
        "--port",
        &smd_port,
    ];
    let run = magellan(d, &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let eps = smd.endpoints();
    assert_eq!(
        eps.keys().cloned().collect::<Vec<_>>(),
        ["x4073c5s5b1", "x4073c5s5b2"]
    );
    let ep = &eps["x4073c5s5b1"];
    assert_eq!(ep["FQDN"], "127.77.5.1:18443");
    assert_eq!(ep["User"], "admin");
    assert_eq!(ep["SchemaVersion"], 1);
    assert_eq!(
        ep["MACAddr"],
        sim.bmcs()[0].state.plan.manager_mac.to_string()
    );
    let systems = ep["Systems"].as_array().unwrap();
    assert_eq!(systems.len(), 2);
    let macs: BTreeSet<&str> = systems
        .iter()
        .flat_map(|s| s["ethernet_interfaces"].as_array().unwrap())
        .map(|n| n["mac"].as_str().unwrap())
        .collect();
    let want: BTreeSet<String> = sim.bmcs()[0]
        .state
        .plan
        .systems
        .iter()
        .map(|s| s.macs[0].to_string())
        .collect();
    assert_eq!(macs, want.iter().map(String::as_str).collect());
    assert_eq!(systems[0]["processor_count"], 2);
    assert_eq!(systems[0]["memory_total"], 256.0);
    assert_eq!(
        systems[0]["power"]["power_control_ids"],
        serde_json::json!(["0"])
    );
    assert!(systems[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "ForceOff"));
    assert_eq!(
        systems[0]["memory"].as_array().unwrap().len(),
        4,
        "per-DIMM detail"
    );
    assert_eq!(ep["Managers"][0]["type"], "BMC");

    // Again: SMD already has them, so without --force-update that is a failure
    // naming each BMC, and nothing is duplicated.
    let again = magellan(d, &args).await;
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("x4073c5s5b1") && again.stderr.contains("409"),
        "{}",
        again.stderr
    );
    assert_eq!(smd.endpoints().len(), 2);

    // With --force-update the conflict becomes a PUT; still two endpoints.
    let mut forced = args.to_vec();
    forced.push("--force-update");
    let run = magellan(d, &forced).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("0 created, 2 updated"),
        "{}",
        run.stderr
    );
    assert_eq!(smd.endpoints().len(), 2);
    let puts: Vec<String> = smd
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts.contains(&"/hsm/v2/Inventory/RedfishEndpoints/x4073c5s5b2".to_owned()));
    assert_eq!(
        smd.endpoints()["x4073c5s5b1"],
        eps["x4073c5s5b1"],
        "same inventory both times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_reads_collect_output_with_bearer_token() {
    let dir = tempfile::tempdir().unwrap();
    let sim = fleet(6, 18443, 1, 1).await;
    let smd = FakeSmd::start().await;
    let d = dir.path();
    let out = d.join("inv.json");
    let run = magellan(
        d,
        &[
            "collect",
            &sim.urls()[0],
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let data = format!("@{}", out.display());
    let run = magellan(
        d,
        &["send", &smd.url, "-d", &data, "--access-token", "tok123"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = smd.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].authorization.as_deref(), Some("Bearer tok123"));
    assert_eq!(reqs[0].body["ID"], "x4073c5s6b1");
    let run = magellan(d, &["send", &smd.url, "-d", &data, "--force-update"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(smd.endpoints().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_bmcs_are_reported_and_the_rest_collected() {
    let dir = tempfile::tempdir().unwrap();
    let fault = |f| BmcSpec {
        fault: Some(f),
        ..BmcSpec::default()
    };
    let sim = Simulator::start(&Spec {
        bmcs: 5,
        listen: "127.77.7.1".parse().unwrap(),
        port_base: 18443,
        bmc: vec![
            BmcSpec::default(),
            fault(Fault::Hang),
            fault(Fault::InternalError),
            fault(Fault::MalformedJson),
            BmcSpec {
                password: Some("secret".into()),
                ..BmcSpec::default()
            },
        ],
        ..Spec::default()
    })
    .await
    .unwrap();
    let urls = sim.urls();
    let mut args = vec![
        "collect", "-u", "admin", "-p", "password", "-i", "-t", "1", "-l", "error",
    ];
    args.extend(urls.iter().map(String::as_str));
    let run = magellan(dir.path(), &args).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = json(&run.stdout);
    assert_eq!(out.as_array().unwrap().len(), 1);
    assert_eq!(out[0]["FQDN"], "127.77.7.1:18443");
    assert!(run.stderr.contains("4 failure(s)"), "{}", run.stderr);
    for (url, why) in [
        (&urls[1], "timed out"),
        (&urls[2], "HTTP 500"),
        (&urls[3], "malformed JSON"),
        (&urls[4], "wrong credentials"),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(url.as_str()))
            .unwrap_or_else(|| panic!("{url} not named:\n{}", run.stderr));
        assert!(line.contains(why), "{url}: expected '{why}' in '{line}'");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_resets_nodes_and_runs_the_hook() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let marker = d.join("vm-running");
    let sim = Simulator::start(&Spec {
        bmcs: 1,
        listen: "127.77.8.1".parse().unwrap(),
        port_base: 18443,
        bmc: vec![BmcSpec {
            systems: Some(vec![SystemSpec {
                on_reset: [
                    (
                        "On".to_owned(),
                        format!("echo $REDFISH_SIM_MAC > {}", marker.display()),
                    ),
                    ("ForceOff".to_owned(), format!("rm -f {}", marker.display())),
                ]
                .into(),
                ..SystemSpec::default()
            }]),
            ..BmcSpec::default()
        }],
        ..Spec::default()
    })
    .await
    .unwrap();
    let inv = d.join("inv.json");
    let inv_s = inv.to_str().unwrap();
    let run = magellan(
        d,
        &[
            "collect",
            &sim.urls()[0],
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
            "-o",
            inv_s,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sim.power_state(0, 0), Some("Off"));

    let list = magellan(d, &["power", "x4073c5s8b1n0", "-f", inv_s, "-l"]).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.starts_with("x4073c5s8b1n0\tOn,ForceOff,"),
        "{}",
        list.stdout
    );

    let on = magellan(
        d,
        &[
            "power",
            "x4073c5s8b1n0",
            "-f",
            inv_s,
            "-r",
            "On",
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
        ],
    )
    .await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert_eq!(on.stdout.trim(), "x4073c5s8b1n0: On");
    assert_eq!(sim.power_state(0, 0), Some("On"));
    // The hook runs in the background; wait for its line, bounded (the
    // shell creates the file before it writes to it).
    let mut mac = String::new();
    for _ in 0..100 {
        mac = std::fs::read_to_string(&marker).unwrap_or_default();
        if mac.ends_with('\n') {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        mac.trim(),
        sim.bmcs()[0].state.plan.systems[0].macs[0].to_string()
    );

    let bad = magellan(
        d,
        &[
            "power",
            "x4073c5s8b1n0",
            "-f",
            inv_s,
            "-r",
            "Explode",
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
        ],
    )
    .await;
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("Explode is not allowed"),
        "{}",
        bad.stderr
    );
    let off = magellan(
        d,
        &[
            "power",
            "x4073c5s8b1",
            "-f",
            inv_s,
            "-r",
            "ForceOff",
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
        ],
    )
    .await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(sim.power_state(0, 0), Some("Off"));
    let unknown = magellan(d, &["power", "x1c0s0b0n0", "-f", inv_s, "-r", "On"]).await;
    assert_eq!(unknown.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_from_map_and_distinct_ids_for_bmcs_sharing_an_ip() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(&Spec {
        bmcs: 3,
        listen: "127.77.9.1".parse().unwrap(),
        port_base: 0,
        layout: Layout::Ports,
        ..Spec::default()
    })
    .await
    .unwrap();
    let mut args = vec!["collect", "-u", "admin", "-p", "password", "-i"];
    let urls = sim.urls();
    args.extend(urls.iter().map(String::as_str));
    let run = magellan(dir.path(), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids: BTreeSet<String> = json(&run.stdout)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ID"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");

    let map = format!(
        r#"{{"map_key":"bmc-ip-addr","id_map":{{"{}":"x1000c1s7b0"}}}}"#,
        urls[1].trim_start_matches("https://")
    );
    let run = magellan(
        dir.path(),
        &[
            "collect", "-u", "admin", "-p", "password", "-i", "-m", &map, &urls[1],
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run.stdout)[0]["ID"], "x1000c1s7b0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nics_listed_only_under_the_manager_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(&Spec {
        bmcs: 1,
        listen: "127.77.10.1".parse().unwrap(),
        port_base: 18443,
        bmc: vec![BmcSpec {
            nics_under_manager: true,
            ..BmcSpec::default()
        }],
        ..Spec::default()
    })
    .await
    .unwrap();
    let run = magellan(
        dir.path(),
        &[
            "crawl",
            &sim.urls()[0],
            "-u",
            "admin",
            "-p",
            "password",
            "-i",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inv = json(&run.stdout);
    let nics = inv["Systems"][0]["ethernet_interfaces"].as_array().unwrap();
    assert_eq!(nics.len(), 1);
    assert_eq!(
        nics[0]["mac"],
        sim.bmcs()[0].state.plan.systems[0].macs[0].to_string()
    );
    assert_eq!(
        inv["MACAddr"],
        sim.bmcs()[0].state.plan.manager_mac.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cacert_verifies_the_simulator_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let sim = fleet(11, 18443, 1, 1).await;
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.cert_pem()).unwrap();
    let run = magellan(
        dir.path(),
        &[
            "crawl",
            &sim.urls()[0],
            "-u",
            "admin",
            "-p",
            "password",
            "--cacert",
            ca.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = magellan(
        dir.path(),
        &["crawl", &sim.urls()[0], "-u", "admin", "-p", "password"],
    )
    .await;
    assert_eq!(run.code, 1, "no -i, no --cacert: certificate refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["scan"][..],
        &["scan", "--subnet", "10.0.0.0/40"],
        &["scan", "-j", "0", "127.0.0.1"],
        &["collect", "-u", "a", "-p", "b"],
        &["collect", "-m", "{bad", "https://127.0.0.1"],
        &["frobnicate"],
        &["list"],
    ] {
        let run = magellan(d, args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magellan_sh_runs_scan_then_collect() {
    let dir = tempfile::tempdir().unwrap();
    let _sim = fleet(12, 18443, 2, 1).await;
    let smd = FakeSmd::start().await;
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_magellan"))
        .parent()
        .unwrap()
        .to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/magellan.sh");
    let (host, port) = smd.url.rsplit_once(':').unwrap();
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg("--scan")
        // The seed's arguments verbatim (no -i): MAGELLAN_INSECURE stands in
        // for the seed era's unverified TLS.
        .arg("--subnet 127.77.12.0 --port 18443 --timeout 3")
        .arg("--collect")
        .arg(format!(
            "--user admin --pass password --host {host} --port {port}"
        ))
        .env("MAGELLAN_INSECURE", "true")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("MAGELLAN_CACHE", dir.path().join("assets.db"))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(smd.endpoints().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_file_and_per_bmc_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sim = Simulator::start(&Spec {
        bmcs: 2,
        listen: "127.77.13.1".parse().unwrap(),
        port_base: 18443,
        bmc: vec![
            BmcSpec::default(),
            BmcSpec {
                username: Some("root".into()),
                password: Some("calvin".into()),
                ..BmcSpec::default()
            },
        ],
        ..Spec::default()
    })
    .await
    .unwrap();
    let secrets = d.join("secrets.yaml");
    std::fs::write(
        &secrets,
        "default: {username: admin, password: password}\n127.77.13.2: {username: root, password: calvin}\n",
    )
    .unwrap();
    let out_dir = d.join("out");
    let urls = sim.urls();
    let run = magellan(
        d,
        &[
            "collect",
            "-i",
            "--secrets-file",
            secrets.to_str().unwrap(),
            "-O",
            out_dir.to_str().unwrap(),
            &urls[0],
            &urls[1],
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (id, user) in [("x4073c5s13b1", "admin"), ("x4073c5s13b2", "root")] {
        let files: Vec<_> = std::fs::read_dir(out_dir.join(id)).unwrap().collect();
        assert_eq!(files.len(), 1);
        let path = files[0].as_ref().unwrap().path();
        let ep = json(&std::fs::read_to_string(path).unwrap());
        assert_eq!(ep["ID"], id, "each file holds its own BMC only");
        assert_eq!(ep["User"], user);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_vendor_payloads_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let s = |v: serde_json::Value| v;
    let docs: std::collections::BTreeMap<String, Value> = [
        // No Chassis link, no session service.
        ("/redfish/v1", s(serde_json::json!({"Systems": {"@odata.id": "/redfish/v1/Systems"}}))),
        (
            "/redfish/v1/Systems",
            s(serde_json::json!({"Members": [{"@odata.id": "/redfish/v1/Systems/1"}, "junk", {"nope": 1}]})),
        ),
        (
            "/redfish/v1/Systems/1",
            s(serde_json::json!({
                "UUID": 42,
                "Name": null,
                "ProcessorSummary": {"Count": "two"},
                "MemorySummary": null,
                "EthernetInterfaces": {"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces"},
                "Processors": "not a link",
                "Links": {"Chassis": [{"@odata.id": "/redfish/v1/Chassis/gone"}], "ManagedBy": "x"},
                "Actions": {"#ComputerSystem.Reset": {"ResetType@Redfish.AllowableValues": ["On", 7]}},
            })),
        ),
        (
            "/redfish/v1/Systems/1/EthernetInterfaces",
            s(serde_json::json!({"Members": [{"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces/a"}, {"@odata.id": "/redfish/v1/Systems/1/EthernetInterfaces/missing"}]})),
        ),
        (
            "/redfish/v1/Systems/1/EthernetInterfaces/a",
            s(serde_json::json!({"MACAddress": "AA-BB-CC-DD-EE-FF", "IPv4Addresses": [{"Address": "0.0.0.0"}, {"Address": 5}]})),
        ),
        ("/redfish/v1/Managers", s(serde_json::json!({"Members": [{"@odata.id": "/redfish/v1/Managers/gone"}]}))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let url = support::static_redfish(docs).await;
    let run = magellan(dir.path(), &["crawl", &url, "-u", "a", "-p", "b"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inv = json(&run.stdout);
    let sys = &inv["Systems"][0];
    assert_eq!(sys["uuid"], "");
    assert_eq!(sys["processor_count"], 0);
    assert_eq!(sys["actions"], serde_json::json!(["On"]));
    assert_eq!(sys["ethernet_interfaces"].as_array().unwrap().len(), 1);
    assert_eq!(sys["ethernet_interfaces"][0]["mac"], "aa:bb:cc:dd:ee:ff");
    assert_eq!(sys["ethernet_interfaces"][0]["ip"], "");
    assert_eq!(inv["Managers"], serde_json::json!([]));
    assert!(
        run.stderr.contains("skipped"),
        "the skips are logged:\n{}",
        run.stderr
    );
}
