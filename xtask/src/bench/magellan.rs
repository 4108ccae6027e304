//! `cargo xtask bench magellan`.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the magellan benchmark is not written yet".into())
}
