//! Redaction of text that is shown to people (errors, log lines, tables, dry runs) but may
//! hold a secret. Typed secrets never get this far: a [`Secret`](crate::Secret) prints
//! [`REDACTED`] by itself. What is left is a secret inside an otherwise printable string, and
//! the only such secret is the userinfo of a URI (`https://alice:S3cretPW@host/x`): Okta
//! returns hook URIs as they were stored, the emulator logs them, and error messages quote
//! the org URL and hook URIs the user gave. Every place that shows such text passes it
//! through [`text`].
//!
//! ```
//! use okta_eventhooks::redact;
//!
//! assert_eq!(
//!     redact::text("GET https://alice:S3cretPW@hooks.example.com/okta failed"),
//!     "GET https://[REDACTED]@hooks.example.com/okta failed",
//! );
//! assert_eq!(redact::text("https://hooks.example.com/@team"), "https://hooks.example.com/@team");
//! ```

use std::borrow::Cow;

use crate::secret::REDACTED;
/// Errors about a value where a secret goes: defined with [`Secret`](crate::Secret), which
/// uses them, and shown here with the rest of what keeps secrets out of messages.
pub use crate::secret::{Found, wrong_type};

/// `text` with the userinfo (`user:password@`) of every URI in it replaced by
/// `[REDACTED]@`; borrowed unchanged when there is none.
///
/// A URI's userinfo is what precedes the last `@` of its authority, and the authority is what
/// follows `://` up to the first `/`, `\`, `?`, `#`, whitespace, quote or angle bracket: the
/// same boundaries a URL parser (and so an HTTP client sending Basic auth) uses, so that what
/// would be sent as a credential is what is hidden. Text that is not a URI is left alone.
pub fn text(text: &str) -> Cow<'_, str> {
    let mut redacted = String::new();
    // `text[..copied]` is already in `redacted` (or needs no change).
    let mut copied = 0;
    let mut search_from = 0;
    while let Some(found) = text[search_from..].find("://") {
        let authority_start = search_from + found + "://".len();
        let rest = &text[authority_start..];
        let authority_len = rest.find(ends_authority).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_len].rfind('@') {
            redacted.push_str(&text[copied..authority_start]);
            redacted.push_str(REDACTED);
            // The `@` itself stays: `https://[REDACTED]@host`.
            copied = authority_start + at;
        }
        search_from = authority_start + authority_len;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    redacted.push_str(&text[copied..]);
    Cow::Owned(redacted)
}

/// Whether a URI has userinfo, by the same reading as [`text`].
pub fn has_userinfo(uri: &str) -> bool {
    matches!(text(uri), Cow::Owned(_))
}

fn ends_authority(c: char) -> bool {
    matches!(c, '/' | '\\' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
}

/// An event hook as JSON, for display: the value of every custom header and of the auth
/// scheme becomes `[REDACTED]`, and the URI's userinfo too. For dry runs, which show what
/// would be sent without what must stay secret.
pub fn hook_json(mut hook: serde_json::Value) -> serde_json::Value {
    let Some(config) = hook.pointer_mut("/channel/config") else {
        return hook;
    };
    if let Some(uri) = config.get_mut("uri")
        && let Some(shown) = uri.as_str().map(|u| text(u).into_owned())
    {
        *uri = shown.into();
    }
    if let Some(headers) = config.get_mut("headers").and_then(|h| h.as_array_mut()) {
        for header in headers {
            if let Some(value) = header.get_mut("value").filter(|v| !v.is_null()) {
                *value = REDACTED.into();
            }
        }
    }
    if let Some(value) = config
        .pointer_mut("/authScheme/value")
        .filter(|v| !v.is_null())
    {
        *value = REDACTED.into();
    }
    hook
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_wherever_a_uri_appears() {
        let cases = [
            // (input, shown)
            ("", ""),
            ("no uri here", "no uri here"),
            ("alice@example.com", "alice@example.com"),
            (
                "https://hooks.example.com/okta",
                "https://hooks.example.com/okta",
            ),
            ("https://alice:S3cretPW@host/x", "https://[REDACTED]@host/x"),
            ("https://alice@host", "https://[REDACTED]@host"),
            ("https://:pw@host", "https://[REDACTED]@host"),
            ("https://@host", "https://[REDACTED]@host"),
            // The last `@` of the authority ends the userinfo; an encoded one is part of it.
            (
                "https://a%40corp:p@ss@host:8443/x",
                "https://[REDACTED]@host:8443/x",
            ),
            // `@` after the authority is path, query or fragment, not a credential.
            ("https://host/@team", "https://host/@team"),
            ("https://host?u=a@b", "https://host?u=a@b"),
            ("https://host#a@b", "https://host#a@b"),
            // Quoted in an error, in JSON, in Debug output, in angle brackets.
            (
                "invalid org URL \"https://u:pw@acme.okta.com\": no",
                "invalid org URL \"https://[REDACTED]@acme.okta.com\": no",
            ),
            (
                r#"{"uri":"http://u:pw@127.0.0.1:9/h"}"#,
                r#"{"uri":"http://[REDACTED]@127.0.0.1:9/h"}"#,
            ),
            ("<https://u:pw@h>", "<https://[REDACTED]@h>"),
            ("'https://u:pw@h'", "'https://[REDACTED]@h'"),
            // Several URIs, one inside another's query.
            (
                "from https://a:1@x/ to ftp://b:2@y and https://z/?next=https://c:3@w",
                "from https://[REDACTED]@x/ to ftp://[REDACTED]@y and https://z/?next=https://[REDACTED]@w",
            ),
            // Whitespace ends a URI.
            ("https://host x@y", "https://host x@y"),
            (
                "https://u:p@h\nnext@line",
                "https://[REDACTED]@h\nnext@line",
            ),
            // Not UTF-8-trivial text around it.
            (
                "Überwachung https://ü:ß@höst/ ✓",
                "Überwachung https://[REDACTED]@höst/ ✓",
            ),
            ("://@", "://[REDACTED]@"),
            ("https://", "https://"),
        ];
        for (input, shown) in cases {
            assert_eq!(text(input), shown, "{input:?}");
            assert_eq!(has_userinfo(input), input != shown, "{input:?}");
        }
    }

    #[test]
    fn text_without_userinfo_is_not_copied() {
        assert!(matches!(text("https://host/a@b"), Cow::Borrowed(_)));
    }

    #[test]
    fn hook_json_hides_header_values_the_auth_value_and_userinfo() {
        let json = serde_json::json!({
            "channel": {"config": {
                "uri": "https://alice:S3cretPW@hooks.example.com/okta",
                "headers": [{"key": "X-A", "value": "v1"}, {"key": "X-B", "value": null}],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s3cret"}
            }}
        });
        let shown = hook_json(json).to_string();
        for secret in ["v1", "s3cret", "alice", "S3cretPW"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        assert!(
            shown.contains("https://[REDACTED]@hooks.example.com/okta"),
            "{shown}"
        );
        assert!(
            shown.contains(r#""value":null"#),
            "an absent value stays absent: {shown}"
        );
    }
}
