//! Debian packages from a release other than the machine's (Compose v2 is in
//! trixie, not bookworm): fetched with `apt-get download` from the machine's
//! own mirror through an apt state of their own under the cache, so the
//! machine's apt configuration is never touched. Extracted once, then reused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::proc::run_ok;

/// The Debian mirror apt uses on this machine (`URIs:` of a deb822 source,
/// else a `deb` line of sources.list), or Debian's own.
pub fn mirror() -> String {
    let is_debian = |u: &String| u.trim_end_matches('/').ends_with("/debian");
    let from_sources = std::fs::read_dir("/etc/apt/sources.list.d")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "sources"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| l.strip_prefix("URIs:").map(|u| u.trim().to_owned()))
                .collect::<Vec<_>>()
        })
        .find(is_debian);
    let from_list = || {
        std::fs::read_to_string("/etc/apt/sources.list")
            .ok()?
            .lines()
            .filter(|l| l.starts_with("deb "))
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .find(is_debian)
    };
    from_sources
        .or_else(from_list)
        .unwrap_or_else(|| "http://deb.debian.org/debian".into())
}

/// `package` from Debian `suite`, extracted under `cache`; the directory
/// holding its files (`usr/...`).
pub fn fetch(suite: &str, package: &str, cache: &Path) -> Result<PathBuf, String> {
    let base = cache.join(format!("debian-{suite}"));
    let root = base.join(package);
    if root.join("usr").is_dir() {
        return Ok(root);
    }
    let apt = base.join("apt");
    for d in ["state/lists/partial", "cache/archives/partial", "dl"] {
        std::fs::create_dir_all(apt.join(d)).map_err(|e| format!("{}: {e}", apt.display()))?;
    }
    let list = apt.join("sources.list");
    std::fs::write(
        &list,
        format!(
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {} {suite} main\n",
            mirror()
        ),
    )
    .map_err(|e| e.to_string())?;
    let opts = [
        format!("Dir::Etc::SourceList={}", list.display()),
        "Dir::Etc::SourceParts=/dev/null".to_owned(),
        format!("Dir::State={}", apt.join("state").display()),
        format!("Dir::Cache={}", apt.join("cache").display()),
        // The download directory is ours; apt's sandbox user cannot write it.
        "APT::Sandbox::User=root".to_owned(),
    ];
    let apt_get = |args: &[&str], dir: &Path| {
        let mut c = Command::new("apt-get");
        c.current_dir(dir).arg("-q");
        for o in &opts {
            c.args(["-o", o]);
        }
        run_ok(c.args(args)).map_err(|e| format!("{e}\n(fetching {package} from Debian {suite})"))
    };
    apt_get(&["update"], &apt)?;
    let dl = apt.join("dl");
    apt_get(&["download", package], &dl)?;
    let deb = std::fs::read_dir(&dl)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{package}_")))
        })
        .ok_or_else(|| {
            format!(
                "apt-get download {package} left no .deb in {}",
                dl.display()
            )
        })?;
    let partial = base.join(format!("{package}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    run_ok(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&partial))?;
    std::fs::rename(&partial, &root).map_err(|e| e.to_string())?;
    Ok(root)
}
