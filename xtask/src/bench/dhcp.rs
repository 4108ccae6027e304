//! `cargo xtask bench dhcp`.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the dhcp benchmark is not written yet".into())
}
