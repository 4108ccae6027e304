//! Test support: a throwaway pair of network namespaces joined by a veth pair,
//! a fake SMD speaking OpenCHAMI's JSON over real HTTP, and the dhcpd-shim
//! binary started inside the server namespace. Everything is torn down by
//! Drop guards, also when a test fails. Nothing touches the host's network.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

pub const SERVER_IP: &str = "10.66.0.1";

/// True when the test can run: root (network namespaces) and `tools`. A
/// missing one fails the test, unless `OCHAMI_SKIP` names it
/// (`ochami_e2e::need`): then false, after a `SKIPPED (..)` line.
pub fn can_run(tools: &[&str]) -> bool {
    let mut all = vec!["ip"];
    all.extend_from_slice(tools);
    ochami_e2e::need::root("network namespaces") && ochami_e2e::need::tools(&all)
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("run command");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Server namespace (`veth0`, 10.66.0.1/24, lo up) and client namespace
/// (`veth1`, no address), deleted on drop.
pub struct Lab {
    pub srv: String,
    pub cli: String,
    pub dir: tempfile::TempDir,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Lab {
    pub fn new() -> Lab {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let id = format!("dsh{}x{n}", std::process::id());
        let lab = Lab {
            srv: format!("{id}s"),
            cli: format!("{id}c"),
            dir: tempfile::tempdir().expect("temp dir"),
        };
        sh(&["ip", "netns", "add", &lab.srv]);
        sh(&["ip", "netns", "add", &lab.cli]);
        // Created inside the namespace: the host never sees these links.
        sh(&[
            "ip", "-n", &lab.srv, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
            "netns", &lab.cli,
        ]);
        sh(&[
            "ip",
            "-n",
            &lab.srv,
            "addr",
            "add",
            "10.66.0.1/24",
            "dev",
            "veth0",
        ]);
        for (ns, dev) in [
            (&lab.srv, "veth0"),
            (&lab.cli, "veth1"),
            (&lab.srv, "lo"),
            (&lab.cli, "lo"),
        ] {
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        lab
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command run inside the client namespace.
    pub fn in_cli(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.cli, prog]);
        c
    }

    pub fn in_srv(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.srv, prog]);
        c
    }

    pub fn set_client_mac(&self, mac: &str) {
        sh(&[
            "ip", "-n", &self.cli, "link", "set", "veth1", "address", mac,
        ]);
    }

    /// A UDP socket bound to `addr` on `veth1` inside the client namespace
    /// (broadcast allowed), for hand-made DHCP clients.
    pub fn udp_in_cli(&self, addr: &str) -> std::net::UdpSocket {
        let ns = format!("/var/run/netns/{}", self.cli);
        let addr: SocketAddr = addr.parse().expect("socket address");
        std::thread::spawn(move || {
            let f = std::fs::File::open(&ns).expect("open netns");
            // SAFETY: setns on this short-lived thread only; the fd is valid.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns failed");
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
                .expect("socket");
            s.set_reuse_address(true).expect("reuse");
            s.set_broadcast(true).expect("broadcast");
            s.bind_device(Some(b"veth1")).expect("bind to veth1");
            s.bind(&addr.into()).expect("bind");
            let s: std::net::UdpSocket = s.into();
            s.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            s
        })
        .join()
        .expect("socket thread")
    }

    /// A TCP listener on 127.0.0.1:0 inside the server namespace.
    pub fn listener_in_srv(&self) -> TcpListener {
        let ns = format!("/var/run/netns/{}", self.srv);
        std::thread::spawn(move || {
            let f = std::fs::File::open(&ns).expect("open netns");
            // SAFETY: setns on this short-lived thread only; the fd is valid.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns failed");
            TcpListener::bind("127.0.0.1:0").expect("bind in netns")
        })
        .join()
        .expect("listener thread")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.srv, &self.cli] {
            let _ = Command::new("ip")
                .args(["netns", "pids", ns])
                .output()
                .map(|o| {
                    for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                        let _ = Command::new("kill").args(["-9", pid]).status();
                    }
                });
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// What the fake SMD serves and what was POSTed to it.
#[derive(Default)]
pub struct SmdState {
    pub ifaces: Vec<Value>,
    pub components: Vec<Value>,
    pub posts: Vec<(String, Value)>,
    /// How many times the interface list was fetched.
    pub gets: usize,
}

pub struct FakeSmd {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<SmdState>>,
    pub down: Arc<AtomicBool>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeSmd {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn add_node(&self, mac: &str, xname: &str, nid: u64, ip: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        let ips: Vec<Value> = ip
            .map(|i| json!({"IPAddress": i, "Network": ""}))
            .into_iter()
            .collect();
        s.ifaces.push(json!({
            "ID": mac.replace(':', "").to_lowercase(), "Description": "", "MACAddress": mac,
            "LastUpdate": "2026-01-01T00:00:00Z", "ComponentID": xname, "Type": "Node", "IPAddresses": ips
        }));
        s.components.push(
            json!({"ID": xname, "Type": "Node", "State": "Ready", "NID": nid, "Role": "Compute"}),
        );
    }

    pub fn gets(&self) -> usize {
        self.state.lock().unwrap().gets
    }

    pub fn posts(&self) -> Vec<(String, Value)> {
        self.state.lock().unwrap().posts.clone()
    }
}

impl Drop for FakeSmd {
    fn drop(&mut self) {
        let h = self.handle.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false)));
    }
}

/// Serve the OpenCHAMI SMD shapes dhcpd-shim reads, on `listener`.
/// An interface as SMD sends it: every field present (tests give only some).
fn as_smd_sends(iface: &Value) -> Value {
    let mut full = iface.clone();
    if let Some(m) = full.as_object_mut() {
        for k in [
            "ID",
            "Description",
            "MACAddress",
            "LastUpdate",
            "ComponentID",
            "Type",
        ] {
            m.entry(k).or_insert_with(|| json!(""));
        }
        m.entry("IPAddresses").or_insert_with(|| json!([]));
    }
    full
}

pub fn fake_smd(listener: TcpListener) -> FakeSmd {
    let state = Arc::new(Mutex::new(SmdState::default()));
    let down = Arc::new(AtomicBool::new(false));
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    let (st, dn) = (state.clone(), down.clone());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let (st, dn) = (st.clone(), dn.clone());
                let (st2, dn2) = (st.clone(), dn.clone());
                let (st3, dn3) = (st.clone(), dn.clone());
                App::new()
                    .route(
                        "/hsm/v2/Inventory/EthernetInterfaces",
                        web::get().to(move || {
                            let (st, dn) = (st.clone(), dn.clone());
                            async move {
                                if dn.load(Ordering::SeqCst) {
                                    return HttpResponse::ServiceUnavailable().finish();
                                }
                                let mut s = st.lock().unwrap();
                                s.gets += 1;
                                HttpResponse::Ok()
                                    .json(s.ifaces.iter().map(as_smd_sends).collect::<Vec<_>>())
                            }
                        }),
                    )
                    .route(
                        "/hsm/v2/State/Components",
                        web::get().to(move || {
                            let (st, dn) = (st2.clone(), dn2.clone());
                            async move {
                                if dn.load(Ordering::SeqCst) {
                                    return HttpResponse::ServiceUnavailable().finish();
                                }
                                HttpResponse::Ok().json(
                                    json!({"Components": st.lock().unwrap().components.clone()}),
                                )
                            }
                        }),
                    )
                    .default_service(web::post().to(
                        move |req: actix_web::HttpRequest, body: web::Json<Value>| {
                            let (st, dn) = (st3.clone(), dn3.clone());
                            async move {
                                if dn.load(Ordering::SeqCst) {
                                    return HttpResponse::ServiceUnavailable().finish();
                                }
                                let mut s = st.lock().unwrap();
                                let path = req.path().to_owned();
                                let body = body.into_inner();
                                if path == "/hsm/v2/Inventory/EthernetInterfaces" {
                                    let mac =
                                        body["MACAddress"].as_str().unwrap_or("").to_lowercase();
                                    if s.ifaces.iter().any(|i| {
                                        i["MACAddress"].as_str().unwrap_or("").to_lowercase() == mac
                                    }) {
                                        s.posts.push((path, body));
                                        return HttpResponse::Conflict().finish();
                                    }
                                    let mut entry = body.clone();
                                    entry["ID"] = json!(mac.replace(':', ""));
                                    s.ifaces.push(entry);
                                }
                                s.posts.push((path, body));
                                HttpResponse::Created().finish()
                            }
                        },
                    ))
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run();
            let _ = tx.send(server.handle());
            let _ = server.await;
        });
    });
    let handle = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("fake SMD started");
    FakeSmd {
        addr,
        state,
        down,
        handle,
    }
}

/// The dhcpd-shim binary running in the server namespace; killed on drop.
pub struct Shim {
    pub child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Shim {
    pub fn start(lab: &Lab, config: &Path, env: &[(&str, &str)]) -> Shim {
        let mut cmd = lab.in_srv(env!("CARGO_BIN_EXE_dhcpd-shim"));
        cmd.args(["--config", config.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn dhcpd-shim");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("dhcpd-shim serving") {
                    let _ = tx.send(());
                }
                l.lock().unwrap().push(line);
            }
        });
        let shim = Shim { child, log };
        if rx.recv_timeout(Duration::from_secs(30)).is_err() {
            panic!(
                "dhcpd-shim did not start:\n{}",
                shim.log.lock().unwrap().join("\n")
            );
        }
        shim
    }

    pub fn kill9(&mut self) {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    pub fn stop(&mut self) {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config for the lab: veth0, 10.66.0.0/24, pool .100-.150.
pub fn write_config(lab: &Lab, smd_url: &str, extra: &str) -> PathBuf {
    let path = lab.path("dhcpd-shim.toml");
    let text = format!(
        r#"interface = "veth0"
server_address = "{SERVER_IP}"
smd_url = "{smd_url}"
bss_url = "http://{SERVER_IP}:27778"
tftp_server = "{SERVER_IP}"
lease_file = "{lease}"
http_boot_url = "http://{SERVER_IP}:8080/ipxe.efi"
domain = "cluster"
{extra}
[[subnets]]
cidr = "10.66.0.0/24"
routers = ["{SERVER_IP}"]
pool = {{ start = "10.66.0.100", end = "10.66.0.150" }}
lease_time = "1h"
"#,
        lease = lab.path("leases").display()
    );
    std::fs::write(&path, text).expect("write config");
    path
}
