//! The shared-secret header check, in constant time.

use http::{HeaderMap, HeaderName};
use subtle::ConstantTimeEq;

use okta_eventhooks::Secret;

use crate::{Error, Result};

/// The header Okta sends with `authScheme.key: authScheme.value`.
#[derive(Clone, Debug)]
pub(crate) struct SharedSecret {
    name: HeaderName,
    /// The current value first; during a rotation also the previous ones.
    accepted: Vec<Secret>,
}

impl SharedSecret {
    pub(crate) fn new(name: &str, expected: Secret, previous: Vec<Secret>) -> Result<Self> {
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Error::InvalidInput(format!(
                "auth header name {name:?} is not a valid header name"
            ))
        })?;
        let mut accepted = vec![expected];
        accepted.extend(previous);
        if accepted.iter().any(Secret::is_empty) {
            return Err(Error::InvalidInput(format!(
                "an accepted value of auth header {name} is empty"
            )));
        }
        Ok(Self { name, accepted })
    }

    /// Whether the request carries the header exactly once with exactly an accepted value.
    ///
    /// The comparison takes the same time wherever the first differing byte is, so an attacker
    /// cannot guess the secret byte by byte; it reveals only whether the lengths match. Every
    /// accepted value is compared, so the time does not tell which one matched.
    pub(crate) fn accepts(&self, headers: &HeaderMap) -> bool {
        let mut values = headers.get_all(&self.name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        self.accepted.iter().fold(false, |matched, secret| {
            matched | constant_time_eq(value.as_bytes(), secret.expose().as_bytes())
        })
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
        let check = SharedSecret::new("Authorization", Secret::from("s3cret"), vec![]).unwrap();
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
        let err = SharedSecret::new("bad header", Secret::from("s3cret"), vec![]).unwrap_err();
        assert!(err.to_string().contains("\"bad header\""), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"));
        let err = SharedSecret::new("Authorization", Secret::from(""), vec![]).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = SharedSecret::new("Authorization", Secret::from("x"), vec![Secret::from("")])
            .unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn during_a_rotation_the_previous_value_is_accepted_too() {
        let check = SharedSecret::new(
            "Authorization",
            Secret::from("new"),
            vec![Secret::from("old")],
        )
        .unwrap();
        assert!(check.accepts(&headers(&[("authorization", "new")])));
        assert!(check.accepts(&headers(&[("authorization", "old")])));
        assert!(!check.accepts(&headers(&[("authorization", "older")])));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let check = SharedSecret::new(
            "Authorization",
            Secret::from("s3cret"),
            vec![Secret::from("0ld")],
        )
        .unwrap();
        let debug = format!("{check:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("0ld"),
            "{debug}"
        );
    }
}
