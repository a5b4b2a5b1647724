//! `filter check` and `filter test`: Okta's filter language for event hooks, offline. Okta's
//! own Preview ignores filters, so these are the only way to try one before events flow.
//!
//! Both use the SDK's [`okta_eventhooks::filter`], the implementation the SDK's checks and the
//! emulator's deliveries use.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand};
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::filter::{Evaluation, Filter, FilterError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{CliError, Result};
use crate::key_value::key_value;
use crate::output::Printer;

/// Largest event file read: a LogEvent is a few kilobytes.
pub const MAX_EVENT_BYTES: u64 = 1024 * 1024;

/// The long help of `filter`: the language in brief, and examples.
pub const LONG_HELP: &str = "\
Check an event hook filter, or test it against an event, offline.

Okta's Preview in the Admin Console ignores filters, so this is the only way to
try one before real events flow. The language is Okta's for event hooks:
  fields     event.eventType, event.outcome.result, event.outcome.reason,
             event.actor.id, event.actor.type, event.actor.alternateId,
             event.actor.displayName, event.debugData.changedAttributes
  compare    FIELD eq 'text', FIELD ne 'text' (single quotes, case-sensitive)
  targets    event.target.?[COND].size()>0 (or eq N, ne N), where COND compares
             a target's id, type, alternateId or displayName, e.g.
    event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0
  combine    && and ||, with parentheses
Limits: 4096 bytes, 128 comparisons, 32 levels of nesting.

Examples:
  okta-eventhooks filter check \"event.outcome.result eq 'FAILURE'\"
  okta-eventhooks filter test \"event.outcome.result eq 'FAILURE'\" \\
      --sample user.session.start --set outcome.result=FAILURE
  okta-eventhooks filter test \"event.actor.alternateId eq 'a@example.com'\" \\
      --event event.json";

/// `filter` (its help is [`LONG_HELP`]).
#[derive(Debug, Args)]
pub struct FilterArgs {
    #[command(subcommand)]
    command: FilterCommand,
}

#[derive(Debug, Subcommand)]
enum FilterCommand {
    /// Say whether EXPR is a valid event hook filter, and where the problem is (exit 0 or 2).
    Check(Check),
    /// Evaluate EXPR against a LogEvent: print true or false and the term that decided it.
    Test(Test),
}

/// `filter check`
#[derive(Debug, Args)]
struct Check {
    /// The filter expression (quote it for the shell).
    #[arg(value_name = "EXPR")]
    expression: String,
}

/// `filter test`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["event", "sample"])))]
struct Test {
    /// The filter expression (quote it for the shell).
    #[arg(value_name = "EXPR")]
    expression: String,

    /// A LogEvent as JSON, e.g. one copied from the System Log (- for stdin; at most 1 MiB).
    #[arg(long, value_name = "FILE")]
    event: Option<PathBuf>,

    /// A generated LogEvent of this type, as the emulator fires it (-o json shows it).
    #[arg(long, value_name = "TYPE")]
    sample: Option<String>,

    /// Set a field of the event first; PATH is the field's place in the LogEvent JSON, with
    /// numbers for list entries (outcome.result=FAILURE, target.1.displayName=Support,
    /// debugContext.debugData.changedAttributes=email). VALUE is a string. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = key_value)]
    set: Vec<(String, String)>,
}

impl FilterArgs {
    /// Runs the command; it needs no Okta configuration, only the printer.
    pub fn run(self, printer: &Printer) -> Result<()> {
        match self.command {
            FilterCommand::Check(check) => check.run(printer),
            FilterCommand::Test(test) => test.run(printer),
        }
    }
}

/// `filter check -o json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckRecord<'a> {
    expression: &'a str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorRecord<'a>>,
}

#[derive(Debug, Serialize)]
struct ErrorRecord<'a> {
    column: usize,
    message: &'a str,
}

impl Check {
    fn run(self, printer: &Printer) -> Result<()> {
        let parsed = Filter::parse(&self.expression);
        let record = CheckRecord {
            expression: &self.expression,
            valid: parsed.is_ok(),
            error: parsed.as_ref().err().map(|e| ErrorRecord {
                column: e.column,
                message: &e.message,
            }),
        };
        let verdict = if record.valid { "valid" } else { "invalid" };
        printer.result(verdict, &record)?;
        parsed.map(drop).map_err(|e| invalid(&self.expression, &e))
    }
}

/// `filter test -o json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TestRecord<'a> {
    expression: &'a str,
    matched: bool,
    decided_by: DecidedBy<'a>,
    /// The event tested, after `--set`.
    event: &'a Value,
}

#[derive(Debug, Serialize)]
struct DecidedBy<'a> {
    term: &'a str,
    column: usize,
    observed: &'a str,
}

impl Test {
    fn run(self, printer: &Printer) -> Result<()> {
        let filter = Filter::parse(&self.expression).map_err(|e| invalid(&self.expression, &e))?;
        let mut event = match (&self.event, &self.sample) {
            (Some(path), _) => read_event(path)?,
            (None, Some(event_type)) => {
                if event_type.is_empty() || event_type.contains(char::is_whitespace) {
                    return Err(CliError::Usage(format!(
                        "--sample {event_type:?}: give an event type, e.g. user.session.start"
                    )));
                }
                okta_eventhooks::sample::sample_event(event_type)
            }
            (None, None) => {
                return Err(CliError::Usage("give --event FILE or --sample TYPE".into()));
            }
        };
        for (path, value) in &self.set {
            set(&mut event, path, value)
                .map_err(|problem| CliError::Usage(format!("--set {path}: {problem}")))?;
        }
        let typed = LogEvent::deserialize(&event).map_err(|e| {
            CliError::Usage(format!(
                "the event is not a LogEvent (Okta's System Log event): {e}"
            ))
        })?;
        let evaluation = filter.evaluate(&typed);
        let record = TestRecord {
            expression: filter.expression(),
            matched: evaluation.matched,
            decided_by: DecidedBy {
                term: &evaluation.decided_by,
                column: evaluation.column,
                observed: &evaluation.observed,
            },
            event: &event,
        };
        printer.result(&test_text(&evaluation, &typed), &record)
    }
}

/// The table view: the verdict, then why.
fn test_text(evaluation: &Evaluation, event: &LogEvent) -> String {
    format!(
        "{}\n  decided by  {}  (column {})\n  it saw      {}\n  event       {}",
        evaluation.matched,
        evaluation.decided_by,
        evaluation.column,
        evaluation.observed,
        event.event_type.as_deref().unwrap_or("(no eventType)"),
    )
}

/// An invalid expression: the SDK's message, then the expression with a caret under the
/// problem.
fn invalid(expression: &str, error: &FilterError) -> CliError {
    CliError::Usage(format!("{error}\n{}", pointer(expression, error.column)))
}

/// Two lines: the expression (at most about 60 characters of it, around `column`) and a `^`
/// under `column`. Control characters show as spaces, so the caret stays aligned.
fn pointer(expression: &str, column: usize) -> String {
    const WIDTH: usize = 60;
    let chars: Vec<char> = expression
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(WIDTH / 2);
    let end = (start + WIDTH).min(chars.len());
    let mut line: String = if start > 0 {
        "…".into()
    } else {
        String::new()
    };
    line.extend(&chars[start..end]);
    if end < chars.len() {
        line.push('…');
    }
    let caret = at - start + usize::from(start > 0);
    format!("  {line}\n  {}^", " ".repeat(caret))
}

/// Reads one LogEvent from a file or stdin, at most [`MAX_EVENT_BYTES`].
fn read_event(path: &Path) -> Result<Value> {
    let shown = if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let source: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        let file = okta_eventhooks::limits::open_regular_file(path)
            .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
        Box::new(file)
    };
    let mut bytes = Vec::new();
    source
        .take(MAX_EVENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_EVENT_BYTES {
        return Err(CliError::Usage(format!(
            "{shown} is larger than {MAX_EVENT_BYTES} bytes; give one LogEvent (a few kilobytes)"
        )));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Usage(format!("{shown} is not JSON: {e}")))?;
    match &value {
        Value::Object(map) if map.get("data").and_then(|d| d.get("events")).is_some() => {
            Err(CliError::Usage(format!(
                "{shown} is a delivery (an envelope of events); give one of its events, e.g. jq '.data.events[0]'"
            )))
        }
        Value::Object(_) => Ok(value),
        Value::Array(events) => Err(CliError::Usage(format!(
            "{shown} holds a list of {} events; give one, e.g. jq '.[0]'",
            events.len()
        ))),
        _ => Err(CliError::Usage(format!(
            "{shown} is not a JSON object (a LogEvent)"
        ))),
    }
}

/// Sets the string `value` at the dotted `path` of `event`, creating objects on the way and
/// appending to a list when the index is its length.
fn set(event: &mut Value, path: &str, value: &str) -> std::result::Result<(), String> {
    if path.split('.').any(str::is_empty) {
        return Err(
            "a path is names and list positions joined by dots, e.g. outcome.result".into(),
        );
    }
    let mut node = event;
    for segment in path.split('.') {
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
        node = match node {
            Value::Object(map) => map.entry(segment).or_insert(Value::Null),
            Value::Array(items) => {
                let len = items.len();
                let index = segment
                    .parse::<usize>()
                    .ok()
                    .filter(|index| *index <= len)
                    .ok_or_else(|| {
                        format!("{segment:?} is not a position in a list of {len} (0 to {len})")
                    })?;
                if index == len {
                    items.push(Value::Null);
                }
                &mut items[index]
            }
            _ => {
                return Err(format!(
                    "{segment:?} is inside a value that is neither an object nor a list"
                ));
            }
        };
    }
    *node = Value::String(value.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_follows_names_and_positions() {
        let mut event = json!({"target": [{"type": "User"}], "outcome": null});
        set(&mut event, "outcome.result", "FAILURE").unwrap();
        set(&mut event, "target.0.displayName", "Jane").unwrap();
        set(&mut event, "target.1.displayName", "Sales").unwrap();
        set(
            &mut event,
            "debugContext.debugData.changedAttributes",
            "email",
        )
        .unwrap();
        assert_eq!(
            event,
            json!({
                "target": [{"type": "User", "displayName": "Jane"}, {"displayName": "Sales"}],
                "outcome": {"result": "FAILURE"},
                "debugContext": {"debugData": {"changedAttributes": "email"}}
            })
        );
        assert!(
            set(&mut event, "target.5.type", "x")
                .unwrap_err()
                .contains("list of 2")
        );
        assert!(set(&mut event, "target.x", "x").is_err());
        assert!(set(&mut event, "outcome.result.deeper", "x").is_err());
        assert!(set(&mut event, "outcome..result", "x").is_err());
    }

    #[test]
    fn the_help_states_the_sdk_limits() {
        use okta_eventhooks::filter::{MAX_DEPTH, MAX_EXPRESSION_BYTES, MAX_TERMS};
        let limits = format!(
            "Limits: {MAX_EXPRESSION_BYTES} bytes, {MAX_TERMS} comparisons, {MAX_DEPTH} levels"
        );
        assert!(LONG_HELP.contains(&limits), "{limits}");
    }

    #[test]
    fn the_pointer_sits_under_the_column() {
        assert_eq!(pointer("a eq 'b'", 3), "  a eq 'b'\n    ^");
        assert_eq!(pointer("a\teq", 3), "  a eq\n    ^");
        assert_eq!(pointer("a eq", 5), "  a eq\n      ^", "one past the end");
        let long = format!("{}X{}", "a".repeat(100), "b".repeat(100));
        let shown = pointer(&long, 101);
        let (line, caret) = shown.split_once('\n').unwrap();
        let x = line.chars().position(|c| c == 'X').unwrap();
        assert_eq!(caret.chars().position(|c| c == '^'), Some(x));
        assert!(line.starts_with("  …") && line.ends_with('…'));
    }
}
