//! Tidy: the invariants ARCHITECTURE.md states, checked on the tree (as
//! rust-analyzer's `xtask/src/tidy.rs` does). Each test reads `cargo
//! metadata` or the sources and names every offence it finds.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The workspace's own packages: name → [(dependency, kind)] among them.
fn project_deps() -> Vec<(String, Vec<(String, String)>)> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let packages = m["packages"].as_array().expect("packages");
    let ours: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let name = d["name"].as_str()?;
                    ours.contains(&name).then(|| {
                        let kind = d["kind"].as_str().unwrap_or("normal").to_owned();
                        (name.to_owned(), kind)
                    })
                })
                .collect();
            (p["name"].as_str().unwrap_or_default().to_owned(), deps)
        })
        .collect()
}

#[test]
fn crate_dependencies_follow_the_architecture() {
    let mut offences = Vec::new();
    for (pkg, deps) in project_deps() {
        let normal: Vec<&str> = deps
            .iter()
            .filter(|(_, k)| k == "normal" || k == "build")
            .map(|(d, _)| d.as_str())
            .collect();
        let forbid = |offences: &mut Vec<String>, rule: &str, bad: &[&str]| {
            for d in normal.iter().filter(|d| bad.contains(d)) {
                offences.push(format!("{pkg} depends on {d}: {rule}"));
            }
        };
        match pkg.as_str() {
            "ochami-types" | "localpg" if !normal.is_empty() => offences.push(format!(
                "{pkg} depends on {normal:?}: it depends on no project crate"
            )),
            "smd-api" => {
                for d in normal.iter().filter(|d| **d != "ochami-types") {
                    offences.push(format!(
                        "smd-api depends on {d}: the contract depends only on ochami-types"
                    ));
                }
            }
            _ => {}
        }
        // Only the test kit, the e2e harness and xtask may link the test tools.
        if !["ochami-testkit", "ochami-e2e", "xtask"].contains(&pkg.as_str()) {
            forbid(
                &mut offences,
                "test tools are dev-dependencies",
                &["ochami-testkit", "redfish-sim", "localpg", "ochami-e2e"],
            );
        }
        // Services talk to smd and bss over HTTP, never by linking them.
        if pkg != "ochami-testkit" {
            forbid(
                &mut offences,
                "only HTTP reaches smd and bss",
                &["smd", "bss"],
            );
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// Type names of SMD's wire contract; only `smd-api` may declare them.
const SMD_WIRE_TYPES: &[&str] = &[
    "Component",
    "ComponentArray",
    "ComponentEndpoint",
    "ComponentEndpointArray",
    "EthernetInterface",
    "IpAddressEntry",
    "IpAddressMapping",
    "RedfishEndpoint",
    "RedfishEndpointArray",
    "SmdRedfishEndpoint",
    "SmdComponentEndpoint",
    "InventoryDetail",
    "SystemIn",
    "ManagerIn",
    "Manager",
    "Subscription",
    "SubscriptionList",
    "ScnPayload",
    "Scn",
    "Members",
    "ServiceEndpoint",
];

/// JSON keys only SMD's wire types carry: a serde struct outside smd-api
/// renaming a field to one of these is a copy of the contract.
const SMD_WIRE_KEYS: &[&str] = &[
    "ComponentID",
    "ComponentEndpoints",
    "RedfishEndpoints",
    "RedfishEndpointID",
    "SubscriptionList",
    "IPAddresses",
];

#[test]
fn only_smd_api_declares_smd_wire_types() {
    let mut offences = Vec::new();
    let crates = root().join("crates");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.ends_with("smd-api"))
        .collect();
    dirs.push(root().join("tests"));
    dirs.push(root().join("xtask"));
    for dir in dirs {
        for file in rust_files(&dir.join("src")) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let rel = file
                .strip_prefix(root())
                .unwrap_or(&file)
                .display()
                .to_string();
            for (n, line) in text.lines().enumerate() {
                let t = line.trim_start();
                for ty in SMD_WIRE_TYPES {
                    for kw in ["struct", "enum"] {
                        let decl = format!("{kw} {ty}");
                        let declares = [format!("pub {decl}"), decl.clone()]
                            .iter()
                            .any(|d| t.starts_with(d.as_str()))
                            && t[t.find(&decl).map_or(0, |i| i + decl.len())..]
                                .starts_with([' ', '{', '<', '(']);
                        if declares {
                            offences.push(format!("{rel}:{}: declares {ty}", n + 1));
                        }
                    }
                }
                for key in SMD_WIRE_KEYS {
                    if t.starts_with("#[serde(") && t.contains(&format!("rename = \"{key}\"")) {
                        offences.push(format!("{rel}:{}: a field renamed to {key}", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "SMD's wire types live in crates/smd-api (use them, or add what is missing there):\n{}",
        offences.join("\n")
    );
}

#[test]
fn sans_io_cores_touch_no_socket_file_or_clock() {
    let cores = [
        "crates/dhcpd-shim/src/protocol.rs",
        "crates/dhcpd-shim/src/boot.rs",
        "crates/dhcpd-shim/src/lease.rs",
        "crates/tftpd/src/codec.rs",
        "crates/tftpd/src/options.rs",
        "crates/tftpd/src/transfer.rs",
        "crates/tftpd/src/endpoint.rs",
        "crates/tftpd/src/netascii.rs",
    ];
    let forbidden = [
        "UdpSocket",
        "TcpStream",
        "TcpListener",
        "tokio::net",
        "std::fs",
        "tokio::fs",
        "File::open",
        "Instant::now",
        "SystemTime::now",
        "Utc::now",
        "tokio::time::sleep",
    ];
    let mut offences = Vec::new();
    for core in cores {
        let text = std::fs::read_to_string(root().join(core))
            .unwrap_or_else(|e| panic!("{core}: {e} (a core moved? update this list)"));
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for f in forbidden.iter().filter(|f| line.contains(**f)) {
                offences.push(format!("{core}:{}: {f}", n + 1));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the cores are sans-IO (ARCHITECTURE.md):\n{}",
        offences.join("\n")
    );
}

#[test]
fn no_committed_file_is_over_one_megabyte() {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files (the tidy checks need git)");
    assert!(out.status.success(), "git ls-files failed");
    let big: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let p = String::from_utf8_lossy(p).into_owned();
            let len = std::fs::metadata(root().join(&p)).ok()?.len();
            (len > 1024 * 1024).then(|| format!("{p}: {len} bytes"))
        })
        .collect();
    assert!(
        big.is_empty(),
        "build artefacts and third-party binaries are not committed:\n{}",
        big.join("\n")
    );
}

#[test]
fn every_migration_file_is_in_its_service_migration_list() {
    let mut offences = Vec::new();
    for svc in ["smd", "bss"] {
        let lib = std::fs::read_to_string(root().join(format!("crates/{svc}/src/lib.rs")))
            .expect("the service's lib.rs");
        let dir = root().join("migrations").join(svc);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".sql"))
            .collect();
        files.sort();
        for (i, f) in files.iter().enumerate() {
            if !lib.contains(&format!("migrations/{svc}/{f}\"")) {
                offences.push(format!("migrations/{svc}/{f} is not in {svc}'s MIGRATIONS"));
            }
            let version = format!("{:04}_", i + 1);
            if !f.starts_with(&version) {
                offences.push(format!(
                    "migrations/{svc}/{f}: expected to start with {version}"
                ));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}
