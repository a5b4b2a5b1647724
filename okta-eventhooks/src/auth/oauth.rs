//! OAuth 2.0 client credentials with `private_key_jwt`: the client assertion, the token
//! request, and the access-token cache shared by every clone of a client.
//!
//! Concurrency: the cache is read under a short `std` mutex; refreshing is single-flight
//! under a `tokio` mutex, so N concurrent calls that all find the token stale cause exactly
//! one token request. While a refresh runs, calls whose token is still valid (only inside the
//! renewal offset) keep using it instead of waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method};
use serde::{Deserialize, Serialize};

use super::dpop::{self, Dpop, Server};
use super::key::SigningKey;
use super::{AuthRetries, DPOP, Grant, PrivateKeyCredentials};
use crate::Secret;
use crate::error::{ApiError, Error, Result};
use crate::rate_limit::RateLimit;
use crate::retry::{self, Attempt, Decision, Outcome, RetryPolicy, Sleep};
use crate::types::OktaError;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of a client assertion: Okta accepts at most one hour; five minutes is plenty for
/// one token request and limits replay.
const ASSERTION_LIFETIME_SECS: u64 = 300;
/// Largest token-endpoint answer read; a token response is a few KiB.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// How many times one API call follows `use_dpop_nonce`.
const MAX_API_NONCE_RETRIES: u32 = 2;
/// How many times one token fetch follows `use_dpop_nonce` before giving up.
const MAX_NONCE_RETRIES: u32 = 2;

/// An access token and how to present it.
#[derive(Debug)]
pub(crate) struct Token {
    /// `Bearer <token>` or `DPoP <token>`, marked sensitive.
    pub(crate) header: HeaderValue,
    pub(crate) access_token: Secret,
    /// Whether the token is DPoP-bound (every request then carries a proof).
    pub(crate) dpop: bool,
    /// When to fetch a new one (expiry minus the renewal offset).
    refresh_at: Instant,
    /// After this the token is not used at all.
    expires_at: Instant,
    /// Identifies the token, so that a 401 only evicts the token that was rejected.
    pub(crate) generation: u64,
}

/// Fetches, caches and refreshes the access token of one client (shared by its clones).
#[derive(Debug)]
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_url: url::Url,
    client_id: String,
    scope: String,
    key: SigningKey,
    key_id: Option<String>,
    renewal_offset: Duration,
    request_timeout: Duration,
    /// The client's retry policy, applied to the token endpoint too.
    retry: RetryPolicy,
    sleep: Sleep,
    pub(crate) dpop: Dpop,
    cache: Mutex<Option<Arc<Token>>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<Secret>,
    token_type: Option<String>,
    expires_in: Option<f64>,
}

#[derive(Deserialize, Default)]
struct OAuthError {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenSource {
    pub(crate) fn new(
        credentials: &PrivateKeyCredentials,
        org_url: &str,
        http: reqwest::Client,
        retry: RetryPolicy,
        request_timeout: Duration,
        sleep: Sleep,
    ) -> Result<Self> {
        let client_id = credentials.client_id.trim().to_owned();
        if client_id.is_empty() {
            return Err(Error::Config("the OAuth client id is empty".into()));
        }
        let scopes: Vec<&str> = credentials
            .scopes
            .iter()
            .flat_map(|s| s.split([' ', ',']))
            .filter(|s| !s.is_empty())
            .collect();
        if scopes.is_empty() {
            return Err(Error::Config(
                "no OAuth scopes: at least okta.eventHooks.read is needed".into(),
            ));
        }
        let key = SigningKey::parse(credentials.private_key.expose())?;
        let key_id = credentials
            .key_id
            .clone()
            .filter(|k| !k.trim().is_empty())
            .or_else(|| key.jwk_kid().map(str::to_owned));
        let token_url = url::Url::parse(&format!("{org_url}/oauth2/v1/token"))
            .map_err(|e| Error::Config(format!("cannot form the token URL: {e}")))?;
        let source = Self {
            http,
            token_url,
            client_id,
            scope: scopes.join(" "),
            key,
            key_id,
            renewal_offset: credentials.token_renewal_offset,
            request_timeout,
            retry,
            sleep,
            dpop: Dpop::default(),
            cache: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        };
        if credentials.dpop {
            source.dpop.enable()?;
        }
        Ok(source)
    }

    /// A usable access token: the cached one while it is fresh, else a new one.
    pub(crate) async fn token(&self) -> Result<Arc<Token>> {
        let cached = self.cached();
        if let Some(token) = &cached
            && Instant::now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        // Boxed: the refresh (token request, retries, DPoP) is a large future that every call
        // would otherwise carry, though it runs about once an hour.
        Box::pin(self.refresh(cached)).await
    }

    /// Fetches a new token, single-flight, unless a concurrent refresh already did.
    async fn refresh(&self, cached: Option<Arc<Token>>) -> Result<Arc<Token>> {
        let now = Instant::now();
        let seen = cached.as_ref().map(|t| t.generation);
        let guard = match self.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is refreshing; a still-valid token need not wait for them.
                if let Some(token) = cached.filter(|t| now < t.expires_at) {
                    return Ok(token);
                }
                self.refresh.lock().await
            }
        };
        // The refresh we waited for may have produced a token: take it if it is fresh, or
        // merely valid but newer than the one we found stale (a lifetime shorter than the
        // renewal offset must not make every waiter fetch again in turn).
        if let Some(token) = self.cached().filter(|t| {
            let now = Instant::now();
            now < t.refresh_at || (Some(t.generation) != seen && now < t.expires_at)
        }) {
            return Ok(token);
        }
        let token = Arc::new(self.fetch().await?);
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        drop(guard);
        Ok(token)
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets the token with this generation (the API rejected it); a newer one is kept.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().is_some_and(|t| t.generation == generation) {
            tracing::debug!(
                generation,
                "access token rejected; it will be fetched again"
            );
            *cache = None;
        }
    }

    /// Adds `Authorization` (and, with DPoP, a fresh `DPoP` proof) to one API request.
    pub(crate) async fn authorize(&self, request: &mut reqwest::Request) -> Result<u64> {
        let token = self.token().await?;
        let proof = if token.dpop {
            self.dpop.proof(
                Server::Api,
                request.method(),
                request.url(),
                Some(token.access_token.expose()),
            )?
        } else {
            None
        };
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, token.header.clone());
        if let Some(proof) = proof {
            headers.insert(DPOP, proof);
            headers.insert(DPOP_MARKER.0, HeaderValue::from_static(DPOP_MARKER.1));
        }
        Ok(token.generation)
    }

    /// Looks at an API answer for authorization trouble that a re-send fixes: a DPoP nonce the
    /// API asks for (`use_dpop_nonce`), or a 401 for an OAuth token that was revoked or
    /// expired early (the token is evicted and the call re-sent once with a new one).
    /// Returns whether to re-send. A 401 is never re-sent for static tokens: a new attempt
    /// would carry the same rejected token.
    pub(crate) fn review(
        &self,
        grant: Grant,
        status: u16,
        headers: &http::HeaderMap,
        retries: &mut AuthRetries,
    ) -> bool {
        if let Some(nonce) = headers.get(DPOP_NONCE) {
            self.dpop.set_nonce(Server::Api, nonce);
        }
        if !matches!(status, 400 | 401) {
            return false;
        }
        let wants_nonce = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains("use_dpop_nonce")));
        if wants_nonce
            && headers.contains_key(DPOP_NONCE)
            && retries.nonce_retries < MAX_API_NONCE_RETRIES
        {
            retries.nonce_retries += 1;
            tracing::debug!("the API asked for a DPoP nonce; re-sending with it");
            return true;
        }
        if status == 401 && !retries.reauthenticated {
            retries.reauthenticated = true;
            if let Some(generation) = grant.token_generation {
                self.invalidate(generation);
            }
            tracing::debug!("access token rejected (401); re-sending with a new token");
            return true;
        }
        false
    }

    /// The signed client assertion (a secret: until it expires it can be exchanged for a token).
    fn assertion(&self) -> Result<String> {
        let now = dpop::now_secs();
        let claims = AssertionClaims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: self.token_url.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
            jti: dpop::random_id(),
        };
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), "JWT".into());
        if let Some(kid) = &self.key_id {
            header.insert("kid".into(), kid.clone().into());
        }
        self.key.sign(header, &claims)
    }

    /// One token request, following `use_dpop_nonce` and switching DPoP on when the token
    /// endpoint answers `invalid_dpop_proof` (the app requires DPoP).
    async fn fetch(&self) -> Result<Token> {
        let mut nonce_retries = 0;
        let mut switched_to_dpop = false;
        loop {
            let (status, headers, body) = self.post_with_retries().await?;
            if let Some(nonce) = headers.get(DPOP_NONCE) {
                self.dpop.set_nonce(Server::Token, nonce);
            }
            if status.is_success() {
                return self.accept(&body, status.as_u16(), &headers);
            }
            let error: OAuthError = serde_json::from_slice(&body).unwrap_or_default();
            match error.error.as_deref() {
                Some("use_dpop_nonce")
                    if self.dpop.enabled()
                        && headers.contains_key(DPOP_NONCE)
                        && nonce_retries < MAX_NONCE_RETRIES =>
                {
                    nonce_retries += 1;
                    tracing::debug!("token endpoint asked for a DPoP nonce; retrying with it");
                }
                Some("invalid_dpop_proof") if !self.dpop.enabled() && !switched_to_dpop => {
                    switched_to_dpop = true;
                    tracing::info!("the OAuth app requires DPoP; switching it on");
                    self.dpop.enable()?;
                }
                _ => return Err(token_error(status.as_u16(), &headers, error, &body)),
            }
        }
    }

    /// Sends the token request, retrying as API calls are retried (see [`crate::retry`]). A
    /// token request changes nothing, so it counts as idempotent; each retry carries a new
    /// assertion and proof.
    async fn post_with_retries(&self) -> Result<(http::StatusCode, HeaderMap, Vec<u8>)> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let result = self.post_token_request().await;
            let position = Attempt {
                number: attempt,
                idempotent: true,
                time_left: None,
                jitter: retry::jitter,
            };
            let decision = match &result {
                Err(Error::Transport {
                    source: Some(e), ..
                }) => self.retry.decide(
                    position,
                    Outcome::Transport {
                        connect: e.is_connect(),
                    },
                ),
                Ok((status, headers, _)) => self.retry.decide(
                    position,
                    Outcome::Response {
                        status: status.as_u16(),
                        headers,
                        rate_limit: &RateLimit::from_headers(headers),
                    },
                ),
                Err(_) => Decision::Stop,
            };
            let Decision::Retry { wait, .. } = decision else {
                return result;
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "retrying the token request"
            );
            self.sleep.sleep(wait).await;
        }
    }

    async fn post_token_request(&self) -> Result<(http::StatusCode, HeaderMap, Vec<u8>)> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &self.scope)
            .append_pair("client_assertion_type", ASSERTION_TYPE)
            .append_pair("client_assertion", &self.assertion()?)
            .finish();
        let mut request = self
            .http
            .post(self.token_url.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .timeout(self.request_timeout)
            .body(form);
        if let Some(proof) = self
            .dpop
            .proof(Server::Token, &Method::POST, &self.token_url, None)?
        {
            request = request
                .header(DPOP, proof)
                .header(DPOP_MARKER.0, DPOP_MARKER.1);
        }
        let mut response = request.send().await.map_err(token_transport)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(token_transport)? {
            if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
                return Err(Error::Decode {
                    status: status.as_u16(),
                    message: format!(
                        "the token endpoint's answer is larger than {MAX_TOKEN_RESPONSE} bytes"
                    ),
                    excerpt: String::new(),
                    request_id: request_id(&headers),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }

    /// Turns a 2xx token response into a cached [`Token`].
    fn accept(&self, body: &[u8], status: u16, headers: &HeaderMap) -> Result<Token> {
        // The excerpt of a token response would be the token: never show it.
        let decode_error = |message: String| Error::Decode {
            status,
            message,
            excerpt: crate::REDACTED.into(),
            request_id: request_id(headers),
        };
        let parsed: TokenResponse = serde_json::from_slice(body)
            .map_err(|e| decode_error(format!("the token response is not valid JSON: {e}")))?;
        let access_token = parsed
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| decode_error("the token response has no access_token".into()))?;
        let token_type = parsed.token_type.unwrap_or_else(|| "Bearer".into());
        let dpop = token_type.eq_ignore_ascii_case("DPoP");
        if dpop && !self.dpop.enabled() {
            return Err(decode_error(
                "the token endpoint issued a DPoP token without a DPoP proof".into(),
            ));
        }
        let scheme = if dpop { "DPoP" } else { "Bearer" };
        let mut header = HeaderValue::try_from(format!("{scheme} {}", access_token.expose()))
            .map_err(|_| decode_error("the access token is not a valid header value".into()))?;
        header.set_sensitive(true);
        // Okta's tokens live an hour; without expires_in assume the shortest common lifetime.
        let lifetime = parsed
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(300));
        let now = Instant::now();
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            generation,
            lifetime_s = lifetime.as_secs(),
            dpop,
            "fetched an access token"
        );
        Ok(Token {
            header,
            access_token,
            dpop,
            refresh_at: now + lifetime.saturating_sub(self.renewal_offset),
            expires_at: now + lifetime,
            generation,
        })
    }
}

/// `DPoP-Nonce` response header.
pub(crate) const DPOP_NONCE: http::HeaderName = http::HeaderName::from_static("dpop-nonce");
/// Marks DPoP requests the way Okta's SDKs do, for Okta's diagnostics.
const DPOP_MARKER: (http::HeaderName, &str) = (
    http::HeaderName::from_static("x-okta-user-agent-extended"),
    "isDPoP:true",
);

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The token endpoint's refusal as an API error: `errorCode` holds the OAuth `error`
/// (`invalid_client`, `invalid_scope`, ...), `errorSummary` its description.
fn token_error(status: u16, headers: &HeaderMap, error: OAuthError, body: &[u8]) -> Error {
    let summary = match &error.error_description {
        Some(description) => format!("the OAuth token request was refused: {description}"),
        None => "the OAuth token request was refused".to_owned(),
    };
    let has_code = error.error.is_some();
    Error::Api(Box::new(ApiError {
        status,
        error: Some(OktaError {
            error_code: error.error,
            error_summary: Some(summary),
            ..OktaError::default()
        }),
        request_id: request_id(headers),
        body_excerpt: (!has_code).then(|| crate::error::excerpt(body)),
        rate_limit: RateLimit::from_headers(headers),
        attempts: 1,
    }))
}

fn token_transport(e: reqwest::Error) -> Error {
    Error::from_reqwest(e, 1, Some("the OAuth token request failed"))
}
