//! How requests are authorized.

use http::HeaderValue;
use http::header::AUTHORIZATION;

use crate::Secret;
use crate::error::{Error, Result};

/// The credential a client authenticates with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// An Okta API token, sent as `Authorization: SSWS <token>`.
    ApiToken(Secret),
    /// A pre-issued OAuth 2.0 access token, sent as `Authorization: Bearer <token>`.
    Bearer(Secret),
}

impl Credentials {
    /// Short, secret-free name of the mode, for messages (`SSWS`, `Bearer`, ...).
    pub fn mode(&self) -> &'static str {
        match self {
            Self::ApiToken(_) => "SSWS",
            Self::Bearer(_) => "Bearer",
        }
    }
}

/// The prepared form of [`Credentials`]: header values are built once, not per request.
#[derive(Debug)]
pub(crate) enum Auth {
    Static(HeaderValue),
}

impl Auth {
    pub(crate) fn new(credentials: &Credentials) -> Result<Self> {
        let (scheme, secret) = match credentials {
            Credentials::ApiToken(s) => ("SSWS", s),
            Credentials::Bearer(s) => ("Bearer", s),
        };
        let secret = secret.expose().trim();
        if secret.is_empty() {
            return Err(Error::Config(format!("the {scheme} token is empty")));
        }
        if secret == "{apiToken}" {
            return Err(Error::Config(
                "replace the {apiToken} placeholder with your API token".into(),
            ));
        }
        let mut value = HeaderValue::try_from(format!("{scheme} {secret}")).map_err(|_| {
            Error::Config(format!(
                "the {scheme} token contains characters not allowed in an HTTP header"
            ))
        })?;
        // Masks the value in `Debug` of the header map and in hyper's logs.
        value.set_sensitive(true);
        Ok(Self::Static(value))
    }

    /// Adds the `Authorization` header to one attempt of a request.
    pub(crate) async fn authorize(&self, request: &mut reqwest::Request) -> Result<()> {
        match self {
            Self::Static(value) => {
                request.headers_mut().insert(AUTHORIZATION, value.clone());
            }
        }
        Ok(())
    }
}
