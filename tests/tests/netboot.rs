//! The proof: real firmware in QEMU boots Linux through the whole stack.
//!
//! Per case, inside a network namespace of its own: PostgreSQL, `smd`, `bss`,
//! `tftpd` (TFTP + HTTP) and `dhcpd-shim` on the bridge address; a simulated
//! BMC whose system carries the VM's MAC and whose Reset action starts QEMU;
//! `magellan.sh --scan .. --collect ..` fills SMD (the test writes no node
//! data itself); boot parameters are POSTed to BSS as the seed does; the node
//! is powered on through Redfish (`magellan power`). The test then reads the
//! serial console for the login banner and checks the kernel command line
//! carries the xname and NID SMD assigned, and the node's address is the one
//! dhcpd-shim leased and recorded in SMD.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ochami_e2e::netns::Netns;
use ochami_e2e::proc::Daemon;
use ochami_e2e::qemu::{self, Firmware};
use ochami_e2e::{assets, bin, cache_dir, is_root};

const SERVER: &str = "172.16.0.253";
const BMC: &str = "172.16.0.10";

static GUEST: Mutex<Option<assets::Guest>> = Mutex::new(None);

fn guest() -> assets::Guest {
    let mut g = GUEST.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_none() {
        *g = Some(assets::guest(&cache_dir()).expect("guest image"));
    }
    g.clone().expect("built")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn workdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ochami-netboot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// The boot files tftpd serves: the iPXE binaries (symlinks resolved) and the
/// guest kernel and initramfs.
fn boot_root(dir: &Path, guest: &assets::Guest) -> PathBuf {
    let root = dir.join("tftproot");
    std::fs::create_dir_all(&root).unwrap();
    for f in ["undionly.kpxe", "ipxe.efi", "snponly.efi"] {
        std::fs::copy(Path::new("/usr/lib/ipxe").join(f), root.join(f))
            .unwrap_or_else(|e| panic!("/usr/lib/ipxe/{f}: {e}"));
    }
    std::fs::copy(&guest.kernel, root.join("vmlinuz")).unwrap();
    std::fs::copy(&guest.initrd, root.join("initrd.img")).unwrap();
    root
}

fn netboot(fw: Firmware, tag: &str, mac: &str, timeout: Duration) {
    if !is_root() {
        panic!("the netboot test needs root (network namespaces, tap devices, ports 67/69)");
    }
    let started = Instant::now();
    let guest = guest();
    let dir = workdir(tag);
    let ns =
        Netns::with_bridge(&format!("{SERVER}/24"), &[&format!("{BMC}/24")]).expect("namespace");
    let in_ns = |program: &Path| ns.command(program);

    // PostgreSQL inside the namespace.
    let pg = localpg::Cluster::temporary_wrapped(&ns.prefix()).expect("postgres");
    pg.create_database("hmsds").unwrap();
    pg.create_database("bssdb").unwrap();

    // smd.
    run_ok(
        in_ns(&bin("smd"))
            .arg("migrate")
            .env("SMD_DATABASE_URL", pg.url("hmsds")),
    );
    let smd_url = format!("http://{SERVER}:27779");
    let mut smd = Daemon::start(
        "smd",
        {
            let mut c = in_ns(&bin("smd"));
            c.env("SMD_DATABASE_URL", pg.url("hmsds"))
                .env("SMD_LISTEN", format!("{SERVER}:27779"));
            c
        },
        dir.join("smd.log"),
    )
    .unwrap();
    smd.wait_until(Duration::from_secs(30), || {
        ns.curl(&[&format!("{smd_url}/hsm/v2/service/ready")])
            .map(|r| r.0 == 200)
            .unwrap_or(false)
    })
    .unwrap();

    // bss.
    run_ok(
        in_ns(&bin("bss"))
            .arg("migrate")
            .env("BSS_DATABASE_URL", pg.url("bssdb")),
    );
    let bss_url = format!("http://{SERVER}:27778");
    let mut bss = Daemon::start(
        "bss",
        {
            let mut c = in_ns(&bin("bss"));
            c.env("BSS_DATABASE_URL", pg.url("bssdb"))
                .env("BSS_LISTEN", format!("{SERVER}:27778"))
                .env("BSS_SMD_URL", &smd_url);
            c
        },
        dir.join("bss.log"),
    )
    .unwrap();
    bss.wait_until(Duration::from_secs(30), || {
        ns.curl(&[&format!("{bss_url}/boot/v1/service/status")])
            .map(|r| r.0 == 200)
            .unwrap_or(false)
    })
    .unwrap();

    // tftpd: TFTP on :69 and HTTP on :8080, same root.
    let root = boot_root(&dir, &guest);
    let http = format!("http://{SERVER}:8080");
    let mut tftpd = Daemon::start(
        "tftpd",
        {
            let mut c = in_ns(&bin("tftpd"));
            c.env("TFTPD_ROOT", &root)
                .env("TFTPD_LISTEN", format!("{SERVER}:69"))
                .env("TFTPD_HTTP_LISTEN", format!("{SERVER}:8080"));
            c
        },
        dir.join("tftpd.log"),
    )
    .unwrap();
    tftpd
        .wait_until(Duration::from_secs(20), || {
            ns.curl(&["-o", "/dev/null", &format!("{http}/ipxe.efi")])
                .map(|r| r.0 == 200)
                .unwrap_or(false)
        })
        .unwrap();

    // dhcpd-shim on the bridge.
    let uefi_boot = if fw == Firmware::UefiHttp {
        "http"
    } else {
        "pxe"
    };
    let dhcp_conf = dir.join("dhcpd-shim.toml");
    std::fs::write(
        &dhcp_conf,
        format!(
            r#"interface = "br0"
server_address = "{SERVER}"
smd_url = "{smd_url}"
bss_url = "{bss_url}"
tftp_server = "{SERVER}"
lease_file = "{leases}"
http_boot_url = "{http}/ipxe.efi"
smd_refresh = "2s"
smd_miss_refresh = "1s"

[[subnets]]
cidr = "172.16.0.0/24"
routers = ["{SERVER}"]
pool = {{ start = "172.16.0.100", end = "172.16.0.200" }}
lease_time = "1h"
uefi_boot = "{uefi_boot}"
"#,
            leases = dir.join("leases").display()
        ),
    )
    .unwrap();
    let mut dhcpd = Daemon::start(
        "dhcpd-shim",
        {
            let mut c = in_ns(&bin("dhcpd-shim"));
            c.arg("--config").arg(&dhcp_conf);
            c
        },
        dir.join("dhcpd-shim.log"),
    )
    .unwrap();
    let dhcp_ready = || {
        Command::new("ip")
            .args(["netns", "exec", &ns.name, "ss", "-uln"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(":67 "))
            .unwrap_or(false)
    };
    dhcpd
        .wait_until(Duration::from_secs(20), dhcp_ready)
        .unwrap();

    // The BMC: one system with the VM's NIC; Reset On starts the VM.
    let console = dir.join("console.log");
    let qemu_argv = qemu::command_line(fw, mac, "tap0", &console, &dir).unwrap();
    let qemu_cmd = format!(
        "{} > {} 2>&1 &",
        shell_join(&qemu_argv),
        dir.join("qemu.log").display()
    );
    let sim_spec = dir.join("bmcs.toml");
    std::fs::write(
        &sim_spec,
        format!(
            r#"bmcs = 1
listen = "{BMC}"
port_base = 443
scheme = "https"
username = "admin"
password = "password"

[[bmc]]
[[bmc.systems]]
macs = ["{mac}"]
power_state = "Off"
[bmc.systems.on_reset]
On = {qemu_cmd:?}
ForceOff = "pkill -f 'mac={mac}' || true"
"#
        ),
    )
    .unwrap();
    let mut sim = Daemon::start(
        "redfish-sim",
        {
            let mut c = in_ns(&bin("redfish-sim"));
            c.arg("--config").arg(&sim_spec);
            c
        },
        dir.join("redfish-sim.log"),
    )
    .unwrap();
    sim.wait_until(Duration::from_secs(20), || {
        ns.curl(&["-k", &format!("https://{BMC}:443/redfish/v1/")])
            .map(|r| r.0 == 200)
            .unwrap_or(false)
    })
    .unwrap();

    // Discovery, as in the seed: magellan.sh --scan .. --collect ..
    let cache = dir.join("assets.db");
    let inventory = dir.join("inventory.json");
    let magellan_sh = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/magellan/magellan.sh");
    run_ok(
        ns.command("bash")
            .arg(&magellan_sh)
            .arg("--scan")
            .arg(format!("--subnet 172.16.0.0/24 --port 443 --timeout 3 -i --cache {}", cache.display()))
            .arg("--collect")
            .arg(format!(
                "--user admin --pass password --host http://{SERVER} --port 27779 -i --cache {} -o {}",
                cache.display(),
                inventory.display()
            ))
            .env("PATH", format!("{}:{}", ochami_e2e::bin_dir().display(), std::env::var("PATH").unwrap_or_default())),
    );

    // SMD now knows the node (written by magellan, not by us).
    let (code, body) = ns
        .curl(&[&format!("{smd_url}/hsm/v2/State/Components?type=Node")])
        .unwrap();
    assert_eq!(code, 200, "{body}");
    let comps = json(&body);
    let node = comps["Components"]
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_else(|| panic!("no node in SMD: {body}"));
    let xname = node["ID"].as_str().unwrap().to_owned();
    let nid = node["NID"]
        .as_i64()
        .unwrap_or_else(|| panic!("node without NID: {node}"));

    // Boot parameters, as the seed POSTs them.
    let params = serde_json::json!({
        "macs": [mac],
        "kernel": format!("{http}/vmlinuz"),
        "initrd": format!("{http}/initrd.img"),
        "params": "console=ttyS0,115200 quiet",
    });
    let (code, body) = ns
        .curl(&[
            "-X",
            "POST",
            &format!("{bss_url}/boot/v1/bootparameters"),
            "-d",
            &params.to_string(),
        ])
        .unwrap();
    assert_eq!(code, 201, "{body}");

    // Power on through Redfish.
    let power_started = Instant::now();
    run_ok(
        ns.command(bin("magellan"))
            .args([
                "power", &xname, "-r", "On", "-i", "-u", "admin", "-p", "password", "-f",
            ])
            .arg(&inventory),
    );

    let text =
        qemu::wait_for_console(&console, assets::LOGIN_MARKER, timeout).unwrap_or_else(|e| {
            panic!(
                "{e}\n--- dhcpd-shim ---\n{}\n--- tftpd ---\n{}\n--- bss ---\n{}",
                tail(&dhcpd.log_text()),
                tail(&tftpd.log_text()),
                tail(&bss.log_text())
            )
        });
    let boot_secs = power_started.elapsed().as_secs_f64();

    // The script came from BSS for the node SMD discovered.
    let cmdline = text
        .lines()
        .find(|l| l.contains("OCHAMI-E2E-CMDLINE"))
        .expect("cmdline line");
    assert!(cmdline.contains(&format!("xname={xname}")), "{cmdline}");
    assert!(cmdline.contains(&format!("nid={nid}")), "{cmdline}");
    assert!(cmdline.contains("console=ttyS0,115200"), "{cmdline}");
    assert!(
        text.contains(&format!("{xname} login: OCHAMI-E2E-LOGIN")),
        "banner with the node's host name:\n{text}"
    );

    // Its address is the one dhcpd-shim leased and recorded in SMD.
    let ip_line = text
        .lines()
        .find(|l| l.contains("OCHAMI-E2E-IP "))
        .expect("the guest got an address");
    let ip = ip_line.rsplit(' ').next().unwrap().trim().to_owned();
    let id = mac.replace(':', "");
    let (code, body) = ns
        .curl(&[&format!(
            "{smd_url}/hsm/v2/Inventory/EthernetInterfaces/{id}"
        )])
        .unwrap();
    assert_eq!(code, 200, "{body}");
    let eth = json(&body);
    let smd_ips: Vec<&str> = eth["IPAddresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["IPAddress"].as_str())
        .collect();
    assert!(
        smd_ips.contains(&ip.as_str()),
        "guest has {ip}, SMD records {smd_ips:?}"
    );
    assert_eq!(eth["ComponentID"], xname.as_str());

    eprintln!(
        "netboot {tag}: power-on to login {boot_secs:.1} s (whole case {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    drop((sim, dhcpd, tftpd, bss, smd));
    drop(ns);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn bios_node_boots_through_the_stack() {
    netboot(
        Firmware::Bios,
        "bios",
        "52:54:00:e2:e0:01",
        Duration::from_secs(150),
    );
}

#[test]
fn uefi_node_boots_through_the_stack() {
    netboot(
        Firmware::Uefi,
        "uefi",
        "52:54:00:e2:e0:02",
        Duration::from_secs(200),
    );
}

#[test]
fn uefi_http_boot_node_boots_through_the_stack() {
    netboot(
        Firmware::UefiHttp,
        "uefihttp",
        "52:54:00:e2:e0:03",
        Duration::from_secs(330),
    );
}
