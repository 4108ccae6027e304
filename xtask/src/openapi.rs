//! `cargo xtask openapi [--check]`: write (or compare) `openapi/*.json` from
//! the services' code (`smd openapi`, `bss openapi`).

use std::path::Path;

const SERVICES: &[&str] = &["smd", "bss"];

pub fn run(args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    let root = crate::workspace_root();
    let mut stale = Vec::new();
    for svc in SERVICES {
        let out = crate::cargo()
            .args(["run", "--quiet", "-p", svc, "--", "openapi"])
            .current_dir(&root)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{svc} openapi` failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let path = root.join("openapi").join(format!("{svc}.json"));
        let current = std::fs::read(&path).unwrap_or_default();
        if current != out.stdout {
            if check {
                stale.push(path.display().to_string());
            } else {
                std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, &out.stdout)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "out of date: {} (run `cargo xtask openapi`)",
            stale.join(", ")
        ))
    }
}
