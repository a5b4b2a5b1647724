//! The manifest's types: exactly what a hooks file may hold. serde reads them (unknown keys and
//! wrong types are errors with their position), schemars derives the JSON Schema from them, and
//! `export` writes them. Okta's own rules are not repeated here: the hooks built from these
//! types are checked by the SDK ([`super::check`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use okta_eventhooks::redact::{self, Found};
use okta_eventhooks::{MAX_EVENT_TYPES, MAX_NAME_CHARS, MAX_URI_CHARS};
use schemars::JsonSchema;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `visit_*` methods of a visitor where a secret may be, for the scalars it does not take
/// (every one but strings): each refuses the value by its kind, never quoting it, as serde's
/// default methods would.
macro_rules! refuse_scalars {
    ($value:ty) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Boolean, &self))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Number, &self))
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Number, &self))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Number, &self))
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Number, &self))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Number, &self))
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Other, &self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Null, &self))
        }
        fn visit_none<E: de::Error>(self) -> Result<$value, E> {
            Err(redact::wrong_type(Found::Null, &self))
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<$value, A::Error> {
            Err(redact::wrong_type(Found::Other, &self))
        }
    };
}

/// Event hooks as code: the hooks every org should have, and the orgs.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "okta-eventhooks manifest")]
pub struct Manifest {
    /// The JSON Schema this file follows (for editors); ignored otherwise.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,

    /// The hooks, by their name in Okta. A hook of the org whose name is not here is left
    /// alone (deleted only with `--prune`).
    #[schemars(extend("propertyNames" = {"minLength": 1, "maxLength": MAX_NAME_CHARS}))]
    pub hooks: BTreeMap<String, HookSpec>,

    /// The orgs to manage, each an okta.yaml profile (`okta.profiles.NAME`). Without it the
    /// usual configuration (flags, OKTA_CLIENT_*, okta.yaml) picks one org.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub orgs: BTreeMap<String, OrgSpec>,
}

/// One hook as it should be.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HookSpec {
    /// Free text shown in the Admin Console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,

    /// ACTIVE (the default; the hook is also verified) or INACTIVE.
    #[serde(default)]
    pub status: Status,

    /// The HTTPS endpoint Okta calls.
    #[schemars(length(min = 1, max = MAX_URI_CHARS))]
    pub uri: String,

    /// Custom headers Okta sends with every call. A header whose name suggests a credential
    /// (Authorization, *key*, *token*, *secret*, ...) takes its value from `valueFrom`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderValue>,

    /// The header that carries the shared secret; the secret is given by reference only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,

    /// The event types the hook subscribes to (order does not matter).
    #[schemars(length(min = 1, max = MAX_EVENT_TYPES))]
    pub events: Vec<String>,

    /// Filters, one Okta filter expression per subscribed event type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filters: BTreeMap<String, String>,
}

/// Whether the hook is on.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Okta calls the hook (once it is verified, which apply does).
    #[default]
    Active,
    /// Okta does not call the hook.
    Inactive,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
        })
    }
}

/// The auth header (`authScheme`) and where its secret comes from.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Auth {
    /// The header's name.
    #[serde(default = "default_auth_key")]
    pub key: String,

    /// Where the secret is read when the hook is written.
    pub value_from: ValueFrom,

    /// Never accepted: a literal secret would end up in git.
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub value: Option<LiteralSecret>,
}

fn default_auth_key() -> String {
    "Authorization".into()
}

/// By hand: `auth: Hunter20Secret` is a secret in the wrong place, and serde's message for a
/// string where a mapping goes would quote it. A mapping is read field by field as derived.
impl<'de> Deserialize<'de> for Auth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct Fields {
            #[serde(default = "default_auth_key")]
            key: String,
            value_from: ValueFrom,
            #[serde(default)]
            value: Option<LiteralSecret>,
        }
        struct AuthVisitor;
        impl<'de> Visitor<'de> for AuthVisitor {
            type Value = Auth;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("{key: NAME, valueFrom: {env: VAR} or {file: PATH}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Auth, A::Error> {
                let fields = Fields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Auth {
                    key: fields.key,
                    value_from: fields.value_from,
                    value: fields.value,
                })
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Auth, E> {
                Err(redact::wrong_type(Found::String, &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Auth, A::Error> {
                Err(redact::wrong_type(Found::Sequence, &self))
            }
            refuse_scalars!(Auth);
        }
        deserializer.deserialize_any(AuthVisitor)
    }
}

/// A secret given by reference: an environment variable or a file.
#[derive(Clone, Debug, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ValueFrom {
    /// The name of an environment variable holding the secret.
    Env(String),
    /// A file holding the secret (a trailing newline is dropped); a relative path is relative
    /// to the manifest's directory.
    File(PathBuf),
}

/// `{env: NAME}` / `{file: PATH}` in YAML and JSON alike (serde would write YAML tags).
impl Serialize for ValueFrom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Self::Env(name) => map.serialize_entry("env", name)?,
            Self::File(path) => map.serialize_entry("file", path)?,
        }
        map.end()
    }
}

/// By hand: yaml_serde reads enums from YAML tags (`!env X`), and the manifest writes
/// `{env: X}` in YAML as in JSON.
impl<'de> Deserialize<'de> for ValueFrom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueFromVisitor;
        impl<'de> Visitor<'de> for ValueFromVisitor {
            type Value = ValueFrom;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("{env: VAR} or {file: PATH}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValueFrom, A::Error> {
                // Keys and values are read as [`Text`]: neither is quoted in an error, as a
                // secret may have been put here by mistake.
                let Some(Text(key)) = map.next_key_seed(Text::KEY)? else {
                    return Err(de::Error::custom("give one of env or file"));
                };
                let value_from = match key.as_str() {
                    "env" => ValueFrom::Env(map.next_value_seed(Text::NAME)?.0),
                    "file" => ValueFrom::File(map.next_value_seed(Text::PATH)?.0.into()),
                    _ => {
                        return Err(de::Error::custom(
                            "unknown key (not shown: a secret may be here), expected env or file",
                        ));
                    }
                };
                if map.next_key_seed(Text::KEY)?.is_some() {
                    return Err(de::Error::custom("give only one of env or file"));
                }
                Ok(value_from)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ValueFrom, E> {
                Err(redact::wrong_type(Found::String, &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<ValueFrom, A::Error> {
                Err(redact::wrong_type(Found::Sequence, &self))
            }
            refuse_scalars!(ValueFrom);
        }
        deserializer.deserialize_any(ValueFromVisitor)
    }
}

impl fmt::Display for ValueFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// A custom header's value: text, or a reference for a secret.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(untagged)]
#[schemars(deny_unknown_fields)]
pub enum HeaderValue {
    /// The value itself (not for credentials).
    Literal(String),
    /// The value read from the environment or a file.
    Reference {
        /// Where the value comes from.
        #[serde(rename = "valueFrom")]
        value_from: ValueFrom,
    },
}

/// By hand, so that a wrong value gets a plain message instead of serde's "did not match any
/// variant".
impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = HeaderValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, or {valueFrom: {env: VAR}} / {valueFrom: {file: PATH}}")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<HeaderValue, E> {
                Ok(HeaderValue::Literal(value.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderValue, A::Error> {
                // A header value is a secret to the SDK: no key or value of this mapping is
                // quoted in an error.
                let mut value_from = None;
                while let Some(Text(key)) = map.next_key_seed(Text::KEY)? {
                    if key != "valueFrom" {
                        return Err(de::Error::custom(
                            "unknown key (not shown: a secret may be here), expected valueFrom",
                        ));
                    }
                    if value_from.is_some() {
                        return Err(de::Error::duplicate_field("valueFrom"));
                    }
                    value_from = Some(map.next_value::<ValueFrom>()?);
                }
                let value_from = value_from.ok_or_else(|| de::Error::missing_field("valueFrom"))?;
                Ok(HeaderValue::Reference { value_from })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<HeaderValue, A::Error> {
                Err(redact::wrong_type(Found::Sequence, &self))
            }
            refuse_scalars!(HeaderValue);
        }
        deserializer.deserialize_any(HeaderVisitor)
    }
}

/// `auth.value`: present only to refuse it with a message that says what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralSecret;

/// Refuses whatever the value is, from inside a visitor so that the error has its position.
impl<'de> Deserialize<'de> for LiteralSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Refuse;
        impl Refuse {
            fn refuse<E: de::Error>(self) -> Result<LiteralSecret, E> {
                Err(E::custom(
                    "a literal secret is not allowed in a manifest (it would end up in git): give it by reference, valueFrom: {env: VAR} or valueFrom: {file: PATH}",
                ))
            }
        }
        impl<'de> Visitor<'de> for Refuse {
            type Value = LiteralSecret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("nothing (a secret is given with valueFrom)")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_unit<E: de::Error>(self) -> Result<LiteralSecret, E> {
                self.refuse()
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<LiteralSecret, A::Error> {
                self.refuse()
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<LiteralSecret, A::Error> {
                self.refuse()
            }
        }
        deserializer.deserialize_any(Refuse)
    }
}

/// Text where a secret may be: a `valueFrom`'s name or path, and the keys of the mappings
/// that hold secrets. Another kind of value is refused without being quoted.
struct Text(String);

/// What a [`Text`] is, for the error.
#[derive(Clone, Copy)]
struct TextSeed(&'static str);

impl Text {
    const KEY: TextSeed = TextSeed("a key");
    const NAME: TextSeed = TextSeed("the name of an environment variable");
    const PATH: TextSeed = TextSeed("a file path");
}

impl<'de> de::DeserializeSeed<'de> for TextSeed {
    type Value = Text;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Text, A::Error> {
        Err(redact::wrong_type(Found::Mapping, &self))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Text, A::Error> {
        Err(redact::wrong_type(Found::Sequence, &self))
    }
    refuse_scalars!(Text);
}

/// One org: its okta.yaml profile and what differs there.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    /// The okta.yaml profile (`okta.profiles.NAME`) with the org's URL and credentials; default:
    /// the org's own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,

    /// Per-hook overrides in this org: each field given replaces the hook's field whole.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: BTreeMap<String, HookOverride>,
}

/// The fields of a hook that one org changes; each replaces the field of `hooks:` whole.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookOverride {
    /// Replaces `description` (an empty string removes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Replaces `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Replaces `uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_URI_CHARS))]
    pub uri: Option<String>,
    /// Replaces `headers` (all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, HeaderValue>>,
    /// Replaces `auth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// Replaces `events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_EVENT_TYPES))]
    pub events: Option<Vec<String>>,
    /// Replaces `filters` (all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<BTreeMap<String, String>>,
}

/// The fields of a hook that a check can find a problem in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `uri`
    Uri,
    /// `headers`
    Headers,
    /// `auth`
    Auth,
    /// `events`
    Events,
    /// `filters`
    Filters,
}

impl Field {
    /// The key in the file.
    pub fn key(self) -> &'static str {
        match self {
            Self::Uri => "uri",
            Self::Headers => "headers",
            Self::Auth => "auth",
            Self::Events => "events",
            Self::Filters => "filters",
        }
    }
}

impl HookOverride {
    /// Whether this override gives `field`.
    pub fn has(&self, field: Field) -> bool {
        match field {
            Field::Uri => self.uri.is_some(),
            Field::Headers => self.headers.is_some(),
            Field::Auth => self.auth.is_some(),
            Field::Events => self.events.is_some(),
            Field::Filters => self.filters.is_some(),
        }
    }
}

impl HookSpec {
    /// This hook with an org's override applied.
    pub fn with(&self, over: &HookOverride) -> HookSpec {
        let mut hook = self.clone();
        if let Some(description) = &over.description {
            hook.description = (!description.is_empty()).then(|| description.clone());
        }
        if let Some(status) = over.status {
            hook.status = status;
        }
        if let Some(uri) = &over.uri {
            hook.uri = uri.clone();
        }
        if let Some(headers) = &over.headers {
            hook.headers = headers.clone();
        }
        if let Some(auth) = &over.auth {
            hook.auth = Some(auth.clone());
        }
        if let Some(events) = &over.events {
            hook.events = events.clone();
        }
        if let Some(filters) = &over.filters {
            hook.filters = filters.clone();
        }
        hook
    }

    /// Every secret reference of the hook: what it is for, and where it comes from.
    pub fn references(&self) -> Vec<(String, &ValueFrom)> {
        let mut found: Vec<(String, &ValueFrom)> = Vec::new();
        if let Some(auth) = &self.auth {
            found.push((format!("auth header {}", auth.key), &auth.value_from));
        }
        for (name, value) in &self.headers {
            if let HeaderValue::Reference { value_from } = value {
                found.push((format!("header {name}"), value_from));
            }
        }
        found
    }
}
