//! `completions`: shell completion scripts.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::context::Context;
use crate::error::{Result, encode_error};

/// Print a completion script for a shell.
///
/// Install it, for example:
///   bash:       okta-eventhooks completions bash > ~/.local/share/bash-completion/completions/okta-eventhooks
///   zsh:        okta-eventhooks completions zsh > "${fpath[1]}/_okta-eventhooks"
///   fish:       okta-eventhooks completions fish > ~/.config/fish/completions/okta-eventhooks.fish
///   powershell: okta-eventhooks completions powershell >> $PROFILE
///   elvish:     okta-eventhooks completions elvish >> ~/.config/elvish/rc.elv
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
// This doc comment is `--help` text: `${fpath[1]}` is shell, not a doc link.
#[allow(rustdoc::broken_intra_doc_links)]
pub struct Completions {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

impl Completions {
    /// Writes the script to stdout.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let mut command = crate::Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut command, "okta-eventhooks", &mut script);
        let script = String::from_utf8(script).map_err(|e| encode_error("a shell script", e))?;
        ctx.printer().verbatim(&script)
    }
}
