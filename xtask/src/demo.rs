//! `cargo xtask demo`: the seed's story on this machine, one command.
//!
//! PostgreSQL and the four daemons in a network namespace, N simulated BMCs
//! whose systems are QEMU VMs, `magellan.sh` discovery into SMD, boot
//! parameters for every discovered node, power-on through Redfish, and a live
//! table of how far each node got. Ctrl-C, SIGTERM or SIGHUP (or the end,
//! without `--keep`) tears everything down; the daemons also die with xtask
//! (`proc::end_with_parent`) and the cluster has its watchdog, so not even a
//! SIGKILL leaves them running.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use ochami_e2e::qemu::Firmware;
use ochami_e2e::stack::Stack;

const USAGE: &str = "usage: cargo xtask demo [--nodes N] [--uefi | --uefi-http] [--keep]";

/// Boot stages, in order, as seen on a node's serial console and in the lease file.
const STAGES: [&str; 5] = ["DHCP", "iPXE", "script", "kernel", "login"];

fn stages(console: &str, leased: bool) -> [bool; 5] {
    let mut seen = [
        leased,
        console.contains("iPXE"),
        console.contains("bootscript?mac="),
        console.contains("Linux version") || console.contains("OCHAMI-E2E-"),
        console.contains(ochami_e2e::assets::LOGIN_MARKER),
    ];
    // A later stage implies the earlier ones (not every firmware prints each).
    for k in (0..seen.len() - 1).rev() {
        seen[k] |= seen[k + 1];
    }
    seen
}

pub fn run(args: &[String]) -> Result<(), String> {
    let (mut nodes, mut fw, mut keep) = (4usize, Firmware::Bios, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--nodes" => {
                nodes = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=50).contains(n))
                    .ok_or("--nodes: 1-50")?
            }
            "--uefi" => fw = Firmware::Uefi,
            "--uefi-http" => fw = Firmware::UefiHttp,
            "--keep" => keep = true,
            _ => return Err(USAGE.into()),
        }
    }
    if !ochami_e2e::is_root() {
        return Err("the demo needs root (network namespace, tap devices, ports 67/69)".into());
    }
    crate::test::ensure_packages()?;
    crate::stop::catch();
    crate::run_cmd(
        crate::cargo()
            .args(["build", "--workspace", "--bins"])
            .current_dir(crate::workspace_root()),
    )?;
    if crate::stop::requested() {
        return Err("stopped".into());
    }

    eprintln!("demo: building the guest image (cached after the first run)");
    let guest = ochami_e2e::assets::guest(&ochami_e2e::cache_dir())?;
    let dir = crate::workspace_root().join(".ochami/demo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    eprintln!("demo: starting PostgreSQL, smd, bss, tftpd, dhcpd-shim in a network namespace");
    let mut stack = Stack::start(&dir, &guest, nodes, fw == Firmware::UefiHttp)?;
    eprintln!("demo: {nodes} simulated BMCs on 172.16.0.10.. ; magellan scan + collect");
    stack.start_bmcs(nodes, fw)?;
    stack.discover()?;
    let found = stack.nodes()?;
    eprintln!(
        "demo: SMD knows {} nodes; posting boot parameters and powering them on",
        found.len()
    );
    let mut started = BTreeMap::new();
    for n in &found {
        stack.post_boot_params(&n.mac)?;
        stack.power_on(&n.xname)?;
        started.insert(n.xname.clone(), Instant::now());
    }

    let index_of = |mac: &str| (0..nodes).find(|i| ochami_e2e::stack::node_mac(*i) == mac);
    let mut reached: BTreeMap<String, [Option<f64>; 5]> = BTreeMap::new();
    let deadline =
        Instant::now() + Duration::from_secs(if fw == Firmware::UefiHttp { 600 } else { 300 });
    let mut last = String::new();
    loop {
        let leases = std::fs::read_to_string(&stack.lease_file).unwrap_or_default();
        let mut table = format!(
            "{:<18} {:<18} {:<15} {:<34} {}\n",
            "node", "MAC", "IP", "stages", "login"
        );
        let mut all_done = true;
        for n in &found {
            let Some(i) = index_of(&n.mac) else { continue };
            let console =
                String::from_utf8_lossy(&std::fs::read(stack.console(i)).unwrap_or_default())
                    .into_owned();
            let ip = console
                .lines()
                .find_map(|l| l.split("OCHAMI-E2E-IP ").nth(1))
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|| "-".into());
            let leased = leases.contains(&n.mac) || leases.contains(&n.mac.replace(':', ""));
            let t = started[&n.xname].elapsed().as_secs_f64();
            let r = reached.entry(n.xname.clone()).or_insert([None; 5]);
            for (k, hit) in stages(&console, leased).iter().enumerate() {
                if *hit && r[k].is_none() {
                    r[k] = Some(t);
                }
            }
            let marks: Vec<String> = STAGES
                .iter()
                .zip(r.iter())
                .map(|(s, at)| {
                    if at.is_some() {
                        format!("{s}✓")
                    } else {
                        format!("{s}·")
                    }
                })
                .collect();
            let login = r[4]
                .map(|s| format!("{s:.0} s"))
                .unwrap_or_else(|| "-".into());
            all_done &= r[4].is_some();
            table.push_str(&format!(
                "{:<18} {:<18} {:<15} {:<34} {}\n",
                n.xname,
                n.mac,
                ip,
                marks.join(" "),
                login
            ));
        }
        if table != last {
            print!("\n{table}");
            let _ = std::io::stdout().flush();
            last = table;
        }
        if crate::stop::requested() {
            eprintln!("demo: stopping");
            break;
        }
        if all_done && !keep {
            println!("demo: every node reached its login prompt");
            break;
        }
        if all_done && keep {
            println!(
                "demo: all nodes up; the stack keeps running in namespace {} (smd {}, bss {}). Try:\n  ip netns exec {} curl -s {}/hsm/v2/State/Components\nCtrl-C tears it down.",
                stack.ns.name, stack.smd_url, stack.bss_url, stack.ns.name, stack.smd_url
            );
            while !crate::stop::requested() {
                std::thread::sleep(Duration::from_millis(200));
            }
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not every node reached login in time\n{}",
                stack.logs()
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(stack);
    Ok(())
}
