//! `redfish-sim`: parse arguments, run the library.

use clap::Parser;

#[tokio::main]
async fn main() {
    ochami_service::logging::init(ochami_service::logging::LogFormat::Text);
    let args = redfish_sim::cli::Args::parse();
    std::process::exit(redfish_sim::cli::run(args).await);
}
