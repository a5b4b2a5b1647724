//! Okta's rules for a valid hook, stated once. The SDK refuses a hook that breaks one before
//! sending it; the emulator answers a body that breaks any with every rule it breaks.
//!
//! Event types are checked against Okta's event-type catalog ([`crate::catalog`]): a type not
//! marked event-hook-eligible is refused, and so is a type the catalog does not list unless the
//! caller passes [`UnknownEventTypes::Allowed`]; both problems name the nearest eligible types.
//!
//! The rules read a [`HookView`]: the writable fields of a hook, borrowed from wherever the hook
//! is held (the SDK's [`EventHook`](crate::EventHook), or a request body the emulator has only
//! parsed as JSON), with `None` for an absent field. Each broken rule is a [`Violation`]: the
//! field's JSON path and the problem, written `<field>: <problem>` like Okta's validation causes.
//! A problem names the value it refuses, except header values and the auth secret, which are
//! secrets and never appear, and a URI's user name and password, which are redacted.
//!
//! ```
//! use okta_eventhooks::rules::{ChannelView, ConfigView, HookView, HttpUris, UnknownEventTypes};
//!
//! let hook = HookView {
//!     name: Some("Audit sink"),
//!     events: None,
//!     channel: Some(ChannelView {
//!         type_: Some("HTTP"),
//!         version: Some("1.0.0"),
//!         config: Some(ConfigView {
//!             uri: Some("http://hooks.example.com/okta"),
//!             ..ConfigView::default()
//!         }),
//!     }),
//! };
//! let found: Vec<String> = hook
//!     .violations(HttpUris::Refused, UnknownEventTypes::Refused)
//!     .iter()
//!     .map(|v| v.to_string())
//!     .collect();
//! assert_eq!(found, [
//!     "events: The field cannot be left blank",
//!     "channel.config.uri: The URI \"http://hooks.example.com/okta\" must start with https:// (Okta only calls HTTPS endpoints)",
//! ]);
//! ```

use std::collections::HashSet;
use std::fmt;

use crate::catalog;
use crate::open_enums::{
    EventHookChannelConfigAuthSchemeType, EventHookChannelType, EventSubscriptionType,
};
use crate::secret::REDACTED;

/// The only channel version Okta accepts.
pub const CHANNEL_VERSION: &str = "1.0.0";
/// The only filter type Okta accepts (read-only: the SDK never sends it).
pub const FILTER_TYPE: &str = "EXPRESSION_LANGUAGE";
/// Longest hook name Okta accepts.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest hook URI Okta accepts.
pub const MAX_URI_CHARS: usize = 1024;
/// Most event types one hook may subscribe to.
pub const MAX_EVENT_TYPES: usize = 300;

/// Header names a hook may not set, because Okta (or HTTP) owns them. Okta documents only that
/// "reserved headers such as Accept" are refused; this list is our reading of that.
pub const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-okta-request-id",
    "x-okta-verification-challenge",
];

/// Okta's own wording for a required field that is absent or blank.
const BLANK: &str = "The field cannot be left blank";

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The field's JSON path, e.g. `channel.config.uri` (array entries add no index).
    pub field: &'static str,
    /// What is wrong, in one sentence that says what is allowed. Never contains a secret.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Which `http://` hook URIs pass. Okta calls only `https://` endpoints; the SDK and a local
/// emulator may also take `http://` on a loopback host, where the emulator's hooks live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpUris {
    /// Okta's rule: no `http://` URI passes.
    Refused,
    /// `http://` passes on `localhost`, `127.0.0.0/8` and `[::1]`.
    LoopbackAllowed,
}

/// Whether event types missing from Okta's event-type catalog ([`crate::catalog`]) pass. Okta
/// adds types every release, so a type newer than the catalog may be real; types the catalog
/// lists but does not mark event-hook-eligible never pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownEventTypes {
    /// Okta's rule as the catalog knows it: a type it does not list is refused.
    #[default]
    Refused,
    /// A type the catalog does not list passes (an explicit opt-out).
    Allowed,
}

impl UnknownEventTypes {
    /// `Allowed` when `allow`, else `Refused`: for `allow_unknown_event_types(bool)` settings.
    pub const fn allowed_if(allow: bool) -> Self {
        if allow { Self::Allowed } else { Self::Refused }
    }
}

/// The fields of a hook that the rules read.
#[derive(Clone, Debug, Default)]
pub struct HookView<'a> {
    /// `name` (required).
    pub name: Option<&'a str>,
    /// `events` (required).
    pub events: Option<EventsView<'a>>,
    /// `channel` (required).
    pub channel: Option<ChannelView<'a>>,
}

/// `events`.
#[derive(Clone, Debug, Default)]
pub struct EventsView<'a> {
    /// `events.type` (required).
    pub type_: Option<&'a str>,
    /// `events.items`.
    pub items: Vec<&'a str>,
    /// `events.filter`.
    pub filter: Option<FilterView<'a>>,
}

/// `events.filter`.
#[derive(Clone, Debug, Default)]
pub struct FilterView<'a> {
    /// `events.filter.type`: read-only, so the SDK leaves it out; checked when present.
    pub type_: Option<&'a str>,
    /// `events.filter.eventFilterMap`.
    pub entries: Vec<FilterEntryView<'a>>,
}

/// One `events.filter.eventFilterMap` entry.
#[derive(Clone, Debug, Default)]
pub struct FilterEntryView<'a> {
    /// `event`: the filtered event type.
    pub event: Option<&'a str>,
    /// `condition.expression`.
    pub expression: Option<&'a str>,
}

/// `channel`.
#[derive(Clone, Debug, Default)]
pub struct ChannelView<'a> {
    /// `channel.type` (required).
    pub type_: Option<&'a str>,
    /// `channel.version` (required).
    pub version: Option<&'a str>,
    /// `channel.config` (required).
    pub config: Option<ConfigView<'a>>,
}

/// `channel.config`.
#[derive(Clone, Debug, Default)]
pub struct ConfigView<'a> {
    /// `channel.config.uri` (required).
    pub uri: Option<&'a str>,
    /// `channel.config.headers`.
    pub headers: Vec<HeaderView<'a>>,
    /// `channel.config.authScheme`.
    pub auth_scheme: Option<AuthSchemeView<'a>>,
}

/// One custom header. `Debug` never shows the value.
#[derive(Clone, Default)]
pub struct HeaderView<'a> {
    /// `key`: the header name.
    pub key: Option<&'a str>,
    /// `value` (a secret).
    pub value: Option<&'a str>,
}

/// `channel.config.authScheme`. `Debug` never shows the secret.
#[derive(Clone, Default)]
pub struct AuthSchemeView<'a> {
    /// `type`.
    pub type_: Option<&'a str>,
    /// `key`: the header name.
    pub key: Option<&'a str>,
    /// `value`: the secret. Absent on every hook Okta returns, which is allowed.
    pub value: Option<&'a str>,
}

impl fmt::Debug for HeaderView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderView")
            .field("key", &self.key)
            .field("value", &self.value.map(|_| REDACTED))
            .finish()
    }
}

impl fmt::Debug for AuthSchemeView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSchemeView")
            .field("type_", &self.type_)
            .field("key", &self.key)
            .field("value", &self.value.map(|_| REDACTED))
            .finish()
    }
}

impl HookView<'_> {
    /// Every rule the hook breaks, in field order (`name`, `events`, `channel`); empty when the
    /// hook is valid.
    pub fn violations(&self, http: HttpUris, unknown: UnknownEventTypes) -> Vec<Violation> {
        let mut found = Found::default();
        match self.name {
            Some(name) if !name.trim().is_empty() => {
                let chars = name.chars().count();
                if chars > MAX_NAME_CHARS {
                    found.add(
                        "name",
                        format!(
                            "The name is {chars} characters long; Okta allows at most {MAX_NAME_CHARS}"
                        ),
                    );
                }
            }
            _ => found.blank("name"),
        }
        match &self.events {
            Some(events) => events.check(unknown, &mut found),
            None => found.blank("events"),
        }
        match &self.channel {
            Some(channel) => channel.check(http, &mut found),
            None => found.blank("channel"),
        }
        found.0
    }
}

impl EventsView<'_> {
    /// Every rule the subscriptions break (see [`HookView::violations`]).
    pub fn violations(&self, unknown: UnknownEventTypes) -> Vec<Violation> {
        let mut found = Found::default();
        self.check(unknown, &mut found);
        found.0
    }

    fn check(&self, unknown: UnknownEventTypes, found: &mut Found) {
        let wanted = EventSubscriptionType::EventType.as_str();
        found.one_of("events.type", self.type_, wanted);
        let count = self.items.len();
        if count == 0 {
            found.add(
                "events.items",
                "The hook subscribes to no event types; give at least one",
            );
        } else if count > MAX_EVENT_TYPES {
            found.add(
                "events.items",
                format!(
                    "The hook subscribes to {count} event types; Okta allows at most {MAX_EVENT_TYPES}"
                ),
            );
        }
        let mut subscribed = HashSet::new();
        for &item in &self.items {
            let first = subscribed.insert(item);
            if item.trim().is_empty() || item.chars().any(char::is_whitespace) {
                found.add(
                    "events.items",
                    format!("Event type {item:?} is empty or contains whitespace"),
                );
            } else if !first {
                found.add(
                    "events.items",
                    format!("Event type {item:?} is listed more than once"),
                );
            } else if let Some(problem) = event_type_problem(item, unknown) {
                found.add("events.items", problem);
            }
        }
        if let Some(filter) = &self.filter {
            filter.check(&subscribed, found);
        }
    }
}

impl FilterView<'_> {
    fn check(&self, subscribed: &HashSet<&str>, found: &mut Found) {
        if let Some(kind) = self.type_ {
            found.one_of("events.filter.type", Some(kind), FILTER_TYPE);
        }
        const EVENT: &str = "events.filter.eventFilterMap.event";
        let mut filtered = HashSet::new();
        for entry in &self.entries {
            let event = entry.event.unwrap_or_default();
            if event.trim().is_empty() {
                found.blank(EVENT);
                continue;
            }
            if !subscribed.contains(event) {
                found.add(
                    EVENT,
                    format!(
                        "A filter is given for event type {event:?}, which the hook does not subscribe to"
                    ),
                );
            }
            if !filtered.insert(event) {
                found.add(
                    EVENT,
                    format!("Event type {event:?} has more than one filter"),
                );
            }
            const EXPRESSION: &str = "events.filter.eventFilterMap.condition.expression";
            let expression = entry.expression.unwrap_or_default();
            if expression.trim().is_empty() {
                found.add(
                    EXPRESSION,
                    format!("The filter for event type {event:?} has an empty expression"),
                );
            } else if let Err(e) = crate::filter::Filter::parse(expression) {
                found.add(
                    EXPRESSION,
                    format!("The filter for event type {event:?} is not valid: {e}"),
                );
            }
        }
    }
}

impl ChannelView<'_> {
    /// Every rule the channel breaks (see [`HookView::violations`]).
    pub fn violations(&self, http: HttpUris) -> Vec<Violation> {
        let mut found = Found::default();
        self.check(http, &mut found);
        found.0
    }

    fn check(&self, http: HttpUris, found: &mut Found) {
        found.one_of(
            "channel.type",
            self.type_,
            EventHookChannelType::Http.as_str(),
        );
        found.one_of("channel.version", self.version, CHANNEL_VERSION);
        let Some(config) = &self.config else {
            found.blank("channel.config");
            return;
        };
        match config.uri.filter(|uri| !uri.is_empty()) {
            Some(uri) => found.0.extend(uri_violation(uri, http)),
            None => found.blank(URI),
        }
        // Header names are case-insensitive in HTTP.
        let mut names = HashSet::new();
        for header in &config.headers {
            let key = header.key.unwrap_or_default();
            found.header_name("channel.config.headers.key", key);
            found.header_value("channel.config.headers.value", key, header.value);
            if !key.is_empty() && !names.insert(key.to_ascii_lowercase()) {
                found.add(
                    "channel.config.headers.key",
                    format!("{key:?} is given more than once"),
                );
            }
        }
        if let Some(scheme) = &config.auth_scheme {
            let wanted = EventHookChannelConfigAuthSchemeType::Header.as_str();
            found.one_of("channel.config.authScheme.type", scheme.type_, wanted);
            let key = scheme.key.unwrap_or_default();
            found.header_name("channel.config.authScheme.key", key);
            if names.contains(&key.to_ascii_lowercase()) {
                found.add(
                    "channel.config.authScheme.key",
                    format!("{key:?} is also set as a custom header"),
                );
            }
            const VALUE: &str = "channel.config.authScheme.value";
            match scheme.value {
                Some("") => found.add(
                    VALUE,
                    format!("The secret of the auth header {key:?} is empty"),
                ),
                value => found.header_value(VALUE, key, value),
            }
        }
    }
}

/// Why a hook may not subscribe to `item`, with the nearest eligible names, if it may not.
fn event_type_problem(item: &str, unknown: UnknownEventTypes) -> Option<String> {
    let refused = match catalog::get(item) {
        Some(known) if known.hook_eligible => return None,
        Some(_) => format!(
            "Event type {item:?} cannot be used in an event hook: Okta does not mark it event-hook-eligible"
        ),
        None if unknown == UnknownEventTypes::Allowed => return None,
        None => format!(
            "Event type {item:?} is not in Okta's event-type catalog (release {}); a type newer than the catalog must be allowed explicitly",
            catalog::RELEASE
        ),
    };
    Some(match catalog::closest_eligible(item).as_slice() {
        [] => refused,
        near => format!("{refused}; did you mean {}?", near.join(" or ")),
    })
}

const URI: &str = "channel.config.uri";

/// The rule a non-empty hook URI breaks, if any (only one: each check needs the one before).
pub(crate) fn uri_violation(uri: &str, http: HttpUris) -> Option<Violation> {
    let problem = |problem: String| {
        Some(Violation {
            field: URI,
            problem,
        })
    };
    let chars = uri.chars().count();
    if chars > MAX_URI_CHARS {
        return problem(format!(
            "The URI is {chars} characters long; Okta allows at most {MAX_URI_CHARS}"
        ));
    }
    // What the problems quote: a user name or password in the URI never shows.
    let shown = crate::redact::text(uri);
    if uri.chars().any(char::is_whitespace) {
        return problem(format!("The URI {shown:?} contains whitespace"));
    }
    let parsed = match url::Url::parse(uri) {
        Ok(parsed) => parsed,
        Err(e) => return problem(format!("The URI {shown:?} is not an absolute URL: {e}")),
    };
    let Some(host) = parsed.host() else {
        return problem(format!("The URI {shown:?} has no host"));
    };
    // Okta authenticates to the endpoint with the authScheme header; credentials in the URI
    // would be stored, returned by every read and shown wherever the URI is.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return problem(format!(
            "The URI {shown:?} contains a user name or password; remove it and give the secret as the auth header (authScheme)"
        ));
    }
    match parsed.scheme() {
        "https" => None,
        "http" if http == HttpUris::LoopbackAllowed && crate::org_url::is_loopback(&host) => None,
        _ => problem(format!(
            "The URI {shown:?} must start with https:// (Okta only calls HTTPS endpoints)"
        )),
    }
}

/// The violations found so far, in the order the rules run.
#[derive(Default)]
struct Found(Vec<Violation>);

impl Found {
    fn add(&mut self, field: &'static str, problem: impl Into<String>) {
        self.0.push(Violation {
            field,
            problem: problem.into(),
        });
    }

    fn blank(&mut self, field: &'static str) {
        self.add(field, BLANK);
    }

    /// A required field whose only accepted value is `wanted`.
    fn one_of(&mut self, field: &'static str, value: Option<&str>, wanted: &str) {
        match value {
            None => self.blank(field),
            Some(value) if value == wanted => {}
            Some(other) => self.add(field, format!("{other:?} is not supported; use {wanted}")),
        }
    }

    fn header_name(&mut self, field: &'static str, name: &str) {
        if name.is_empty() {
            return self.blank(field);
        }
        // RFC 9110 token characters.
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if let Some(bad) = name.chars().find(|c| !token(*c)) {
            self.add(
                field,
                format!("{name:?} is not a valid HTTP header name (character {bad:?})"),
            );
        } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            self.add(field, format!("{name:?} is reserved; Okta sets it itself"));
        }
    }

    /// RFC 9110 field values: no control characters but tab. The value is a secret: the
    /// problem names the header, never the value.
    fn header_value(&mut self, field: &'static str, name: &str, value: Option<&str>) {
        let control = |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f;
        if value.is_some_and(|v| v.bytes().any(control)) {
            self.add(
                field,
                format!(
                    "The value of header {name:?} contains a control character (such as a line break or NUL)"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests;
