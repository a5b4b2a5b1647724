//! The stream the relay writes to: its settings, and creating or checking it at start.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::error::{Error, Result};
use crate::subject;

/// Default stream name.
pub const DEFAULT_STREAM: &str = "OKTA_EVENTS";
/// Default subject prefix: events go to `okta.events.<eventType>`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "okta.events";
/// Default duplicate window: covers Okta's retry (seconds later) and a replay from the System
/// Log by a reconcile job within a day.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the stream keeps messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Storage {
    /// On disk (survives a server restart).
    #[default]
    File,
    /// In memory (lost when the servers stop; for tests and demos).
    Memory,
}

impl From<Storage> for stream::StorageType {
    fn from(storage: Storage) -> Self {
        match storage {
            Storage::File => Self::File,
            Storage::Memory => Self::Memory,
        }
    }
}

/// The stream's name, subjects and durability settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct StreamSettings {
    name: String,
    subject_prefix: String,
    storage: Storage,
    replicas: usize,
    duplicate_window: Duration,
    max_age: Duration,
    allow_retention_limits: bool,
    max_event_bytes: usize,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            name: DEFAULT_STREAM.into(),
            subject_prefix: DEFAULT_SUBJECT_PREFIX.into(),
            storage: Storage::File,
            replicas: 1,
            duplicate_window: DEFAULT_DUPLICATE_WINDOW,
            max_age: Duration::ZERO,
            allow_retention_limits: false,
            max_event_bytes: okta_eventhooks_receiver::DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl StreamSettings {
    /// The defaults with stream `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Events go to `<prefix>.<eventType>`; the stream holds `<prefix>.>`.
    pub fn subject_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.subject_prefix = prefix.into();
        self
    }

    /// On disk (default) or in memory.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// Copies kept in a JetStream cluster (1 by default; 3 or 5 in production).
    pub fn replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas;
        self
    }

    /// How long JetStream remembers an event's `uuid` to drop a repeat (default 24 h).
    pub fn duplicate_window(mut self, window: Duration) -> Self {
        self.duplicate_window = window;
        self
    }

    /// How long the stream keeps an event (zero, the default: for ever). Retention by age is
    /// the one limit the relay accepts without being told: events older than it are gone for
    /// every consumer, acknowledged or not, so make it longer than any consumer may lag.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// Accept an existing stream whose message, byte or per-subject limits discard the oldest
    /// events (discard old): events the relay acknowledged to Okta can then vanish. Off by
    /// default.
    pub fn allow_retention_limits(mut self, allow: bool) -> Self {
        self.allow_retention_limits = allow;
        self
    }

    /// The largest event the relay accepts (its receiver's body limit; default
    /// [`DEFAULT_MAX_BODY_BYTES`](okta_eventhooks_receiver::DEFAULT_MAX_BODY_BYTES)): an
    /// existing stream whose maximum message size is below it (and below the server's
    /// `max_payload`) is refused.
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The subject prefix.
    pub fn prefix(&self) -> &str {
        &self.subject_prefix
    }

    /// `<prefix>.>`: every subject the relay publishes to.
    pub fn subjects(&self) -> String {
        format!("{}.>", self.subject_prefix)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let name = &self.name;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::InvalidInput(format!(
                "stream name {name:?} must be letters, digits, '-' and '_' only"
            )));
        }
        if !subject::is_literal(&self.subject_prefix) {
            return Err(Error::InvalidInput(format!(
                "subject prefix {:?} must be dot-separated tokens without spaces, '*' or '>'",
                self.subject_prefix
            )));
        }
        if self.replicas == 0 || self.replicas > 5 {
            return Err(Error::InvalidInput(format!(
                "replicas must be 1 to 5 (JetStream's limit), got {}",
                self.replicas
            )));
        }
        if self.duplicate_window.is_zero() {
            return Err(Error::InvalidInput(
                "the duplicate window must be more than zero: it is what makes a repeated delivery one message".into(),
            ));
        }
        Ok(())
    }

    fn config(&self) -> stream::Config {
        stream::Config {
            name: self.name.clone(),
            subjects: vec![self.subjects()],
            storage: self.storage.into(),
            num_replicas: self.replicas,
            duplicate_window: self.duplicate_window,
            max_age: self.max_age,
            description: Some(
                "Okta event hook deliveries, one message per event (okta-eventhooks relay)".into(),
            ),
            ..Default::default()
        }
    }

    /// What differs between an existing stream and these settings, one line each.
    fn differences(&self, existing: &stream::Config) -> Vec<String> {
        let mut out = Vec::new();
        let subjects = self.subjects();
        if !existing.subjects.contains(&subjects) {
            out.push(format!(
                "its subjects {:?} do not include {subjects} (subject prefix)",
                existing.subjects
            ));
        }
        let storage: stream::StorageType = self.storage.into();
        if existing.storage != storage {
            out.push(format!(
                "storage is {:?}, asked {storage:?}",
                existing.storage
            ));
        }
        if existing.num_replicas.max(1) != self.replicas {
            out.push(format!(
                "replicas {}, asked {}",
                existing.num_replicas.max(1),
                self.replicas
            ));
        }
        if existing.duplicate_window != self.duplicate_window {
            out.push(format!(
                "duplicate window {}, asked {}",
                duration(existing.duplicate_window),
                duration(self.duplicate_window)
            ));
        }
        if existing.max_age != self.max_age {
            out.push(format!(
                "max age {}, asked {}",
                age(existing.max_age),
                age(self.max_age)
            ));
        }
        if existing.no_ack {
            out.push("it does not acknowledge publishes (no_ack)".into());
        }
        if existing.sealed {
            out.push("it is sealed (takes no new messages)".into());
        }
        out
    }
}

/// What in an existing stream's limits could lose or refuse events the relay accepts, one
/// line each with the fix. `max_payload` is the server's: a larger event cannot be stored
/// whatever the stream says.
pub(crate) fn limit_problems(
    existing: &stream::Config,
    allow_retention_limits: bool,
    max_event_bytes: usize,
    max_payload: usize,
) -> Vec<String> {
    let name = &existing.name;
    let mut out = Vec::new();
    let limits = [
        ("max_msgs", existing.max_messages, "--max-msgs=-1"),
        ("max_bytes", existing.max_bytes, "--max-bytes=-1"),
        (
            "max_msgs_per_subject",
            existing.max_messages_per_subject,
            "--max-msgs-per-subject=-1",
        ),
    ];
    for (setting, value, unset) in limits.into_iter().filter(|(_, value, _)| *value > 0) {
        match existing.discard {
            stream::DiscardPolicy::New => out.push(format!(
                "{setting} {value} with discard new refuses every event once it is reached (each delivery would get 503); remove the limit (nats stream edit {name} {unset})"
            )),
            _ if !allow_retention_limits => out.push(format!(
                "{setting} {value} with discard old deletes the oldest events, acknowledged to Okta or not; remove the limit (nats stream edit {name} {unset}), keep events by age instead (--max-age), or accept the loss with --allow-retention-limits"
            )),
            _ => {}
        }
    }
    let largest = max_event_bytes.min(max_payload);
    if let Ok(size) = usize::try_from(existing.max_message_size)
        && size > 0
        && size < largest
    {
        out.push(format!(
            "max_msg_size {size} is below the largest event the relay accepts ({largest} bytes): such an event would get 503 until Okta gives up; raise it (nats stream edit {name} --max-msg-size=-1) or lower --max-body-bytes"
        ));
    }
    out
}

/// Creates the stream, or checks that the existing one matches `settings` and cannot lose or
/// refuse what the relay acknowledges ([`Error::StreamLimits`]). Several relays may start at
/// once: whichever creates it first wins, the others check it.
pub async fn ensure_stream(js: &jetstream::Context, settings: &StreamSettings) -> Result<()> {
    settings.validate()?;
    let name = settings.name();
    match js.get_stream(name).await {
        Ok(stream) => return check(js, settings, &stream.cached_info().config),
        Err(e) if !is_not_found(&e) => {
            return Err(Error::jetstream(format!("look up stream {name}"), e));
        }
        Err(_) => {}
    }
    match js.create_stream(settings.config()).await {
        Ok(_) => {
            tracing::info!(stream = name, subjects = %settings.subjects(), "stream created");
            Ok(())
        }
        Err(e) if is_name_taken(&e) => {
            let stream = js
                .get_stream(name)
                .await
                .map_err(|e| Error::jetstream(format!("look up stream {name}"), e))?;
            check(js, settings, &stream.cached_info().config)
        }
        Err(e) if is_subject_overlap(&e) => Err(Error::SubjectsTaken {
            stream: name.to_owned(),
            subjects: settings.subjects(),
        }),
        Err(e) => Err(Error::jetstream(format!("create stream {name}"), e)),
    }
}

fn is_subject_overlap(e: &jetstream::context::CreateStreamError) -> bool {
    matches!(e.kind(), jetstream::context::CreateStreamErrorKind::JetStream(js)
        if js.error_code() == jetstream::ErrorCode::STREAM_SUBJECT_OVERLAP)
}

/// Checks that the existing stream `name` cannot lose or refuse events (its limits), for a
/// stream the caller only writes to and reads (`reconcile`): [`Error::StreamLimits`].
pub(crate) async fn check_stream_limits(
    js: &jetstream::Context,
    name: &str,
    allow_retention_limits: bool,
) -> Result<()> {
    let stream = js
        .get_stream(name)
        .await
        .map_err(|e| Error::jetstream(format!("look up stream {name}"), e))?;
    let problems = limit_problems(
        &stream.cached_info().config,
        allow_retention_limits,
        okta_eventhooks_receiver::DEFAULT_MAX_BODY_BYTES,
        js.client().server_info().max_payload,
    );
    limits_result(name, problems)
}

fn check(
    js: &jetstream::Context,
    settings: &StreamSettings,
    existing: &stream::Config,
) -> Result<()> {
    let differences = settings.differences(existing);
    if !differences.is_empty() {
        return Err(Error::StreamConflict {
            stream: settings.name().to_owned(),
            differences,
        });
    }
    let problems = limit_problems(
        existing,
        settings.allow_retention_limits,
        settings.max_event_bytes,
        js.client().server_info().max_payload,
    );
    limits_result(settings.name(), problems)?;
    tracing::info!(
        stream = settings.name(),
        "stream exists with the relay's settings"
    );
    Ok(())
}

fn limits_result(stream: &str, problems: Vec<String>) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::StreamLimits {
        stream: stream.to_owned(),
        problems,
    })
}

fn is_not_found(e: &jetstream::context::GetStreamError) -> bool {
    matches!(e.kind(), jetstream::context::GetStreamErrorKind::JetStream(js)
        if js.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND)
}

fn is_name_taken(e: &jetstream::context::CreateStreamError) -> bool {
    matches!(e.kind(), jetstream::context::CreateStreamErrorKind::JetStream(js)
        if js.error_code() == jetstream::ErrorCode::STREAM_NAME_EXIST)
}

/// A maximum age: `none` for zero (kept for ever).
fn age(d: Duration) -> String {
    if d.is_zero() {
        "none".into()
    } else {
        duration(d)
    }
}

/// `24h`, `10m`, `90s`, or the exact value.
fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 || secs == 0 {
        format!("{d:?}")
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused() {
        for name in ["", "a.b", "a b", "a*", "a>"] {
            assert!(StreamSettings::new(name).validate().is_err(), "{name:?}");
        }
        for prefix in [
            "",
            "okta.",
            ".okta",
            "okta..events",
            "okta.*",
            "okta.>",
            "ok ta",
        ] {
            let err = StreamSettings::default()
                .subject_prefix(prefix)
                .validate()
                .unwrap_err();
            assert!(
                err.to_string().contains("subject prefix"),
                "{prefix:?}: {err}"
            );
        }
        assert!(StreamSettings::default().replicas(0).validate().is_err());
        assert!(StreamSettings::default().replicas(6).validate().is_err());
        assert!(
            StreamSettings::default()
                .duplicate_window(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(StreamSettings::default().replicas(3).validate().is_ok());
    }

    #[test]
    fn limits_that_lose_or_refuse_events_are_named_with_their_fix() {
        let mut existing = StreamSettings::default().config();
        let none = |c: &stream::Config, allow| limit_problems(c, allow, 1 << 20, 1 << 20);
        assert!(none(&existing, false).is_empty());
        existing.max_age = Duration::from_secs(3600);
        assert!(none(&existing, false).is_empty(), "age is allowed");
        existing.max_messages = 5;
        existing.max_bytes = 1 << 30;
        existing.max_messages_per_subject = 1;
        let problems = none(&existing, false);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("max_msgs 5 with discard old"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("--allow-retention-limits"),
            "{problems:?}"
        );
        assert!(none(&existing, true).is_empty());
        existing.discard = stream::DiscardPolicy::New;
        let problems = none(&existing, true);
        assert_eq!(
            problems.len(),
            3,
            "discard new is refused even when allowed: {problems:?}"
        );
        assert!(problems[0].contains("discard new"), "{problems:?}");
        let mut small = StreamSettings::default().config();
        small.max_message_size = 1024;
        let problems = none(&small, false);
        assert!(problems[0].contains("max_msg_size 1024"), "{problems:?}");
        // At the server's max_payload, nothing larger could be stored anyway.
        small.max_message_size = 1 << 20;
        assert!(none(&small, false).is_empty());
    }

    #[test]
    fn every_conflicting_setting_is_named() {
        let asked = StreamSettings::default();
        assert!(asked.differences(&asked.config()).is_empty());
        let mut existing = asked.config();
        existing.subjects = vec!["other.>".into()];
        existing.storage = stream::StorageType::Memory;
        existing.num_replicas = 3;
        existing.duplicate_window = Duration::from_secs(120);
        existing.no_ack = true;
        let differences = asked.differences(&existing);
        assert_eq!(differences.len(), 5, "{differences:?}");
        let text = differences.join("; ");
        for part in [
            "okta.events.>",
            "Memory",
            "replicas 3, asked 1",
            "duplicate window 2m, asked 24h",
            "no_ack",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // More subjects than the relay's own are fine.
        existing = asked.config();
        existing.subjects.push("audit.>".into());
        assert!(asked.differences(&existing).is_empty());
    }
}
