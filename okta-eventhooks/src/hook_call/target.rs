//! The hook being called: its URI and the headers Okta adds to every call to it.

use http::header::{HeaderMap, HeaderName, HeaderValue};

use super::attempt::{Failure, HeaderPart};
use crate::Secret;
use crate::types::EventHook;

/// Where a call goes and the hook's own headers: its custom headers and its auth header (the
/// secret, when the caller has it; Okta never returns it).
#[derive(Clone, Debug)]
pub struct HookTarget<'a> {
    /// The hook's URI.
    pub uri: &'a str,
    /// The custom headers, in order (`key`, `value`).
    pub headers: Vec<(&'a str, &'a Secret)>,
    /// The auth header (`authScheme.key`, `authScheme.value`).
    pub auth: Option<(&'a str, &'a Secret)>,
}

impl<'a> HookTarget<'a> {
    /// The target of a hook as the API describes it: the auth header only when its value is
    /// known (a hook read from Okta has none: the secret is write-only).
    pub fn of(hook: &'a EventHook) -> Self {
        let config = &hook.channel.config;
        Self {
            uri: &config.uri,
            headers: config
                .headers
                .iter()
                .filter_map(|h| Some((h.key.as_deref()?, h.value.as_ref()?)))
                .collect(),
            auth: config
                .auth_scheme
                .as_ref()
                .and_then(|a| Some((a.key.as_deref()?, a.value.as_ref()?))),
        }
    }

    /// Adds the hook's headers to `headers`: the custom ones (a name given twice is sent twice)
    /// and then the auth header, which replaces a custom header of the same name. Every value
    /// is marked sensitive, so that no debug output shows it.
    pub(super) fn add_headers(&self, headers: &mut HeaderMap) -> Result<(), Failure> {
        let custom = self.headers.iter().map(|(k, v)| (*k, *v, false));
        for (key, value, auth) in custom.chain(self.auth.map(|(k, v)| (k, v, true))) {
            let invalid = |part| Failure::InvalidHeader {
                key: key.to_owned(),
                auth,
                part,
            };
            let name =
                HeaderName::from_bytes(key.as_bytes()).map_err(|_| invalid(HeaderPart::Name))?;
            let mut value =
                HeaderValue::from_str(value.expose()).map_err(|_| invalid(HeaderPart::Value))?;
            value.set_sensitive(true);
            if auth {
                headers.insert(name, value);
            } else {
                headers.append(name, value);
            }
        }
        Ok(())
    }

    /// The URL to call: without user name and password, which reqwest would turn into a Basic
    /// `Authorization` header (Okta sends only the hook's own auth header). The SDK's rules
    /// refuse such a URI, but a hook stored before that rule may hold one.
    pub(super) fn url(&self) -> String {
        match url::Url::parse(self.uri) {
            Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.into()
            }
            _ => self.uri.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_replaces_a_custom_header_of_its_name_and_values_are_sensitive() {
        let (a, b, secret) = (Secret::new("a"), Secret::new("b"), Secret::new("s3cret"));
        let target = HookTarget {
            uri: "https://alice:pw@example.com/hook",
            headers: vec![("X-Tag", &a), ("X-Tag", &b), ("Authorization", &a)],
            auth: Some(("Authorization", &secret)),
        };
        let mut headers = HeaderMap::new();
        target.add_headers(&mut headers).unwrap();
        assert_eq!(headers.get_all("x-tag").iter().count(), 2);
        assert_eq!(headers["authorization"], "s3cret");
        assert!(headers.values().all(HeaderValue::is_sensitive));
        assert!(!format!("{headers:?}").contains("s3cret"));
        assert_eq!(target.url(), "https://example.com/hook");
    }

    #[test]
    fn an_invalid_header_is_named_and_never_sent() {
        let value = Secret::new("line\nbreak");
        let target = HookTarget {
            uri: "https://example.com/hook",
            headers: vec![],
            auth: Some(("Authorization", &value)),
        };
        let failure = target.add_headers(&mut HeaderMap::new()).unwrap_err();
        assert_eq!(
            failure.to_string(),
            "invalid value for auth header \"Authorization\""
        );
        assert!(!failure.retryable(true) && !failure.retryable(false));
    }
}
