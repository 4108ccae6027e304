//! `cargo xtask build-images`: one container image per service, built
//! offline from the release binaries.
//!
//! Each image is one layer imported from a tarball the build assembles (as
//! `FROM scratch` would be), holding what the binary needs and nothing else:
//! the stripped binary, the shared libraries `ldd` names (glibc resolves
//! `postgres` or `smd` through the engine's DNS with its built-in `files`
//! and `dns` sources, so no NSS module is copied), `/etc/passwd` and
//! `/etc/group` with the numeric non-root user 65532, `/etc/nsswitch.conf`
//! and a world-writable `/tmp`. No CA bundle: the TLS clients carry their
//! roots compiled in (reqwest's webpki roots; BMCs are checked per
//! magellan's flags). Daemons that bind ports below 1024 or need raw sockets
//! get file capabilities (`setcap`), so they too run as 65532 with only the
//! capabilities the compose file grants (`docker import` keeps file
//! capabilities; a Dockerfile `COPY` in the classic builder drops them).
//! Nothing is pulled: there is no `FROM` of any registry image.
//!
//! `--postgres` also builds `ochami/postgres:15` from Debian's packages
//! (debootstrap, as root) for sites with no registry at all; the compose
//! file uses it when `OCHAMI_POSTGRES_IMAGE` names it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run_cmd;

const USAGE: &str = "usage: cargo xtask build-images [--engine docker|podman] [--save DIR] \
[--postgres] [--no-build]";

/// The images' tag besides `latest`: the workspace version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The non-root user every image runs as.
const UID: u32 = 65532;

/// The iPXE builds the tftpd image serves (Debian's `ipxe` package).
const IPXE_DIR: &str = "/usr/lib/ipxe";
const IPXE_FILES: &[&str] = &["undionly.kpxe", "ipxe.efi", "snponly.efi"];

/// One image.
struct Service {
    name: &'static str,
    /// File capabilities of the binary (`setcap` names).
    caps: &'static [&'static str],
    /// `ENTRYPOINT` is the binary; without it the image only has a `CMD`,
    /// so `docker run IMAGE /magellan.sh ...` runs that program.
    entrypoint: bool,
    /// Ports the service listens on, for `EXPOSE`.
    expose: &'static [&'static str],
    /// The built-in health check (`<bin> healthcheck`).
    healthcheck: bool,
    /// Directories the non-root user owns (state kept in volumes).
    owned_dirs: &'static [&'static str],
    env: &'static [&'static str],
}

const SERVICES: &[Service] = &[
    Service {
        name: "smd",
        caps: &[],
        entrypoint: true,
        expose: &["27779/tcp"],
        healthcheck: true,
        owned_dirs: &[],
        env: &[],
    },
    Service {
        name: "bss",
        caps: &[],
        entrypoint: true,
        expose: &["27778/tcp"],
        healthcheck: true,
        owned_dirs: &[],
        env: &[],
    },
    Service {
        name: "tftpd",
        caps: &["cap_net_bind_service"],
        entrypoint: true,
        expose: &["69/udp", "8080/tcp"],
        healthcheck: false,
        owned_dirs: &[],
        env: &["TFTPD_ROOT=/srv/tftp"],
    },
    Service {
        name: "dhcpd-shim",
        // Port 67, SO_BINDTODEVICE, and the ARP entry for a client that has
        // no address yet (SIOCSARP).
        caps: &["cap_net_bind_service", "cap_net_raw", "cap_net_admin"],
        entrypoint: true,
        expose: &["67/udp"],
        healthcheck: false,
        owned_dirs: &["var/lib/dhcpd-shim"],
        env: &[],
    },
    Service {
        name: "magellan",
        caps: &[],
        entrypoint: false,
        expose: &[],
        healthcheck: false,
        owned_dirs: &[],
        env: &[],
    },
    Service {
        name: "redfish-sim",
        caps: &["cap_net_bind_service"],
        entrypoint: true,
        expose: &["443/tcp"],
        healthcheck: false,
        owned_dirs: &[],
        env: &[],
    },
];

/// The services (packages and binaries) that get an image.
pub fn service_names() -> impl Iterator<Item = &'static str> {
    SERVICES.iter().map(|s| s.name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Docker,
    Podman,
}

impl Engine {
    fn program(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    fn command(self) -> Command {
        let mut c = Command::new(self.program());
        // The classic builder: it needs nothing but the engine (Debian's
        // engine is 20.10, which a newer client would ask for BuildKit).
        c.env("DOCKER_BUILDKIT", "0");
        c
    }
}

struct Options {
    engine: Engine,
    save: Option<PathBuf>,
    postgres: bool,
    build: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        engine: Engine::Docker,
        save: None,
        postgres: false,
        build: true,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--engine" => {
                o.engine = match it.next().map(String::as_str) {
                    Some("docker") => Engine::Docker,
                    Some("podman") => Engine::Podman,
                    _ => return Err(format!("--engine: expected docker or podman\n{USAGE}")),
                }
            }
            "--save" => o.save = Some(it.next().ok_or(USAGE)?.into()),
            "--postgres" => o.postgres = true,
            "--no-build" => o.build = false,
            _ => return Err(USAGE.into()),
        }
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let release = crate::target_dir().join("release");
    if o.build {
        let mut c = crate::cargo();
        c.args(["build", "--release", "--locked", "--bins"]);
        for s in service_names() {
            c.args(["-p", s]);
        }
        run_cmd(&mut c)?;
    }
    let contexts = crate::target_dir().join("images");
    let mut built = Vec::new();
    for s in SERVICES {
        let ctx = contexts.join(s.name);
        assemble(s, &release.join(s.name), &ctx)?;
        let image = format!("ochami/{}", s.name);
        build(o.engine, s, &ctx, &image)?;
        built.push((image, VERSION));
    }
    if o.postgres {
        built.push(postgres_image(o.engine, &contexts.join("postgres"))?);
    }
    println!("{:<22} {:>10}", "image", "size");
    for (image, tag) in &built {
        let size = image_size(o.engine, &format!("{image}:{tag}"))?;
        println!("{:<22} {:>7.1} MB", image, size as f64 / 1e6);
    }
    // The compose file reads its passwords from deploy/.env: make one now, so
    // `build-images` then `docker compose up` is all a first run needs.
    let env = crate::workspace_root().join("deploy/.env");
    if crate::compose::ensure_env_file(&env)? {
        eprintln!("wrote {} (random passwords; keep it)", env.display());
    }
    if let Some(dir) = &o.save {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (image, tag) in &built {
            let file = dir.join(format!("{}-{tag}.tar", image.replace('/', "-")));
            let mut c = o.engine.command();
            c.args(["save", "-o"])
                .arg(&file)
                .arg(format!("{image}:{tag}"));
            if *tag == VERSION {
                c.arg(format!("{image}:latest"));
            }
            run_cmd(&mut c)?;
            println!("saved {} (docker load -i on the head node)", file.display());
        }
    }
    Ok(())
}

/// The size in bytes the engine reports for `image`.
fn image_size(engine: Engine, image: &str) -> Result<u64, String> {
    let out = engine
        .command()
        .args(["image", "inspect", "-f", "{{.Size}}", image])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", engine.program()))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("{image}: no such image"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(d) = to.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {} to {}: {e}", from.display(), to.display()))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The shared libraries (and the dynamic loader) `binary` loads, as
/// absolute paths, from `ldd`.
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, String> {
    let out = Command::new("ldd")
        .arg(binary)
        .output()
        .map_err(|e| format!("cannot run ldd: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("ldd {}: {text}", binary.display()));
    }
    let mut libs = Vec::new();
    for line in text.lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
        // "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no path.
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.trim(),
            None => line.trim(),
        };
        let path = path.split_whitespace().next().unwrap_or_default();
        if path.starts_with('/') {
            libs.push(PathBuf::from(path));
        } else if line.contains("not found") {
            return Err(format!("{}: {line}", binary.display()));
        }
    }
    Ok(libs)
}

/// Lay out the image of `s` under `ctx`: `rootfs/` and its `rootfs.tar`.
fn assemble(s: &Service, binary: &Path, ctx: &Path) -> Result<(), String> {
    if !binary.exists() {
        return Err(format!(
            "{} is not built (cargo xtask build-images builds it unless --no-build)",
            binary.display()
        ));
    }
    if ctx.exists() {
        std::fs::remove_dir_all(ctx).map_err(|e| format!("{}: {e}", ctx.display()))?;
    }
    let root = ctx.join("rootfs");
    let bin = format!("/usr/local/bin/{}", s.name);
    let dest = root.join(bin.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().expect("has a parent"))
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    run_cmd(
        Command::new("strip")
            .arg("--strip-all")
            .arg("-o")
            .arg(&dest)
            .arg(binary),
    )
    .map_err(|e| format!("{e} (strip is in Debian's binutils)"))?;
    if !s.caps.is_empty() {
        let caps = format!("{}+ep", s.caps.join(","));
        run_cmd(Command::new("setcap").arg(&caps).arg(&dest))
            .map_err(|e| format!("{e} (setcap is in Debian's libcap2-bin; it needs root)"))?;
    }
    for lib in shared_libraries(binary)? {
        copy(&lib, &root.join(lib.strip_prefix("/").unwrap_or(&lib)))?;
    }
    write(
        &root.join("etc/passwd"),
        &format!("root:x:0:0:root:/root:/sbin/nologin\nochami:x:{UID}:{UID}:ochami:/nonexistent:/sbin/nologin\n"),
    )?;
    write(
        &root.join("etc/group"),
        &format!("root:x:0:\nochami:x:{UID}:\n"),
    )?;
    write(&root.join("etc/nsswitch.conf"), "hosts: files dns\n")?;
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    set_mode(&tmp, 0o1777)?;
    match s.name {
        "tftpd" => {
            for f in IPXE_FILES {
                copy(&Path::new(IPXE_DIR).join(f), &root.join("srv/tftp").join(f))
                    .map_err(|e| format!("{e} (apt-get install ipxe)"))?;
            }
            // Mount point for kernels and initrds (the compose file's boot dir).
            std::fs::create_dir_all(root.join("srv/tftp/boot")).map_err(|e| e.to_string())?;
        }
        "magellan" => {
            std::os::unix::fs::symlink(&bin, root.join(MAGELLAN_SH))
                .map_err(|e| format!("symlink /magellan.sh: {e}"))?;
        }
        _ => {}
    }
    for d in s.owned_dirs {
        let dir = root.join(d);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::os::unix::fs::chown(&dir, Some(UID), Some(UID))
            .map_err(|e| format!("chown {}: {e} (build-images needs root)", dir.display()))?;
    }
    // A tarball, not a Dockerfile COPY: the classic builder drops the
    // file capabilities, `import` keeps them (and the owners, as they are).
    run_cmd(
        Command::new("tar")
            .args([
                "--xattrs",
                "--xattrs-include=security.capability",
                "--numeric-owner",
                "-C",
            ])
            .arg(&root)
            .arg("-cf")
            .arg(ctx.join("rootfs.tar"))
            .arg("."),
    )
}

/// `import` the rootfs of `s` with its configuration, add the health check
/// (which `import` cannot set) in a layer-less build, tag `:latest` too.
fn build(engine: Engine, s: &Service, ctx: &Path, image: &str) -> Result<(), String> {
    let bin = format!("/usr/local/bin/{}", s.name);
    let tagged = format!("{image}:{VERSION}");
    let mut changes = vec!["ENV PATH=/usr/local/bin".to_owned()];
    changes.extend(s.env.iter().map(|e| format!("ENV {e}")));
    changes.push(format!("USER {UID}:{UID}"));
    changes.extend(s.expose.iter().map(|p| format!("EXPOSE {p}")));
    changes.push(if s.entrypoint {
        format!("ENTRYPOINT [\"{bin}\"]")
    } else {
        format!("CMD [\"{bin}\", \"--help\"]")
    });
    changes.push(format!(
        "LABEL org.opencontainers.image.title=\"ochami {}\" org.opencontainers.image.version=\"{VERSION}\" \
org.opencontainers.image.licenses=\"MIT\"",
        s.name
    ));
    let mut c = engine.command();
    c.arg("import");
    for change in &changes {
        c.args(["--change", change]);
    }
    run_cmd(c.arg(ctx.join("rootfs.tar")).arg(&tagged))?;
    if s.healthcheck {
        let df = ctx.join("health/Dockerfile");
        write(
            &df,
            &format!(
                "# Generated by `cargo xtask build-images`: the health check `import` cannot set.\n\
FROM {tagged}\nHEALTHCHECK --interval=5s --timeout=5s --start-period=5s CMD [\"{bin}\", \"healthcheck\"]\n"
            ),
        )?;
        let mut c = engine.command();
        c.arg("build");
        if engine == Engine::Podman {
            // OCI image configs have no health check; podman keeps it in Docker's.
            c.args(["--format", "docker"]);
        }
        run_cmd(c.args(["-q", "-t", &tagged]).arg(ctx.join("health")))?;
    }
    run_cmd(
        engine
            .command()
            .args(["tag", &tagged, &format!("{image}:latest")]),
    )
}

/// Where the magellan image links the seed's wrapper name to the binary.
const MAGELLAN_SH: &str = "magellan.sh";

/// `ochami/postgres:15`: Debian bookworm's PostgreSQL 15 (debootstrap,
/// cached as a tarball under `dir`) plus our entrypoint, which honours the
/// official image's `POSTGRES_*` variables and `/docker-entrypoint-initdb.d`.
fn postgres_image(engine: Engine, dir: &Path) -> Result<(String, &'static str), String> {
    let tarball = dir.join("rootfs.tar");
    if !tarball.exists() {
        let rootfs = dir.join("rootfs");
        let _ = std::fs::remove_dir_all(&rootfs);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mirror = ochami_e2e::debian::mirror();
        eprintln!(
            "xtask: debootstrap of postgresql-15 from {mirror} (once; cached in {})",
            tarball.display()
        );
        run_cmd(
            Command::new("debootstrap")
                .args(["--variant=minbase", "--include=postgresql-15", "bookworm"])
                .arg(&rootfs)
                .arg(&mirror),
        )
        .map_err(|e| format!("{e} (debootstrap needs root and Debian's debootstrap package)"))?;
        for d in [
            "usr/share/doc",
            "usr/share/man",
            "usr/share/info",
            "usr/share/locale",
            "var/cache/apt",
            "var/lib/apt/lists",
        ] {
            let _ = std::fs::remove_dir_all(rootfs.join(d));
        }
        let partial = dir.join("rootfs.tar.partial");
        run_cmd(
            Command::new("tar")
                .arg("-C")
                .arg(&rootfs)
                .arg("-cf")
                .arg(&partial)
                .arg("."),
        )?;
        std::fs::rename(&partial, &tarball).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_dir_all(&rootfs);
    }
    let base = "ochami/postgres-base:15";
    run_cmd(engine.command().arg("import").arg(&tarball).arg(base))?;
    let ctx = dir.join("context");
    let _ = std::fs::remove_dir_all(&ctx);
    let entrypoint = crate::workspace_root().join("deploy/postgres/docker-entrypoint.sh");
    copy(&entrypoint, &ctx.join("docker-entrypoint.sh"))?;
    set_mode(&ctx.join("docker-entrypoint.sh"), 0o755)?;
    write(
        &ctx.join("Dockerfile"),
        &format!(
            "# Generated by `cargo xtask build-images --postgres`.\nFROM {base}\n\
COPY docker-entrypoint.sh /usr/local/bin/\n\
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data\n\
VOLUME /var/lib/postgresql/data\nEXPOSE 5432\nSTOPSIGNAL SIGINT\n\
ENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"postgres\"]\n"
        ),
    )?;
    run_cmd(
        engine
            .command()
            .args(["build", "-t", "ochami/postgres:15"])
            .arg(&ctx),
    )?;
    Ok(("ochami/postgres".into(), "15"))
}
