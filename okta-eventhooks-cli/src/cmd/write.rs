//! `create` and `replace`: a hook from flags or a JSON/YAML file, checked by the SDK builders.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use okta_eventhooks::{Channel, EventHook, Events, Secret, UnknownEventTypes, limits};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::key_value::key_value;
use crate::output::PlannedRequest;
use crate::target::{Resolved, hook_url, looks_like_id};
use crate::verification::verify;

/// The hook's fields as flags; each overrides the file's (or, for `replace`, the current) value.
#[derive(Debug, Args)]
#[command(next_help_heading = "Hook fields")]
pub struct HookFlags {
    /// Read the hook from a JSON or YAML file (`-` for stdin); flags override its fields.
    #[arg(short = 'f', long, value_name = "PATH")]
    file: Option<PathBuf>,

    /// Display name (1 to 255 characters).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// Description (an empty string removes it).
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// The HTTPS endpoint Okta calls.
    #[arg(long, value_name = "URL")]
    uri: Option<String>,

    /// A custom header Okta sends with every call (repeatable; replaces a header of that name).
    #[arg(long = "header", value_name = "KEY=VALUE", value_parser = key_value)]
    headers: Vec<(String, String)>,

    /// Name of the header that carries the shared secret, e.g. Authorization.
    #[arg(long, value_name = "KEY")]
    auth_key: Option<String>,

    #[command(flatten)]
    secret: SecretSource,

    /// Event type to subscribe to (repeatable, or comma-separated; replaces the list).
    #[arg(
        long = "event",
        value_name = "TYPE",
        value_delimiter = ',',
        help_heading = "Hook fields"
    )]
    events: Vec<String>,

    /// Deliver EVENT only when the Okta Expression Language EXPRESSION is true (repeatable;
    /// replaces the filters).
    #[arg(long = "filter", value_name = "EVENT=EXPRESSION", value_parser = key_value, help_heading = "Hook fields")]
    filters: Vec<(String, String)>,

    /// Accept event types missing from the event-type catalog this tool ships (`okta-eventhooks
    /// event-types --all`), e.g. one Okta added since; types Okta does not allow in hooks stay
    /// refused.
    #[arg(long, help_heading = "Hook fields")]
    allow_unknown_event_type: bool,
}

/// Where the auth header's secret comes from. Never an argument: argv is visible to every user
/// of the machine.
#[derive(Debug, Args)]
#[group(multiple = false)]
#[command(next_help_heading = "Shared secret (never taken as an argument)")]
pub struct SecretSource {
    /// Read the shared secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    auth_value_env: Option<String>,
    /// Read the shared secret from this file (a trailing newline is dropped).
    #[arg(long, value_name = "PATH")]
    auth_value_file: Option<PathBuf>,
    /// Read the shared secret from stdin (a trailing newline is dropped).
    #[arg(long)]
    auth_value_stdin: bool,
}

impl SecretSource {
    fn given(&self) -> bool {
        self.auth_value_env.is_some() || self.auth_value_file.is_some() || self.auth_value_stdin
    }

    /// Reads the secret, if a source was given. Messages name the source, never the value.
    fn read(&self) -> Result<Option<Secret>> {
        let (raw, from) = if let Some(var) = &self.auth_value_env {
            let value = std::env::var(var).map_err(|_| {
                CliError::Usage(format!(
                    "--auth-value-env: the environment variable {var} is not set (or not UTF-8)"
                ))
            })?;
            (value, format!("environment variable {var}"))
        } else if let Some(path) = &self.auth_value_file {
            let value = limits::read_file(path, limits::SECRET_FILE).map_err(|e| {
                CliError::Usage(format!("--auth-value-file {}: {e}", path.display()))
            })?;
            (value, format!("file {}", path.display()))
        } else if self.auth_value_stdin {
            let value = read_stdin("--auth-value-stdin", limits::SECRET_FILE)?;
            (value, "stdin".to_owned())
        } else {
            return Ok(None);
        };
        let value = raw.strip_suffix('\n').unwrap_or(&raw);
        let value = value.strip_suffix('\r').unwrap_or(value);
        if value.is_empty() {
            return Err(CliError::Usage(format!(
                "the shared secret from {from} is empty"
            )));
        }
        Ok(Some(Secret::from(value)))
    }
}

/// One event hook as JSON or YAML: 1 MiB. Okta's limits (a 255-character name, a
/// 1024-character URI, 300 event types with a filter each) fit in far less.
const HOOK_FILE: limits::ReadLimit = limits::ReadLimit::new(1024 * 1024, "an event hook file");

fn read_stdin(flag: &str, limit: limits::ReadLimit) -> Result<String> {
    limits::read_stream(std::io::stdin().lock(), limit)
        .map_err(|e| CliError::Usage(format!("{flag}: cannot read stdin: {e}")))
}

/// Reads a hook from a file or stdin (`-`), with the size bounded before reading.
fn read_hook_file(path: &Path) -> Result<EventHook> {
    let (text, shown) = if path == Path::new("-") {
        (read_stdin("-f -", HOOK_FILE)?, "stdin".to_owned())
    } else {
        let text = limits::read_file(path, HOOK_FILE)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        (text, path.display().to_string())
    };
    parse_hook(&text).map_err(|e| CliError::Usage(format!("{shown} {e}")))
}

/// A hook from JSON or YAML (YAML is a superset, but JSON errors read better for JSON). JSON's
/// parser stops at 128 levels of nesting; YAML's nesting is bounded before it is parsed. The
/// error completes "FILE ...", the file named before it.
fn parse_hook(text: &str) -> std::result::Result<EventHook, String> {
    let json = text.trim_start().starts_with('{');
    if !json {
        limits::check_yaml_nesting(text).map_err(|e| format!("is refused: {e}"))?;
    }
    // The secrets' containers first: a string where `authScheme` or a header goes may be the
    // secret itself, and the typed parse below would quote it in its error. (The values
    // themselves are the SDK's `Secret`, which never quotes one.) A text that is not even a
    // document is left to the typed parse, which says where.
    let document: Option<serde_json::Value> = if json {
        serde_json::from_str(text).ok()
    } else {
        yaml_serde::from_str(text).ok()
    };
    if let Some(problem) = document.as_ref().and_then(secret_containers) {
        return Err(format!("is not a valid event hook: {problem}"));
    }
    let parsed = if json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        yaml_serde::from_str(text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| format!("is not a valid event hook: {e}"))
}

/// Why `channel.config.authScheme` or a header of a hook document is not a mapping, naming
/// the kind of value found but never the value.
fn secret_containers(hook: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let kind = |value: &Value| match value {
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "a sequence",
        Value::Object(_) | Value::Null => "a mapping",
    };
    let wrong = |path: &str, value: &Value, expected: &str| {
        format!(
            "{path}: invalid type: {}, expected {expected} (the value is not shown: a secret goes here)",
            kind(value)
        )
    };
    let config = hook.pointer("/channel/config")?;
    if let Some(auth) = config.get("authScheme")
        && !(auth.is_object() || auth.is_null())
    {
        return Some(wrong(
            "channel.config.authScheme",
            auth,
            "a mapping {type, key, value}",
        ));
    }
    match config.get("headers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(headers)) => headers.iter().enumerate().find_map(|(i, header)| {
            (!header.is_object()).then(|| {
                wrong(
                    &format!("channel.config.headers[{i}]"),
                    header,
                    "a mapping {key, value}",
                )
            })
        }),
        Some(other) => Some(wrong(
            "channel.config.headers",
            other,
            "a sequence of {key, value}",
        )),
    }
}

impl HookFlags {
    fn check_sources(&self) -> Result<()> {
        let file_is_stdin = self.file.as_deref() == Some(Path::new("-"));
        if file_is_stdin && self.secret.auth_value_stdin {
            return Err(CliError::Usage(
                "-f - and --auth-value-stdin cannot both read stdin; use --auth-value-env or --auth-value-file"
                    .into(),
            ));
        }
        if self.auth_key.is_some() && !self.secret.given() {
            return Err(CliError::Usage(
                "--auth-key needs the secret too: --auth-value-env VAR, --auth-value-file PATH or --auth-value-stdin"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether event types missing from the catalog are accepted.
    fn unknown_event_types(&self) -> UnknownEventTypes {
        UnknownEventTypes::allowed_if(self.allow_unknown_event_type)
    }

    /// Whether anything at all was given to change.
    fn any(&self) -> bool {
        self.file.is_some()
            || self.name.is_some()
            || self.description.is_some()
            || self.uri.is_some()
            || !self.headers.is_empty()
            || self.secret.given()
            || !self.events.is_empty()
            || !self.filters.is_empty()
    }

    /// A new hook from the flags alone, through the SDK builders.
    fn build_new(&self, secret: Option<Secret>) -> Result<EventHook> {
        let mut missing = Vec::new();
        if self.name.is_none() {
            missing.push("--name");
        }
        if self.uri.is_none() {
            missing.push("--uri");
        }
        if self.events.is_empty() {
            missing.push("--event");
        }
        let (Some(name), Some(uri), true) = (&self.name, &self.uri, missing.is_empty()) else {
            return Err(CliError::Usage(format!(
                "create needs {} (or the whole hook with -f FILE)",
                missing.join(", ")
            )));
        };
        let mut channel = Channel::https(uri.as_str())?;
        for (key, value) in &self.headers {
            channel = channel.header(key.as_str(), value.as_str());
        }
        if let Some(secret) = secret {
            let key = self.auth_key.as_deref().unwrap_or("Authorization");
            channel = channel.auth_header(key, secret);
        }
        let mut events = Events::types(self.events.iter().map(String::as_str));
        for (event, expression) in &self.filters {
            events = events.filter(event.as_str(), expression.as_str());
        }
        let mut builder = EventHook::builder(name.as_str())
            .channel(channel)
            .events(events)
            .allow_unknown_event_types(self.allow_unknown_event_type);
        if let Some(description) = self.description.as_deref().filter(|d| !d.is_empty()) {
            builder = builder.description(description);
        }
        Ok(builder.build()?)
    }

    /// Applies every given flag to `hook`, leaving the rest as it is. The SDK's editing helpers
    /// refuse a header, secret or filter that breaks Okta's rules.
    fn apply(&self, hook: &mut EventHook, secret: Option<Secret>) -> Result<()> {
        if let Some(name) = &self.name {
            hook.name = name.clone();
        }
        if let Some(description) = &self.description {
            hook.description = (!description.is_empty()).then(|| description.clone());
        }
        if let Some(uri) = &self.uri {
            hook.channel.config.uri = uri.clone();
        }
        // The auth header before the custom ones, so that a custom header can take the name
        // the auth header leaves.
        if let Some(secret) = secret {
            match &self.auth_key {
                Some(key) => hook.set_auth_header(key.as_str(), secret)?,
                None => hook.set_auth_secret(secret)?,
            }
        }
        for (key, value) in &self.headers {
            hook.set_header(key.as_str(), value.as_str())?;
        }
        // --filter replaces the filters: the old ones go before the event types change, so that
        // none is left for a type no longer subscribed.
        if !self.filters.is_empty() {
            hook.events.filter = None;
        }
        if !self.events.is_empty() {
            hook.events.items = self.events.clone();
        }
        for (event, expression) in &self.filters {
            hook.set_filter(event.as_str(), expression.as_str())?;
        }
        Ok(())
    }
}

/// `create`
#[derive(Debug, Args)]
pub struct Create {
    /// Verify the hook right after creating it.
    #[arg(long, conflicts_with = "dry_run")]
    verify: bool,

    /// Print the request instead of sending it (secrets redacted).
    #[arg(long)]
    dry_run: bool,

    // Flattened last: its help headings apply to what follows it.
    #[command(flatten)]
    hook: HookFlags,
}

impl Create {
    /// Creates the hook (and verifies it with `--verify`).
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let flags = &self.hook;
        flags.check_sources()?;
        let secret = flags.secret.read()?;
        let hook = match &flags.file {
            None => flags.build_new(secret)?,
            Some(path) => {
                let mut hook = read_hook_file(path)?;
                flags.apply(&mut hook, secret)?;
                if hook.auth_secret_missing() {
                    return Err(CliError::Usage(
                        "the hook has an authScheme without a value; give the secret with --auth-value-env VAR, --auth-value-file PATH or --auth-value-stdin"
                            .into(),
                    ));
                }
                hook.validate_with(flags.unknown_event_types())?;
                hook
            }
        };
        let client = &ctx
            .client()?
            .allow_unknown_event_types(flags.allow_unknown_event_type);
        if self.dry_run {
            let url = format!("{}/api/v1/eventHooks", client.org_url());
            let body = hook.to_request_body();
            return ctx
                .printer()
                .dry_run(&[PlannedRequest::new("POST", url, Some(&body))?]);
        }
        let created = client.create_event_hook(&hook).await?;
        let id = created.id.clone().unwrap_or_default();
        ctx.printer().note(&format!("created event hook {id}"));
        if !self.verify {
            return ctx.printer().hook(&created);
        }
        match verify(ctx, &id, None, Duration::ZERO).await {
            Ok(verified) => ctx.printer().hook(&verified),
            Err(e) => {
                // The hook exists even though verification failed: show it, then fail.
                ctx.printer().hook(&created)?;
                Err(e.with_hint(format!(
                    "the hook was created; verify it again with `okta-eventhooks verify {id} --wait`"
                )))
            }
        }
    }
}

/// `replace`
#[derive(Debug, Args)]
pub struct Replace {
    /// The hook's id or its exact (current) name; --name sets the new name.
    #[arg(value_name = "ID|NAME")]
    target: String,

    /// Print the request instead of sending it (secrets redacted). The current hook is still
    /// read (GET), as the request depends on it.
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    hook: HookFlags,

    /// Remove this custom header (repeatable).
    #[arg(long, value_name = "KEY", help_heading = "Hook fields")]
    remove_header: Vec<String>,

    /// Remove the auth header and its secret.
    #[arg(long, help_heading = "Hook fields", conflicts_with_all = ["auth_key", "auth_value_env", "auth_value_file", "auth_value_stdin"])]
    remove_auth: bool,

    /// Remove every event filter.
    #[arg(long, conflicts_with = "filters", help_heading = "Hook fields")]
    clear_filters: bool,
}

impl Replace {
    /// Fetches the hook, changes what was given, and sends it back.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let flags = &self.hook;
        flags.check_sources()?;
        if !flags.any() && self.remove_header.is_empty() && !self.remove_auth && !self.clear_filters
        {
            return Err(CliError::Usage(
                "nothing to change: give -f FILE or at least one of --name, --description, --uri, --header, --remove-header, --auth-value-*, --remove-auth, --event, --filter, --clear-filters"
                    .into(),
            ));
        }
        let secret = flags.secret.read()?;
        let from_file = flags.file.as_deref().map(read_hook_file).transpose()?;
        let client = &ctx
            .client()?
            .allow_unknown_event_types(flags.allow_unknown_event_type);
        let Resolved { id, hook } = if looks_like_id(&self.target) {
            Resolved {
                id: self.target.clone(),
                hook: None,
            }
        } else {
            crate::target::by_name(client, &self.target).await?
        };
        let current = match hook {
            Some(hook) => hook,
            None => client.get_event_hook(&id).await?,
        };
        let mut hook = current.clone();
        if let Some(file) = from_file {
            if file.channel.config.auth_scheme.is_none()
                && current.channel.config.auth_scheme.is_some()
            {
                ctx.printer().warn(
                    "the file has no channel.config.authScheme: the hook's auth header will be removed",
                );
            }
            hook.name = file.name;
            hook.description = file.description;
            hook.events = file.events;
            hook.channel = file.channel;
        }
        // Removals first, so that a header name they free can be set again (e.g. a custom header
        // moved to the auth header).
        for key in &self.remove_header {
            if !hook.remove_header(key) {
                return Err(CliError::Usage(format!(
                    "--remove-header {key}: the hook has no such header"
                )));
            }
        }
        if self.remove_auth {
            hook.channel.config.auth_scheme = None;
        }
        if self.clear_filters {
            hook.events.filter = None;
        }
        flags.apply(&mut hook, secret)?;
        if hook.auth_secret_missing() {
            return Err(CliError::Refused(format!(
                "event hook {id} has an auth header ({}), and Okta never returns its secret: sending the hook back without it would drop the secret; nothing was changed",
                hook.channel.config.auth_scheme.as_ref().and_then(|a| a.key.as_deref()).unwrap_or("?")
            ))
            .with_hint("give the secret again with --auth-value-env VAR, --auth-value-file PATH or --auth-value-stdin, or remove it with --remove-auth"));
        }
        hook.validate_with(flags.unknown_event_types())?;
        if self.dry_run {
            let body = hook.to_request_body();
            let url = hook_url(client, &id, "");
            return ctx
                .printer()
                .dry_run(&[PlannedRequest::new("PUT", url, Some(&body))?]);
        }
        let replaced = client.replace_event_hook(&id, &hook).await?;
        ctx.printer().note(&format!("replaced event hook {id}"));
        if current.channel.config.uri != replaced.channel.config.uri
            || replaced.verification_status
                == Some(okta_eventhooks::EventHookVerificationStatus::Unverified)
                && current.verification_status
                    == Some(okta_eventhooks::EventHookVerificationStatus::Verified)
        {
            ctx.printer().warn(&format!(
                "the hook's channel changed, so Okta needs it verified again: okta-eventhooks verify {id}"
            ));
        }
        ctx.printer().hook(&replaced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_eventhooks_tests::hostile;
    use proptest::prelude::*;

    #[test]
    fn deep_yaml_is_refused_before_it_is_parsed() {
        let started = std::time::Instant::now();
        let err = parse_hook(&"[".repeat(100_000)).unwrap_err();
        assert_eq!(
            err,
            "is refused: its [ ] and { } collections are nested more than 64 deep (line 1), the most accepted"
        );
        let err = parse_hook(&format!("name: x\nevents: {}", "[a, ".repeat(40_000))).unwrap_err();
        assert!(err.contains("(line 2)"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        // JSON's own parser bounds its recursion (and skips unknown fields without any).
        for deep in [
            format!("{{\"a\":{}", "[".repeat(100_000)),
            format!("{{\"name\":{}", "{\"a\":".repeat(100_000)),
        ] {
            assert!(parse_hook(&deep).is_err());
        }
    }

    #[test]
    fn a_hook_in_yaml_with_flow_collections_still_reads() {
        let hook = parse_hook(
            "name: Audit sink\n\
             events: {type: EVENT_TYPE, items: [user.session.start]}\n\
             channel: {type: HTTP, version: 1.0.0, config: {uri: 'https://h.example.com/x'}}\n",
        )
        .unwrap();
        assert_eq!(hook.events.items, ["user.session.start"]);
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_not_quoted_and_the_error_says_where() {
        let channel = |config: &str| {
            format!(
                "{{\"name\": \"x\", \"events\": {{\"type\": \"EVENT_TYPE\", \"items\": [\"user.session.start\"]}},\n\"channel\": {{\"type\": \"HTTP\", \"version\": \"1.0.0\", \"config\": {config}}}}}"
            )
        };
        for (text, line) in [
            (
                channel(r#"{"uri": "https://h.example.com/", "authScheme": {"type": "HEADER", "key": "Authorization", "value": 271828182845}}"#),
                "line 2",
            ),
            (
                channel(r#"{"uri": "https://h.example.com/", "headers": [{"key": "X-Api-Key", "value": 271828182845}]}"#),
                "line 2",
            ),
            (
                "name: x\nchannel:\n  type: HTTP\n  version: 1.0.0\n  config:\n    uri: https://h.example.com/\n    authScheme: {type: HEADER, key: Authorization, value: 271828182845}\n".to_owned(),
                "line 7",
            ),
            (
                "name: x\nchannel:\n  type: HTTP\n  version: 1.0.0\n  config:\n    uri: https://h.example.com/\n    headers:\n      - {key: X-Api-Key, value: 271828182845}\n".to_owned(),
                "line 8",
            ),
        ] {
            let err = parse_hook(&text).unwrap_err();
            assert!(!err.contains("271828"), "{err}");
            assert!(
                err.contains("invalid type: a number, expected a string") && err.contains(line),
                "{err}"
            );
        }
    }

    #[test]
    fn a_secret_in_place_of_its_container_is_not_quoted_and_the_error_says_where() {
        let hook = |config: &str| {
            format!(
                "name: x\nchannel:\n  type: HTTP\n  version: 1.0.0\n  config:\n    uri: https://h.example.com/\n{config}"
            )
        };
        for (text, expected) in [
            (
                hook("    authScheme: Hunter20Secret\n"),
                "channel.config.authScheme: invalid type: a string, expected a mapping",
            ),
            (
                hook("    headers: Hunter14Secret\n"),
                "channel.config.headers: invalid type: a string, expected a sequence",
            ),
            (
                hook("    headers: [Hunter14Secret]\n"),
                "channel.config.headers[0]: invalid type: a string, expected a mapping",
            ),
            (
                r#"{"name": "x", "channel": {"config": {"uri": "https://h.example.com/", "authScheme": "Hunter20Secret"}}}"#.to_owned(),
                "channel.config.authScheme: invalid type: a string",
            ),
        ] {
            let err = parse_hook(&text).unwrap_err();
            assert!(!err.contains("Hunter"), "{err}");
            assert!(err.contains(expected), "{err}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(hostile::CASES))]

        /// Whatever a hook file holds, reading it ends in a hook or an error: no panic, no
        /// stack overflow.
        #[test]
        fn hook_file_parsing_never_panics(text in hostile::text()) {
            let _ = parse_hook(&text);
        }
    }
}
