//! How requests are authorized: SSWS API tokens, pre-issued Bearer tokens, and OAuth 2.0
//! client credentials with `private_key_jwt` (optionally DPoP-bound).

// OAuth 2.0 (`private_key_jwt`, DPoP): behind the default feature `oauth`, so that a build
// for API tokens only compiles no RSA or EC signing.
#[cfg(feature = "oauth")]
mod dpop;
#[cfg(feature = "oauth")]
mod key;
#[cfg(feature = "oauth")]
mod oauth;

use std::time::Duration;

#[cfg(feature = "oauth")]
use http::HeaderName;
use http::HeaderValue;
use http::header::AUTHORIZATION;

use crate::Secret;
use crate::error::{Error, Result};

/// `DPoP` request header (RFC 9449).
#[cfg(feature = "oauth")]
pub(crate) const DPOP: HeaderName = HeaderName::from_static("dpop");

/// Scopes requested when none are configured: what the eight event-hook operations need.
/// `okta.logs.read` (the System Log) is not among them: asking for a scope the app was not
/// granted fails the whole token request, so it is requested only when configured.
pub const DEFAULT_SCOPES: [&str; 2] = ["okta.eventHooks.manage", "okta.eventHooks.read"];

/// How long before expiry an OAuth access token is replaced (default 5 minutes).
pub const DEFAULT_TOKEN_RENEWAL_OFFSET: Duration = Duration::from_secs(300);

/// The credential a client authenticates with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// An Okta API token, sent as `Authorization: SSWS <token>`.
    ApiToken(Secret),
    /// A pre-issued OAuth 2.0 access token, sent as `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// OAuth 2.0 client credentials with `private_key_jwt` (Okta's "service app").
    PrivateKey(PrivateKeyCredentials),
}

impl Credentials {
    /// Short, secret-free name of the mode, for messages (`SSWS`, `Bearer`, `PrivateKey`).
    pub fn mode(&self) -> &'static str {
        match self {
            Self::ApiToken(_) => "SSWS",
            Self::Bearer(_) => "Bearer",
            Self::PrivateKey(_) => "PrivateKey",
        }
    }
}

/// OAuth 2.0 client credentials: the client id of an Okta API service app and the private
/// key registered with it (RSA for RS256, or EC P-256 / P-384 for ES256 / ES384).
///
/// ```
/// use okta_eventhooks::{Credentials, PrivateKeyCredentials};
/// let pem = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----";
/// let creds = PrivateKeyCredentials::new("0oa1b2c3d4", pem)
///     .key_id("my-key-1")
///     .scopes(["okta.eventHooks.read"])
///     .dpop(true);
/// assert!(!format!("{creds:?}").contains("BEGIN"));
/// let _ = Credentials::PrivateKey(creds);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PrivateKeyCredentials {
    /// The OAuth client id (`iss` and `sub` of the client assertion).
    pub client_id: String,
    /// The private key: PEM (PKCS#1, PKCS#8 or SEC1) or a private JWK as JSON.
    pub private_key: Secret,
    /// `kid` header of the client assertion (default: the JWK's `kid`, if any).
    pub key_id: Option<String>,
    /// Requested scopes (default [`DEFAULT_SCOPES`]).
    pub scopes: Vec<String>,
    /// Bind tokens to a DPoP key from the start. Without it DPoP is still switched on when
    /// the token endpoint answers `invalid_dpop_proof`.
    pub dpop: bool,
    /// How long before expiry the access token is replaced.
    pub token_renewal_offset: Duration,
}

impl PrivateKeyCredentials {
    /// Credentials with the default scopes, no key id, DPoP on demand.
    pub fn new(client_id: impl Into<String>, private_key: impl Into<Secret>) -> Self {
        Self {
            client_id: client_id.into(),
            private_key: private_key.into(),
            key_id: None,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            dpop: false,
            token_renewal_offset: DEFAULT_TOKEN_RENEWAL_OFFSET,
        }
    }

    /// Sets the `kid` of the client assertion.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// Sets the requested scopes (each item may itself be a space- or comma-separated list).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Requests DPoP-bound tokens from the start.
    pub fn dpop(mut self, on: bool) -> Self {
        self.dpop = on;
        self
    }

    /// Sets how long before expiry the access token is replaced.
    pub fn token_renewal_offset(mut self, offset: Duration) -> Self {
        self.token_renewal_offset = offset;
        self
    }
}

/// The prepared form of [`Credentials`]: header values are built once, not per request; the
/// OAuth token source is shared by every clone of the client.
#[derive(Debug)]
pub(crate) enum Auth {
    Static(HeaderValue),
    #[cfg(feature = "oauth")]
    OAuth(Box<oauth::TokenSource>),
}

/// What one attempt was authorized with, so that a rejection evicts the right token.
#[derive(Debug, Clone, Copy, Default)]
#[cfg_attr(not(feature = "oauth"), allow(dead_code))]
pub(crate) struct Grant {
    pub(crate) token_generation: Option<u64>,
}

/// The re-sends one call may make for authorization reasons; they do not use up the
/// retry budget for rate limits and server errors.
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "oauth"), allow(dead_code))]
pub(crate) struct AuthRetries {
    pub(crate) reauthenticated: bool,
    pub(crate) nonce_retries: u32,
}

impl Auth {
    pub(crate) fn new(
        credentials: &Credentials,
        org_url: &str,
        http: &reqwest::Client,
        retry: crate::retry::RetryPolicy,
        request_timeout: Duration,
        sleep: &crate::retry::Sleep,
    ) -> Result<Self> {
        let (scheme, secret) = match credentials {
            Credentials::ApiToken(s) => ("SSWS", s),
            Credentials::Bearer(s) => ("Bearer", s),
            #[cfg(feature = "oauth")]
            Credentials::PrivateKey(c) => {
                return Ok(Self::OAuth(Box::new(oauth::TokenSource::new(
                    c,
                    org_url,
                    http.clone(),
                    retry,
                    request_timeout,
                    sleep.clone(),
                )?)));
            }
            #[cfg(not(feature = "oauth"))]
            Credentials::PrivateKey(_) => {
                let _ = (org_url, http, retry, request_timeout, sleep);
                return Err(Error::Config(NEEDS_OAUTH.into()));
            }
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

    /// Adds the `Authorization` header (and with DPoP a fresh proof) to one attempt.
    pub(crate) async fn authorize(&self, request: &mut reqwest::Request) -> Result<Grant> {
        match self {
            Self::Static(value) => {
                request.headers_mut().insert(AUTHORIZATION, value.clone());
                Ok(Grant::default())
            }
            #[cfg(feature = "oauth")]
            Self::OAuth(source) => Ok(Grant {
                token_generation: Some(source.authorize(request).await?),
            }),
        }
    }

    /// Looks at an answer for authorization trouble that a re-send fixes (a DPoP nonce the
    /// API asks for, or a 401 for an OAuth token that was revoked or expired early) and says
    /// whether to re-send. A 401 is never re-sent for static tokens: a new attempt would carry
    /// the same rejected token.
    #[cfg_attr(not(feature = "oauth"), allow(unused_variables))]
    pub(crate) fn review(
        &self,
        grant: Grant,
        status: u16,
        headers: &http::HeaderMap,
        retries: &mut AuthRetries,
    ) -> bool {
        match self {
            Self::Static(_) => false,
            #[cfg(feature = "oauth")]
            Self::OAuth(source) => source.review(grant, status, headers, retries),
        }
    }
}

/// Why OAuth settings are refused by a build without the `oauth` feature.
#[cfg(not(feature = "oauth"))]
const NEEDS_OAUTH: &str = "OAuth 2.0 (authorizationMode PrivateKey) needs the `oauth` feature of okta-eventhooks (on by default); this build has it off";

/// Checks that a private key (PEM or JWK text) can sign, without keeping it.
pub(crate) fn check_private_key(text: &str) -> Result<()> {
    #[cfg(feature = "oauth")]
    return key::SigningKey::parse(text).map(|_| ());
    #[cfg(not(feature = "oauth"))]
    {
        let _ = text;
        Err(Error::Config(NEEDS_OAUTH.into()))
    }
}

#[cfg(all(test, not(feature = "oauth")))]
mod tests {
    #[test]
    fn private_key_credentials_need_the_oauth_feature() {
        let err = crate::Client::builder()
            .org_url("https://acme.okta.com")
            .client_id("0oa1")
            .private_key("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("`oauth` feature"), "{err}");
        assert!(super::check_private_key("{}").is_err());
    }
}
