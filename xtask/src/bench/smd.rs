//! `cargo xtask bench smd`.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the smd benchmark is not written yet".into())
}
