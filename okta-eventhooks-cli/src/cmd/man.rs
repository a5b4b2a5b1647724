//! `man` (hidden): the manual pages, rendered from the same clap definitions as `--help`.
//!
//! `cargo xtask man` runs it to write `okta-eventhooks-cli/man/`, and `--check` fails when the
//! checked-in pages are stale; packagers ship those files (the crate's package and the release
//! archives carry them).

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use crate::context::Context;
use crate::error::{CliError, Result};

/// Write one manual page per command (`okta-eventhooks.1`, `okta-eventhooks-list.1`, ...).
#[derive(Debug, Args)]
pub struct Man {
    /// The directory to write the pages into (it must exist).
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
}

impl Man {
    /// Renders every page of the command tree into `--out-dir`.
    pub fn run(self, ctx: &Context) -> Result<()> {
        // The pages carry the version alone: the commit and features of `--version` would
        // make them differ on every commit.
        let mut command = crate::Cli::command()
            .long_version(None::<&str>)
            .disable_help_subcommand(true);
        // Building names each subcommand's page (`okta-eventhooks-emulator-fire`).
        command.build();
        let source = format!("okta-eventhooks {}", env!("CARGO_PKG_VERSION"));
        write_pages(command, &source, &self.out_dir).map_err(|e| {
            CliError::Usage(format!(
                "cannot write manual pages to {}: {e}",
                self.out_dir.display()
            ))
        })?;
        ctx.printer()
            .note(&format!("wrote manual pages to {}", self.out_dir.display()));
        Ok(())
    }
}

/// Writes the page of `command` and of each visible subcommand, each footed with the one
/// `source` (a subcommand has no version of its own).
fn write_pages(command: clap::Command, source: &str, dir: &Path) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), source, dir)?;
    }
    clap_mangen::Man::new(command)
        .source(source)
        .manual("okta-eventhooks manual")
        .generate_to(dir)
        .map(drop)
}
