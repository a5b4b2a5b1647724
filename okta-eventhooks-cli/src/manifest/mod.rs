//! The manifest of `plan`, `apply` and `export`: event hooks as code.
//!
//! ```yaml
//! hooks:
//!   audit-sink:                   # the hook's name in Okta
//!     description: Forwards lifecycle events to the audit service
//!     status: ACTIVE              # ACTIVE (default) or INACTIVE
//!     uri: https://hooks.example.com/okta
//!     headers: {X-Source: okta}
//!     auth: {key: Authorization, valueFrom: {env: AUDIT_HOOK_SECRET}}
//!     events: [user.lifecycle.create, user.session.start]
//!     filters: {user.session.start: "event.outcome.result eq 'FAILURE'"}
//! orgs:
//!   dev: {profile: dev}
//!   prod: {profile: prod, hooks: {audit-sink: {uri: https://hooks.prod.example.com/okta}}}
//! ```
//!
//! Reading one ([`load`]): the file is bounded ([`source`]), parsed with positions, then
//! checked ([`check`]) with the SDK's rules on the hooks it describes ([`build`]). Secrets are
//! references only ([`secrets`]); the JSON Schema comes from the types ([`schema`]).

pub mod build;
pub mod check;
pub mod model;
pub mod schema;
pub mod secrets;
pub mod source;

use std::collections::BTreeMap;
use std::path::Path;

use okta_eventhooks::rules::UnknownEventTypes;

pub use model::{HookSpec, Manifest};
pub use source::Source;

use crate::error::CliError;

/// Most problems listed at once; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 50;

/// A manifest that parsed and passed every check.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Where it came from.
    pub source: Source,
    /// What it says.
    pub manifest: Manifest,
}

/// Reads, parses and checks a manifest; any problem is a usage error (exit 2) listing each
/// with its file, line and column. `unknown` says whether event types missing from Okta's
/// catalog pass.
pub fn load(path: &Path, unknown: UnknownEventTypes) -> Result<Loaded, CliError> {
    let source = Source::read(path)?;
    checked(source, unknown)
}

/// Parses and checks a manifest already read.
pub fn checked(source: Source, unknown: UnknownEventTypes) -> Result<Loaded, CliError> {
    let manifest: Manifest = source
        .parse()
        .map_err(|problem| source::problems_error(&[problem]))?;
    let mut problems = check::problems(&source, &manifest, unknown);
    if !problems.is_empty() {
        let total = problems.len();
        problems.truncate(MAX_PROBLEMS_SHOWN);
        let mut error = source::problems_error(&problems);
        if total > MAX_PROBLEMS_SHOWN {
            error = error.with_hint(format!(
                "{} more problems are not shown",
                total - MAX_PROBLEMS_SHOWN
            ));
        }
        return Err(error);
    }
    Ok(Loaded { source, manifest })
}

impl Loaded {
    /// The hooks `org` should have (each with that org's overrides); `None` is the one org of a
    /// manifest without `orgs:`.
    pub fn hooks_for(&self, org: Option<&str>) -> BTreeMap<String, HookSpec> {
        let overrides = org.and_then(|o| self.manifest.orgs.get(o));
        self.manifest
            .hooks
            .iter()
            .map(|(name, spec)| {
                let spec = match overrides.and_then(|o| o.hooks.get(name)) {
                    Some(over) => spec.with(over),
                    None => spec.clone(),
                };
                (name.clone(), spec)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
