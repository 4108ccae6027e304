//! The whole ochami stack inside a network namespace, as an operator runs it:
//! PostgreSQL, `smd`, `bss`, `tftpd` (TFTP + HTTP) and `dhcpd-shim` on the
//! bridge address, then simulated BMCs whose systems are QEMU VMs, discovery
//! with `magellan.sh`, boot parameters POSTed to BSS, and power-on through
//! Redfish. Used by the netboot test and by `cargo xtask demo`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::assets::Guest;
use crate::netns::Netns;
use crate::proc::{run_ok, Daemon};
use crate::qemu::{self, Firmware};

pub const SERVER: &str = "172.16.0.253";

/// Address of simulated BMC `i`.
pub fn bmc_address(i: usize) -> String {
    format!("172.16.0.{}", 10 + i)
}

/// MAC of node `i`'s NIC.
pub fn node_mac(i: usize) -> String {
    format!("52:54:00:e2:{:02x}:{:02x}", i / 256, i % 256)
}

/// A node as SMD knows it after discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub xname: String,
    pub nid: i64,
    pub mac: String,
}

/// The running stack; dropping it stops everything and deletes the namespace.
pub struct Stack {
    pub dir: PathBuf,
    pub smd_url: String,
    pub bss_url: String,
    /// tftpd's HTTP base, serving the iPXE binaries, kernel and initramfs.
    pub http: String,
    pub lease_file: PathBuf,
    inventory: PathBuf,
    daemons: Vec<Daemon>,
    _pg: localpg::Cluster,
    // Last: the namespace goes after everything in it.
    pub ns: Netns,
}

fn json(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))
}

fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Stack {
    /// Start PostgreSQL and the four daemons for `nodes` VMs; `uefi_http`
    /// makes the subnet send UEFI PXE clients to HTTP boot.
    pub fn start(
        dir: &Path,
        guest: &Guest,
        nodes: usize,
        uefi_http: bool,
    ) -> Result<Stack, String> {
        let bin = crate::bin;
        let extra: Vec<String> = (0..nodes)
            .map(|i| format!("{}/24", bmc_address(i)))
            .collect();
        let ns = Netns::with_bridge(&format!("{SERVER}/24"), &extra, nodes)?;
        let pg = localpg::Cluster::temporary_wrapped(&ns.prefix())?;
        pg.create_database("hmsds")?;
        pg.create_database("bssdb")?;
        let mut daemons = Vec::new();
        let ready = |ns: &Netns, url: &str| {
            ns.curl(&["-o", "/dev/null", url])
                .map(|r| r.0 == 200)
                .unwrap_or(false)
        };

        run_ok(
            ns.command(bin("smd"))
                .arg("migrate")
                .env("SMD_DATABASE_URL", pg.url("hmsds")),
        )?;
        let smd_url = format!("http://{SERVER}:27779");
        let mut c = ns.command(bin("smd"));
        c.env("SMD_DATABASE_URL", pg.url("hmsds"))
            .env("SMD_LISTEN", format!("{SERVER}:27779"));
        let mut smd = Daemon::start("smd", c, dir.join("smd.log"))?;
        smd.wait_until(Duration::from_secs(30), || {
            ready(&ns, &format!("{smd_url}/hsm/v2/service/ready"))
        })?;
        daemons.push(smd);

        run_ok(
            ns.command(bin("bss"))
                .arg("migrate")
                .env("BSS_DATABASE_URL", pg.url("bssdb")),
        )?;
        let bss_url = format!("http://{SERVER}:27778");
        let mut c = ns.command(bin("bss"));
        c.env("BSS_DATABASE_URL", pg.url("bssdb"))
            .env("BSS_LISTEN", format!("{SERVER}:27778"))
            .env("BSS_SMD_URL", &smd_url);
        let mut bss = Daemon::start("bss", c, dir.join("bss.log"))?;
        bss.wait_until(Duration::from_secs(30), || {
            ready(&ns, &format!("{bss_url}/boot/v1/service/status"))
        })?;
        daemons.push(bss);

        // tftpd serves the iPXE binaries and the guest over TFTP and HTTP.
        let root = dir.join("tftproot");
        std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
        for f in ["undionly.kpxe", "ipxe.efi", "snponly.efi"] {
            std::fs::copy(Path::new("/usr/lib/ipxe").join(f), root.join(f))
                .map_err(|e| format!("/usr/lib/ipxe/{f}: {e} (apt-get install ipxe)"))?;
        }
        std::fs::copy(&guest.kernel, root.join("vmlinuz")).map_err(|e| e.to_string())?;
        std::fs::copy(&guest.initrd, root.join("initrd.img")).map_err(|e| e.to_string())?;
        let http = format!("http://{SERVER}:8080");
        let mut c = ns.command(bin("tftpd"));
        c.env("TFTPD_ROOT", &root)
            .env("TFTPD_LISTEN", format!("{SERVER}:69"))
            .env("TFTPD_HTTP_LISTEN", format!("{SERVER}:8080"));
        let mut tftpd = Daemon::start("tftpd", c, dir.join("tftpd.log"))?;
        tftpd.wait_until(Duration::from_secs(20), || {
            ready(&ns, &format!("{http}/ipxe.efi"))
        })?;
        daemons.push(tftpd);

        let lease_file = dir.join("leases");
        let conf = dir.join("dhcpd-shim.toml");
        std::fs::write(
            &conf,
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
                leases = lease_file.display(),
                uefi_boot = if uefi_http { "http" } else { "pxe" },
            ),
        )
        .map_err(|e| e.to_string())?;
        let mut c = ns.command(bin("dhcpd-shim"));
        c.arg("--config").arg(&conf);
        let mut dhcpd = Daemon::start("dhcpd-shim", c, dir.join("dhcpd-shim.log"))?;
        let name = ns.name.clone();
        dhcpd.wait_until(Duration::from_secs(20), || {
            Command::new("ip")
                .args(["netns", "exec", &name, "ss", "-uln"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains(":67 "))
                .unwrap_or(false)
        })?;
        daemons.push(dhcpd);

        Ok(Stack {
            dir: dir.to_path_buf(),
            smd_url,
            bss_url,
            http,
            lease_file,
            inventory: dir.join("inventory.json"),
            daemons,
            _pg: pg,
            ns,
        })
    }

    /// The serial console file of node `i`.
    pub fn console(&self, i: usize) -> PathBuf {
        self.dir.join(format!("console-{i}.log"))
    }

    /// Start one simulated BMC per node (`172.16.0.10+i:443`, HTTPS, admin /
    /// password) whose system carries the node's MAC; its Reset On starts the
    /// node's QEMU on `tap<i>`, ForceOff stops it.
    pub fn start_bmcs(&mut self, nodes: usize, fw: Firmware) -> Result<(), String> {
        let mut spec = String::from(
            "listen = \"172.16.0.10\"\nport_base = 443\nscheme = \"https\"\nusername = \"admin\"\npassword = \"password\"\n",
        );
        spec.push_str(&format!("bmcs = {nodes}\n"));
        for i in 0..nodes {
            let mac = node_mac(i);
            let vm_dir = self.dir.join(format!("vm-{i}"));
            std::fs::create_dir_all(&vm_dir).map_err(|e| e.to_string())?;
            let argv = qemu::command_line(fw, &mac, &format!("tap{i}"), &self.console(i), &vm_dir)?;
            let start = format!(
                "{} > {} 2>&1 &",
                shell_join(&argv),
                vm_dir.join("qemu.log").display()
            );
            spec.push_str(&format!(
                "\n[[bmc]]\naddress = \"{}:443\"\n[[bmc.systems]]\nmacs = [\"{mac}\"]\npower_state = \"Off\"\n[bmc.systems.on_reset]\nOn = {start:?}\nForceOff = \"pkill -f 'mac={mac}' || true\"\n",
                bmc_address(i)
            ));
        }
        let path = self.dir.join("bmcs.toml");
        std::fs::write(&path, spec).map_err(|e| e.to_string())?;
        let mut c = self.ns.command(crate::bin("redfish-sim"));
        c.arg("--config").arg(&path);
        let mut sim = Daemon::start("redfish-sim", c, self.dir.join("redfish-sim.log"))?;
        let ns = &self.ns;
        for i in 0..nodes {
            let url = format!("https://{}:443/redfish/v1/", bmc_address(i));
            sim.wait_until(Duration::from_secs(20), || {
                ns.curl(&["-k", "-o", "/dev/null", &url])
                    .map(|r| r.0 == 200)
                    .unwrap_or(false)
            })?;
        }
        self.daemons.push(sim);
        Ok(())
    }

    /// The seed's discovery: `magellan.sh --scan ".." --collect ".."`, which
    /// scans the subnet, walks the BMCs and POSTs them to SMD.
    pub fn discover(&self) -> Result<String, String> {
        let cache = self.dir.join("assets.db");
        let script = crate::workspace_root().join("crates/magellan/magellan.sh");
        run_ok(
            self.ns
                .command("bash")
                .arg(&script)
                .arg("--scan")
                .arg(format!("--subnet 172.16.0.0/24 --port 443 --timeout 3 --cache {}", cache.display()))
                .arg("--collect")
                .arg(format!(
                    "--user admin --pass password --host http://{SERVER} --port 27779 --cache {} -o {}",
                    cache.display(),
                    self.inventory.display()
                ))
                // The simulated BMCs have self-signed certificates.
                .env("MAGELLAN_INSECURE", "true")
                .env("PATH", format!("{}:{}", crate::bin_dir().display(), std::env::var("PATH").unwrap_or_default())),
        )
    }

    /// GET a URL inside the namespace as JSON, expecting 200.
    pub fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        get_json(&self.ns, url)
    }

    /// The nodes SMD knows, with the MAC of each (from its Ethernet interfaces).
    pub fn nodes(&self) -> Result<Vec<Node>, String> {
        smd_nodes(&self.ns, &self.smd_url)
    }

    /// POST boot parameters for `mac` as the seed does: kernel and initrd on
    /// tftpd's HTTP listener, a serial console.
    pub fn post_boot_params(&self, mac: &str) -> Result<(), String> {
        post_boot_params(&self.ns, &self.bss_url, &self.http, mac)
    }

    /// `magellan power <xname> -r On` through the BMC's Redfish Reset action.
    pub fn power_on(&self, xname: &str) -> Result<(), String> {
        run_ok(
            self.ns
                .command(crate::bin("magellan"))
                .args([
                    "power", xname, "-r", "On", "-i", "-u", "admin", "-p", "password", "-f",
                ])
                .arg(&self.inventory),
        )
        .map(|_| ())
    }

    /// The SMD-recorded IP addresses of `mac`.
    pub fn smd_ips(&self, mac: &str) -> Result<(String, Vec<String>), String> {
        let id = mac.replace(':', "");
        let eth = self.get_json(&format!(
            "{}/hsm/v2/Inventory/EthernetInterfaces/{id}",
            self.smd_url
        ))?;
        let ips = eth["IPAddresses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["IPAddress"].as_str().map(str::to_owned))
            .collect();
        Ok((
            eth["ComponentID"].as_str().unwrap_or_default().to_owned(),
            ips,
        ))
    }

    /// The last lines of every daemon's log, for failure messages.
    pub fn logs(&self) -> String {
        self.daemons
            .iter()
            .map(|d| {
                let text = d.log_text();
                let lines: Vec<&str> = text.lines().collect();
                format!(
                    "--- {} ---\n{}",
                    d.name,
                    lines[lines.len().saturating_sub(25)..].join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// GET a URL inside `ns` as JSON, expecting 200.
pub fn get_json(ns: &Netns, url: &str) -> Result<serde_json::Value, String> {
    let (code, body) = ns.curl(&[url])?;
    if code != 200 {
        return Err(format!("GET {url}: {code} {body}"));
    }
    json(&body)
}

/// The nodes the SMD at `smd_url` knows, with the MAC of each (from its
/// Ethernet interfaces), by NID.
pub fn smd_nodes(ns: &Netns, smd_url: &str) -> Result<Vec<Node>, String> {
    let comps = get_json(ns, &format!("{smd_url}/hsm/v2/State/Components?type=Node"))?;
    let ifaces = get_json(
        ns,
        &format!("{smd_url}/hsm/v2/Inventory/EthernetInterfaces"),
    )?;
    let mut out = Vec::new();
    for c in comps["Components"].as_array().cloned().unwrap_or_default() {
        let xname = c["ID"].as_str().unwrap_or_default().to_owned();
        let nid = c["NID"]
            .as_i64()
            .ok_or_else(|| format!("node without NID: {c}"))?;
        let mac = ifaces
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["ComponentID"] == xname.as_str())
            .and_then(|e| e["MACAddress"].as_str())
            .ok_or_else(|| format!("no Ethernet interface for {xname}"))?
            .to_owned();
        out.push(Node { xname, nid, mac });
    }
    out.sort_by_key(|n| n.nid);
    Ok(out)
}

/// POST boot parameters for `mac` to the BSS at `bss_url` as the seed does:
/// kernel and initrd under `http` (`vmlinuz`, `initrd.img`), a serial console.
pub fn post_boot_params(ns: &Netns, bss_url: &str, http: &str, mac: &str) -> Result<(), String> {
    let params = serde_json::json!({
        "macs": [mac],
        "kernel": format!("{http}/vmlinuz"),
        "initrd": format!("{http}/initrd.img"),
        "params": "console=ttyS0,115200 quiet",
    });
    let url = format!("{bss_url}/boot/v1/bootparameters");
    let (code, body) = ns.curl(&["-X", "POST", &url, "-d", &params.to_string()])?;
    if code != 201 {
        return Err(format!("POST {url}: {code} {body}"));
    }
    Ok(())
}
