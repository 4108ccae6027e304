//! Real DHCP clients (dhclient, busybox udhcpc, perfdhcp) against the real
//! binary, inside network namespaces each test creates. Not root or a tool
//! missing fails the test, unless `OCHAMI_SKIP` names it (`crate::support::can_run`).

use std::collections::HashMap;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::*;

const NODE_MAC: &str = "02:66:00:00:00:01";
const NODE_IP: &str = "10.66.0.5";

fn run(out: std::io::Result<Output>) -> String {
    let out = out.expect("run client");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "client failed: {text}");
    text
}

/// dhclient once in the client namespace; returns the lease file text.
fn dhclient(lab: &Lab, name: &str, conf: &str) -> String {
    let (cf, lf, pf) = (
        lab.path(&format!("{name}.conf")),
        lab.path(&format!("{name}.leases")),
        lab.path(&format!("{name}.pid")),
    );
    std::fs::write(&cf, format!("timeout 20;\nretry 1;\n{conf}")).unwrap();
    run(lab
        .in_cli("dhclient")
        .args(["-4", "-1", "-v", "-sf", "/bin/true", "-cf"])
        .arg(&cf)
        .arg("-lf")
        .arg(&lf)
        .arg("-pf")
        .arg(&pf)
        .arg("veth1")
        .output());
    // -1 leaves the daemon running after the lease; stop it by its pid file.
    if let Ok(pid) = std::fs::read_to_string(&pf) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    std::fs::read_to_string(&lf).expect("lease file")
}

/// busybox udhcpc once; returns the environment its script saw on `bound`.
fn udhcpc(lab: &Lab, extra: &[&str]) -> HashMap<String, String> {
    let script = lab.path("udhcpc.sh");
    let envf = lab.path("udhcpc.env");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1\" = bound ] && env > {}\nexit 0\n",
            envf.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let mut cmd = lab.in_cli("busybox");
    cmd.args([
        "udhcpc", "-f", "-q", "-n", "-t", "5", "-T", "2", "-i", "veth1", "-s",
    ])
    .arg(&script)
    .args(extra);
    run(cmd.output());
    std::fs::read_to_string(&envf)
        .expect("udhcpc bound")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn lab_with_smd() -> (Lab, FakeSmd) {
    let lab = Lab::new();
    let smd = fake_smd(lab.listener_in_srv());
    smd.add_node(NODE_MAC, "x1000c1s7b0n0", 7, Some(NODE_IP));
    (lab, smd)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dhclient_gets_the_smd_address_and_the_uefi_pxe_boot_file() {
    if !can_run(&["dhclient"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    lab.set_client_mac(NODE_MAC);
    let _shim = Shim::start(&lab, &write_config(&lab, &smd.url(), ""), &[]);
    let lease = dhclient(
        &lab,
        "pxe",
        "option arch code 93 = unsigned integer 16;\nsend arch 7;\n\
         send vendor-class-identifier \"PXEClient:Arch:00007:UNDI:003000\";\n\
         request subnet-mask, routers, host-name, domain-name, domain-name-servers, broadcast-address;\n",
    );
    assert!(
        lease.contains(&format!("fixed-address {NODE_IP};")),
        "{lease}"
    );
    assert!(lease.contains("filename \"ipxe.efi\";"), "{lease}");
    assert!(
        lease.contains("option host-name \"x1000c1s7b0n0\";"),
        "{lease}"
    );
    assert!(lease.contains("option routers 10.66.0.1;"), "{lease}");
    assert!(
        lease.contains("option subnet-mask 255.255.255.0;"),
        "{lease}"
    );
    assert!(
        lease.contains("option dhcp-server-identifier 10.66.0.1;"),
        "{lease}"
    );
    assert!(
        lease.contains("option vendor-class-identifier \"PXEClient\";")
            || lease.contains("PXEClient"),
        "{lease}"
    );
    assert!(smd.posts().is_empty(), "an SMD address is not written back");
    // The replies were unicast to the new address (RFC 2131, broadcast flag
    // clear): the server taught the kernel the client's MAC for it.
    let neigh = lab
        .in_srv("ip")
        .args(["neigh", "show", NODE_IP])
        .output()
        .unwrap();
    let neigh = String::from_utf8_lossy(&neigh.stdout);
    assert!(neigh.contains(NODE_MAC), "{neigh}");
}

#[test]
fn udhcpc_as_ipxe_gets_the_bss_bootscript_url() {
    if !can_run(&["busybox"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    lab.set_client_mac(NODE_MAC);
    let _shim = Shim::start(&lab, &write_config(&lab, &smd.url(), ""), &[]);
    // User class 77 = "iPXE" (hex), as iPXE sends it.
    let env = udhcpc(&lab, &["-x", "77:69505845", "-x", "93:0007"]);
    assert_eq!(env.get("ip").map(String::as_str), Some(NODE_IP), "{env:?}");
    assert_eq!(
        env.get("boot_file").map(String::as_str),
        Some("http://10.66.0.1:27778/boot/v1/bootscript?mac=02:66:00:00:00:01"),
        "{env:?}"
    );
    assert_eq!(
        env.get("hostname").map(String::as_str),
        Some("x1000c1s7b0n0")
    );
    assert_eq!(env.get("router").map(String::as_str), Some("10.66.0.1"));
    assert_eq!(env.get("subnet").map(String::as_str), Some("255.255.255.0"));
    assert_eq!(env.get("lease").map(String::as_str), Some("3600"));
}

#[test]
fn unknown_mac_gets_a_pool_lease_recorded_in_smd() {
    if !can_run(&["busybox"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    lab.set_client_mac("02:66:00:00:00:99");
    let _shim = Shim::start(&lab, &write_config(&lab, &smd.url(), ""), &[]);
    let env = udhcpc(&lab, &[]);
    let ip = env.get("ip").cloned().unwrap_or_default();
    assert!(ip.starts_with("10.66.0.1"), "pool address, got {env:?}");
    assert_eq!(
        env.get("lease").map(String::as_str),
        Some("600"),
        "short pool lease"
    );
    wait_for("the SMD write-back", || !smd.posts().is_empty());
    let (path, body) = &smd.posts()[0];
    assert_eq!(path, "/hsm/v2/Inventory/EthernetInterfaces");
    assert_eq!(body["MACAddress"], "02:66:00:00:00:99");
    assert_eq!(body["IPAddresses"][0]["IPAddress"], ip.as_str());
    assert!(
        body.get("ComponentID").is_none(),
        "no ComponentID so magellan finds it"
    );
}

#[test]
fn smd_outage_keeps_serving_from_the_last_cache() {
    if !can_run(&["busybox"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    lab.set_client_mac(NODE_MAC);
    let shim = Shim::start(
        &lab,
        &write_config(&lab, &smd.url(), "smd_refresh = \"1s\""),
        &[],
    );
    smd.down.store(true, std::sync::atomic::Ordering::SeqCst);
    wait_for("a failed refresh", || {
        shim.log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("SMD refresh failed"))
    });
    let env = udhcpc(&lab, &[]);
    assert_eq!(env.get("ip").map(String::as_str), Some(NODE_IP), "{env:?}");
}

#[test]
fn lease_survives_a_restart() {
    if !can_run(&["dhclient", "busybox"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    let cfg = write_config(&lab, &smd.url(), "");
    let a = "02:66:00:00:00:0a";
    lab.set_client_mac(a);
    let mut shim = Shim::start(&lab, &cfg, &[]);
    let lease = dhclient(&lab, "a", "");
    let ip_a = lease
        .lines()
        .find_map(|l| l.trim().strip_prefix("fixed-address "))
        .map(|s| s.trim_end_matches(';').to_owned())
        .expect("an address");
    shim.stop();
    drop(shim);
    let _shim = Shim::start(&lab, &cfg, &[]);
    // Another MAC asking for a's address gets a different one.
    lab.set_client_mac("02:66:00:00:00:0b");
    let env = udhcpc(&lab, &["-r", &ip_a]);
    assert_ne!(env.get("ip"), Some(&ip_a), "a's live lease given to b");
    // a comes back (INIT-REBOOT from its lease file) and keeps its address.
    lab.set_client_mac(a);
    let lease = dhclient(&lab, "a", "");
    assert!(lease.contains(&format!("fixed-address {ip_a};")), "{lease}");
}

/// Parse perfdhcp's "received packets" for the REQUEST-ACK exchange.
fn acks_received(out: &str) -> u64 {
    let mut in_ra = false;
    for l in out.lines() {
        if l.contains("REQUEST-ACK") {
            in_ra = true;
        }
        if in_ra && l.trim_start().starts_with("received packets:") {
            return l
                .split(':')
                .nth(1)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
        }
    }
    0
}

fn perfdhcp(lab: &Lab, rate: u32, secs: u32, clients: u32, mac_base: &str) -> String {
    let out = lab
        .in_cli("perfdhcp")
        .args([
            "-4",
            "-r",
            &rate.to_string(),
            "-p",
            &secs.to_string(),
            "-R",
            &clients.to_string(),
        ])
        .args([
            "-b",
            &format!("mac={mac_base}"),
            "-W",
            "1000000",
            "-L",
            "0",
            SERVER_IP,
        ])
        .output()
        .expect("perfdhcp");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn relay_lab() -> (Lab, FakeSmd) {
    let (lab, smd) = lab_with_smd();
    // perfdhcp acts as a relay: it needs an address (the giaddr).
    let ok = lab
        .in_cli("ip")
        .args(["addr", "add", "10.66.0.2/24", "dev", "veth1"])
        .status()
        .unwrap();
    assert!(ok.success());
    (lab, smd)
}

fn journal(lab: &Lab) -> Vec<(String, String)> {
    std::fs::read_to_string(lab.path("leases"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4 && f[0] == "bound").then(|| (f[1].to_owned(), f[2].to_owned()))
        })
        .collect()
}

#[test]
fn relayed_clients_via_perfdhcp() {
    if !can_run(&["perfdhcp"]) {
        return;
    }
    let (lab, smd) = relay_lab();
    let _shim = Shim::start(&lab, &write_config(&lab, &smd.url(), ""), &[]);
    let out = perfdhcp(&lab, 20, 2, 30, "00:0c:01:00:00:00");
    assert!(acks_received(&out) > 0, "{out}");
    let leases = journal(&lab);
    assert!(!leases.is_empty());
    assert!(
        leases.iter().all(|(ip, _)| ip.starts_with("10.66.0.1")),
        "{leases:?}"
    );
}

#[test]
fn kill_9_under_load_never_gives_a_live_address_to_a_second_mac() {
    if !can_run(&["perfdhcp"]) {
        return;
    }
    let (lab, smd) = relay_lab();
    let cfg = write_config(&lab, &smd.url(), "");
    let mut shim = Shim::start(&lab, &cfg, &[]);
    let load = {
        let cmd = lab
            .in_cli("perfdhcp")
            .args([
                "-4",
                "-r",
                "200",
                "-p",
                "4",
                "-R",
                "40",
                "-b",
                "mac=00:0c:02:00:00:00",
                "-W",
                "1000000",
                "-L",
                "0",
                SERVER_IP,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        cmd.expect("perfdhcp")
    };
    wait_for("some durable leases", || journal(&lab).len() >= 5);
    shim.kill9();
    let before: HashMap<String, String> = journal(&lab).into_iter().collect();
    assert!(!before.is_empty());
    let mut load = load;
    let _ = load.wait();
    let _shim = Shim::start(&lab, &cfg, &[]);
    // Different MACs, same pool (51 addresses, at most 40 taken before the
    // crash): the restarted server serves them, and none may get an address
    // bound before the crash.
    let out = perfdhcp(&lab, 100, 2, 40, "00:0c:03:00:00:00");
    assert!(
        acks_received(&out) > 0,
        "the restarted server acked no request:\n{out}"
    );
    let after = journal(&lab);
    let served = after
        .iter()
        .filter(|(_, mac)| mac.starts_with("00:0c:03:"))
        .count();
    assert!(
        served > 0,
        "the restarted server bound no address for the new MACs: {after:?}"
    );
    for (ip, mac) in after {
        if let Some(owner) = before.get(&ip) {
            assert_eq!(
                &mac, owner,
                "{ip} given to {mac} while {owner}'s lease was live"
            );
        }
    }
}

#[test]
fn proxy_dhcp_answers_pxe_clients_on_67_and_4011_without_an_address() {
    use dhcpd_shim::protocol::request_bytes;
    use dhcproto::v4::{Architecture, DhcpOption, Message, MessageType};
    use dhcproto::{Decodable, Decoder};
    if !can_run(&[]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    let _shim = Shim::start(
        &lab,
        &write_config(&lab, &smd.url(), "mode = \"proxy\""),
        &[],
    );
    let mac = ochami_types::MacAddr([2, 0x66, 0, 0, 0, 0x42]);
    let pxe = |m: &mut Message| {
        m.opts_mut()
            .insert(DhcpOption::ClientSystemArchitecture(Architecture::from(7)));
        m.opts_mut().insert(DhcpOption::ClassIdentifier(
            b"PXEClient:Arch:00007:UNDI:003000".to_vec(),
        ));
    };
    // Stage 1: the firmware's broadcast DISCOVER on port 67.
    let sock = lab.udp_in_cli("0.0.0.0:68");
    sock.send_to(
        &request_bytes(MessageType::Discover, mac, 7, pxe),
        "255.255.255.255:67",
    )
    .unwrap();
    let mut buf = [0u8; 1500];
    let (n, _) = sock.recv_from(&mut buf).expect("a ProxyDHCP offer");
    let m = Message::decode(&mut Decoder::new(&buf[..n])).unwrap();
    assert_eq!(m.opts().msg_type(), Some(MessageType::Offer));
    assert_eq!(
        m.yiaddr(),
        std::net::Ipv4Addr::UNSPECIFIED,
        "ProxyDHCP never gives an address"
    );
    assert_eq!(
        m.fname_str().unwrap().unwrap().trim_end_matches('\0'),
        "ipxe.efi"
    );
    assert_eq!(m.siaddr().to_string(), SERVER_IP);
    // Stage 2: with an address from the site's DHCP server, REQUEST to port 4011.
    let ok = lab
        .in_cli("ip")
        .args(["addr", "add", "10.66.0.9/24", "dev", "veth1"])
        .status()
        .unwrap();
    assert!(ok.success());
    let sock = lab.udp_in_cli("10.66.0.9:4011");
    let req = request_bytes(MessageType::Request, mac, 8, |m| {
        pxe(m);
        m.set_ciaddr(std::net::Ipv4Addr::new(10, 66, 0, 9));
    });
    sock.send_to(&req, format!("{SERVER_IP}:4011")).unwrap();
    let (n, _) = sock.recv_from(&mut buf).expect("a ProxyDHCP ack");
    let m = Message::decode(&mut Decoder::new(&buf[..n])).unwrap();
    assert_eq!(m.opts().msg_type(), Some(MessageType::Ack));
    assert_eq!(
        m.fname_str().unwrap().unwrap().trim_end_matches('\0'),
        "ipxe.efi"
    );
}

#[test]
fn unknown_mac_triggers_an_smd_refresh_and_then_gets_its_smd_address() {
    if !can_run(&["busybox"]) {
        return;
    }
    let (lab, smd) = lab_with_smd();
    let mac = "02:66:00:00:00:77";
    lab.set_client_mac(mac);
    let _shim = Shim::start(
        &lab,
        &write_config(
            &lab,
            &smd.url(),
            "smd_refresh = \"1h\"\nsmd_miss_refresh = \"1s\"",
        ),
        &[],
    );
    let fetched_at_start = smd.gets();
    // magellan adds the node after dhcpd-shim loaded its cache.
    smd.add_node(mac, "x1000c1s7b5n0", 12, Some("10.66.0.77"));
    // The first exchange is served from the cache it had (a pool address) and
    // asks for a refresh; if the refresh lands before its REQUEST, the pool
    // address is NAKed and the client restarts — either way the next one sees SMD.
    udhcpc(&lab, &[]);
    wait_for("a refresh triggered by the miss", || {
        smd.gets() > fetched_at_start
    });
    let second = udhcpc(&lab, &[]);
    assert_eq!(
        second.get("ip").map(String::as_str),
        Some("10.66.0.77"),
        "{second:?}"
    );
    assert_eq!(
        second.get("hostname").map(String::as_str),
        Some("x1000c1s7b5n0")
    );
}
