//! `cargo xtask bench bss`.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the bss benchmark is not written yet".into())
}
