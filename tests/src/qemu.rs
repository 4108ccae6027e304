//! QEMU under TCG booting from the network (NETBOOT-LAB.md): SeaBIOS with the
//! NIC's iPXE ROM, OVMF's own PXE client, or OVMF's UEFI HTTP boot.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS runs the virtio NIC's iPXE ROM: the first DHCP is already iPXE.
    Bios,
    /// OVMF's PXE client (arch 7) → TFTP ipxe.efi → iPXE.
    Uefi,
    /// OVMF falls through PXE to UEFI HTTP boot (arch 16) → ipxe.efi over HTTP.
    UefiHttp,
}

pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// The full QEMU command line (program first) for a VM with NIC `mac` on
/// `tap`, serial console to `console`. `workdir` holds the UEFI vars copy.
pub fn command_line(
    fw: Firmware,
    mac: &str,
    tap: &str,
    console: &Path,
    workdir: &Path,
) -> Result<Vec<String>, String> {
    let mut v: Vec<String> = [
        "qemu-system-x86_64",
        "-accel",
        "tcg",
        "-machine",
        "q35",
        "-m",
        "512",
        "-display",
        "none",
        "-monitor",
        "none",
        "-no-reboot",
        "-boot",
        "n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("-serial".into());
    v.push(format!("file:{}", console.display()));
    v.push("-netdev".into());
    v.push(format!("tap,id=n0,ifname={tap},script=no,downscript=no"));
    v.push("-device".into());
    match fw {
        Firmware::Bios => v.push(format!("virtio-net-pci,netdev=n0,mac={mac}")),
        Firmware::Uefi | Firmware::UefiHttp => {
            // romfile= (empty): no iPXE ROM, so OVMF's own network stack boots.
            v.push(format!("virtio-net-pci,netdev=n0,mac={mac},romfile="));
            let vars: PathBuf = workdir.join("OVMF_VARS.fd");
            std::fs::copy(OVMF_VARS, &vars)
                .map_err(|e| format!("{OVMF_VARS}: {e} (apt-get install ovmf)"))?;
            v.push("-drive".into());
            v.push(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"));
            v.push("-drive".into());
            v.push(format!("if=pflash,format=raw,file={}", vars.display()));
        }
    }
    Ok(v)
}

/// Wait for `marker` to appear in the console file; returns the console text.
pub fn wait_for_console(console: &Path, marker: &str, timeout: Duration) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let text =
            String::from_utf8_lossy(&std::fs::read(console).unwrap_or_default()).into_owned();
        if text.contains(marker) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no '{marker}' on the console after {timeout:?}; console:\n{text}"
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
