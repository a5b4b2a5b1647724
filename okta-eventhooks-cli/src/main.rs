//! `okta-eventhooks`: manage and receive Okta event hooks from the command line.

use clap::Parser;

/// Manage Okta event hooks.
#[derive(Debug, Parser)]
#[command(name = "okta-eventhooks", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
