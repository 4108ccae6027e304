//! `magellan`: parse arguments, run the library, exit with its code.

fn main() {
    std::process::exit(magellan::cli::main());
}
