//! `manifest schema` and `manifest check`: the hooks-as-code manifest, offline.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use okta_eventhooks::rules::UnknownEventTypes;
use serde::Serialize;

use crate::error::Result;
use crate::manifest;
use crate::output::Printer;

/// `manifest`
#[derive(Debug, Args)]
pub struct ManifestArgs {
    #[command(subcommand)]
    command: ManifestCommand,
}

#[derive(Debug, Subcommand)]
enum ManifestCommand {
    /// Print the manifest's JSON Schema (for editors: validation and completion).
    Schema,
    /// Check a manifest offline: syntax, literal secrets, Okta's rules (exit 0 or 2).
    Check(Check),
}

/// `manifest check`
#[derive(Debug, Args)]
struct Check {
    /// The manifest (YAML or JSON; - for stdin).
    #[arg(short = 'f', long, value_name = "PATH")]
    file: PathBuf,

    /// Accept event types Okta's catalog does not list (see `okta-eventhooks event-types
    /// --all`), e.g. one Okta added since; types Okta does not allow in hooks stay refused.
    #[arg(long)]
    allow_unknown_event_type: bool,
}

/// What `manifest check -o json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checked {
    file: String,
    valid: bool,
    hooks: usize,
    orgs: Vec<String>,
}

impl ManifestArgs {
    /// Runs the subcommand.
    pub fn run(self, printer: &Printer) -> Result<()> {
        match self.command {
            ManifestCommand::Schema => {
                let schema = manifest::schema::schema();
                printer.result(&manifest::schema::schema_text(), &schema)
            }
            ManifestCommand::Check(check) => {
                let unknown = UnknownEventTypes::allowed_if(check.allow_unknown_event_type);
                let loaded = manifest::load(&check.file, unknown)?;
                let checked = Checked {
                    file: loaded.source.shown.clone(),
                    valid: true,
                    hooks: loaded.manifest.hooks.len(),
                    orgs: loaded.manifest.orgs.keys().cloned().collect(),
                };
                let orgs = if checked.orgs.is_empty() {
                    "no orgs: (the usual configuration picks one org)".to_owned()
                } else {
                    format!("orgs {}", checked.orgs.join(", "))
                };
                let text = format!(
                    "{}: valid; {} hook{}, {orgs}",
                    checked.file,
                    checked.hooks,
                    if checked.hooks == 1 { "" } else { "s" }
                );
                printer.result(&text, &checked)
            }
        }
    }
}
