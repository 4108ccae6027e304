//! `cargo xtask bench <what>`: benchmarks that print figures (never assertions).
//! One module per subject.

mod bss;
mod dhcp;
mod magellan;
mod power;
mod smd;
mod tftp;

pub fn run(args: &[String]) -> Result<(), String> {
    let (what, rest) = args
        .split_first()
        .ok_or("usage: cargo xtask bench <smd|bss|tftp|dhcp|magellan|power> [ARGS..]")?;
    match what.as_str() {
        "smd" => smd::run(rest),
        "bss" => bss::run(rest),
        "tftp" => tftp::run(rest),
        "dhcp" => dhcp::run(rest),
        "magellan" => magellan::run(rest),
        "power" => power::run(rest),
        other => Err(format!(
            "unknown benchmark '{other}' (smd, bss, tftp, dhcp, magellan, power)"
        )),
    }
}
