//! `magellan power` against a real smd (throwaway PostgreSQL, testkit) and 16
//! simulated HTTPS BMCs on 127.0.0.1 ports: BMCs are found in SMD, targets
//! are hostlists, groups and partitions, stubborn nodes are retried until
//! they converge, and SMD's State follows.

use std::path::Path;

use ochami_testkit::{spawn_smd, spawn_smd_with, TestServer};
use redfish_sim::{BmcSpec, Layout, Simulator, Spec, SystemSpec};
use serde_json::{json, Value};

use crate::support::{magellan, Run};

/// BMC index 6 (`x1000c1s7b0`) has six nodes; the others one each.
const BIG: usize = 6;
const BMCS: usize = 16;
const USER: &str = "root";
const PASS: &str = "s3cret";

/// Every node of the fleet, as `hostlist::fold` writes it.
const ALL: &str = "x1000c1s[1-6,8-16]b0n0,x1000c1s7b0n[0-5]";

fn bmc_xname(i: usize) -> String {
    format!("x1000c1s{}b0", i + 1)
}

struct Lab {
    sim: Simulator,
    smd: TestServer,
    dir: tempfile::TempDir,
}

/// How the fleet starts: (BMC index, system index) that are on, and that are
/// stubborn (ignore their first `n` resets).
#[derive(Default)]
struct Setup {
    on: Vec<(usize, usize)>,
    stubborn: Vec<(usize, usize, u32)>,
    transition_ms: u64,
    hide_passwords: bool,
}

fn spec(setup: &Setup, mac_prefix: &str, bmcs: usize) -> Spec {
    let bmc = (0..bmcs)
        .map(|i| {
            let systems = if i == BIG { 6 } else { 1 };
            BmcSpec {
                systems: Some(
                    (0..systems)
                        .map(|j| SystemSpec {
                            power_state: setup.on.contains(&(i, j)).then(|| "On".to_owned()),
                            stubborn: setup
                                .stubborn
                                .iter()
                                .find(|(b, s, _)| (*b, *s) == (i, j))
                                .map_or(0, |(_, _, n)| *n),
                            ..SystemSpec::default()
                        })
                        .collect(),
                ),
                ..BmcSpec::default()
            }
        })
        .collect();
    Spec {
        bmcs,
        listen: "127.0.0.1".parse().unwrap(),
        port_base: 0,
        layout: Layout::Ports,
        mac_prefix: mac_prefix.into(),
        username: USER.into(),
        password: PASS.into(),
        power_transition_ms: setup.transition_ms,
        bmc,
        ..Spec::default()
    }
}

/// `magellan collect` of `sim` into `smd`, BMC i named `x1000c1s{first+i+1}b0`.
async fn collect_into(dir: &Path, sim: &Simulator, smd: &str, first: usize) -> Run {
    let map: serde_json::Map<String, Value> = sim
        .bmcs()
        .iter()
        .enumerate()
        .map(|(i, b)| (b.address.to_string(), json!(bmc_xname(first + i))))
        .collect();
    let map_file = dir.join(format!("map{first}.json"));
    std::fs::write(
        &map_file,
        json!({"map_key": "bmc-ip-addr", "id_map": map}).to_string(),
    )
    .unwrap();
    let map_arg = format!("@{}", map_file.display());
    let urls = sim.urls();
    let mut args: Vec<&str> = vec!["collect"];
    args.extend(urls.iter().map(String::as_str));
    args.extend(["-u", USER, "-p", PASS, "-i", "-m", &map_arg, "--host", smd]);
    magellan(dir, &args).await
}

async fn lab(setup: Setup) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(&spec(&setup, "52:54:00", BMCS))
        .await
        .unwrap();
    let hide = setup.hide_passwords;
    let smd = spawn_smd_with(|c| c.hide_passwords = hide).await;
    let run = collect_into(dir.path(), &sim, &smd.url, 0).await;
    assert_eq!(run.code, 0, "collect into SMD: {}", run.stderr);
    Lab { sim, smd, dir }
}

/// `magellan power ARGS` with SMD at `smd`.
async fn power(dir: &Path, smd: &TestServer, args: &[&str]) -> Run {
    let mut all = vec!["power"];
    all.extend_from_slice(args);
    all.extend(["--smd-url", &smd.url, "-i"]);
    magellan(dir, &all).await
}

/// Store the BMC passwords in SMD, as an operator (or smd's own discovery)
/// does; magellan's collect never sends them.
async fn store_passwords(smd: &TestServer) {
    let c = reqwest::Client::new();
    for i in 0..BMCS {
        let r = c
            .patch(smd.at(&format!(
                "/hsm/v2/Inventory/RedfishEndpoints/{}",
                bmc_xname(i)
            )))
            .json(&json!({"User": USER, "Password": PASS}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "PATCH password: {}", r.status());
    }
}

impl Lab {
    async fn power(&self, args: &[&str]) -> Run {
        power(self.dir.path(), &self.smd, args).await
    }

    async fn store_passwords(&self) {
        store_passwords(&self.smd).await
    }

    /// SMD's State of a component.
    async fn smd_state(&self, xname: &str) -> String {
        let v: Value = reqwest::get(self.smd.at(&format!("/hsm/v2/State/Components/{xname}")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["State"].as_str().unwrap_or_default().to_owned()
    }

    /// Simulator power state of every node, by xname.
    fn sim_states(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for (i, b) in self.sim.bmcs().iter().enumerate() {
            for j in 0..b.state.plan.systems.len() {
                out.push((
                    format!("{}n{j}", bmc_xname(i)),
                    self.sim.power_state(i, j).unwrap(),
                ));
            }
        }
        out
    }
}

/// Fast convergence settings (the defaults are for real hardware).
const FAST: [&str; 8] = [
    "--poll-interval",
    "0.1",
    "--retry-after",
    "0.5",
    "--graceful-timeout",
    "0.5",
    "-t",
    "60",
];

fn with_fast<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(FAST);
    v
}

fn summary(on: &str, off: &str, unknown: &str) -> String {
    format!("on:      {on}\noff:     {off}\nunknown: {unknown}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_range_prints_pm_q_lines() {
    let lab = lab(Setup {
        on: vec![(BIG, 0), (BIG, 1), (BIG, 2), (0, 0)],
        ..Setup::default()
    })
    .await;
    lab.store_passwords().await;
    let run = lab
        .power(&["-q", "x1000c1s7b0n[0-5]", "x1000c1s[1-3]b0n0"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        summary(
            "x1000c1s1b0n0,x1000c1s7b0n[0-2]",
            "x1000c1s[2-3]b0n0,x1000c1s7b0n[3-5]",
            ""
        )
    );
    // The verb form and JSON for scripts say the same.
    let run = lab.power(&["status", "x1000c1s7b0", "-F", "json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["on"], "x1000c1s7b0n[0-2]");
    assert_eq!(doc["off"], "x1000c1s7b0n[3-5]");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 6);
    assert_eq!(doc["nodes"][0]["xname"], "x1000c1s7b0n0");
    assert_eq!(doc["nodes"][0]["state"], "On");
    // A query changes nothing.
    assert_eq!(lab.sim.resets(BIG, 0), Some(0));

    // Bad targets are clear usage errors.
    let run = lab.power(&["-q", "x1000c1s[1-3"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a hostlist"), "{}", run.stderr);
    let run = lab.power(&["-q", "x1000c1s[40-41]b0n0"]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("x1000c1s[40-41]b0n0"),
        "unknown nodes are named: {}",
        run.stderr
    );
    let run = lab.power(&["x1000c1s1b0n0"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("say what to do"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_then_on_retries_stubborn_nodes_and_smd_state_follows() {
    let every: Vec<(usize, usize)> = (0..BMCS)
        .flat_map(|i| (0..if i == BIG { 6 } else { 1 }).map(move |j| (i, j)))
        .collect();
    let lab = lab(Setup {
        on: every.clone(),
        stubborn: vec![(2, 0, 4), (BIG, 4, 4)],
        transition_ms: 200,
        ..Setup::default()
    })
    .await;
    lab.store_passwords().await;

    // Without retries the two stubborn nodes stay on: exit 1, named.
    let run = lab.power(&with_fast(&["off", ALL, "--retries", "0"])).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        summary(
            "x1000c1s3b0n0,x1000c1s7b0n4",
            "x1000c1s[1-2,4-6,8-16]b0n0,x1000c1s7b0n[0-3,5]",
            ""
        )
    );
    assert!(
        run.stderr.contains("x1000c1s3b0n0: On (wanted Off)"),
        "{}",
        run.stderr
    );
    // Graceful, then forced: both ignored, and no retry allowed.
    assert_eq!(lab.sim.resets(2, 0), Some(2));
    assert_eq!(lab.smd_state("x1000c1s1b0n0").await, "Off");
    assert_ne!(lab.smd_state("x1000c1s3b0n0").await, "Off");

    // With retries (3 by default) they converge: graceful and forced are
    // ignored again, the first retry acts.
    let sessions = lab.sim.sessions_created(BIG);
    let run = lab.power(&with_fast(&["-0", ALL])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, summary("", ALL_FOLDED, ""));
    assert_eq!(lab.sim.resets(2, 0), Some(5));
    assert_eq!(lab.sim.resets(BIG, 4), Some(5));
    assert_eq!(
        lab.sim.sessions_created(BIG),
        sessions + 1,
        "one session for the BMC's six nodes, all through the run"
    );
    assert!(lab.sim_states().iter().all(|(_, s)| *s == "Off"));
    for (x, _) in lab.sim_states() {
        assert_eq!(lab.smd_state(&x).await, "Off", "{x}");
    }

    let run = lab.power(&with_fast(&["on", ALL])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, summary(ALL_FOLDED, "", ""));
    assert!(lab.sim_states().iter().all(|(_, s)| *s == "On"));
    for (x, _) in lab.sim_states() {
        assert_eq!(lab.smd_state(&x).await, "On", "{x}");
    }
    // Sessions are logged out at the end.
    assert_eq!(lab.sim.open_sessions(BIG), 0);
}

/// The summary's spelling of [`ALL`] (the same).
const ALL_FOLDED: &str = ALL;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_bmc_ends_unknown_with_a_non_zero_exit() {
    let lab = lab(Setup::default()).await;
    lab.store_passwords().await;
    // A 17th BMC known to SMD, then gone: its port refuses connections.
    {
        let gone = Simulator::start(&spec(&Setup::default(), "52:54:01", 1))
            .await
            .unwrap();
        let run = collect_into(lab.dir.path(), &gone, &lab.smd.url, BMCS).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let run = lab
        .power(&with_fast(&[
            "on",
            "x1000c1s[1-17]b0n0",
            "-u",
            USER,
            "-p",
            PASS,
        ]))
        .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        summary("x1000c1s[1-16]b0n0", "", "x1000c1s17b0n0")
    );
    assert!(
        run.stderr.contains("x1000c1s17b0n0: Unknown (wanted On)"),
        "{}",
        run.stderr
    );
    assert_eq!(lab.smd_state("x1000c1s1b0n0").await, "On");
    let run = lab.power(&["-q", "x1000c1s17b0n0"]).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, summary("", "", "x1000c1s17b0n0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_by_group_partition_and_all() {
    let lab = lab(Setup::default()).await;
    lab.store_passwords().await;
    let c = reqwest::Client::new();
    let r = c
        .post(lab.smd.at("/hsm/v2/groups"))
        .json(&json!({"label": "compute", "members": {"ids": ["x1000c1s1b0n0", "x1000c1s2b0n0", "x1000c1s3b0n0"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .post(lab.smd.at("/hsm/v2/partitions"))
        .json(&json!({"name": "p1", "members": {"ids": (0..6).map(|k| format!("x1000c1s7b0n{k}")).collect::<Vec<_>>()}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let run = lab.power(&with_fast(&["on", "--group", "compute"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, summary("x1000c1s[1-3]b0n0", "", ""));
    let run = lab.power(&with_fast(&["-1", "--partition", "p1"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, summary("x1000c1s7b0n[0-5]", "", ""));
    let run = lab.power(&["-q", "--all"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        summary(
            "x1000c1s[1-3]b0n0,x1000c1s7b0n[0-5]",
            "x1000c1s[4-6,8-16]b0n0",
            ""
        )
    );
    let run = lab.power(&["-q", "--group", "nosuch"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("group nosuch"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_smd_or_from_the_secrets_file() {
    // SMD that returns passwords: they are used, no flags needed.
    let lab = lab(Setup::default()).await;
    let run = lab.power(&["-q", "x1000c1s[1-2]b0n0"]).await;
    assert_eq!(run.code, 1, "collect stores no password: {}", run.stdout);
    assert!(run.stderr.contains("wrong credentials"), "{}", run.stderr);
    lab.store_passwords().await;
    let run = lab.power(&["-q", "x1000c1s[1-2]b0n0"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, summary("", "x1000c1s[1-2]b0n0", ""));

    // SMD_HIDE_PASSWORDS: passwords come back empty; the secrets file (by
    // BMC xname, or its default entry) fills in.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hidden = spawn_smd_with(|c| c.hide_passwords = true).await;
    let run = collect_into(d, &lab.sim, &hidden.url, 0).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    store_passwords(&hidden).await;
    let run = power(d, &hidden, &["-q", "x1000c1s[1-2]b0n0"]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.stdout, summary("", "", "x1000c1s[1-2]b0n0"));
    assert!(run.stderr.contains("wrong credentials"), "{}", run.stderr);
    let secrets = d.join("secrets.json");
    std::fs::write(
        &secrets,
        json!({
            "x1000c1s1b0": {"username": USER, "password": PASS},
            "default": {"username": USER, "password": "wrong"},
        })
        .to_string(),
    )
    .unwrap();
    let s = secrets.to_str().unwrap();
    let run = power(
        d,
        &hidden,
        &["-q", "x1000c1s[1-2]b0n0", "--secrets-file", s],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        summary("", "x1000c1s1b0n0", "x1000c1s2b0n0"),
        "the xname entry wins, the default is wrong"
    );
    let run = power(
        d,
        &hidden,
        &["-q", "x1000c1s[1-2]b0n0", "-u", USER, "-p", PASS],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_query_off_on_in_order() {
    // pm -q cg[01-06]; pm -0 cg[01-06]; (wait); pm -1 cg[01-06] — with two
    // stubborn nodes, which the operator had to `pm -1` again by hand.
    let lab = lab(Setup {
        on: vec![(0, 0), (1, 0), (2, 0), (3, 0)],
        stubborn: vec![(1, 0, 1), (4, 0, 2)],
        transition_ms: 200,
        ..Setup::default()
    })
    .await;
    lab.store_passwords().await;
    let nodes = "x1000c1s[1-6]b0n0";
    let q = lab.power(&["-q", nodes]).await;
    assert_eq!(q.code, 0, "{}", q.stderr);
    assert_eq!(
        q.stdout,
        summary("x1000c1s[1-4]b0n0", "x1000c1s[5-6]b0n0", "")
    );
    let off = lab.power(&with_fast(&["-0", nodes])).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(off.stdout, summary("", nodes, ""));
    let on = lab.power(&with_fast(&["-1", nodes])).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert_eq!(on.stdout, summary(nodes, "", ""));
    // The stubborn one needed three requests: two ignored, one acted.
    assert_eq!(lab.sim.resets(4, 0), Some(3));
    for i in 0..6 {
        assert_eq!(lab.smd_state(&format!("x1000c1s{}b0n0", i + 1)).await, "On");
    }
    let q = lab.power(&["-q", nodes]).await;
    assert_eq!(q.stdout, summary(nodes, "", ""));
}

/// The nodes a `-q` summary names, expanded.
fn named_nodes(summary: &str) -> Vec<String> {
    let mut out: Vec<String> = summary
        .lines()
        .filter_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .filter(|v| !v.is_empty())
        .flat_map(|v| magellan::hostlist::expand(v).unwrap())
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smd_and_power_name_uuid_less_and_duplicate_uuid_systems_alike() {
    // One BMC, five systems: two without a UUID, two sharing one (in
    // different case), one ordinary. SMD makes four nodes of them.
    let dir = tempfile::tempdir().unwrap();
    let uuids = [
        Some(""),
        Some(""),
        Some("5E1F0000-DUPE"),
        Some("5e1f0000-dupe "),
        None,
    ];
    let mut spec = spec(&Setup::default(), "52:54:01", 1);
    spec.bmc = vec![BmcSpec {
        systems: Some(
            uuids
                .iter()
                .map(|u| SystemSpec {
                    uuid: u.map(str::to_owned),
                    ..SystemSpec::default()
                })
                .collect(),
        ),
        ..BmcSpec::default()
    }];
    let sim = Simulator::start(&spec).await.unwrap();
    let smd = spawn_smd().await;
    let run = collect_into(dir.path(), &sim, &smd.url, 0).await;
    assert_eq!(run.code, 0, "collect into SMD: {}", run.stderr);
    let inv = dir.path().join("inv.json");
    let mut args = vec!["collect"];
    let urls = sim.urls();
    args.extend(urls.iter().map(String::as_str));
    let map = format!("@{}", dir.path().join("map0.json").display());
    args.extend(["-u", USER, "-p", PASS, "-i", "-m", &map, "-o"]);
    args.push(inv.to_str().unwrap());
    let run = magellan(dir.path(), &args).await;
    assert_eq!(run.code, 0, "collect to a file: {}", run.stderr);

    let comps: Value = reqwest::get(smd.at("/hsm/v2/State/Components?type=Node"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut in_smd: Vec<String> = comps["Components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ID"].as_str().unwrap().to_owned())
        .collect();
    in_smd.sort();
    assert_eq!(
        in_smd,
        [
            "x1000c1s1b0n0",
            "x1000c1s1b0n1",
            "x1000c1s1b0n2",
            "x1000c1s1b0n3"
        ]
    );

    // Offline from the inventory file, and from SMD: the same four names,
    // each answering for the system SMD gave it.
    let mut args = vec!["power", "-q", "--all", "-f", inv.to_str().unwrap()];
    args.extend(["-u", USER, "-p", PASS, "-i"]);
    let offline = magellan(dir.path(), &args).await;
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(named_nodes(&offline.stdout), in_smd, "{}", offline.stdout);
    let mut args = vec!["power", "on", "x1000c1s1b0n1", "-f", inv.to_str().unwrap()];
    args.extend(["-u", USER, "-p", PASS, "-i"]);
    args.extend(FAST);
    let on = magellan(dir.path(), &args).await;
    assert_eq!(on.code, 0, "{}\n{}", on.stdout, on.stderr);
    assert_eq!(sim.power_state(0, 1), Some("On"), "n1 is the second system");
    assert_eq!(sim.power_state(0, 0), Some("Off"));
    let mut args = vec!["power", "-q", "--all", "--smd-url", &smd.url];
    args.extend(["-u", USER, "-p", PASS, "-i"]);
    let online = magellan(dir.path(), &args).await;
    assert_eq!(online.code, 0, "{}", online.stderr);
    assert_eq!(named_nodes(&online.stdout), in_smd, "{}", online.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_smd_cannot_take_is_reported_not_silent() {
    // Offline (-f inventory) with --smd-url: the nodes are not SMD's.
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(&spec(&Setup::default(), "52:54:00", 2))
        .await
        .unwrap();
    let smd = spawn_smd().await;
    let inv = dir.path().join("inv.json");
    let urls = sim.urls();
    let mut args = vec!["collect"];
    args.extend(urls.iter().map(String::as_str));
    args.extend(["-u", USER, "-p", PASS, "-i", "-o", inv.to_str().unwrap()]);
    let run = magellan(dir.path(), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut args = vec!["power", "on", "--all", "-f", inv.to_str().unwrap()];
    args.extend(["-u", USER, "-p", PASS, "-i", "--smd-url", &smd.url]);
    args.extend(FAST);
    let run = magellan(dir.path(), &args).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("on:      x"), "{}", run.stdout);
    assert!(
        run.stderr.contains("SMD State On of") && run.stderr.contains("not written"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.power_state(0, 0), Some("On"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_cycle_and_a_single_reset_type_from_smd() {
    let lab = lab(Setup {
        on: vec![(0, 0), (1, 0)],
        transition_ms: 100,
        ..Setup::default()
    })
    .await;
    lab.store_passwords().await;
    let nodes = "x1000c1s[1-4]b0n0";
    // reset: ForceRestart for nodes that are on, On for the others.
    let run = lab.power(&with_fast(&["reset", nodes])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, summary(nodes, "", ""));
    assert!((0..4).all(|i| lab.sim.resets(i, 0) == Some(1)));
    // cycle: off (forced), then on: two requests each.
    let run = lab.power(&with_fast(&["cycle", nodes, "-F", "json"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["on"], nodes);
    assert_eq!(doc["smd"]["On"], nodes);
    for n in doc["nodes"].as_array().unwrap() {
        assert_eq!(n["requests"], 2, "{n}");
        assert_eq!(n["ok"], true);
    }
    assert!((0..4).all(|i| lab.sim.resets(i, 0) == Some(3)));
    // -r TYPE: one request as is, no waiting, nodes from SMD.
    let run = lab.power(&["x1000c1s2b0", "-r", "ForceOff"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "x1000c1s2b0n0: ForceOff\n");
    assert_eq!(lab.sim.resets(1, 0), Some(4));
    // A verb and -r together is a usage error.
    let run = lab.power(&["on", nodes, "-r", "On"]).await;
    assert_eq!(run.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bmc_that_forgets_its_session_is_logged_into_again() {
    // A stubborn node keeps the run going; its BMC drops every session after
    // the first request (as a BMC restart or session timeout does).
    let lab = lab(Setup {
        stubborn: vec![(0, 0, 1)],
        ..Setup::default()
    })
    .await;
    lab.store_passwords().await;
    let before = lab.sim.sessions_created(0);
    let args = [
        "on",
        "x1000c1s1b0n0",
        "--poll-interval",
        "0.1",
        "--retry-after",
        "2",
        "-t",
        "60",
    ];
    let run = {
        let power = lab.power(&args);
        tokio::pin!(power);
        let mut forgot = false;
        loop {
            tokio::select! {
                run = &mut power => break run,
                _ = tokio::time::sleep(std::time::Duration::from_millis(10)), if !forgot => {
                    if lab.sim.resets(0, 0) == Some(1) {
                        lab.sim.forget_sessions(0);
                        forgot = true;
                    }
                }
            }
        }
    };
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, summary("x1000c1s1b0n0", "", ""));
    assert_eq!(lab.sim.resets(0, 0), Some(2), "the retry got through");
    assert_eq!(
        lab.sim.sessions_created(0),
        before + 2,
        "logged in once more after the BMC forgot the session"
    );
}
