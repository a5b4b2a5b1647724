//! The client, its builder, and the eight event-hook operations (the System Log reader, which
//! pages, is in [`crate::logs`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ResponseValue;

use crate::auth::{Auth, Credentials, PrivateKeyCredentials};
use crate::error::{Error, Result};
use crate::generated;
use crate::rate_limit::RateLimit;
use crate::retry::{RetryPolicy, Sleep};
use crate::rules::UnknownEventTypes;
use crate::transport::{self, ClientState, Limits, Operation, State};
use crate::types::{EventHook, WellKnownOrgMetadata};
use crate::{Secret, org_url};

/// Default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for one request/response exchange.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default longest wait before a retry; a rate-limit reset further away fails at once.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Default largest response body read into memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// A client for Okta's event-hook API.
///
/// Cheap to clone (an `Arc`): clones share one connection pool, credentials and rate-limit
/// state. Build it with [`Client::builder`].
///
/// ```no_run
/// # async fn run() -> okta_eventhooks::Result<()> {
/// let client = okta_eventhooks::Client::builder()
///     .org_url("https://acme.okta.com")
///     .api_token(std::env::var("OKTA_CLIENT_TOKEN").unwrap_or_default())
///     .build()?;
/// for hook in client.list_event_hooks().await? {
///     println!("{} {}", hook.id.as_deref().unwrap_or("-"), hook.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    api: Arc<generated::Client>,
    /// Whether create and replace accept event types missing from Okta's catalog.
    unknown_event_types: UnknownEventTypes,
}

/// OAuth settings given one by one to the builder; they become
/// [`Credentials::PrivateKey`] in [`ClientBuilder::build`].
#[derive(Debug, Default)]
struct OAuthParts {
    client_id: Option<String>,
    private_key: Option<Secret>,
    key_id: Option<String>,
    scopes: Option<Vec<String>>,
    dpop: Option<bool>,
    token_renewal_offset: Option<Duration>,
}

impl OAuthParts {
    fn is_empty(&self) -> bool {
        self.client_id.is_none() && self.private_key.is_none()
    }

    /// Merges into `credentials` (when they are OAuth credentials) or makes new ones.
    fn resolve(self, credentials: Option<Credentials>) -> Result<Option<Credentials>> {
        if self.is_empty() {
            // Only the tuning knobs may be set: they refine given PrivateKey credentials.
            return Ok(match credentials {
                Some(Credentials::PrivateKey(c)) => Some(Credentials::PrivateKey(self.apply(c))),
                other => other,
            });
        }
        let base = match credentials {
            None => None,
            Some(Credentials::PrivateKey(c)) => Some(c),
            Some(other) => {
                return Err(Error::Config(format!(
                    "conflicting credentials: both an OAuth client id/private key and a {} token are set; choose one",
                    other.mode()
                )));
            }
        };
        let creds = match (base, self.client_id.clone(), self.private_key.clone()) {
            (Some(c), _, _) => c,
            (None, Some(id), Some(key)) => PrivateKeyCredentials::new(id, key),
            (None, None, _) => {
                return Err(Error::Config(
                    "OAuth needs a client id: set it with .client_id(\"0oa...\")".into(),
                ));
            }
            (None, _, None) => {
                return Err(Error::Config(
                    "OAuth needs a private key: set it with .private_key(pem_or_jwk)".into(),
                ));
            }
        };
        Ok(Some(Credentials::PrivateKey(self.apply(creds))))
    }

    fn apply(self, mut c: PrivateKeyCredentials) -> PrivateKeyCredentials {
        if let Some(id) = self.client_id {
            c.client_id = id;
        }
        if let Some(key) = self.private_key {
            c.private_key = key;
        }
        if let Some(kid) = self.key_id {
            c.key_id = Some(kid);
        }
        if let Some(scopes) = self.scopes {
            c.scopes = scopes;
        }
        if let Some(dpop) = self.dpop {
            c.dpop = dpop;
        }
        if let Some(offset) = self.token_renewal_offset {
            c.token_renewal_offset = offset;
        }
        c
    }
}

/// Builds a [`Client`]. Every setting is checked in [`build`](ClientBuilder::build).
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    org_url: Option<String>,
    credentials: Option<Credentials>,
    oauth: OAuthParts,
    user_agent_extra: Option<String>,
    http_client: Option<reqwest::Client>,
    connect_timeout: Duration,
    limits: Limits,
    proxy: Option<Secret>,
    root_certificates: Vec<Vec<u8>>,
    sleep: Option<Sleep>,
    unknown_event_types: UnknownEventTypes,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            org_url: None,
            credentials: None,
            oauth: OAuthParts::default(),
            user_agent_extra: None,
            http_client: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            limits: Limits {
                retry: RetryPolicy {
                    max_retries: DEFAULT_MAX_RETRIES,
                    max_backoff: DEFAULT_MAX_BACKOFF,
                },
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                deadline: None,
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
                pace: false,
                timeout_per_request: false,
            },
            proxy: None,
            root_certificates: Vec::new(),
            sleep: None,
            unknown_event_types: UnknownEventTypes::Refused,
        }
    }
}

impl ClientBuilder {
    /// The org URL, e.g. `https://acme.okta.com` (a trailing slash is fine). `http://` is
    /// accepted only for loopback hosts, for emulators and tests.
    pub fn org_url(mut self, url: impl Into<String>) -> Self {
        self.org_url = Some(url.into());
        self
    }

    /// Authenticate with an Okta API token (`Authorization: SSWS <token>`).
    pub fn api_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::ApiToken(token.into()));
        self
    }

    /// Authenticate with a pre-issued OAuth 2.0 access token (`Authorization: Bearer <token>`).
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Bearer(token.into()));
        self
    }

    /// Authenticate with OAuth 2.0 client credentials (`private_key_jwt`): the client id of
    /// an Okta API service app. Needs [`private_key`](Self::private_key) too.
    ///
    /// ```no_run
    /// # fn run() -> okta_eventhooks::Result<()> {
    /// let pem = std::fs::read_to_string("service-app.pem").unwrap_or_default();
    /// let client = okta_eventhooks::Client::builder()
    ///     .org_url("https://acme.okta.com")
    ///     .client_id("0oa1b2c3d4")
    ///     .private_key(pem)
    ///     .key_id("my-key-1")
    ///     .scopes(["okta.eventHooks.read", "okta.eventHooks.manage"])
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.oauth.client_id = Some(client_id.into());
        self
    }

    /// The private key that signs client assertions: PEM (PKCS#1, PKCS#8 or SEC1; RSA,
    /// EC P-256 or P-384) or a private JWK as JSON. The text itself, not a path (the
    /// configuration loader reads paths).
    pub fn private_key(mut self, key: impl Into<Secret>) -> Self {
        self.oauth.private_key = Some(key.into());
        self
    }

    /// `kid` header of the client assertion: the key id Okta shows for the app's key.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.oauth.key_id = Some(kid.into());
        self
    }

    /// OAuth scopes to request (default `okta.eventHooks.manage okta.eventHooks.read`). Reading
    /// the System Log ([`Client::logs`]) needs `okta.logs.read` too, granted to the app.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.oauth.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Bind OAuth tokens with DPoP from the start (default: only once the token endpoint
    /// answers `invalid_dpop_proof`, i.e. the app has "Require DPoP").
    pub fn dpop(mut self, on: bool) -> Self {
        self.oauth.dpop = Some(on);
        self
    }

    /// How long before expiry the OAuth access token is replaced (default 5 minutes).
    pub fn token_renewal_offset(mut self, offset: Duration) -> Self {
        self.oauth.token_renewal_offset = Some(offset);
        self
    }

    /// Authenticate with the given credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Text appended to the `User-Agent` header, e.g. `my-app/1.2`.
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Self {
        self.user_agent_extra = Some(extra.into());
        self
    }

    /// Limit for establishing a connection (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit for one request/response exchange (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.request_timeout = timeout;
        self
    }

    /// Limit for a whole call, retries and waits included (default: none beyond the retry limits).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.limits.deadline = Some(deadline);
        self
    }

    /// Retries after the first attempt (default 2). `0` turns retries off entirely: every
    /// call is one request, and a 429 is returned to you at once.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.limits.retry.max_retries = retries;
        self
    }

    /// Longest wait before one retry (default 30 s). When a rate-limit reset is further away,
    /// the call fails at once with the rate-limit error, which carries the reset time.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.limits.retry.max_backoff = wait;
        self
    }

    /// Largest response body read into memory (default 10 MiB); a larger one is refused.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_response_bytes = bytes;
        self
    }

    /// Pace requests: when the last response said `X-Rate-Limit-Remaining: 0`, wait for the
    /// reset before sending the next request instead of running into a 429 (default off).
    pub fn pace(mut self, on: bool) -> Self {
        self.limits.pace = on;
        self
    }

    /// Send every request through this proxy (`http://user:password@proxy:3128`); the URL is
    /// kept secret. Without it, `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured.
    pub fn proxy(mut self, url: impl Into<Secret>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Trust this extra CA certificate (PEM), e.g. a corporate TLS-inspecting proxy's, in
    /// addition to the platform's roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Use an existing `reqwest::Client` (and its connection pool, proxy and TLS settings).
    /// Call [`install_crypto_provider`] before building it.
    /// The connect timeout, proxy, CA certificates and `User-Agent` of this builder then do
    /// not apply; the request timeout still does.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Let create and replace send hooks subscribing to event types that Okta's catalog
    /// ([`crate::catalog`]) does not list (default: refused before sending, with the nearest
    /// eligible names). For types newer than the catalog; Okta itself still refuses a type it
    /// does not know. Types the catalog marks as not event-hook-eligible are always refused.
    pub fn allow_unknown_event_types(mut self, allow: bool) -> Self {
        self.unknown_event_types = UnknownEventTypes::allowed_if(allow);
        self
    }

    /// Replaces the timer used for retry waits (for tests: record the waits instead of sleeping).
    #[doc(hidden)]
    pub fn sleep_with<F, Fut>(mut self, sleep: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sleep = Some(Sleep::new(sleep));
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client> {
        let org_url = org_url::normalize(self.org_url.as_deref().ok_or_else(|| {
            Error::Config("no org URL: set it with .org_url(\"https://acme.okta.com\")".into())
        })?)?;
        let credentials = self.oauth.resolve(self.credentials)?.ok_or_else(|| {
            Error::Config(
                "no credentials: set an API token with .api_token(...) or another credential"
                    .into(),
            )
        })?;
        // Our own HTTP client applies the request timeout itself, which costs nothing per
        // request; a client given to us gets it set on every request instead.
        let mut limits = self.limits;
        limits.timeout_per_request = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => client,
            None => build_http_client(
                self.limits.request_timeout,
                self.connect_timeout,
                self.user_agent_extra.as_deref(),
                self.proxy.as_ref(),
                &self.root_certificates,
            )?,
        };
        // After the HTTP client: the OAuth token source shares its connection pool.
        let sleep = self.sleep.unwrap_or_default();
        let auth = Auth::new(
            &credentials,
            &org_url,
            &http,
            limits.retry,
            limits.request_timeout,
            &sleep,
        )?;
        let state = State::new(auth, limits, sleep);
        let api = generated::Client::new_with_client(&org_url, http, ClientState(Arc::new(state)));
        Ok(Client {
            api: Arc::new(api),
            unknown_event_types: self.unknown_event_types,
        })
    }
}

/// Installs rustls' ring crypto provider as the process default, unless one is installed already.
///
/// reqwest is built here without a bundled provider (ring builds far faster than aws-lc-rs), so
/// a `reqwest::Client` you build yourself, e.g. for [`ClientBuilder::http_client`], needs a
/// provider first: call this before `reqwest::Client::builder().build()`. [`ClientBuilder::build`]
/// calls it for you. Idempotent and cheap.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: a provider is then installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// `okta-eventhooks-rust/<version> rust/<rustc version> <os>/<arch>`, like Okta's SDKs.
pub fn user_agent() -> String {
    format!(
        "okta-eventhooks-rust/{} rust/{} {}/{}",
        env!("CARGO_PKG_VERSION"),
        env!("OKTA_EVENTHOOKS_RUSTC_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn build_http_client(
    request_timeout: Duration,
    connect_timeout: Duration,
    user_agent_extra: Option<&str>,
    proxy: Option<&Secret>,
    root_certificates: &[Vec<u8>],
) -> Result<reqwest::Client> {
    install_crypto_provider();
    let mut ua = user_agent();
    if let Some(extra) = user_agent_extra.map(str::trim).filter(|e| !e.is_empty()) {
        ua.push(' ');
        ua.push_str(extra);
    }
    let mut builder = reqwest::Client::builder()
        .user_agent(ua)
        .timeout(request_timeout)
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60));
    if let Some(proxy) = proxy {
        let proxy = reqwest::Proxy::all(proxy.expose()).map_err(|_| {
            Error::Config(
                "the proxy URL is not valid (it is not shown, as it may hold credentials)".into(),
            )
        })?;
        builder = builder.proxy(proxy);
    }
    for pem in root_certificates {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| Error::Config(format!("an extra CA certificate is not valid PEM: {e}")))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client sharing this one's connections, credentials and settings that accepts
    /// (`true`) or refuses (`false`) event types missing from Okta's catalog on create and
    /// replace; see [`ClientBuilder::allow_unknown_event_types`].
    pub fn allow_unknown_event_types(&self, allow: bool) -> Client {
        Client {
            api: Arc::clone(&self.api),
            unknown_event_types: UnknownEventTypes::allowed_if(allow),
        }
    }

    /// The org URL requests go to (normalised, without a trailing slash).
    pub fn org_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(self.api.as_ref())
    }

    /// The HTTP client (connection pool, proxy, TLS settings) this client sends through. Give it
    /// to [`ClientBuilder::http_client`] to build clients for other orgs that share it: each
    /// build of a client of its own loads the platform's CA certificates again, which adds up
    /// over many orgs.
    ///
    /// ```no_run
    /// # fn run(dev: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let prod = okta_eventhooks::Client::builder()
    ///     .org_url("https://acme.okta.com")
    ///     .api_token(std::env::var("PROD_TOKEN").unwrap_or_default())
    ///     .http_client(dev.http_client())
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(&self) -> reqwest::Client {
        progenitor_client::ClientInfo::client(self.api.as_ref()).clone()
    }

    /// The rate-limit headers of the most recent response, if any carried them.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.api.inner.0.last_rate_limit()
    }

    /// Lists every event hook of the org (`GET /api/v1/eventHooks`).
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let hooks = client.list_event_hooks().await?;
    /// println!("{} hooks", hooks.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_event_hooks(&self) -> Result<Vec<EventHook>> {
        self.call(LIST, self.api.list_event_hooks()).await
    }

    /// Fetches one event hook (`GET /api/v1/eventHooks/{id}`).
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// match client.get_event_hook("who8vt36qfNpCGz9H1e6").await {
    ///     Ok(hook) => println!("{:?}", hook.status),
    ///     Err(e) if e.is_not_found() => println!("gone"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_event_hook(&self, id: &str) -> Result<EventHook> {
        let id = check_id(id)?;
        self.call(GET, self.api.get_event_hook(id)).await
    }

    /// Creates an event hook (`POST /api/v1/eventHooks`). The hook is checked first, and
    /// read-only fields (`id`, `status`, `_links`, ...) are never sent. Okta creates it
    /// `ACTIVE` and `UNVERIFIED`.
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// use okta_eventhooks::{Channel, EventHook, Events};
    /// let hook = EventHook::builder("Audit sink")
    ///     .channel(Channel::https("https://hooks.example.com/okta")?.auth_header("Authorization", "s3cret"))
    ///     .events(Events::types(["user.lifecycle.create"]))
    ///     .build()?;
    /// let created = client.create_event_hook(&hook).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_event_hook(&self, hook: &EventHook) -> Result<EventHook> {
        hook.validate_with(self.unknown_event_types)?;
        let body = hook.to_request_body();
        self.call(CREATE, self.api.create_event_hook(&body)).await
    }

    /// Replaces an event hook (`PUT /api/v1/eventHooks/{id}`). Read-only fields are never
    /// sent. Okta never returns `authScheme.value`: a hook fetched with
    /// [`get_event_hook`](Self::get_event_hook) and sent back unchanged **drops its secret**,
    /// so set it again. Changing the channel makes the hook `UNVERIFIED`.
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let mut hook = client.get_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// hook.description = Some("Forwards audit events".into());
    /// hook.set_auth_secret("s3cret")?;
    /// client.replace_event_hook("who8vt36qfNpCGz9H1e6", &hook).await?;
    /// # Ok(()) }
    /// ```
    pub async fn replace_event_hook(&self, id: &str, hook: &EventHook) -> Result<EventHook> {
        let id = check_id(id)?;
        hook.validate_with(self.unknown_event_types)?;
        let body = hook.to_request_body();
        self.call(REPLACE, self.api.replace_event_hook(id, &body))
            .await
    }

    /// Deletes an `INACTIVE` event hook (`DELETE /api/v1/eventHooks/{id}`); deactivate first.
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// client.deactivate_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// client.delete_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_event_hook(&self, id: &str) -> Result<()> {
        let id = check_id(id)?;
        self.call(DELETE, self.api.delete_event_hook(id)).await
    }

    /// Activates an event hook (`POST .../lifecycle/activate`).
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let hook = client.activate_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// # Ok(()) }
    /// ```
    pub async fn activate_event_hook(&self, id: &str) -> Result<EventHook> {
        let id = check_id(id)?;
        self.call(ACTIVATE, self.api.activate_event_hook(id)).await
    }

    /// Deactivates an event hook (`POST .../lifecycle/deactivate`).
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let hook = client.deactivate_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// # Ok(()) }
    /// ```
    pub async fn deactivate_event_hook(&self, id: &str) -> Result<EventHook> {
        let id = check_id(id)?;
        self.call(DEACTIVATE, self.api.deactivate_event_hook(id))
            .await
    }

    /// Verifies an event hook (`POST .../lifecycle/verify`): Okta calls the hook's URI with a
    /// challenge. On failure Okta answers 400 `E0000001`; [`Error::error_causes`] says why.
    /// Never retried after the request may have reached Okta (it would call your endpoint again).
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let hook = client.verify_event_hook("who8vt36qfNpCGz9H1e6").await?;
    /// # Ok(()) }
    /// ```
    pub async fn verify_event_hook(&self, id: &str) -> Result<EventHook> {
        let id = check_id(id)?;
        self.call(VERIFY, self.api.verify_event_hook(id)).await
    }

    /// The org's public metadata (`GET /.well-known/okta-organization`, sent without the
    /// credential): its `id` names the org whatever URL reaches it, so that two URLs (a custom
    /// domain and the okta.com domain) can be told to be one org.
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// let org = client.org_metadata().await?;
    /// println!("org id {}", org.id.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn org_metadata(&self) -> Result<WellKnownOrgMetadata> {
        self.call(ORG_METADATA, self.api.get_wellknown_org_metadata())
            .await
    }

    /// Runs one generated operation through the transport. Not `async`: the generated future
    /// is large (kilobytes), so it is boxed here, before any wrapper holds it; the futures above
    /// it stay small, and only a pointer moves through the layers.
    fn call<'a, T, F>(
        &'a self,
        operation: Operation,
        request: F,
    ) -> impl Future<Output = Result<T>> + 'a
    where
        T: 'a,
        F: Future<
                Output = std::result::Result<
                    progenitor_client::ResponseValue<T>,
                    generated::Error<crate::types::OktaError>,
                >,
            > + 'a,
    {
        let response = transport::run(&self.api, operation, Box::pin(request));
        async move { response.await.map(ResponseValue::into_inner) }
    }

    /// Like `call`, but the response keeps its status and headers: the System Log reader
    /// ([`crate::logs`]) pages through the `Link` header. `request` starts one generated
    /// operation on the generated client.
    pub(crate) fn call_with_headers<'a, T, F>(
        &'a self,
        operation: Operation,
        request: impl FnOnce(&'a generated::Client) -> F,
    ) -> impl Future<Output = Result<ResponseValue<T>>> + 'a
    where
        T: 'a,
        F: Future<
                Output = std::result::Result<
                    ResponseValue<T>,
                    generated::Error<crate::types::OktaError>,
                >,
            > + 'a,
    {
        transport::run(&self.api, operation, Box::pin(request(&self.api)))
    }

    /// The timer of this client's waits (retries, and the pauses of a following log reader),
    /// replaceable in tests with [`ClientBuilder::sleep_with`].
    pub(crate) fn sleep(&self) -> Sleep {
        self.api.inner.0.sleep.clone()
    }
}

/// The operations as the transport sees them. Create and verify change something on
/// every call (a twin hook; another call to the user's endpoint), so they are never re-sent
/// once they may have reached Okta.
const LIST: Operation = op("listEventHooks", true);
const GET: Operation = op("getEventHook", true);
const CREATE: Operation = op("createEventHook", false);
const REPLACE: Operation = op("replaceEventHook", true);
const DELETE: Operation = op("deleteEventHook", true);
const ACTIVATE: Operation = op("activateEventHook", true);
const DEACTIVATE: Operation = op("deactivateEventHook", true);
const VERIFY: Operation = op("verifyEventHook", false);
/// Reading the System Log changes nothing: every page request may be re-sent.
pub(crate) const LIST_LOG_EVENTS: Operation = op("listLogEvents", true);
/// The org's public metadata: read-only, and sent without the credential.
const ORG_METADATA: Operation = Operation {
    name: "getWellknownOrgMetadata",
    idempotent: true,
    authenticated: false,
};

const fn op(name: &'static str, idempotent: bool) -> Operation {
    Operation {
        name,
        idempotent,
        authenticated: true,
    }
}

/// An event-hook id must be non-empty; everything else is percent-encoded into the path.
fn check_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::InvalidInput("the event hook id is empty".into()));
    }
    Ok(id)
}
