//! `magellan`: parse arguments, run the library, exit with its code (also
//! as `magellan.sh`, the seed's wrapper: see `magellan::wrapper`).

fn main() {
    std::process::exit(magellan::wrapper::main());
}
