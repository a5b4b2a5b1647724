//! A string that goes on the wire but is never printed.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string: API tokens, `authScheme.value`, hook header values, private keys.
///
/// `Debug` and `Display` print `[REDACTED]`; the memory is zeroed on drop (via [`secrecy`]).
/// Serialization writes the real value, because the secret has to reach Okta; callers that
/// print serialized JSON must redact it themselves (the CLI does).
///
/// ```
/// let s = okta_eventhooks::Secret::from("hunter2");
/// assert_eq!(format!("{s:?} {s}"), "[REDACTED] [REDACTED]");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

/// What `Debug` and `Display` print instead of a secret.
pub const REDACTED: &str = "[REDACTED]";

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself. Call this only where the value must leave the process.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// Text only; any other value is refused without being quoted ([`wrong_type`]):
/// `"value": 12345` must not print the number, which may be the secret.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(wrong_type(Found::Boolean, &self))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
                Err(wrong_type(Found::Number, &self))
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<Secret, E> {
                Err(wrong_type(Found::Number, &self))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
                Err(wrong_type(Found::Number, &self))
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Secret, E> {
                Err(wrong_type(Found::Number, &self))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(wrong_type(Found::Number, &self))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Secret, E> {
                Err(wrong_type(Found::Other, &self))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Secret, E> {
                Err(wrong_type(Found::Null, &self))
            }
            fn visit_none<E: de::Error>(self) -> Result<Secret, E> {
                Err(wrong_type(Found::Null, &self))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(wrong_type(Found::Mapping, &self))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(wrong_type(Found::Sequence, &self))
            }
            fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(wrong_type(Found::Other, &self))
            }
        }
        // `any`, not `str`: yaml_serde refuses a non-string scalar itself, quoting it, when asked
        // for a string.
        deserializer.deserialize_any(Text)
    }
}

/// The error of a serde visitor that met a value of the wrong type where a secret goes
/// (`authScheme.value`, a header value, a manifest's `auth` or `valueFrom`): it names the
/// kind of value found, never the value. serde's own message quotes it (`invalid type:
/// string "hunter2", expected ...`), and such a message ends up on a terminal or in CI logs.
///
/// ```
/// use okta_eventhooks::redact::{self, Found};
///
/// let e: serde_json::Error = redact::wrong_type(Found::Number, &"a string");
/// assert_eq!(
///     e.to_string(),
///     "invalid type: a number, expected a string (the value is not shown: a secret goes here)"
/// );
/// ```
pub fn wrong_type<E: serde::de::Error>(found: Found, expected: &dyn serde::de::Expected) -> E {
    E::custom(format_args!(
        "invalid type: {found}, expected {expected} (the value is not shown: a secret goes here)"
    ))
}

/// The kind of a value, as [`wrong_type`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// Text.
    String,
    /// An integer or a float.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A map (object).
    Mapping,
    /// A sequence (array).
    Sequence,
    /// `null`, `~` or nothing.
    Null,
    /// Bytes, an enum or a YAML tag.
    Other,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::String => "a string",
            Self::Number => "a number",
            Self::Boolean => "a boolean",
            Self::Mapping => "a mapping",
            Self::Sequence => "a sequence",
            Self::Null => "null",
            Self::Other => "a tagged or binary value",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_display_and_nested_debug_are_redacted() {
        let s = Secret::new("s3cr3t-value");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{s}"), REDACTED);
        assert!(!format!("{:?}", Some(vec![s.clone()])).contains("s3cr3t"));
    }

    #[test]
    fn serde_round_trip_keeps_the_value() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
    }

    #[test]
    fn a_value_of_another_type_is_refused_without_being_quoted() {
        for (json, found) in [
            ("314159265", "a number"),
            ("-314159265", "a number"),
            ("3.14159265", "a number"),
            ("true", "a boolean"),
            ("{\"k\": \"Hunter14Secret\"}", "a mapping"),
            ("[\"Hunter14Secret\"]", "a sequence"),
        ] {
            let err = serde_json::from_str::<Secret>(json)
                .unwrap_err()
                .to_string();
            assert!(
                !err.contains("314159") && !err.contains("Hunter14"),
                "{err}"
            );
            assert!(err.contains(found), "{json}: {err}");
        }
        let err = yaml_serde::from_str::<Secret>("314159265")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("314159") && err.contains("a number"), "{err}");
    }
}
