//! Okta's rules for a hook, checked before anything is sent, with messages that say what to fix.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::open_enums::{EventHookChannelConfigAuthSchemeType, EventHookChannelType};
use crate::types::{EventHook, EventHookChannel, EventSubscriptions};

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

pub(crate) fn hook(hook: &EventHook) -> Result<()> {
    let name = hook.name.as_str();
    if name.trim().is_empty() {
        return invalid("the hook name is empty".into());
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return invalid(format!(
            "the hook name is {chars} characters long; Okta allows at most {MAX_NAME_CHARS}"
        ));
    }
    channel(&hook.channel)?;
    events(&hook.events)
}

pub(crate) fn uri(uri: &str) -> Result<()> {
    let chars = uri.chars().count();
    if chars > MAX_URI_CHARS {
        return invalid(format!(
            "the hook URI is {chars} characters long; Okta allows at most {MAX_URI_CHARS}"
        ));
    }
    if uri.chars().any(char::is_whitespace) {
        return invalid(format!("the hook URI {uri:?} contains whitespace"));
    }
    let parsed = url::Url::parse(uri).map_err(|e| {
        Error::InvalidInput(format!("the hook URI {uri:?} is not an absolute URL: {e}"))
    })?;
    let Some(host) = parsed.host() else {
        return invalid(format!("the hook URI {uri:?} has no host"));
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if crate::org_url::is_loopback(&host) => Ok(()),
        _ => invalid(format!(
            "the hook URI {uri:?} must start with https:// (Okta only calls HTTPS endpoints)"
        )),
    }
}

pub(crate) fn channel(channel: &EventHookChannel) -> Result<()> {
    if let EventHookChannelType::Unknown(other) = &channel.type_ {
        return invalid(format!("channel type {other:?} is not supported; use HTTP"));
    }
    if channel.version != crate::builders::CHANNEL_VERSION {
        return invalid(format!(
            "channel version {:?} is not supported; use {}",
            channel.version,
            crate::builders::CHANNEL_VERSION
        ));
    }
    let config = &channel.config;
    uri(&config.uri)?;
    let mut seen = HashSet::new();
    for header in &config.headers {
        let key = header.key.as_deref().unwrap_or("");
        header_name(key, "custom header")?;
        let value = header.value.as_ref().map(|v| v.expose()).unwrap_or("");
        header_value(key, value)?;
        if !seen.insert(key.to_ascii_lowercase()) {
            return invalid(format!("the custom header {key:?} is given twice"));
        }
    }
    if let Some(scheme) = &config.auth_scheme {
        if let Some(EventHookChannelConfigAuthSchemeType::Unknown(other)) = &scheme.type_ {
            return invalid(format!(
                "auth scheme type {other:?} is not supported; use HEADER"
            ));
        }
        let key = scheme.key.as_deref().unwrap_or("");
        header_name(key, "auth header")?;
        if seen.contains(&key.to_ascii_lowercase()) {
            return invalid(format!(
                "the auth header {key:?} is also set as a custom header"
            ));
        }
        if let Some(value) = &scheme.value {
            if value.is_empty() {
                return invalid(format!("the secret of the auth header {key:?} is empty"));
            }
            header_value(key, value.expose())?;
        }
    }
    Ok(())
}

fn header_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() {
        return invalid(format!("a {what} has an empty name"));
    }
    // RFC 9110 token characters.
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if let Some(bad) = name.chars().find(|c| !token(*c)) {
        return invalid(format!(
            "the {what} name {name:?} is not a valid HTTP header name (character {bad:?})"
        ));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return invalid(format!(
            "the {what} name {name:?} is reserved; Okta sets it itself"
        ));
    }
    Ok(())
}

/// The value is a secret: the message names the header, never the value.
fn header_value(name: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return invalid(format!(
            "the value of header {name:?} contains a line break or NUL"
        ));
    }
    Ok(())
}

pub(crate) fn events(events: &EventSubscriptions) -> Result<()> {
    let count = events.items.len();
    if count == 0 {
        return invalid("the hook subscribes to no event types; give at least one".into());
    }
    if count > MAX_EVENT_TYPES {
        return invalid(format!(
            "the hook subscribes to {count} event types; Okta allows at most {MAX_EVENT_TYPES}"
        ));
    }
    let mut seen = HashSet::new();
    for item in &events.items {
        if item.trim().is_empty() || item.chars().any(char::is_whitespace) {
            return invalid(format!(
                "event type {item:?} is empty or contains whitespace"
            ));
        }
        if !seen.insert(item.as_str()) {
            return invalid(format!("event type {item:?} is listed twice"));
        }
    }
    let Some(filter) = &events.filter else {
        return Ok(());
    };
    let mut filtered = HashSet::new();
    for entry in &filter.event_filter_map {
        let event = entry.event.as_deref().unwrap_or("");
        if !seen.contains(event) {
            return invalid(format!(
                "a filter is given for event type {event:?}, which the hook does not subscribe to"
            ));
        }
        if !filtered.insert(event) {
            return invalid(format!("event type {event:?} has more than one filter"));
        }
        let expression = entry
            .condition
            .as_ref()
            .and_then(|c| c.expression.as_deref())
            .unwrap_or("");
        if expression.trim().is_empty() {
            return invalid(format!(
                "the filter for event type {event:?} has an empty expression"
            ));
        }
    }
    Ok(())
}

fn invalid<T>(message: String) -> Result<T> {
    Err(Error::InvalidInput(message))
}
