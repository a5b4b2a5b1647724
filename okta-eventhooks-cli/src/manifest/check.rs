//! What serde cannot see in a manifest, each problem with its position: literal secrets, secret
//! references that cannot work, overrides of hooks that do not exist, and every one of Okta's
//! rules the hooks break, as the SDK states them (event types, filters, URI, headers...).

use std::collections::BTreeSet;

use okta_eventhooks::rules::UnknownEventTypes;
use okta_eventhooks::{Secret, Violation};

use super::build::event_hook;
use super::model::{Field, HeaderValue, HookSpec, Manifest, ValueFrom};
use super::secrets::{looks_like_credential, secret_in_uri, valid_env_name};
use super::source::{KeyPath, Problem, Source};

/// A problem inside one hook: the field, the path below it, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Finding {
    field: Option<Field>,
    below: Vec<String>,
    message: String,
}

impl Finding {
    fn new(field: Field, below: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            below: below.iter().map(|s| (*s).to_owned()).collect(),
            message: message.into(),
        }
    }

    /// Where it is under the hook at `hook`.
    fn path(&self, hook: &KeyPath) -> KeyPath {
        let mut path = hook.clone();
        if let Some(field) = self.field {
            path = path.key(field.key());
            for part in &self.below {
                path = match part.parse::<usize>() {
                    Ok(index) if field == Field::Events => path.index(index),
                    _ => path.key(part.clone()),
                };
            }
        }
        path
    }
}

/// Every problem of the manifest, in file order of the hooks, then the orgs. Event types
/// missing from Okta's catalog are refused unless `unknown` allows them.
pub fn problems(source: &Source, manifest: &Manifest, unknown: UnknownEventTypes) -> Vec<Problem> {
    let mut found = Vec::new();
    for (name, spec) in &manifest.hooks {
        let at = KeyPath::of(&["hooks", name]);
        for finding in hook_findings(name, spec, unknown) {
            found.push(source.problem_at(&finding.path(&at), finding.message));
        }
    }
    for (org, org_spec) in &manifest.orgs {
        let at = KeyPath::of(&["orgs", org]);
        if org_spec
            .profile
            .as_deref()
            .is_some_and(|p| p.trim().is_empty())
        {
            found.push(source.problem_at(
                &at.key("profile"),
                "the profile name is empty; leave profile out to use the org's name",
            ));
        }
        for (name, over) in &org_spec.hooks {
            let hook_at = at.key("hooks").key(name.clone());
            let Some(base) = manifest.hooks.get(name) else {
                found.push(source.problem_at(
                    &hook_at,
                    format!("overrides a hook that is not under hooks: (no hook named {name:?})"),
                ));
                continue;
            };
            // Only what the override brings: the base hook's own problems are reported once.
            let base_findings = hook_findings(name, base, unknown);
            for finding in hook_findings(name, &base.with(over), unknown) {
                if base_findings.contains(&finding) {
                    continue;
                }
                let path = match finding.field {
                    Some(field) if over.has(field) => finding.path(&hook_at),
                    _ => hook_at.clone(),
                };
                found.push(source.problem_at(&path, finding.message));
            }
        }
    }
    found
}

/// The problems of one hook, whole (after any override).
fn hook_findings(name: &str, spec: &HookSpec, unknown: UnknownEventTypes) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(problem) = secret_in_uri(&spec.uri) {
        found.push(Finding::new(Field::Uri, &[], problem));
    }
    for (header, value) in &spec.headers {
        match value {
            HeaderValue::Literal(_) if looks_like_credential(header) => found.push(Finding::new(
                Field::Headers,
                &[header],
                format!(
                    "the header {header:?} looks like a credential: a literal value is not allowed in a manifest (it would end up in git); give it as {{valueFrom: {{env: VAR}}}} or {{valueFrom: {{file: PATH}}}}"
                ),
            )),
            HeaderValue::Reference { value_from } => {
                if let Some(problem) = reference_problem(value_from) {
                    found.push(Finding::new(Field::Headers, &[header, "valueFrom"], problem));
                }
            }
            HeaderValue::Literal(_) => {}
        }
    }
    if let Some(auth) = &spec.auth
        && let Some(problem) = reference_problem(&auth.value_from)
    {
        found.push(Finding::new(Field::Auth, &["valueFrom"], problem));
    }
    // Okta's rules, from the SDK, on the hook this spec builds. Secrets are not read here (a
    // plan must work without them): a stand-in value takes their place.
    let stand_in = |_: &ValueFrom| Some(Secret::from("stand-in"));
    for violation in event_hook(name, spec, &stand_in).violations_with(unknown) {
        found.push(locate_violation(&violation, spec));
    }
    found
}

fn reference_problem(value_from: &ValueFrom) -> Option<String> {
    match value_from {
        ValueFrom::Env(name) if !valid_env_name(name) => Some(format!(
            "{name:?} is not an environment variable name (letters, digits and _, not starting with a digit)"
        )),
        ValueFrom::File(path) if path.as_os_str().is_empty() => {
            Some("the file path is empty".into())
        }
        _ => None,
    }
}

/// The manifest field a rule of the SDK is about, and the entry its problem names (the rules
/// quote the event type, the header...) when there is one.
fn locate_violation(violation: &Violation, spec: &HookSpec) -> Finding {
    let named = |candidates: Vec<&String>| {
        candidates
            .into_iter()
            .find(|c| violation.problem.contains(&format!("{c:?}")))
            .cloned()
    };
    let field = violation.field;
    let (field, below) = if field == "name" {
        (None, None)
    } else if field.starts_with("events.filter") {
        let event = named(spec.filters.keys().collect());
        (Some(Field::Filters), event)
    } else if field.starts_with("events") {
        let quoted: BTreeSet<String> = spec
            .events
            .iter()
            .filter(|e| violation.problem.contains(&format!("{e:?}")))
            .cloned()
            .collect();
        // A duplicate is reported at its second occurrence.
        let index = spec
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| quoted.contains(*e))
            .map(|(i, _)| i)
            .next_back();
        (Some(Field::Events), index.map(|i| i.to_string()))
    } else if field.starts_with("channel.config.headers") {
        let header = named(spec.headers.keys().collect());
        (Some(Field::Headers), header)
    } else if field.starts_with("channel.config.authScheme") {
        let part = if field.ends_with("value") {
            "valueFrom"
        } else {
            "key"
        };
        (Some(Field::Auth), Some(part.to_owned()))
    } else if field.starts_with("channel") {
        (Some(Field::Uri), None)
    } else {
        (None, None)
    };
    Finding {
        field,
        below: below.into_iter().collect(),
        message: violation.problem.clone(),
    }
}
