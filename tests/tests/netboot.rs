//! The proof: real firmware in QEMU boots Linux through the whole stack.
//!
//! Per case, inside a network namespace of its own (see `ochami_e2e::stack`):
//! PostgreSQL, `smd`, `bss`, `tftpd` and `dhcpd-shim`; a simulated BMC whose
//! system carries the VM's MAC and whose Reset action starts QEMU;
//! `magellan.sh --scan .. --collect ..` fills SMD (the test writes no node data
//! itself); boot parameters are POSTed to BSS as the seed does; the node is
//! powered on through Redfish (`magellan power`). The test reads the serial
//! console for the login banner and checks the kernel command line carries
//! the xname and NID SMD assigned, and the node's address is the one
//! dhcpd-shim leased and recorded in SMD.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ochami_e2e::qemu::{self, Firmware};
use ochami_e2e::stack::Stack;
use ochami_e2e::{assets, cache_dir, need};

static GUEST: Mutex<Option<assets::Guest>> = Mutex::new(None);

fn guest() -> assets::Guest {
    let mut g = GUEST.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_none() {
        *g = Some(assets::guest(&cache_dir()).expect("guest image"));
    }
    g.clone().expect("built")
}

fn netboot(fw: Firmware, tag: &str, timeout: Duration) {
    if !need::root("network namespaces, tap devices, ports 67/69")
        || !need::tools(&["qemu-system-x86_64", "ip", "busybox"])
    {
        return;
    }
    let started = Instant::now();
    let guest = guest();
    let dir = std::env::temp_dir().join(format!("ochami-netboot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let mut stack = Stack::start(&dir, &guest, 1, fw == Firmware::UefiHttp).unwrap();
    stack.start_bmcs(1, fw).unwrap();
    stack.discover().unwrap();

    // SMD now knows the node (written by magellan, not by us).
    let nodes = stack.nodes().unwrap();
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    let node = &nodes[0];
    assert_eq!(node.mac, ochami_e2e::stack::node_mac(0));

    stack.post_boot_params(&node.mac).unwrap();
    let power_on = Instant::now();
    stack.power_on(&node.xname).unwrap();

    let text = qemu::wait_for_console(&stack.console(0), assets::LOGIN_MARKER, timeout)
        .unwrap_or_else(|e| panic!("{e}\n{}", stack.logs()));
    let boot_secs = power_on.elapsed().as_secs_f64();

    // The script came from BSS for the node SMD discovered, and the host
    // name from dhcpd-shim.
    let booted = assets::booted_as(&text, &node.xname, node.nid).unwrap();
    assert!(
        booted.cmdline.contains("console=ttyS0,115200"),
        "{}",
        booted.cmdline
    );

    // Its address is the one dhcpd-shim leased and recorded in SMD.
    let ip = booted.ip;
    let (owner, smd_ips) = stack.smd_ips(&node.mac).unwrap();
    assert!(
        smd_ips.contains(&ip),
        "guest has {ip}, SMD records {smd_ips:?}"
    );
    assert_eq!(owner, node.xname);
    let leases = std::fs::read_to_string(&stack.lease_file).unwrap_or_default();
    assert!(
        leases.contains(&ip),
        "dhcpd-shim's lease file records {ip}:\n{leases}"
    );

    eprintln!(
        "netboot {tag}: power-on to login {boot_secs:.1} s (whole case {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    drop(stack);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bios_node_boots_through_the_stack() {
    netboot(Firmware::Bios, "bios", Duration::from_secs(150));
}

#[test]
fn uefi_node_boots_through_the_stack() {
    netboot(Firmware::Uefi, "uefi", Duration::from_secs(200));
}

#[test]
fn uefi_http_boot_node_boots_through_the_stack() {
    netboot(Firmware::UefiHttp, "uefihttp", Duration::from_secs(330));
}
