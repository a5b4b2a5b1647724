//! How many worker threads a server (`listen`, `relay`, `consume`, the emulator) runs on,
//! declared once. Servers get tokio's multi-threaded runtime so that they use the machine they
//! are given; every other command does one job and ends, and starts faster on one thread.

use clap::Args;

/// `--worker-threads`.
#[derive(Debug, Args)]
pub struct ThreadsArgs {
    /// Worker threads that serve [default: one per core].
    #[arg(
        long,
        value_name = "N",
        env = "OKTA_EVENTHOOKS_WORKER_THREADS",
        hide_env_values = true,
        value_parser = clap::value_parser!(u16).range(1..=1024)
    )]
    worker_threads: Option<u16>,
}

impl ThreadsArgs {
    /// The worker threads to start: as given, or one per core this process may use.
    pub fn count(&self) -> usize {
        self.worker_threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            usize::from,
        )
    }
}
