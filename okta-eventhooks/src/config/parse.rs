//! How configuration text becomes typed values. A parser says only why it refuses a text; the
//! setting's name, the value and its origin are added by [`Loaded`](super::settings::Loaded),
//! which also decides whether the value may be shown.

use std::fmt;
use std::time::Duration;

use crate::Secret;
use crate::error::Error;

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// What the value is not, said after the setting, the value and its origin:
    /// `okta.client.rateLimit.maxRetries "many" (from ...) is not a whole number`.
    Why(String),
    /// A sentence of its own that already names the setting and quotes the value; only the
    /// origin is added. For settings that are not secret.
    Message(String),
}

/// What [`parse_duration`] refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DurationError;

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("use seconds (30) or a unit (500ms, 30s, 2m)")
    }
}

impl std::error::Error for DurationError {}

/// Reads a duration the way Okta's configuration writes one (`requestTimeout: 30` in
/// `okta.yaml`): seconds by default (`30`, `2.5`), or a number with a unit: `500ms`, `30s`,
/// `2m`. For callers that take durations from users, e.g. a command-line `--timeout`, so that
/// `30` means the same everywhere.
///
/// ```
/// use std::time::Duration;
/// use okta_eventhooks::config::parse_duration;
///
/// assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
/// assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    // `ms` before `s`: "500ms" also ends with 's'.
    let (number, seconds_per_unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| DurationError)?;
    // Refuses negative, infinite and NaN values.
    Duration::try_from_secs_f64(value * seconds_per_unit).map_err(|_| DurationError)
}

/// The authorization modes Okta's configuration names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Ssws,
    Bearer,
    PrivateKey,
}

/// Where the private key is. The whole setting is secret, so even a path is kept as a
/// [`Secret`]: text that is neither PEM nor JSON may be a key pasted without its header.
#[derive(Clone, Debug)]
pub(super) enum KeySource {
    /// Inline PEM or a JWK as JSON.
    Inline(Secret),
    /// A file path as written: `~/` is the home directory, a relative path is against the
    /// current directory (both known to `Config`, which reads the file).
    File(Secret),
}

pub(super) fn text(text: &str) -> Result<String, Refusal> {
    Ok(text.to_owned())
}

pub(super) fn secret(text: &str) -> Result<Secret, Refusal> {
    Ok(Secret::new(text))
}

/// The org URL, normalised; the checks are those of [`crate::ClientBuilder::org_url`].
pub(super) fn org_url(text: &str) -> Result<String, Refusal> {
    crate::org_url::normalize(text).map_err(|e| Refusal::Message(message(&e)))
}

pub(super) fn mode(text: &str) -> Result<Mode, Refusal> {
    match text.to_ascii_lowercase().as_str() {
        "ssws" => Ok(Mode::Ssws),
        "bearer" => Ok(Mode::Bearer),
        "privatekey" | "private_key" => Ok(Mode::PrivateKey),
        _ => Err(Refusal::Why(
            "is not one of SSWS, Bearer, PrivateKey".into(),
        )),
    }
}

/// Scopes separated by commas and/or spaces (a YAML list arrives joined with spaces).
pub(super) fn scopes(text: &str) -> Result<Vec<String>, Refusal> {
    let scopes: Vec<String> = text
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err(Refusal::Why("is empty".into()));
    }
    Ok(scopes)
}

/// Inline PEM or JWK, else a path; a key body pasted without its PEM lines is refused here,
/// before it is taken for a path (the reason never quotes the text: it is key material).
pub(super) fn private_key(text: &str) -> Result<KeySource, Refusal> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') || trimmed.contains("-----BEGIN") {
        return Ok(KeySource::Inline(Secret::new(text)));
    }
    if looks_like_bare_key(trimmed) {
        return Err(Refusal::Why(
            "looks like the base64 body of a key without its PEM header and footer: put it between the lines -----BEGIN PRIVATE KEY----- and -----END PRIVATE KEY----- (RSA PRIVATE KEY or EC PRIVATE KEY for those formats), or give the path of a PEM file"
                .into(),
        ));
    }
    Ok(KeySource::File(Secret::new(trimmed)))
}

/// Whether `text` is base64 too long to be a path: the smallest key Okta accepts (EC P-256,
/// SEC1) is 164 base64 characters, and a path has characters base64 lacks (`.`, `~`, `-`, `_`)
/// or is far shorter.
fn looks_like_bare_key(text: &str) -> bool {
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    let mut length = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if !base64(c) {
            return false;
        }
        length += 1;
    }
    length >= 128
}

pub(super) fn duration(text: &str) -> Result<Duration, Refusal> {
    parse_duration(text).map_err(|e| Refusal::Why(format!("is not a duration: {e}")))
}

pub(super) fn count(text: &str) -> Result<u32, Refusal> {
    text.parse()
        .map_err(|_| Refusal::Why("is not a whole number".into()))
}

pub(super) fn port(text: &str) -> Result<u16, Refusal> {
    text.parse()
        .map_err(|_| Refusal::Why("is not a port number".into()))
}

pub(super) fn flag(text: &str) -> Result<bool, Refusal> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Refusal::Why("is not true or false".into())),
    }
}

/// A proxy host, with `http://` unless it names its scheme; port and credentials are other
/// settings, added when the proxy URL is made.
pub(super) fn proxy_host(text: &str) -> Result<url::Url, Refusal> {
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    url::Url::parse(&with_scheme).map_err(|_| Refusal::Why("is not a host name".into()))
}

/// The message of a configuration error without its "configuration error: " prefix.
pub(super) fn message(e: &Error) -> String {
    match e {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration(" 30 s "), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["abc", "-1", "", "ms", "inf", "NaN", "1h"] {
            assert_eq!(parse_duration(bad), Err(DurationError), "{bad:?}");
        }
    }

    #[test]
    fn scopes_split_on_commas_and_spaces() {
        assert_eq!(
            scopes("a, b c,,d"),
            Ok(vec!["a".into(), "b".into(), "c".into(), "d".into()])
        );
        assert!(scopes(" , ").is_err());
    }

    #[test]
    fn private_keys_are_inline_or_files() {
        assert!(matches!(
            private_key("{\"kty\":\"RSA\"}"),
            Ok(KeySource::Inline(_))
        ));
        assert!(matches!(
            private_key("-----BEGIN PRIVATE KEY-----\n..."),
            Ok(KeySource::Inline(_))
        ));
        match private_key(" ~/.okta/app.pem ") {
            Ok(KeySource::File(path)) => assert_eq!(path.expose(), "~/.okta/app.pem"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_key_body_without_pem_lines_is_not_a_path() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7".repeat(4);
        let wrapped: String = body
            .as_bytes()
            .chunks(64)
            .map(|line| format!("{}\n", std::str::from_utf8(line).unwrap()))
            .collect();
        for text in [body.as_str(), &wrapped] {
            match private_key(text) {
                Err(Refusal::Why(why)) => {
                    assert!(why.contains("without its PEM header"), "{why}");
                    assert!(!why.contains("MIIE"), "{why}");
                }
                other => panic!("{other:?}"),
            }
        }
        for path in [
            "/etc/okta/keys/serviceapp",
            "keys/app.pem",
            "C:\\keys\\app.pem",
            "/home/alice/.okta/a-very-long-directory-name/another_one/yet-another/service-app-key.pem",
        ] {
            assert!(
                matches!(private_key(path), Ok(KeySource::File(_))),
                "{path}"
            );
        }
    }

    #[test]
    fn modes_ignore_case() {
        assert_eq!(mode("ssws"), Ok(Mode::Ssws));
        assert_eq!(mode("BEARER"), Ok(Mode::Bearer));
        assert_eq!(mode("private_key"), Ok(Mode::PrivateKey));
        assert!(mode("Magic").is_err());
    }
}
