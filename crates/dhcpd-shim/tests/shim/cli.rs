//! The binary's command line: `--version`, bad configuration (exit 2), and
//! `render` against a fake SMD, with the rendered configs checked by the real
//! servers' own config checkers (`kea-dhcp4 -t`, `dnsmasq --test`; missing,
//! they fail the test unless `OCHAMI_SKIP` names them).

use std::net::TcpListener;
use std::process::Command;

use crate::support::fake_smd;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpd-shim");

#[test]
fn version_and_bad_config() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("dhcpd-shim "));
    let out = Command::new(BIN)
        .env("DHCPD_SHIM_LISTEN", "nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("DHCPD_SHIM_LISTEN") && err.lines().count() == 1,
        "{err}"
    );
    // Keys that are only wrong together are checked before serving, also exit 2.
    let out = Command::new(BIN)
        .env("DHCPD_SHIM_LEASE_FILE", "/nonexistent/x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DHCPD_SHIM_SERVER_ADDRESS"));
}

#[test]
fn render_isc_dnsmasq_and_kea_from_smd() {
    // The fake SMD on the host loopback, port 0 (no network namespace needed).
    let smd = fake_smd(TcpListener::bind("127.0.0.1:0").unwrap());
    smd.add_node("02:66:00:00:00:01", "x1000c1s7b0n0", 7, Some("10.66.0.5"));
    smd.add_node("02:66:00:00:00:02", "x1000c1s7b1n0", 8, Some("192.168.9.9"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "server_address = \"10.66.0.1\"\nsmd_url = \"{}\"\nhostname = \"nid{{03}}\"\n[[subnets]]\ncidr = \"10.66.0.0/24\"\nrouters = [\"10.66.0.1\"]\npool = {{ start = \"10.66.0.100\", end = \"10.66.0.150\" }}\n",
            smd.url()
        ),
    )
    .unwrap();
    let render = |f: &str| {
        let out = Command::new(BIN)
            .args(["--config", cfg.to_str().unwrap(), "render", "--format", f])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let isc = render("isc-dhcpd");
    assert!(isc.contains("host x1000c1s7b0n0 {\n  hardware ethernet 02:66:00:00:00:01;\n  fixed-address 10.66.0.5;\n  option host-name \"nid007\";"), "{isc}");
    assert!(
        isc.contains("filename \"http://10.66.0.1:27778/boot/v1/bootscript?mac=${mac}\";"),
        "{isc}"
    );
    assert!(isc.contains("filename \"undionly.kpxe\";") && isc.contains("filename \"ipxe.efi\";"));
    assert!(
        isc.contains("elsif option client-arch = 00:07 or option client-arch = 00:09 {"),
        "{isc}"
    );
    assert!(
        !isc.contains("192.168.9.9"),
        "hosts outside our subnets are left out"
    );

    let dm = render("dnsmasq");
    assert!(
        dm.contains("dhcp-host=02:66:00:00:00:01,10.66.0.5,nid007"),
        "{dm}"
    );
    assert!(
        dm.contains("dhcp-boot=tag:!ipxe,tag:bios,undionly.kpxe,,10.66.0.1"),
        "{dm}"
    );
    if ochami_e2e::need::tool("dnsmasq") {
        let f = dir.path().join("dnsmasq.conf");
        std::fs::write(&f, &dm).unwrap();
        let out = Command::new("dnsmasq")
            .arg("--test")
            .arg(format!("--conf-file={}", f.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "dnsmasq rejects it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let kea = render("kea");
    let v: serde_json::Value = serde_json::from_str(&kea).unwrap();
    let r = &v["Dhcp4"]["subnet4"][0]["reservations"][0];
    assert_eq!(
        (r["hw-address"].as_str(), r["ip-address"].as_str()),
        (Some("02:66:00:00:00:01"), Some("10.66.0.5"))
    );
    if ochami_e2e::need::tool("kea-dhcp4") {
        let f = dir.path().join("kea.json");
        std::fs::write(&f, &kea).unwrap();
        let out = Command::new("kea-dhcp4")
            .arg("-t")
            .arg(&f)
            .env("KEA_PIDFILE_DIR", dir.path())
            .env("KEA_LOCKFILE_DIR", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kea rejects it: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
