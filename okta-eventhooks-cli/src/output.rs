//! One printer for every command: results to stdout as a table, JSON or YAML; notes and errors
//! to stderr. Colour only on a terminal and never with `NO_COLOR`; a closed pipe ends quietly.
//!
//! Secrets: `json`/`yaml` print what Okta returned, which includes custom header values (real
//! data the user asked for; Okta never returns `authScheme.value`). Tables never show header
//! values, dry-run output redacts every secret, and tables, dry runs, notes, warnings and
//! errors show a URI's user name and password as `[REDACTED]` ([`redact::text`]).

use std::io::{self, IsTerminal, Write};

use okta_eventhooks::catalog::EventType;
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::sink::RawEvent;
use okta_eventhooks::{EventHook, EventHookVerificationStatus, redact};
use serde::Serialize;

use crate::error::{CliError, Result, encode_error, output_error};
use crate::event_line::{EventLine, push_printable};

/// `-o/--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned, human-readable (never shows secrets).
    #[default]
    Table,
    /// JSON of what the API returned (for jq and scripts).
    Json,
    /// YAML of what the API returned.
    Yaml,
}

/// A request a `--dry-run` would have sent.
#[derive(Debug, Serialize)]
pub struct PlannedRequest {
    /// HTTP method.
    pub method: &'static str,
    /// Full URL.
    pub url: String,
    /// JSON body, secrets already redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl PlannedRequest {
    /// A planned request; the body's secrets (header values, `authScheme.value`, the URI's
    /// user name and password) are redacted.
    pub fn new(method: &'static str, url: String, body: Option<&EventHook>) -> Result<Self> {
        let body = body
            .map(|hook| {
                serde_json::to_value(hook)
                    .map(redact::hook_json)
                    .map_err(|e| encode_error("JSON", e))
            })
            .transpose()?;
        let url = redact::text(&url).into_owned();
        Ok(Self { method, url, body })
    }
}

/// Writes results and diagnostics. Clones write to the same streams (`listen` prints events
/// from a thread of its own).
#[derive(Clone, Debug)]
pub struct Printer {
    format: OutputFormat,
    quiet: bool,
    colour: bool,
    width: usize,
    stdout: Stdout,
}

/// Where results go.
#[derive(Clone, Debug)]
enum Stdout {
    /// The process's stdout.
    Process,
    /// A buffer a unit test reads (also while a command is still running).
    #[cfg(test)]
    Captured(std::sync::Arc<std::sync::Mutex<String>>),
}

/// Whether colour may be used on a stream: a terminal, and `NO_COLOR` unset or empty.
fn colour_allowed(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr gets colour.
pub fn stderr_colour() -> bool {
    colour_allowed(io::stderr().is_terminal())
}

impl Printer {
    /// A printer for the chosen format.
    pub fn new(format: OutputFormat, quiet: bool) -> Self {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w >= 40)
            .unwrap_or(80);
        Self {
            format,
            quiet,
            colour: colour_allowed(io::stdout().is_terminal()),
            width,
            stdout: Stdout::Process,
        }
    }

    /// A quiet printer whose results a unit test can read from the returned buffer.
    #[cfg(test)]
    pub fn captured(format: OutputFormat) -> (Self, std::sync::Arc<std::sync::Mutex<String>>) {
        let buffer = std::sync::Arc::default();
        let printer = Self {
            format,
            quiet: true,
            colour: false,
            width: 80,
            stdout: Stdout::Captured(std::sync::Arc::clone(&buffer)),
        };
        (printer, buffer)
    }

    /// `text` in an ANSI colour (`code`, e.g. `31` red) when stdout is a terminal that takes
    /// colour, as it is otherwise.
    pub fn painted(&self, code: &str, text: &str) -> String {
        paint(self.colour, code, text)
    }

    /// The output format chosen with `-o`.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Prints a list of hooks (`list`).
    pub fn hooks(&self, hooks: &[EventHook]) -> Result<()> {
        match self.format {
            OutputFormat::Table => self.write_stdout(&self.hooks_table(hooks)),
            _ => self
                .as_returned(b'[')
                .map_or_else(|| self.structured(&hooks), |raw| self.raw(&raw)),
        }
    }

    /// Prints one hook (`get`, and the result of every write).
    pub fn hook(&self, hook: &EventHook) -> Result<()> {
        match self.format {
            OutputFormat::Table => self.write_stdout(&self.hook_details(hook)),
            _ => self
                .as_returned(b'{')
                .map_or_else(|| self.structured(hook), |raw| self.raw(&raw)),
        }
    }

    /// Prints event types of the catalog (`event-types`): a table with their release and
    /// category, or the entries as JSON/YAML.
    pub fn event_types(&self, types: &[&EventType]) -> Result<()> {
        if self.format != OutputFormat::Table {
            return self.structured(types);
        }
        if types.is_empty() {
            return self.write_stdout("(no event types match)\n");
        }
        let rows: Vec<[String; 4]> = types
            .iter()
            .map(|t| {
                let notes: Vec<&str> = [
                    (!t.hook_eligible, "not for event hooks"),
                    (t.beta, "beta"),
                    (t.internal, "internal"),
                ]
                .into_iter()
                .filter_map(|(on, note)| on.then_some(note))
                .collect();
                [
                    t.name.to_owned(),
                    t.released.to_owned(),
                    t.category.to_owned(),
                    notes.join(", "),
                ]
            })
            .collect();
        let headers = ["EVENT TYPE", "RELEASE", "CATEGORY", "NOTES"];
        let mut widths = headers.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 4]| {
            let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
            padded.join("  ").trim_end().to_owned()
        };
        let mut text = paint(self.colour, "1", &line(headers));
        text.push('\n');
        for row in &rows {
            text.push_str(&line([&row[0], &row[1], &row[2], &row[3]]));
            text.push('\n');
        }
        self.write_stdout(&text)
    }

    /// The body of the last successful response, when it is the JSON value being printed (an
    /// array for `list`, an object otherwise): printing it keeps Okta's field order, `null`s and
    /// fields the SDK does not model.
    fn as_returned(&self, opening: u8) -> Option<okta_eventhooks::bytes::Bytes> {
        let raw = okta_eventhooks::last_response_body()?;
        let first = raw.iter().find(|b| !b.is_ascii_whitespace())?;
        (*first == opening).then_some(raw)
    }

    /// Prints a response body as returned: JSON verbatim, YAML converted from it.
    fn raw(&self, body: &[u8]) -> Result<()> {
        match self.format {
            OutputFormat::Yaml => {
                // The SDK already decoded this body, so it is JSON.
                let value: serde_json::Value =
                    serde_json::from_slice(body).map_err(|e| encode_error("YAML", e))?;
                self.structured(&value)
            }
            _ => self.write_stdout(&with_newline(&String::from_utf8_lossy(body))),
        }
    }

    /// Prints the requests a `--dry-run` would send (secrets redacted).
    pub fn dry_run(&self, requests: &[PlannedRequest]) -> Result<()> {
        match self.format {
            OutputFormat::Table => {
                let mut text = String::new();
                for request in requests {
                    text.push_str(&format!("{} {}\n", request.method, request.url));
                    if let Some(body) = &request.body {
                        let json = serde_json::to_string_pretty(body)
                            .map_err(|e| encode_error("JSON", e))?;
                        text.push_str(&json);
                        text.push('\n');
                    }
                }
                self.write_stdout(&text)?;
            }
            _ => self.structured(&requests)?,
        }
        self.note("dry run: nothing was sent");
        Ok(())
    }

    /// A progress or confirmation note on stderr (suppressed by `--quiet`).
    pub fn note(&self, message: &str) {
        if !self.quiet {
            stderr_line(&shown(message));
        }
    }

    /// A warning on stderr (shown even with `--quiet`).
    pub fn warn(&self, message: &str) {
        let label = paint(stderr_colour(), "33;1", "warning:");
        stderr_line(&format!("{label} {}", shown(message)));
    }

    /// The final error line and its hints, on stderr.
    pub fn error(&self, error: &CliError, hints: &[String]) {
        let colour = stderr_colour();
        // Okta's own text is escaped whole; the CLI's and the SDK's local messages may span lines.
        let from_okta = matches!(
            error.root(),
            CliError::Okta(okta_eventhooks::Error::Api(_) | okta_eventhooks::Error::Decode { .. })
        );
        let message = error.to_string();
        let message = if from_okta {
            shown(&message)
        } else {
            message.lines().map(shown).collect::<Vec<_>>().join("\n")
        };
        let mut text = format!("{} {message}\n", paint(colour, "31;1", "error:"));
        for hint in hints {
            let hint = shown(hint);
            text.push_str(&format!("{} {hint}\n", paint(colour, "36", "hint:")));
        }
        // Nothing sensible is left to do if stderr itself is gone.
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }

    /// One result that is not a hook (`emulator fire`): `table` is its text, `json`/`yaml` print
    /// `value` as one document.
    pub fn result<T: Serialize + ?Sized>(&self, table: &str, value: &T) -> Result<()> {
        match self.format {
            OutputFormat::Table => self.write_stdout(&with_newline(table)),
            _ => self.structured(value),
        }
    }

    /// One item of a stream (a demo step, a received event, the emulator's status), printed as
    /// soon as it happens: `table` is its text, `json` one JSON object per line (for `jq` and
    /// line-by-line readers), `yaml` one YAML document.
    pub fn record<T: Serialize + ?Sized>(&self, table: &str, value: &T) -> Result<()> {
        let text = match self.format {
            OutputFormat::Table => with_newline(table),
            OutputFormat::Json => {
                with_newline(&serde_json::to_string(value).map_err(|e| encode_error("JSON", e))?)
            }
            OutputFormat::Yaml => {
                let yaml = yaml_serde::to_string(value).map_err(|e| encode_error("YAML", e))?;
                format!("---\n{}\n", yaml.trim_end())
            }
        };
        self.write_stdout(&text)
    }

    /// One System Log event as it arrives (`listen`, `logs`): its [`event_line`], or one JSON
    /// line / YAML document with every field Okta sent (fields this SDK does not know included).
    pub fn event(&self, event: &LogEvent) -> Result<()> {
        self.record(&event_line(event), event)
    }

    /// A delivery's events as Okta sent them (`listen`), in one write and one flush: in the
    /// table view each one's [`EventLine`], read from its JSON; with `json` its JSON exactly as
    /// received, on one line (line breaks between its tokens, which Okta does not send, are
    /// taken out); with `yaml` one document each, as [`event`](Self::event) prints it. `buffer`
    /// is reused from one delivery to the next.
    pub fn raw_events(&self, events: &[RawEvent], buffer: &mut Vec<u8>) -> Result<()> {
        buffer.clear();
        match self.format {
            OutputFormat::Table => {
                let mut line = String::new();
                for event in events {
                    line.clear();
                    EventLine::from_json(&event.json).write(&mut line);
                    line.push('\n');
                    buffer.extend_from_slice(line.as_bytes());
                }
            }
            OutputFormat::Json => {
                for event in events {
                    push_json_line(buffer, &event.json);
                }
            }
            OutputFormat::Yaml => {
                for event in events {
                    // The typed event (its fields in the model's order), or the JSON as it is
                    // when the typed model refuses its shape.
                    let yaml = match serde_json::from_slice::<LogEvent>(&event.json) {
                        Ok(typed) => yaml_serde::to_string(&typed),
                        Err(_) => {
                            let value: serde_json::Value = serde_json::from_slice(&event.json)
                                .map_err(|e| encode_error("JSON", e))?;
                            yaml_serde::to_string(&value)
                        }
                    }
                    .map_err(|e| encode_error("YAML", e))?;
                    buffer.extend_from_slice(b"---\n");
                    buffer.extend_from_slice(yaml.trim_end().as_bytes());
                    buffer.push(b'\n');
                }
            }
        }
        self.write_stdout_bytes(buffer)
    }

    /// Text only the table view shows (the event lines under a demo step).
    pub fn table_only(&self, text: &str) -> Result<()> {
        match self.format {
            OutputFormat::Table => self.write_stdout(text),
            _ => Ok(()),
        }
    }

    /// Text printed as it is whatever the format (a completion script).
    pub fn verbatim(&self, text: &str) -> Result<()> {
        self.write_stdout(text)
    }

    /// Progress bars on stderr, one per piece of work (an org): drawn only when stderr is a
    /// terminal and `--quiet` is off, so that pipes and logs get only results.
    pub fn progress(&self) -> Progress {
        let visible = !self.quiet && io::stderr().is_terminal();
        Progress {
            multi: visible.then(|| {
                indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr())
            }),
        }
    }

    /// Whether stdin is a terminal someone can answer a question on.
    pub fn can_ask(&self) -> bool {
        io::stdin().is_terminal()
    }

    /// A question on stderr, without a newline: the answer is typed after it.
    pub fn prompt(&self, question: &str) {
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(printable(question).as_bytes());
        let _ = stderr.flush();
    }

    fn structured<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let text = match self.format {
            OutputFormat::Yaml => {
                yaml_serde::to_string(value).map_err(|e| encode_error("YAML", e))?
            }
            _ => with_newline(
                &serde_json::to_string_pretty(value).map_err(|e| encode_error("JSON", e))?,
            ),
        };
        self.write_stdout(&text)
    }

    fn write_stdout(&self, text: &str) -> Result<()> {
        self.write_stdout_bytes(text.as_bytes())
    }

    /// Every result goes through here, so one place decides what a failed write means: one
    /// write and one flush, so a terminal shows the result at once.
    fn write_stdout_bytes(&self, bytes: &[u8]) -> Result<()> {
        match &self.stdout {
            Stdout::Process => {
                let mut out = io::stdout().lock();
                out.write_all(bytes).map_err(output_error)?;
                out.flush().map_err(output_error)
            }
            #[cfg(test)]
            Stdout::Captured(buffer) => {
                buffer
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(bytes));
                Ok(())
            }
        }
    }

    fn hooks_table(&self, hooks: &[EventHook]) -> String {
        // "VERIFIED" as yes/no and the URI without its (always https) scheme keep 80 columns readable.
        const HEADERS: [&str; 6] = ["ID", "NAME", "STATUS", "VERIFIED", "EVENTS", "URI"];
        let rows: Vec<[String; 6]> = hooks
            .iter()
            .map(|h| {
                [
                    printable(h.id.as_deref().unwrap_or("-")),
                    printable(&h.name),
                    printable(&h.status.as_ref().map_or("-".into(), |s| s.to_string())),
                    printable(&verified_cell(h.verification_status.as_ref())),
                    h.events.items.len().to_string(),
                    uri_cell(&h.channel.config.uri),
                ]
            })
            .collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        // NAME and URI share what the fixed columns leave of the line.
        let fixed: usize = widths[0] + widths[2] + widths[3] + widths[4] + 2 * 5;
        let room = self.width.saturating_sub(fixed).max(20);
        if widths[1] + widths[5] > room {
            let name = widths[1].min((room / 2).max(room.saturating_sub(widths[5])));
            widths[1] = name;
            widths[5] = room - name;
        }
        let mut text = String::new();
        let header: Vec<String> = HEADERS.iter().zip(widths).map(|(h, w)| pad(h, w)).collect();
        text.push_str(&paint(self.colour, "1", header.join("  ").trim_end()));
        text.push('\n');
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    let padded = pad(&fit(cell, w), w);
                    match i {
                        2 | 3 => paint(self.colour, status_colour(cell), &padded),
                        _ => padded,
                    }
                })
                .collect();
            text.push_str(cells.join("  ").trim_end());
            text.push('\n');
        }
        if rows.is_empty() {
            text.push_str("(no event hooks)\n");
        }
        text
    }

    fn hook_details(&self, hook: &EventHook) -> String {
        let config = &hook.channel.config;
        // (label, value, colour); values are escaped before they are coloured.
        let mut lines: Vec<(&str, String, &str)> = vec![
            ("ID", hook.id.clone().unwrap_or_else(|| "-".into()), ""),
            ("Name", hook.name.clone(), ""),
        ];
        if let Some(description) = hook.description.as_deref().filter(|d| !d.is_empty()) {
            lines.push(("Description", description.to_owned(), ""));
        }
        let status = hook.status.as_ref().map_or("-".into(), |s| s.to_string());
        let colour = status_colour(&status);
        lines.push(("Status", status, colour));
        let verification = hook
            .verification_status
            .as_ref()
            .map_or("-".into(), |s| s.to_string());
        let colour = status_colour(&verification);
        lines.push(("Verification", verification, colour));
        lines.push(("URI", redact::text(&config.uri).into_owned(), ""));
        for header in &config.headers {
            // Header values are secrets: the table shows only their names.
            lines.push((
                "Header",
                format!(
                    "{}: (value hidden; see -o json)",
                    header.key.as_deref().unwrap_or("")
                ),
                "",
            ));
        }
        if let Some(auth) = &config.auth_scheme {
            lines.push((
                "Auth header",
                format!(
                    "{} (secret never returned by Okta)",
                    auth.key.as_deref().unwrap_or("-")
                ),
                "",
            ));
        }
        lines.push(("Events", hook.events.items.len().to_string(), ""));
        let filters = hook
            .events
            .filter
            .as_ref()
            .map(|f| f.event_filter_map.as_slice())
            .unwrap_or_default();
        for item in &hook.events.items {
            let filter = filters
                .iter()
                .find(|f| f.event.as_deref() == Some(item.as_str()))
                .and_then(|f| f.condition.as_ref())
                .and_then(|c| c.expression.as_deref());
            let line = match filter {
                Some(expression) => format!("  {item}  [filter: {expression}]"),
                None => format!("  {item}"),
            };
            lines.push(("", line, ""));
        }
        if let Some(created) = hook.created {
            lines.push(("Created", created.to_string(), ""));
        }
        if let Some(updated) = hook.last_updated {
            lines.push(("Last updated", updated.to_string(), ""));
        }
        let label_width = lines.iter().map(|(l, _, _)| l.len()).max().unwrap_or(0);
        let mut text = String::new();
        for (label, value, colour) in lines {
            let value = printable(&value);
            let value = if colour.is_empty() {
                value
            } else {
                paint(self.colour, colour, &value)
            };
            let label = pad(label, label_width);
            text.push_str(&format!("{}  {value}\n", paint(self.colour, "1", &label)));
        }
        text
    }
}

/// One readable line: time, event type, actor, targets, outcome (see [`EventLine`]). Control
/// characters from the event are escaped, so a crafted event cannot drive the terminal.
pub fn event_line(event: &LogEvent) -> String {
    EventLine::from_event(event).to_line()
}

/// Progress bars (see [`Printer::progress`]); without a terminal, every call does nothing.
pub struct Progress {
    multi: Option<indicatif::MultiProgress>,
}

/// One bar: a label, steps done of steps planned, and what is being done.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Progress {
    /// A new bar labelled `label`, of `len` steps.
    pub fn bar(&self, label: &str, len: u64) -> Bar {
        Bar(self.multi.as_ref().map(|multi| {
            let style = indicatif::ProgressStyle::with_template(
                "{prefix:>16} [{bar:24}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = multi.add(indicatif::ProgressBar::new(len));
            bar.set_style(style);
            bar.set_prefix(fit(&printable(label), 16));
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        }))
    }

    /// Removes every bar before the results are printed.
    pub fn clear(&self) {
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }
}

impl Bar {
    /// What is being done now.
    pub fn message(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(printable(message));
        }
    }

    /// One more step done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// The work is over; `message` says how it ended.
    pub fn finish(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.finish_with_message(printable(message));
        }
    }
}

/// The URI without its (always https) scheme, and without a user name and password: those
/// are cut before the scheme is, as the cut text no longer reads as a URI.
fn uri_cell(uri: &str) -> String {
    let uri = redact::text(uri);
    printable(uri.strip_prefix("https://").unwrap_or(&uri))
}

fn verified_cell(status: Option<&EventHookVerificationStatus>) -> String {
    match status {
        Some(EventHookVerificationStatus::Verified) => "yes".into(),
        Some(EventHookVerificationStatus::Unverified) => "no".into(),
        Some(other) => other.to_string(),
        None => "-".into(),
    }
}

fn status_colour(value: &str) -> &'static str {
    match value {
        "ACTIVE" | "VERIFIED" | "yes" => "32",
        "INACTIVE" => "33",
        "UNVERIFIED" | "no" => "31",
        _ => "0",
    }
}

fn with_newline(text: &str) -> String {
    let mut text = text.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// One line on stderr. Unlike `eprintln!`, a closed stderr is ignored instead of panicking.
fn stderr_line(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.write_all(b"\n");
}

/// Wraps `text` in an ANSI colour when `on`.
fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Text from the server (names, error summaries) with control characters escaped, so that it
/// cannot move the cursor, change colours or fake lines on the user's terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_printable(&mut out, text);
    out
}

/// Appends one event's JSON and a newline: the bytes as they are, or, when the JSON has line
/// breaks between its tokens (JSON text never has one inside a string), without the
/// whitespace between its tokens.
fn push_json_line(out: &mut Vec<u8>, json: &[u8]) {
    // `contains` on bytes is a word-at-a-time search.
    if !json.contains(&b'\n') && !json.contains(&b'\r') {
        out.extend_from_slice(json);
    } else {
        let (mut in_string, mut escaped) = (false, false);
        for &byte in json {
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
            } else if byte == b'"' {
                in_string = true;
            } else if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                continue;
            }
            out.push(byte);
        }
    }
    out.push(b'\n');
}

/// Text that may hold a URI with a user name and password, made [`printable`] and redacted.
pub fn shown(text: &str) -> String {
    printable(&redact::text(text))
}

/// `text` followed by spaces up to `width` characters.
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    let mut padded = text.to_owned();
    padded.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    padded
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
        assert_eq!(printable("Überwachung"), "Überwachung");
    }

    #[test]
    fn uri_cells_never_show_userinfo() {
        assert_eq!(
            uri_cell("https://alice:S3cretPW@host/x"),
            "[REDACTED]@host/x"
        );
        assert_eq!(
            uri_cell("http://u:p@127.0.0.1/x"),
            "http://[REDACTED]@127.0.0.1/x"
        );
        assert_eq!(uri_cell("https://host/@team"), "host/@team");
    }

    #[test]
    fn fit_marks_cuts() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }

    /// A value whose serialization fails, as a serializer does on a value it cannot express.
    struct Unencodable;

    impl Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("this value cannot be encoded"))
        }
    }

    #[test]
    fn an_encoding_failure_is_an_output_error_not_a_usage_error() {
        for format in [OutputFormat::Json, OutputFormat::Yaml] {
            let (printer, printed) = Printer::captured(format);
            for outcome in [
                printer.result("-", &Unencodable),
                printer.record("-", &Unencodable),
            ] {
                let err = outcome.unwrap_err();
                assert!(matches!(err, CliError::Internal(_)), "{format:?}: {err}");
                assert_eq!(err.exit(), crate::exit::Exit::Output);
                assert!(
                    err.to_string().starts_with("cannot encode the output as "),
                    "{err}"
                );
            }
            assert_eq!(*printed.lock().unwrap(), "");
        }
    }

    #[test]
    fn records_are_lines_documents_or_text() {
        #[derive(Serialize)]
        struct Step {
            step: u8,
            ok: bool,
        }
        let value = Step { step: 1, ok: true };
        let print = |format| {
            let (printer, printed) = Printer::captured(format);
            printer.record("1. first", &value).unwrap();
            printer.record("2. second\n", &value).unwrap();
            printer.table_only("   detail\n").unwrap();
            drop(printer);
            std::sync::Arc::into_inner(printed)
                .unwrap()
                .into_inner()
                .unwrap()
        };
        assert_eq!(
            print(OutputFormat::Table),
            "1. first\n2. second\n   detail\n"
        );
        assert_eq!(
            print(OutputFormat::Json),
            "{\"step\":1,\"ok\":true}\n{\"step\":1,\"ok\":true}\n"
        );
        assert_eq!(
            print(OutputFormat::Yaml),
            "---\nstep: 1\nok: true\n---\nstep: 1\nok: true\n"
        );
    }

    /// A delivery as the receiver hands it to `listen`: its events as slices of the body.
    fn raw_events(body: &str) -> Vec<RawEvent> {
        okta_eventhooks::sink::Incoming::parse(body.to_owned().into())
            .unwrap()
            .events
    }

    const DELIVERY: &str = r#"{"eventId":"e1","data":{"events":[
        {"uuid":"u1","published":"2026-11-26T13:00:00.000Z","eventType":"user.session.start",
         "actor":{"displayName":"Ada","alternateId":"ada@acme.com"},"futureField":{"kept":true},
         "outcome":{"result":"SUCCESS"},"note":"a \" quote\nand { brace"},
        {"uuid":"u2","eventType":"x.y","severity":5}]}}"#;

    #[test]
    fn json_lines_are_the_events_as_sent_on_one_line_each() {
        let events = raw_events(DELIVERY);
        let (printer, printed) = Printer::captured(OutputFormat::Json);
        let mut buffer = Vec::new();
        printer.raw_events(&events, &mut buffer).unwrap();
        let printed = printed.lock().unwrap().clone();
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 2, "{printed}");
        // The line breaks between tokens are gone, the text inside strings is untouched.
        assert!(
            lines[0].starts_with(r#"{"uuid":"u1","published""#),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains(r#""note":"a \" quote\nand { brace"}"#),
            "{}",
            lines[0]
        );
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let sent: serde_json::Value = serde_json::from_slice(&events[0].json).unwrap();
        assert_eq!(first, sent);
        // An event the typed model refuses (severity 5) is printed as sent.
        assert_eq!(lines[1], r#"{"uuid":"u2","eventType":"x.y","severity":5}"#);
        // Without line breaks the bytes are copied as they are, spaces included.
        let mut line = Vec::new();
        push_json_line(&mut line, br#"{"a": [1, 2], "b":"\n"}"#);
        assert_eq!(line, b"{\"a\": [1, 2], \"b\":\"\\n\"}\n");
    }

    #[test]
    fn table_and_yaml_of_events_as_sent_match_the_typed_event() {
        let events = raw_events(DELIVERY);
        let typed: LogEvent = serde_json::from_slice(&events[0].json).unwrap();
        for format in [OutputFormat::Table, OutputFormat::Yaml] {
            let (printer, printed) = Printer::captured(format);
            printer.raw_events(&events[..1], &mut Vec::new()).unwrap();
            let (expected, wanted) = Printer::captured(format);
            expected.event(&typed).unwrap();
            assert_eq!(
                *printed.lock().unwrap(),
                *wanted.lock().unwrap(),
                "{format:?}"
            );
        }
        // The event the typed model refuses: a line, and a YAML document of its JSON.
        let (printer, printed) = Printer::captured(OutputFormat::Table);
        printer.raw_events(&events[1..], &mut Vec::new()).unwrap();
        assert_eq!(
            *printed.lock().unwrap(),
            "-  x.y  actor: -  targets: -  outcome: -\n"
        );
        let (printer, printed) = Printer::captured(OutputFormat::Yaml);
        printer.raw_events(&events[1..], &mut Vec::new()).unwrap();
        assert!(printed.lock().unwrap().contains("severity: 5"));
    }

    fn event(json: serde_json::Value) -> LogEvent {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn line_shows_time_type_actor_targets_outcome() {
        let e = event(serde_json::json!({
            "published": "2026-11-26T13:00:00.000Z",
            "eventType": "group.user_membership.add",
            "actor": {"displayName": "Ada Admin", "alternateId": "ada@acme.com"},
            "target": [
                {"type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"},
                {"type": "UserGroup", "displayName": "Everyone"}
            ],
            "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
        }));
        assert_eq!(
            event_line(&e),
            "2026-11-26T13:00:00.000Z  group.user_membership.add  actor: Ada Admin <ada@acme.com>  \
             targets: User Bob <bob@acme.com>, UserGroup Everyone  outcome: FAILURE (INVALID_CREDENTIALS)"
        );
    }

    #[test]
    fn missing_parts_print_as_dashes_and_control_characters_are_escaped() {
        assert_eq!(
            event_line(&event(serde_json::json!({}))),
            "-  -  actor: -  targets: -  outcome: -"
        );
        let e = event(serde_json::json!({"eventType": "x\u{1b}[31m\nfake"}));
        let line = event_line(&e);
        assert!(!line.contains('\u{1b}') && !line.contains('\n'), "{line}");
        assert!(line.contains("x\\u{1b}[31m\\nfake"), "{line}");
    }
}
