//! Which boot client sent a packet, and what it should fetch next.
//!
//! Owns the boot table of issue 6 (PXE firmware → iPXE on TFTP → BSS boot
//! script; UEFI HTTP boot → an HTTP URL). Pure: reads options, returns an
//! answer; never builds packets or touches the network.

use std::net::Ipv4Addr;

use dhcproto::v4::{DhcpOption, Message, OptionCode};
use ochami_types::MacAddr;

use crate::config::{Config, UefiBoot};

/// The kind of boot client, from options 60, 77 and 93.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootClient {
    /// iPXE (option 77 user class `iPXE`), any architecture.
    Ipxe,
    /// PXE firmware with its RFC 4578 architecture (option 93 or vendor class).
    Pxe(u16),
    /// UEFI HTTP-boot firmware (vendor class `HTTPClient`, arch 16/19...).
    HttpBoot(u16),
    /// Not a boot client: address only.
    Plain,
}

/// What goes into `siaddr`/`file` and options 60/66/67/43.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BootAnswer {
    /// Next server (`siaddr`) and option 66, for TFTP boot files.
    pub tftp_server: Option<Ipv4Addr>,
    /// Boot file: TFTP name or URL (`file` and option 67).
    pub file: Option<String>,
    /// Option 60 echoed back (`PXEClient` / `HTTPClient`).
    pub vendor_class: Option<&'static str>,
    /// Option 43 with PXE discovery control "boot file directly" (no boot-server discovery).
    pub pxe_vendor_options: bool,
}

/// PXE vendor options: sub-option 6 (PXE_DISCOVERY_CONTROL) = 8, then end.
pub const PXE_VENDOR_OPTIONS: [u8; 4] = [6, 1, 8, 255];

/// Classify a request. Never fails: anything unrecognised is `Plain`.
pub fn classify(msg: &Message) -> BootClient {
    let opts = msg.opts();
    if let Some(DhcpOption::UserClass(uc)) = opts.get(OptionCode::UserClass) {
        // iPXE sends the bare string; RFC 3004 clients prefix a length byte.
        if contains(uc, b"iPXE") {
            return BootClient::Ipxe;
        }
    }
    let class = match opts.get(OptionCode::ClassIdentifier) {
        Some(DhcpOption::ClassIdentifier(c)) => c.as_slice(),
        _ => &[],
    };
    let arch = match opts.get(OptionCode::ClientSystemArchitecture) {
        Some(DhcpOption::ClientSystemArchitecture(a)) => Some(u16::from(*a)),
        _ => arch_from_class(class),
    };
    if class.starts_with(b"HTTPClient") {
        return BootClient::HttpBoot(arch.unwrap_or(16));
    }
    match arch {
        Some(16 | 19) => BootClient::HttpBoot(arch.unwrap_or(16)),
        Some(a)
            if class.starts_with(b"PXEClient")
                || opts.get(OptionCode::ClientSystemArchitecture).is_some() =>
        {
            BootClient::Pxe(a)
        }
        _ if class.starts_with(b"PXEClient") => BootClient::Pxe(0),
        _ => BootClient::Plain,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `PXEClient:Arch:00007:UNDI:003000` → 7.
fn arch_from_class(class: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(class).ok()?;
    let rest = s.split("Arch:").nth(1)?;
    rest.get(..5)?.parse().ok()
}

/// The boot answer for `client` on a subnet with `uefi_boot`.
pub fn decide(client: BootClient, mac: MacAddr, uefi_boot: UefiBoot, cfg: &Config) -> BootAnswer {
    let tftp = |file: Option<&str>| match file {
        Some(f) => BootAnswer {
            tftp_server: Some(cfg.tftp_address()),
            file: Some(f.to_owned()),
            vendor_class: Some("PXEClient"),
            pxe_vendor_options: true,
        },
        None => BootAnswer::default(),
    };
    match client {
        BootClient::Ipxe => BootAnswer {
            file: Some(format!("{}/boot/v1/bootscript?mac={}", cfg.bss_base(), mac)),
            ..BootAnswer::default()
        },
        BootClient::Pxe(0) => tftp(Some(&cfg.boot_file_bios)),
        BootClient::Pxe(7 | 9) => match uefi_boot {
            UefiBoot::Pxe => tftp(Some(&cfg.boot_file_efi_x64)),
            // Rationale: no boot file makes OVMF give up on PXE and try HTTP boot.
            UefiBoot::Http => BootAnswer::default(),
        },
        BootClient::Pxe(6) => tftp(cfg.boot_file_efi_ia32.as_deref()),
        BootClient::Pxe(10) => tftp(cfg.boot_file_efi_arm32.as_deref()),
        BootClient::Pxe(11) => tftp(cfg.boot_file_efi_arm64.as_deref()),
        BootClient::Pxe(_) => BootAnswer::default(),
        BootClient::HttpBoot(_) => match &cfg.http_boot_url {
            Some(url) => BootAnswer {
                file: Some(url.to_string()),
                vendor_class: Some("HTTPClient"),
                ..BootAnswer::default()
            },
            None => BootAnswer::default(),
        },
        BootClient::Plain => BootAnswer::default(),
    }
}
