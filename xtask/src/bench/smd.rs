//! `cargo xtask bench smd`: runs `crates/smd/examples/bench.rs` in release
//! mode (smd in-process against a throwaway PostgreSQL, driven over HTTP) and
//! lets it print its figures: bulk POST of 10 000 components, GET of all
//! components at 100 000 rows, GET by MAC with 100 000 Ethernet interfaces.

pub fn run(args: &[String]) -> Result<(), String> {
    let status = crate::cargo()
        .args(["run", "--release", "-p", "smd", "--example", "bench", "--"])
        .args(args)
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the smd benchmark failed ({status})"))
    }
}
