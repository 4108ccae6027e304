//! The client generators the generated-client tests drive
//! (`crates/smd/tests/generated_clients.rs`), pinned and installed under
//! `target/tools`: a Python venv (`python/`) and an npm prefix (`node/`).
//! Rationale: private installs keep the system untouched and the versions
//! exact, so "zero generator warnings" means the same thing on every machine.

use std::path::Path;
use std::process::Command;

use crate::run_cmd;

/// PyPI: openapi-python-client, and the ruff it formats with.
pub const PYTHON: &[&str] = &["openapi-python-client==0.29.1", "ruff==0.17.6"];

/// npm: openapi-typescript (types from the document), openapi-fetch (the
/// client over them), TypeScript to type-check, node's types for the story.
pub const NODE: &[&str] = &[
    "openapi-typescript@7.13.0",
    "openapi-fetch@0.17.0",
    "typescript@5.9.3",
    "@types/node@20.19.43",
];

/// Install what is missing or pinned differently; a stamp file in each
/// directory records the pins it holds.
pub fn ensure() -> Result<(), String> {
    let tools = crate::target_dir().join("tools");
    let venv = tools.join("python");
    if !stamped(&venv, PYTHON) {
        eprintln!(
            "xtask: installing {} into {}",
            PYTHON.join(" "),
            venv.display()
        );
        run_cmd(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
        )?;
        run_cmd(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(PYTHON),
        )?;
        stamp(&venv, PYTHON)?;
    }
    let node = tools.join("node");
    if !stamped(&node, NODE) {
        eprintln!(
            "xtask: installing {} into {}",
            NODE.join(" "),
            node.display()
        );
        std::fs::create_dir_all(&node).map_err(|e| format!("{}: {e}", node.display()))?;
        std::fs::write(node.join("package.json"), "{\"private\": true}\n")
            .map_err(|e| format!("{}: {e}", node.display()))?;
        run_cmd(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--save-exact"])
                .args(NODE)
                .current_dir(&node),
        )?;
        stamp(&node, NODE)?;
    }
    Ok(())
}

fn stamp_text(pins: &[&str]) -> String {
    pins.join("\n") + "\n"
}

fn stamped(dir: &Path, pins: &[&str]) -> bool {
    std::fs::read_to_string(dir.join(".pins")).is_ok_and(|s| s == stamp_text(pins))
}

fn stamp(dir: &Path, pins: &[&str]) -> Result<(), String> {
    std::fs::write(dir.join(".pins"), stamp_text(pins))
        .map_err(|e| format!("{}: {e}", dir.display()))
}
