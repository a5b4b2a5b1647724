//! `sdk-bench`: the Rust half of `bench/sdk-compare.sh`.
//!
//! - `sdk-bench serve` runs the local Okta stand-in that every SDK in the comparison talks to, so
//!   that all of them pay the same server cost and differ only in client cost.
//! - `sdk-bench rust --url ..` runs the Rust legs (okta-eventhooks and a raw reqwest loop) of the
//!   shared workload and prints one JSON line per leg, the same shape the Python and Node legs print.

mod rust_legs;
mod server;

use clap::{Parser, Subcommand};

/// Errors end the run with a message and a non-zero exit (the script then reports which leg failed).
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(
    version,
    about = "Local server and Rust legs of the cross-language SDK benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve one event hook on 127.0.0.1 (random port, printed as the first stdout line).
    Serve(server::ServeArgs),
    /// Run the workload with the Rust SDK and with raw reqwest; one JSON line per leg.
    Rust {
        /// Base URL of `sdk-bench serve`.
        #[arg(long)]
        url: String,
        /// Timed calls per leg.
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Untimed calls per leg first (connection set-up, allocator, lazy statics).
        #[arg(long, default_value_t = 100)]
        warmup: usize,
        /// SSWS API token to send.
        #[arg(long, default_value = server::DEFAULT_TOKEN)]
        token: String,
        /// Hook id to fetch.
        #[arg(long, default_value = server::FIXTURE_HOOK_ID)]
        hook_id: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sdk-bench: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => server::run(args).await,
            Command::Rust {
                url,
                requests,
                warmup,
                token,
                hook_id,
            } => {
                rust_legs::run(&rust_legs::Workload {
                    url,
                    requests,
                    warmup,
                    token,
                    hook_id,
                })
                .await
            }
        }
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sdk-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
