//! The shared-secret header check, in constant time.

use http::{HeaderMap, HeaderName};
use subtle::ConstantTimeEq;

use crate::{Error, Result, Secret};

/// The header Okta sends with `authScheme.key: authScheme.value`.
#[derive(Clone, Debug)]
pub(crate) struct SharedSecret {
    name: HeaderName,
    expected: Secret,
}

impl SharedSecret {
    pub(crate) fn new(name: &str, expected: Secret) -> Result<Self> {
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Error::InvalidInput(format!(
                "auth header name {name:?} is not a valid header name"
            ))
        })?;
        if expected.is_empty() {
            return Err(Error::InvalidInput(format!(
                "the expected value of auth header {name} is empty"
            )));
        }
        Ok(Self { name, expected })
    }

    /// Whether the request carries the header exactly once with exactly the expected value.
    ///
    /// The comparison takes the same time wherever the first differing byte is, so an attacker
    /// cannot guess the secret byte by byte; it reveals only whether the lengths match.
    pub(crate) fn accepts(&self, headers: &HeaderMap) -> bool {
        let mut values = headers.get_all(&self.name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        constant_time_eq(value.as_bytes(), self.expected.expose().as_bytes())
    }
}

fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    // `ct_eq` on slices of different lengths returns early; that leaks only the length.
    given.ct_eq(expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn accepts_only_the_exact_value_once() {
        let check = SharedSecret::new("Authorization", Secret::from("s3cret")).unwrap();
        assert!(check.accepts(&headers(&[("authorization", "s3cret")])));
        assert!(!check.accepts(&headers(&[("authorization", "s3cre")])));
        assert!(!check.accepts(&headers(&[("authorization", "s3cret ")])));
        assert!(!check.accepts(&headers(&[("authorization", "S3cret")])));
        assert!(!check.accepts(&headers(&[])));
        assert!(!check.accepts(&headers(&[("x-other", "s3cret")])));
        assert!(!check.accepts(&headers(&[
            ("authorization", "s3cret"),
            ("authorization", "s3cret")
        ])));
    }

    #[test]
    fn bad_configuration_is_a_clear_error_without_the_secret() {
        let err = SharedSecret::new("bad header", Secret::from("s3cret")).unwrap_err();
        assert!(err.to_string().contains("\"bad header\""), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"));
        let err = SharedSecret::new("Authorization", Secret::from("")).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let check = SharedSecret::new("Authorization", Secret::from("s3cret")).unwrap();
        assert!(!format!("{check:?}").contains("s3cret"));
    }
}
