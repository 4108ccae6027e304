//! The container path, as an operator runs it, against a real Docker engine:
//! `cargo xtask build-images` → `docker-compose up -d` with the generated
//! `deploy/compose.yaml` → every service healthy → the seed's two health
//! checks byte-exact → simulated BMCs from the `redfish-sim` image → the
//! seed's `docker run … /magellan.sh --scan … --collect …` fills SMD → the
//! seed's boot parameters → a QEMU node (SeaBIOS + iPXE) boots to its login
//! banner through the containerised dhcpd-shim, tftpd and bss → `down` +
//! `up` keeps components and leases → `down -v` deletes them.
//!
//! Everything runs inside a network namespace the test creates, with a
//! private containerd and dockerd in it (`ochami_e2e::docker`); no registry
//! is reached: the images are `FROM scratch`, PostgreSQL is
//! `ochami/postgres:15` built from Debian packages (`build-images --postgres`).

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ochami_e2e::docker::Engine;
use ochami_e2e::netns::Netns;
use ochami_e2e::proc::{run_ok, wait_until, Daemon};
use ochami_e2e::qemu::{self, Firmware};
use ochami_e2e::stack::{self, node_mac, SERVER};
use ochami_e2e::{assets, bin, cache_dir, need, workspace_root};

/// What the seed's two health checks print (with the newline Go's JSON
/// encoder ends OpenCHAMI's answers with).
const SMD_READY: &str = "{\"code\":0,\"message\":\"HSM is healthy\"}\n";
const BSS_STATUS: &str = "{\"bss-status\":\"running\"}\n";

/// The seed's limit for one image.
const MAX_IMAGE_BYTES: u64 = 25_000_000;

const BMC: &str = "172.16.0.10";

/// The images `cargo xtask build-images` makes, `ochami/<name>`.
const IMAGES: [&str; 6] = [
    "smd",
    "bss",
    "tftpd",
    "dhcpd-shim",
    "magellan",
    "redfish-sim",
];

/// `program --env-file ENV -f deploy/compose.yaml`: docker-compose (1.29 or
/// v2) on the generated file with a site's settings.
fn compose_command(mut c: Command, env_file: &Path) -> Command {
    c.arg("--env-file")
        .arg(env_file)
        .arg("-f")
        .arg(workspace_root().join("deploy/compose.yaml"));
    c
}

struct Compose<'a> {
    engine: &'a Engine,
    project: String,
    env_file: PathBuf,
}

impl Compose<'_> {
    fn command(&self) -> Command {
        let mut c = compose_command(self.engine.client("docker-compose"), &self.env_file);
        c.arg("-p").arg(&self.project);
        c
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        run_ok(self.command().args(args))
    }

    /// The container id of `service`.
    fn id(&self, service: &str) -> Result<String, String> {
        let id = self.run(&["ps", "-q", service])?.trim().to_owned();
        if id.is_empty() {
            Err(format!("{service} has no container"))
        } else {
            Ok(id)
        }
    }

    fn inspect(&self, service: &str, format: &str) -> Result<String, String> {
        let id = self.id(service)?;
        run_ok(self.engine.docker().args(["inspect", "-f", format, &id]))
            .map(|s| s.trim().to_owned())
    }

    /// Wait until the health-checked services are healthy and the others
    /// run; the seconds it took.
    fn wait_healthy(&self, since: Instant) -> Result<f64, String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let mut waiting = Vec::new();
            for svc in ["postgres", "smd", "bss"] {
                let h = self
                    .inspect(svc, "{{.State.Health.Status}}")
                    .unwrap_or_default();
                if h != "healthy" {
                    waiting.push(format!("{svc}: {h}"));
                }
            }
            for svc in ["tftpd", "dhcpd-shim"] {
                let s = self.inspect(svc, "{{.State.Status}}").unwrap_or_default();
                if s != "running" {
                    waiting.push(format!("{svc}: {s}"));
                }
            }
            if waiting.is_empty() {
                return Ok(since.elapsed().as_secs_f64());
            }
            if Instant::now() > deadline {
                let logs = self
                    .run(&["logs", "--no-color", "--tail", "30"])
                    .unwrap_or_else(|e| e);
                return Err(format!("not healthy after 120 s: {waiting:?}\n{logs}"));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The host path of a named volume of this project.
    fn volume_path(&self, volume: &str) -> Result<PathBuf, String> {
        run_ok(self.engine.docker().args([
            "volume",
            "inspect",
            "-f",
            "{{.Mountpoint}}",
            &format!("{}_{volume}", self.project),
        ]))
        .map(|s| PathBuf::from(s.trim()))
    }

    fn logs(&self) -> String {
        self.run(&["logs", "--no-color", "--tail", "40"])
            .unwrap_or_else(|e| e)
    }
}

/// The uid a running container's main process has (from /proc: host-network
/// containers run in this machine's PID namespace view).
fn process_uid(compose: &Compose, service: &str) -> Result<String, String> {
    let pid = compose.inspect(service, "{{.State.Pid}}")?;
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|u| u.split_whitespace().nth(1))
        .map(str::to_owned)
        .ok_or_else(|| format!("no Uid in /proc/{pid}/status"))
}

fn listening(ns: &Netns, flag: &str, port: &str) -> bool {
    run_ok(ns.command("ss").arg(flag))
        .map(|t| t.lines().any(|l| l.contains(&format!(":{port} "))))
        .unwrap_or(false)
}

/// Debian's docker-compose 1.29 and Compose v2 (Debian trixie's 2.26, the
/// Go implementation `docker compose` is) both read the generated file with
/// every profile on, with no warning, and see every service.
#[test]
fn the_compose_file_is_valid_for_compose_v1_and_v2() {
    let v2 = ochami_e2e::debian::fetch("trixie", "docker-compose", &cache_dir())
        .expect("Compose v2")
        .join("usr/libexec/docker/cli-plugins/docker-compose");
    let v1 = PathBuf::from("/usr/bin/docker-compose");
    assert!(
        v1.exists(),
        "{}: apt-get install docker-compose",
        v1.display()
    );
    let dir = std::env::temp_dir().join(format!("ochami-compose-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("test.env");
    std::fs::write(
        &env_file,
        "POSTGRES_PASSWORD=a\nSMD_DB_PASSWORD=b\nBSS_DB_PASSWORD=c\n",
    )
    .unwrap();
    for compose in [&v1, &v2] {
        let out = run_ok(compose_command(Command::new(compose), &env_file).args([
            "--profile",
            "sim",
            "--profile",
            "tools",
            "config",
        ]))
        .unwrap_or_else(|e| panic!("{}: {e}", compose.display()));
        assert!(
            !out.to_lowercase().contains("warn"),
            "{}:\n{out}",
            compose.display()
        );
        for svc in [
            "postgres",
            "smd-init",
            "smd",
            "bss-init",
            "bss",
            "tftpd",
            "dhcpd-shim",
            "magellan",
            "redfish-sim",
        ] {
            assert!(
                out.contains(&format!("\n  {svc}:\n")),
                "{}: no {svc}:\n{out}",
                compose.display()
            );
        }
        assert!(
            out.contains("postgres://smd:b@postgres:5432/hmsds"),
            "{out}"
        );
    }
    // Without the passwords both refuse to start, naming deploy/.env.
    std::fs::write(&env_file, "").unwrap();
    for compose in [&v1, &v2] {
        let err =
            run_ok(compose_command(Command::new(compose), &env_file).arg("config")).unwrap_err();
        assert!(err.contains("deploy/.env"), "{}: {err}", compose.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compose_stack_from_the_images_discovers_bmcs_and_boots_a_node() {
    if !need::root("network namespaces, its own dockerd, ports 67/69") {
        return;
    }
    ochami_e2e::docker::require_tools().unwrap();
    let started = Instant::now();
    let guest = assets::guest(&cache_dir()).expect("guest image");
    let dir = std::env::temp_dir().join(format!("ochami-containers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The namespace: br0 with the server and BMC addresses, a tap for QEMU.
    let ns = Netns::with_bridge(&format!("{SERVER}/24"), &[format!("{BMC}/24")], 1).unwrap();
    let engine = Engine::start(&ns, Path::new(&format!("/tmp/ocd-{}", std::process::id())))
        .unwrap_or_else(|e| panic!("private dockerd: {e}"));

    // `cargo xtask build-images`, into this engine (the release binaries are
    // built by `cargo xtask test` before the suite runs).
    let t = Instant::now();
    let out = run_ok(
        engine
            .client(bin("xtask"))
            .args(["build-images", "--postgres"])
            .env("CARGO_MANIFEST_DIR", workspace_root().join("xtask")),
    )
    .unwrap_or_else(|e| panic!("build-images: {e}\n{}", engine.log()));
    let build_secs = t.elapsed().as_secs_f64();
    eprintln!("{out}");
    for image in IMAGES {
        for tag in ["latest", env!("CARGO_PKG_VERSION")] {
            let name = format!("ochami/{image}:{tag}");
            let size: u64 =
                run_ok(
                    engine
                        .docker()
                        .args(["image", "inspect", "-f", "{{.Size}}", &name]),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .trim()
                .parse()
                .unwrap();
            assert!(size <= MAX_IMAGE_BYTES, "{name} is {size} bytes");
            let user =
                run_ok(
                    engine
                        .docker()
                        .args(["image", "inspect", "-f", "{{.Config.User}}", &name]),
                )
                .unwrap();
            assert_eq!(user.trim(), "65532:65532", "{name} runs as a non-root user");
        }
    }

    // `--save`: archives an air-gapped head node loads. The redfish-sim image
    // used below is the one loaded back from its archive.
    let saved = dir.join("saved");
    run_ok(
        engine
            .client(bin("xtask"))
            .args(["build-images", "--no-build", "--save"])
            .arg(&saved)
            .env("CARGO_MANIFEST_DIR", workspace_root().join("xtask")),
    )
    .unwrap();
    let version = env!("CARGO_PKG_VERSION");
    for image in IMAGES {
        let archive = saved.join(format!("ochami-{image}-{version}.tar"));
        assert!(archive.exists(), "{} written", archive.display());
    }
    let sim_tags = [
        format!("ochami/redfish-sim:{version}"),
        "ochami/redfish-sim:latest".to_owned(),
    ];
    run_ok(engine.docker().arg("rmi").args(&sim_tags)).unwrap();
    run_ok(
        engine
            .docker()
            .args(["load", "-i"])
            .arg(saved.join(format!("ochami-redfish-sim-{version}.tar"))),
    )
    .unwrap();
    for tag in &sim_tags {
        run_ok(engine.docker().args(["image", "inspect", tag]))
            .unwrap_or_else(|e| panic!("{tag} loaded: {e}"));
    }

    // The site's settings and secrets, as deploy/.env would hold them.
    let boot = dir.join("boot");
    std::fs::create_dir_all(&boot).unwrap();
    std::fs::copy(&guest.kernel, boot.join("vmlinuz")).unwrap();
    std::fs::copy(&guest.initrd, boot.join("initrd.img")).unwrap();
    let sim_config = dir.join("bmcs.toml");
    let mac = node_mac(0);
    std::fs::write(
        &sim_config,
        format!(
            "listen = \"{BMC}\"\nport_base = 443\nscheme = \"https\"\nusername = \"admin\"\npassword = \"password\"\nbmcs = 1\n\
             [[bmc]]\naddress = \"{BMC}:443\"\n[[bmc.systems]]\nmacs = [\"{mac}\"]\npower_state = \"Off\"\n"
        ),
    )
    .unwrap();
    let env_file = dir.join("test.env");
    std::fs::write(
        &env_file,
        format!(
            "POSTGRES_PASSWORD=pg-{pid}\nSMD_DB_PASSWORD=smd-{pid}\nBSS_DB_PASSWORD=bss-{pid}\n\
             OCHAMI_POSTGRES_IMAGE=ochami/postgres:15\nOCHAMI_BOOT_DIR={boot}\nOCHAMI_SIM_CONFIG={sim}\n",
            pid = std::process::id(),
            boot = boot.display(),
            sim = sim_config.display(),
        ),
    )
    .unwrap();
    let compose = Compose {
        engine: &engine,
        project: format!("ochamitest{}", std::process::id()),
        env_file,
    };

    // Up, and healthy.
    let t = Instant::now();
    compose
        .run(&["up", "-d"])
        .unwrap_or_else(|e| panic!("{e}\n{}", compose.logs()));
    let healthy_secs = compose.wait_healthy(t).unwrap();
    wait_until("tftpd on :69", Duration::from_secs(20), || {
        listening(&ns, "-uln", "69")
    })
    .unwrap();
    wait_until("dhcpd-shim on :67", Duration::from_secs(20), || {
        listening(&ns, "-uln", "67")
    })
    .unwrap();
    for svc in ["smd", "bss", "tftpd", "dhcpd-shim"] {
        assert_eq!(
            process_uid(&compose, svc).unwrap(),
            "65532",
            "{svc} runs as uid 65532"
        );
    }

    // `docker logs` is no terminal: plain text, no colour codes.
    let logs = compose
        .run(&["logs", "--no-color", "smd", "bss", "tftpd", "dhcpd-shim"])
        .unwrap();
    assert!(logs.contains("INFO"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in the logs:\n{logs}"
    );

    // The seed's two health checks, byte for byte, through the published ports.
    let smd = "http://127.0.0.1:27779";
    let bss = "http://127.0.0.1:27778";
    assert_eq!(
        ns.curl(&[&format!("{smd}/hsm/v2/service/ready")]).unwrap(),
        (200, SMD_READY.into())
    );
    assert_eq!(
        ns.curl(&[&format!("{bss}/boot/v1/service/status")])
            .unwrap(),
        (200, BSS_STATUS.into())
    );
    // tftpd serves the iPXE builds its image carries, with no volume for them.
    let (code, _) = ns
        .curl(&[
            "-o",
            "/dev/null",
            &format!("http://{SERVER}:8080/undionly.kpxe"),
        ])
        .unwrap();
    assert_eq!(code, 200, "undionly.kpxe from the tftpd image");

    // Simulated BMCs from the redfish-sim image (the compose file's `sim` profile).
    compose
        .run(&["--profile", "sim", "up", "-d", "redfish-sim"])
        .unwrap();
    wait_until("the simulated BMC", Duration::from_secs(30), || {
        ns.curl(&[
            "-k",
            "-o",
            "/dev/null",
            &format!("https://{BMC}:443/redfish/v1/"),
        ])
        .is_ok_and(|(c, _)| c == 200)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", compose.logs()));

    // The seed's discovery line, from the magellan image.
    let t = Instant::now();
    run_ok(engine.docker().args([
        "run",
        "--rm",
        "--network",
        "host",
        "-e",
        "MAGELLAN_INSECURE=true",
        "ochami/magellan:latest",
        "/magellan.sh",
        "--scan",
        "--subnet 172.16.0.0/24 --port 443 --timeout 3",
        "--collect",
        &format!("--user admin --pass password --host http://{SERVER} --port 27779"),
    ]))
    .unwrap_or_else(|e| panic!("magellan.sh: {e}\n{}", compose.logs()));
    let discover_secs = t.elapsed().as_secs_f64();
    let nodes = stack::smd_nodes(&ns, smd).unwrap();
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    let node = nodes[0].clone();
    assert_eq!(node.mac, mac);

    // The seed's boot parameters; kernel and initrd from tftpd's boot dir.
    stack::post_boot_params(&ns, bss, &format!("http://{SERVER}:8080/boot"), &mac).unwrap();

    // Power on: a SeaBIOS + iPXE VM on the namespace's bridge.
    let console = dir.join("console.log");
    let vm_dir = dir.join("vm");
    std::fs::create_dir_all(&vm_dir).unwrap();
    let argv = qemu::command_line(Firmware::Bios, &mac, "tap0", &console, &vm_dir).unwrap();
    let mut cmd = ns.command(&argv[0]);
    cmd.args(&argv[1..]);
    let t = Instant::now();
    let _vm = Daemon::start("qemu", cmd, dir.join("qemu.log")).unwrap();
    let text = qemu::wait_for_console(&console, assets::LOGIN_MARKER, Duration::from_secs(150))
        .unwrap_or_else(|e| panic!("{e}\n{}", compose.logs()));
    let boot_secs = t.elapsed().as_secs_f64();
    let ip = assets::booted_as(&text, &node.xname, node.nid)
        .unwrap_or_else(|e| panic!("{e}\n{}", compose.logs()))
        .ip;
    let leases = compose.volume_path("leases").unwrap().join("leases");
    assert!(
        std::fs::read_to_string(&leases)
            .unwrap_or_default()
            .contains(&ip),
        "the lease journal in the leases volume records {ip}"
    );

    // down + up: components and leases survive in their volumes.
    compose.run(&["--profile", "sim", "down"]).unwrap();
    assert!(compose.id("smd").is_err(), "down removed the containers");
    let t = Instant::now();
    compose
        .run(&["up", "-d"])
        .unwrap_or_else(|e| panic!("{e}\n{}", compose.logs()));
    let again_secs = compose.wait_healthy(t).unwrap();
    assert_eq!(stack::smd_nodes(&ns, smd).unwrap(), vec![node.clone()]);
    let (code, script) = ns
        .curl(&[&format!("{bss}/boot/v1/bootscript?mac={mac}")])
        .unwrap();
    assert_eq!(code, 200);
    assert!(
        script.contains(&format!("xname={}", node.xname)),
        "{script}"
    );
    assert!(std::fs::read_to_string(&leases)
        .unwrap_or_default()
        .contains(&ip));

    // down -v: the data goes with the volumes.
    compose.run(&["--profile", "sim", "down", "-v"]).unwrap();
    let volumes = run_ok(engine.docker().args(["volume", "ls", "-q"])).unwrap();
    assert!(
        !volumes.contains(&format!("{}_pgdata", compose.project))
            && !volumes.contains(&format!("{}_leases", compose.project)),
        "{volumes}"
    );

    eprintln!(
        "containers: images built in {build_secs:.1} s; all healthy {healthy_secs:.1} s after up \
         (again after down: {again_secs:.1} s); discovery {discover_secs:.1} s; \
         power-on to login {boot_secs:.1} s; whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(compose);
    drop(engine);
    drop(ns);
    let _ = std::fs::remove_dir_all(&dir);
}
