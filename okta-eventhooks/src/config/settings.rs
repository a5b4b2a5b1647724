//! Every setting of Okta's configuration, declared once: its YAML paths and environment
//! variables (canonical name first, then aliases), whether it is secret, how its text is
//! parsed, and how it reaches the [`ClientBuilder`]. Loading, `Config::entries` and
//! `Config::client_builder` all walk [`SETTINGS`], so adding a setting means adding one entry
//! to the `settings!` invocation below, and its row to the table in the module docs (a test
//! checks that they agree).

// Each setting's descriptor is a static named like the `Values` field holding its value
// (`settings::org_url` describes `values.org_url`), so that the two read alike. A pattern or
// parameter in this module cannot take a setting's name.
#![allow(non_upper_case_globals)]

use std::time::Duration;

use super::parse::{self, KeySource, Mode, Refusal};
use crate::Secret;
use crate::client::ClientBuilder;

/// What describes one setting; made only by `settings!`.
pub(super) struct Setting {
    /// Paths under `okta.client`, the canonical one first, then accepted aliases.
    pub(super) yaml: &'static [&'static str],
    /// Environment variables, the canonical one first; the first one set wins.
    pub(super) env: &'static [&'static str],
    /// Never shown (`[REDACTED]` in entries, left out of messages), and a file that holds it
    /// is checked for permissions.
    pub(super) secret: bool,
    /// Whether YAML may give a list (joined with spaces before parsing).
    pub(super) list: bool,
    /// Parses a text and stores it in `Values`, replacing any earlier value.
    parse_into: fn(&mut Values, &str, &str),
    /// The stored value's text and origin.
    loaded: fn(&Values) -> Option<(&Secret, &str)>,
    /// Applies the stored value to the builder if it applies at this stage.
    apply_to: fn(&Values, Stage, ClientBuilder, &mut Vec<String>) -> ClientBuilder,
}

impl Setting {
    /// The YAML name, e.g. `okta.client.rateLimit.maxRetries`.
    pub(super) fn name(&self) -> String {
        format!("okta.client.{}", self.yaml[0])
    }

    /// "okta.client.orgUrl or OKTA_CLIENT_ORGURL", for "set it with" hints.
    pub(super) fn how_to_set(&self) -> String {
        format!("{} or {}", self.name(), self.env[0])
    }

    /// Parses `text` from `origin` and stores it, overriding what an earlier source gave.
    pub(super) fn load(&self, values: &mut Values, text: &str, origin: &str) {
        (self.parse_into)(values, text, origin);
    }

    /// The text and origin of the value stored, if any.
    pub(super) fn loaded<'v>(&self, values: &'v Values) -> Option<(&'v Secret, &'v str)> {
        (self.loaded)(values)
    }

    /// Applies the stored value if it applies at `stage`; a refused one becomes a problem.
    pub(super) fn apply(
        &self,
        values: &Values,
        stage: Stage,
        builder: ClientBuilder,
        problems: &mut Vec<String>,
    ) -> ClientBuilder {
        (self.apply_to)(values, stage, builder, problems)
    }

    /// `okta.client.x "value" (from origin) why`; a secret value is left out, and a URI in a
    /// value that is not secret (the proxy host) is shown without its user name and password.
    pub(super) fn problem(&self, text: &Secret, origin: &str, why: &str) -> String {
        if self.secret {
            format!("{} (from {origin}) {why}", self.name())
        } else {
            let shown = crate::redact::text(text.expose());
            format!("{} {shown:?} (from {origin}) {why}", self.name())
        }
    }
}

/// When a setting is applied to the [`ClientBuilder`].
pub(super) enum Applies<T> {
    /// Whatever the credentials.
    Always(fn(ClientBuilder, &T) -> ClientBuilder),
    /// Only with OAuth private-key credentials: in another mode the builder has no use for
    /// the value, so a malformed one is no problem there either.
    WithPrivateKey(fn(ClientBuilder, &T) -> ClientBuilder),
    /// By a rule of `Config::client_builder`: the org URL (required), the credentials of the
    /// mode in force, the proxy URL (made of several settings).
    ByRule,
}

/// The stages of `Config::client_builder` at which settings are applied one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    Always,
    WithPrivateKey,
}

impl<T> Applies<T> {
    fn at(self, stage: Stage) -> Option<fn(ClientBuilder, &T) -> ClientBuilder> {
        match (self, stage) {
            (Applies::Always(f), Stage::Always)
            | (Applies::WithPrivateKey(f), Stage::WithPrivateKey) => Some(f),
            _ => None,
        }
    }
}

fn apply<T>(
    loaded: &Option<Loaded<T>>,
    how: Applies<T>,
    stage: Stage,
    builder: ClientBuilder,
    problems: &mut Vec<String>,
) -> ClientBuilder {
    let (Some(loaded), Some(apply_value)) = (loaded, how.at(stage)) else {
        return builder;
    };
    match &loaded.value {
        Ok(value) => apply_value(builder, value),
        Err(problem) => {
            problems.push(problem.clone());
            builder
        }
    }
}

/// A setting's value from the source that gave it, parsed as it was loaded. A value that does
/// not parse keeps its message, which is reported only if no higher source overrides it (a
/// flag can still fix what a file got wrong).
#[derive(Clone, Debug)]
pub(super) struct Loaded<T> {
    /// The value, or the problem: the setting's name, the value unless secret, the origin.
    pub(super) value: Result<T, String>,
    /// The text as given, for `Config::entries` and messages; a [`Secret`] so that `Debug`
    /// never shows a secret one.
    pub(super) text: Secret,
    /// `~/.okta/okta.yaml`, `OKTA_CLIENT_TOKEN`, `--org-url`...
    pub(super) origin: String,
}

impl<T> Loaded<T> {
    fn parse(
        setting: &Setting,
        text: &str,
        origin: &str,
        parse: fn(&str) -> Result<T, Refusal>,
    ) -> Self {
        let text = Secret::new(text);
        let value = parse(text.expose()).map_err(|refusal| match refusal {
            Refusal::Why(why) => setting.problem(&text, origin, &why),
            Refusal::Message(message) => format!("{message} (from {origin})"),
        });
        Self {
            value,
            text,
            origin: origin.to_owned(),
        }
    }

    /// A value given already typed (by a `set_*` method); `text` is what entries show.
    pub(super) fn given(value: T, text: String, origin: &str) -> Self {
        Self {
            value: Ok(value),
            text: Secret::new(text),
            origin: origin.to_owned(),
        }
    }

    /// The value, or the problem to report.
    pub(super) fn get(&self) -> Result<&T, String> {
        self.value.as_ref().map_err(String::clone)
    }
}

macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident: $ty:ty {
            yaml: [$($yaml:literal),+ $(,)?],
            env: [$($env:literal),+ $(,)?],
            secret: $secret:literal,
            $(list: $list:literal,)?
            parse: $parse:expr,
            apply: $apply:expr $(,)?
        }
    )+) => {
        /// The value of every setting (the highest source's so far), each with its origin.
        #[derive(Clone, Debug, Default)]
        pub(super) struct Values {
            $($(#[doc = $doc])+ pub(super) $field: Option<Loaded<$ty>>,)+
        }

        $($(#[doc = $doc])+
        pub(super) static $field: Setting = Setting {
            yaml: &[$($yaml),+],
            env: &[$($env),+],
            secret: $secret,
            // `false`, or `false || true` when the entry says `list: true`.
            list: false $(|| $list)?,
            parse_into: |values, text, origin| {
                values.$field = Some(Loaded::parse(&$field, text, origin, $parse));
            },
            loaded: |values| values.$field.as_ref().map(|l| (&l.text, l.origin.as_str())),
            apply_to: |values, stage, builder, problems| {
                apply(&values.$field, $apply, stage, builder, problems)
            },
        };)+

        /// Every setting, in the order `Config::entries` lists them.
        pub(super) static SETTINGS: &[&Setting] = &[$(&$field),+];
    };
}

// 0 means "no value" in Okta's configuration templates, so a zero timeout or backoff keeps
// the builder's default.
settings! {
    /// The org URL, normalised; required.
    org_url: String {
        yaml: ["orgUrl"],
        env: ["OKTA_CLIENT_ORGURL"],
        secret: false,
        parse: parse::org_url,
        apply: Applies::ByRule,
    }
    /// The SSWS API token, or the access token in `Bearer` mode.
    token: Secret {
        yaml: ["token"],
        env: ["OKTA_CLIENT_TOKEN"],
        secret: true,
        parse: parse::secret,
        apply: Applies::ByRule,
    }
    /// `SSWS`, `Bearer` or `PrivateKey`; inferred from the credentials when unset.
    authorization_mode: Mode {
        yaml: ["authorizationMode"],
        env: ["OKTA_CLIENT_AUTHORIZATIONMODE"],
        secret: false,
        parse: parse::mode,
        apply: Applies::ByRule,
    }
    /// The OAuth client id (required in `PrivateKey` mode).
    client_id: String {
        yaml: ["clientId"],
        env: ["OKTA_CLIENT_CLIENTID"],
        secret: false,
        parse: parse::text,
        apply: Applies::WithPrivateKey(|b, id| b.client_id(id)),
    }
    /// The OAuth scopes to request.
    scopes: Vec<String> {
        yaml: ["scopes"],
        env: ["OKTA_CLIENT_SCOPES"],
        secret: false,
        list: true,
        parse: parse::scopes,
        apply: Applies::WithPrivateKey(|b, list| b.scopes(list.iter().cloned())),
    }
    /// The private key (required in `PrivateKey` mode): a file is read when the builder is made.
    private_key: KeySource {
        yaml: ["privateKey"],
        env: ["OKTA_CLIENT_PRIVATEKEY"],
        secret: true,
        parse: parse::private_key,
        apply: Applies::ByRule,
    }
    /// The `kid` of the client assertion.
    key_id: String {
        yaml: ["kid", "privateKeyId", "keyId"],
        env: ["OKTA_CLIENT_KID", "OKTA_CLIENT_PRIVATEKEYID", "OKTA_CLIENT_KEYID"],
        secret: false,
        parse: parse::text,
        apply: Applies::WithPrivateKey(|b, kid| b.key_id(kid)),
    }
    /// The limit for establishing a connection.
    connection_timeout: Duration {
        yaml: ["connectionTimeout"],
        env: ["OKTA_CLIENT_CONNECTIONTIMEOUT", "OKTA_CLIENT_CONNECTION_TIMEOUT"],
        secret: false,
        parse: parse::duration,
        apply: Applies::Always(|b, d| if d.is_zero() { b } else { b.connect_timeout(*d) }),
    }
    /// The limit for one request/response exchange.
    request_timeout: Duration {
        yaml: ["requestTimeout"],
        env: ["OKTA_CLIENT_REQUESTTIMEOUT", "OKTA_CLIENT_REQUEST_TIMEOUT"],
        secret: false,
        parse: parse::duration,
        apply: Applies::Always(|b, d| if d.is_zero() { b } else { b.request_timeout(*d) }),
    }
    /// Retries after the first attempt.
    max_retries: u32 {
        yaml: ["rateLimit.maxRetries"],
        env: ["OKTA_CLIENT_RATELIMIT_MAXRETRIES", "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES"],
        secret: false,
        parse: parse::count,
        apply: Applies::Always(|b, n| b.max_retries(*n)),
    }
    /// The longest wait before a retry.
    max_backoff: Duration {
        yaml: ["rateLimit.maxBackoff"],
        env: ["OKTA_CLIENT_RATELIMIT_MAXBACKOFF", "OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF"],
        secret: false,
        parse: parse::duration,
        apply: Applies::Always(|b, d| if d.is_zero() { b } else { b.max_backoff(*d) }),
    }
    /// The proxy host (`http://` unless it names a scheme).
    proxy_host: url::Url {
        yaml: ["proxy.host"],
        env: ["OKTA_CLIENT_PROXY_HOST"],
        secret: false,
        parse: parse::proxy_host,
        apply: Applies::ByRule,
    }
    /// The proxy port.
    proxy_port: u16 {
        yaml: ["proxy.port"],
        env: ["OKTA_CLIENT_PROXY_PORT"],
        secret: false,
        parse: parse::port,
        apply: Applies::ByRule,
    }
    /// The proxy user name.
    proxy_username: String {
        yaml: ["proxy.username"],
        env: ["OKTA_CLIENT_PROXY_USERNAME"],
        secret: false,
        parse: parse::text,
        apply: Applies::ByRule,
    }
    /// The proxy password (used with a user name).
    proxy_password: Secret {
        yaml: ["proxy.password"],
        env: ["OKTA_CLIENT_PROXY_PASSWORD"],
        secret: true,
        parse: parse::secret,
        apply: Applies::ByRule,
    }
    /// Text appended to the `User-Agent`.
    user_agent: String {
        yaml: ["userAgent"],
        env: ["OKTA_CLIENT_USERAGENT"],
        secret: false,
        parse: parse::text,
        apply: Applies::Always(|b, extra| b.user_agent_extra(extra)),
    }
    /// DPoP from the start.
    dpop: bool {
        yaml: ["dpopEnabled"],
        env: ["OKTA_CLIENT_DPOPENABLED"],
        secret: false,
        parse: parse::flag,
        apply: Applies::WithPrivateKey(|b, on| b.dpop(*on)),
    }
    /// How long before expiry the OAuth access token is replaced.
    token_renewal_offset: Duration {
        yaml: ["oauthTokenRenewalOffset"],
        env: ["OKTA_CLIENT_OAUTHTOKENRENEWALOFFSET"],
        secret: false,
        parse: parse::duration,
        apply: Applies::WithPrivateKey(|b, d| b.token_renewal_offset(*d)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The rows of the settings table in the module docs, one per setting.
    fn doc_rows() -> Vec<&'static str> {
        include_str!("mod.rs")
            .lines()
            .filter(|l| l.starts_with("//! | `"))
            .collect()
    }

    #[test]
    fn every_name_is_documented_in_its_row_of_the_module_docs() {
        let rows = doc_rows();
        assert_eq!(
            rows.len(),
            SETTINGS.len(),
            "one row per setting:\n{rows:#?}"
        );
        for setting in SETTINGS {
            let first = format!("//! | `{}`", setting.yaml[0]);
            let row = rows
                .iter()
                .find(|r| r.starts_with(&first))
                .unwrap_or_else(|| panic!("no row for {} in the module docs", setting.name()));
            for name in setting.yaml.iter().chain(setting.env) {
                assert!(
                    row.contains(&format!("`{name}`")),
                    "{name} is missing from {row}"
                );
            }
            assert_eq!(row.contains("secret"), setting.secret, "{row}");
        }
    }

    #[test]
    fn no_name_belongs_to_two_settings() {
        let mut seen = HashSet::new();
        for setting in SETTINGS {
            for name in setting.yaml.iter().chain(setting.env) {
                assert!(seen.insert(*name), "{name} is declared twice");
            }
        }
    }

    #[test]
    fn only_scopes_take_a_yaml_list() {
        let lists: Vec<String> = SETTINGS
            .iter()
            .filter(|s| s.list)
            .map(|s| s.name())
            .collect();
        assert_eq!(lists, ["okta.client.scopes"]);
    }
}
