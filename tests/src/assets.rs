//! The guest: Debian's smallest kernel (the `cloud` flavour) and a busybox
//! initramfs whose `/init` loads virtio-net, gets an address by DHCP, prints
//! markers (`OCHAMI-E2E-IP`, `OCHAMI-E2E-CMDLINE`, a login banner with the
//! host name DHCP gave it, else the `xname=` of its command line) and powers
//! off. Built once, cached in `target/e2e-cache`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Modules for virtio-net, in load order (dependencies first).
const MODULES: &[&str] = &[
    "drivers/virtio/virtio_ring.ko",
    "drivers/virtio/virtio.ko",
    "drivers/virtio/virtio_pci_modern_dev.ko",
    "drivers/virtio/virtio_pci_legacy_dev.ko",
    "drivers/virtio/virtio_pci.ko",
    "net/core/failover.ko",
    "drivers/net/net_failover.ko",
    "drivers/net/virtio_net.ko",
];

/// The marker the login banner line ends with.
pub const LOGIN_MARKER: &str = "login: OCHAMI-E2E-LOGIN";

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in MODULE_LIST; do insmod /mod/$m || echo "insmod $m failed"; done
host=unknown
for w in $(cat /proc/cmdline); do case "$w" in xname=*) host="${w#xname=}";; esac; done
hostname "$host"
ip link set lo up
cat > /bin/dhcp-script <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "OCHAMI-E2E-IP $ip" && ip addr add $ip/${mask:-24} dev $interface && [ -n "$hostname" ] && echo "$hostname" > /tmp/dhcp-hostname
exit 0
S
chmod +x /bin/dhcp-script
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
ip link set eth0 up
udhcpc -i eth0 -n -q -t 5 -T 2 -O hostname -s /bin/dhcp-script
[ -s /tmp/dhcp-hostname ] && host=$(cat /tmp/dhcp-hostname) && hostname "$host"
echo "OCHAMI-E2E-CMDLINE $(cat /proc/cmdline)"
echo
echo "Debian GNU/Linux (ochami e2e) $host ttyS0"
echo
echo "$host login: OCHAMI-E2E-LOGIN"
poweroff -f
"#;

/// What a guest's console says about its boot.
#[derive(Debug, Clone)]
pub struct Booted {
    /// The kernel command line (the `OCHAMI-E2E-CMDLINE` line).
    pub cmdline: String,
    /// The address DHCP gave it.
    pub ip: String,
}

/// Read the console of a guest that reached its login banner: the command
/// line must carry the `xname=` and `nid=` BSS gives the node, and the banner
/// the host name DHCP gave it (its xname).
pub fn booted_as(console: &str, xname: &str, nid: i64) -> Result<Booted, String> {
    let line = |marker: &str| {
        console
            .lines()
            .find_map(|l| l.split_once(marker).map(|(_, rest)| rest.trim().to_owned()))
            .ok_or_else(|| format!("no {marker} line on the console:\n{console}"))
    };
    let cmdline = line("OCHAMI-E2E-CMDLINE ")?;
    for want in [format!("xname={xname}"), format!("nid={nid}")] {
        if !cmdline.split_whitespace().any(|w| w == want) {
            return Err(format!("no {want} on the kernel command line: {cmdline}"));
        }
    }
    if !console.contains(&format!("{xname} {LOGIN_MARKER}")) {
        return Err(format!("no banner with the host name {xname}:\n{console}"));
    }
    Ok(Booted {
        cmdline,
        ip: line("OCHAMI-E2E-IP ")?,
    })
}

/// Paths of the built guest.
#[derive(Debug, Clone)]
pub struct Guest {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Build (or reuse) the guest kernel and initramfs under `cache`.
pub fn guest(cache: &Path) -> Result<Guest, String> {
    // The initramfs name carries a hash of its recipe, so editing INIT or
    // MODULES rebuilds it instead of reusing a stale one.
    let recipe = format!("{INIT}{MODULES:?}");
    let hash = recipe.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    let kernel = cache.join("vmlinuz");
    let initrd = cache.join(format!("initrd-{hash:016x}.img"));
    if kernel.exists() && initrd.exists() {
        return Ok(Guest { kernel, initrd });
    }
    // The kernel package the `linux-image-cloud-amd64` meta-package points at.
    let deps = run(Command::new("apt-cache").args(["depends", "linux-image-cloud-amd64"]))?;
    let pkg = deps
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Depends: ")
                .filter(|p| p.starts_with("linux-image-"))
        })
        .ok_or("apt-cache knows no linux-image-cloud-amd64 kernel (apt-get update?)")?
        .to_owned();
    let work = cache.join("build");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    run(Command::new("apt-get")
        .args(["download", &pkg])
        .current_dir(&work))?;
    let deb = std::fs::read_dir(&work)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or("apt-get download produced no .deb")?;
    let x = work.join("x");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&x))?;
    let vmlinuz = std::fs::read_dir(x.join("boot"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-"))
        })
        .ok_or("no vmlinuz in the kernel package")?;
    let version = vmlinuz
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_start_matches("vmlinuz-")
                .to_owned()
        })
        .unwrap_or_default();
    let moddir = x.join("lib/modules").join(&version).join("kernel");

    let root = work.join("initramfs");
    for d in ["bin", "mod", "proc", "sys", "dev", "tmp"] {
        std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox"))
        .map_err(|e| format!("/bin/busybox: {e} (apt-get install busybox-static)"))?;
    let mut names = Vec::new();
    for m in MODULES {
        let src = moddir.join(m);
        let name = Path::new(m)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        std::fs::copy(&src, root.join("mod").join(&name))
            .map_err(|e| format!("{}: {e}", src.display()))?;
        names.push(name);
    }
    let init = INIT.replace("MODULE_LIST", &names.join(" "));
    std::fs::write(root.join("init"), init).map_err(|e| e.to_string())?;
    run(Command::new("chmod")
        .args(["+x", "init", "bin/busybox"])
        .current_dir(&root))?;
    run(Command::new("sh")
        .arg("-c")
        .arg(format!(
            "find . | cpio -o -H newc 2>/dev/null | gzip -1 > '{}'",
            initrd.display()
        ))
        .current_dir(&root))?;
    std::fs::copy(&vmlinuz, &kernel).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(Guest { kernel, initrd })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_is_read_for_its_node() {
        let console = "OCHAMI-E2E-IP 172.16.0.100\nOCHAMI-E2E-CMDLINE BOOT_IMAGE=k xname=x1n0 nid=10 console=ttyS0\n\nx1n0 login: OCHAMI-E2E-LOGIN\n";
        let b = booted_as(console, "x1n0", 10).unwrap();
        assert_eq!(b.ip, "172.16.0.100");
        assert!(b.cmdline.starts_with("BOOT_IMAGE=k"), "{}", b.cmdline);
        // nid=1 is not nid=10; another host name is not this node.
        assert!(booted_as(console, "x1n0", 1).is_err());
        assert!(booted_as(console, "x1n1", 10).is_err());
        assert!(booted_as("x1n0 login: OCHAMI-E2E-LOGIN", "x1n0", 10).is_err());
    }
}
