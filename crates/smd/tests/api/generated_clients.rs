//! Clients generated from the committed documents (`openapi/smd.json`,
//! `openapi/bss.json`) by generators a user would pick, with zero generator
//! warnings, telling the seed's story against live smd and bss on real
//! PostgreSQL: health, magellan's RedfishEndpoints POST (the SchemaVersion-1
//! payload of a simulated BMC, walked by the same code as `magellan collect`),
//! the nodes as typed models, boot parameters for a node's MAC, and the boot
//! script naming the node.
//!
//! - Python: openapi-python-client, in a venv under `target/tools/python`.
//! - TypeScript: openapi-typescript types + openapi-fetch, type-checked by
//!   `tsc --strict` and run by node, under `target/tools/node`.
//!
//! `cargo xtask tools` installs both (pinned; `cargo xtask test` does too).
//! Without them these tests fail, naming what is missing.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use ochami_redfish::client::{http_client, Session, TlsOptions};
use ochami_redfish::collect::crawl;
use ochami_testkit::{spawn_bss, spawn_smd, TestServer};
use redfish_sim::{BmcSpec, Simulator, Spec};

/// The BMC's xname; its nodes are `x1000c1s7b0n0` and `x1000c1s7b0n1`.
const BMC: &str = "x1000c1s7b0";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where `cargo xtask tools` installs the generators: `target/tools`.
fn tools() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .join("tools")
}

/// `path`, or a failure naming it and how to install it.
fn tool(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask tools` (installs the pinned client generators)",
        path.display()
    );
    path
}

/// A fresh directory for this test's generated code.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("generated-clients")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch dir");
    dir
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Run `cmd`; panic with its output unless it succeeds.
async fn run(what: &str, cmd: &mut tokio::process::Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let t = text(&out);
    assert!(out.status.success(), "{what} failed ({}):\n{t}", out.status);
    t
}

/// What `magellan collect` POSTs for one simulated BMC with two nodes.
async fn magellan_payload(sim: &Simulator) -> serde_json::Value {
    let bmc = &sim.bmcs()[0];
    let client = http_client(
        &TlsOptions {
            insecure: true,
            cacert: None,
        },
        Duration::from_secs(10),
    )
    .expect("an HTTP client");
    let session = Session::open(&client, &bmc.url, "admin", "password")
        .await
        .expect("log in to the simulated BMC");
    let ip: IpAddr = bmc.address.ip();
    let inventory = crawl(&session, Some(ip)).await.expect("walk the BMC");
    session.close().await;
    let endpoint = inventory.into_endpoint(BMC.into(), bmc.address.to_string(), "admin".into());
    serde_json::to_value(endpoint).expect("the payload serialises")
}

/// smd with magellan's simulated BMC ready to be collected, bss beside it,
/// and the payload file.
struct Stack {
    smd: TestServer,
    bss: TestServer,
    payload: PathBuf,
    _sim: Simulator,
}

async fn stack(dir: &Path) -> Stack {
    let sim = Simulator::start(&Spec {
        systems_per_bmc: 2,
        bmc: vec![BmcSpec::default()],
        ..Spec::default()
    })
    .await
    .expect("the Redfish simulator starts");
    let payload = dir.join("magellan-payload.json");
    let body = serde_json::to_vec_pretty(&magellan_payload(&sim).await).unwrap();
    std::fs::write(&payload, body).expect("write the payload");
    let smd = spawn_smd().await;
    let bss = spawn_bss(&smd.url).await;
    Stack {
        smd,
        bss,
        payload,
        _sim: sim,
    }
}

/// The story's lines, checked the same way for every client.
fn assert_story(client: &str, out: &str) {
    let want = [
        "smd ready: 0 HSM is healthy".to_owned(),
        "bss status: running".to_owned(),
        format!("created: /hsm/v2/Inventory/RedfishEndpoints/{BMC}"),
        format!("nodes: {BMC}n0(NID 1, On) {BMC}n1(NID 2, On)"),
        format!("{BMC}n0 MAC: "),
        "boot parameters: kernel http://172.16.0.253:8080/vmlinuz".to_owned(),
        "bootscript: kernel --name kernel http://172.16.0.253:8080/vmlinuz ".to_owned(),
    ];
    let lines: Vec<&str> = out.lines().collect();
    for w in &want {
        assert!(
            lines.iter().any(|l| l.starts_with(w.as_str())),
            "{client}: no line starting {w:?} in:\n{out}"
        );
    }
    let script = lines
        .iter()
        .find(|l| l.starts_with("bootscript: "))
        .unwrap();
    assert!(
        script.contains(&format!("xname={BMC}n0")) && script.contains("console=ttyS0,115200"),
        "{client}: the boot script names the node and carries its params: {script}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_generated_without_warnings_tell_the_seed_story() {
    let venv = tools().join("python/bin");
    let generator = tool(venv.join("openapi-python-client"));
    let python = tool(venv.join("python"));
    let dir = scratch("python");
    // The generator formats with ruff from the same venv.
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (doc, package) in [("smd.json", "smd_client"), ("bss.json", "bss_client")] {
        let out = run(
            "openapi-python-client",
            tokio::process::Command::new(&generator)
                .args(["generate", "--meta", "none", "--overwrite", "--path"])
                .arg(workspace().join("openapi").join(doc))
                .arg("--output-path")
                .arg(dir.join(package))
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .current_dir(&dir),
        )
        .await;
        // Zero warnings: the one line it prints when every schema and
        // operation was generated.
        assert_eq!(
            out.trim(),
            format!("Generating {}", dir.join(package).display()),
            "openapi-python-client on openapi/{doc} said more than that it generated"
        );
    }

    let s = stack(&dir).await;
    let out = run(
        "the Python story",
        tokio::process::Command::new(&python)
            .arg(workspace().join("crates/smd/tests/api/clients/story.py"))
            .env("PYTHONPATH", &dir)
            .env("SMD_URL", &s.smd.url)
            .env("BSS_URL", &s.bss.url)
            .env("PAYLOAD", &s.payload)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    )
    .await;
    println!("{out}");
    assert_story("python", &out);
}

/// openapi-typescript's output when all went well: its banner and one line
/// per document written; anything else (a warning, a lint finding) fails.
fn assert_quiet_typescript_generator(doc: &str, out: &str) {
    for line in out.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with("✨ openapi-typescript ") || line.starts_with("🚀 "),
            "openapi-typescript on openapi/{doc} said more than that it generated:\n{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_clients_generated_without_warnings_type_check_and_tell_the_seed_story() {
    let node_dir = tools().join("node");
    let bin = node_dir.join("node_modules/.bin");
    let generator = tool(bin.join("openapi-typescript"));
    let tsc = tool(bin.join("tsc"));
    let dir = scratch("typescript");
    for (doc, out) in [("smd.json", "smd.ts"), ("bss.json", "bss.ts")] {
        let said = run(
            "openapi-typescript",
            tokio::process::Command::new(&generator)
                .arg(workspace().join("openapi").join(doc))
                .arg("-o")
                .arg(dir.join(out))
                .env("NO_COLOR", "1")
                .current_dir(&dir),
        )
        .await;
        assert_quiet_typescript_generator(doc, &said);
    }

    // The story beside the types, as an ES module using the pinned packages.
    std::fs::copy(
        workspace().join("crates/smd/tests/api/clients/story.ts"),
        dir.join("story.ts"),
    )
    .expect("copy story.ts");
    std::os::unix::fs::symlink(node_dir.join("node_modules"), dir.join("node_modules"))
        .expect("link node_modules");
    std::fs::write(dir.join("package.json"), "{\"type\": \"module\"}\n").unwrap();
    let tsconfig = serde_json::json!({
        "compilerOptions": {
            "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
            "strict": true, "noEmitOnError": true, "noUncheckedIndexedAccess": false,
            "types": ["node"], "outDir": "out"
        },
        "files": ["story.ts"]
    });
    std::fs::write(dir.join("tsconfig.json"), tsconfig.to_string()).unwrap();
    run(
        "tsc (type-checking the story against the generated types)",
        tokio::process::Command::new(&tsc)
            .args(["-p", "tsconfig.json", "--pretty", "false"])
            .current_dir(&dir),
    )
    .await;

    let s = stack(&dir).await;
    let out = run(
        "the TypeScript story (node)",
        tokio::process::Command::new("node")
            .arg(dir.join("out/story.js"))
            .env("SMD_URL", &s.smd.url)
            .env("BSS_URL", &s.bss.url)
            .env("PAYLOAD", &s.payload)
            .current_dir(&dir),
    )
    .await;
    println!("{out}");
    assert_story("typescript", &out);
}
