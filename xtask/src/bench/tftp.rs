//! `cargo xtask bench tftp`.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the tftp benchmark is not written yet".into())
}
