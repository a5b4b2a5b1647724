//! Configuring and starting an [`Emulator`], with Okta's defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use okta_eventhooks::Secret;
use okta_eventhooks::hook_call::OKTA_TIMEOUT;
use okta_eventhooks_receiver::ServerLimits;
use okta_eventhooks_receiver::inspector::Inspector;
use okta_eventhooks_receiver::serve::{self, BackgroundServer};

use super::emulator::Emulator;
use super::error::{Error, Result};
use super::shared::Shared;
use super::{chaos, limits, outbound, records, server, store, syslog};

/// The token the emulator accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "emulator-token";
/// Okta's limit on the time a hook may take to answer (the SDK's [`OKTA_TIMEOUT`]).
pub const DEFAULT_HOOK_TIMEOUT: Duration = OKTA_TIMEOUT;
/// Default per-minute rate limit.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 1000;
/// Okta's limit on active hooks per org.
pub const MAX_ACTIVE_HOOKS: usize = 25;
/// Default number of hooks kept, active or not. Okta documents no such limit; 100 hooks of at
/// most [`MAX_REQUEST_BODY_BYTES`](crate::MAX_REQUEST_BODY_BYTES) each keep `list` well under a client's 10 MiB response cap.
pub const DEFAULT_MAX_HOOKS: usize = 100;
/// Default largest number of events in one delivery POST.
pub const DEFAULT_MAX_BATCH: usize = 50;
/// Default largest delivery POST, in bytes of events (Okta documents no bound; this keeps a
/// POST far under common receivers' body limits, 10 MiB for this workspace's receiver).
pub const DEFAULT_MAX_BATCH_BYTES: usize = 1024 * 1024;

/// Configures and starts an [`Emulator`].
#[derive(Debug)]
#[must_use]
pub struct EmulatorBuilder {
    token: Secret,
    allow_http_loopback: bool,
    state_file: Option<PathBuf>,
    rate_limit_per_minute: u32,
    logs_rate_limit: Option<u32>,
    rate_limit_window: Duration,
    hook_timeout: Duration,
    max_batch: usize,
    max_batch_bytes: usize,
    max_active_hooks: usize,
    max_hooks: usize,
    system_log_max_events: usize,
    system_log_max_bytes: usize,
    server_limits: ServerLimits,
    inspector: Option<Inspector>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            token: Secret::new(DEFAULT_TOKEN),
            allow_http_loopback: false,
            state_file: None,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            logs_rate_limit: None,
            rate_limit_window: limits::DEFAULT_RATE_LIMIT_WINDOW,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            max_batch: DEFAULT_MAX_BATCH,
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            max_active_hooks: MAX_ACTIVE_HOOKS,
            max_hooks: DEFAULT_MAX_HOOKS,
            system_log_max_events: syslog::DEFAULT_MAX_EVENTS,
            system_log_max_bytes: syslog::DEFAULT_MAX_BYTES,
            server_limits: ServerLimits::default(),
            inspector: None,
        }
    }
}

impl EmulatorBuilder {
    /// The API token clients must send (`SSWS <token>` or `Bearer <token>`); default
    /// [`DEFAULT_TOKEN`].
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = token.into();
        self
    }

    /// Accept `http://` hook URIs on loopback hosts (Okta accepts only `https://`).
    pub fn allow_http_loopback(mut self, allow: bool) -> Self {
        self.allow_http_loopback = allow;
        self
    }

    /// Keep the hooks in this file: loaded at start, written before every acknowledgement.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Calls per minute before answering 429 (default [`DEFAULT_RATE_LIMIT_PER_MINUTE`]).
    pub fn rate_limit_per_minute(mut self, limit: u32) -> Self {
        self.rate_limit_per_minute = limit;
        self
    }

    /// Calls per window to `/api/v1/logs`, its own bucket (default: the same as
    /// [`rate_limit_per_minute`](Self::rate_limit_per_minute)). Okta's is lower than most.
    pub fn logs_rate_limit(mut self, limit: u32) -> Self {
        self.logs_rate_limit = Some(limit);
        self
    }

    /// How long a rate-limit window lasts (default one minute, as at Okta). Shorter windows
    /// let tests see a client wait for the reset without waiting a minute.
    pub fn rate_limit_window(mut self, window: Duration) -> Self {
        self.rate_limit_window = window.max(Duration::from_secs(1));
        self
    }

    /// How long a hook may take to answer (default 3 s, as at Okta). Shorter values keep
    /// tests fast.
    pub fn hook_timeout(mut self, timeout: Duration) -> Self {
        self.hook_timeout = timeout;
        self
    }

    /// Most events in one delivery POST (default [`DEFAULT_MAX_BATCH`]).
    pub fn max_batch(mut self, events: usize) -> Self {
        self.max_batch = events.max(1);
        self
    }

    /// Largest delivery POST, in bytes of events (default [`DEFAULT_MAX_BATCH_BYTES`]); an
    /// event larger than that goes in a POST of its own.
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes.max(1);
        self
    }

    /// Most ACTIVE hooks (default 25, as at Okta).
    pub fn max_active_hooks(mut self, hooks: usize) -> Self {
        self.max_active_hooks = hooks;
        self
    }

    /// Most hooks kept, active or not (default [`DEFAULT_MAX_HOOKS`]); with the size limit of
    /// a hook this bounds the state file and the `list` answer.
    pub fn max_hooks(mut self, hooks: usize) -> Self {
        self.max_hooks = hooks;
        self
    }

    /// Most events the System Log keeps (default [`SYSTEM_LOG_DEFAULT_MAX_EVENTS`](crate::SYSTEM_LOG_DEFAULT_MAX_EVENTS), at most
    /// [`SYSTEM_LOG_MAX_EVENTS`](crate::SYSTEM_LOG_MAX_EVENTS)); the oldest go first, and never more than
    /// [`system_log_max_bytes`](Self::system_log_max_bytes). Okta keeps 90 days.
    pub fn system_log_max_events(mut self, events: usize) -> Self {
        self.system_log_max_events = events;
        self
    }

    /// Most bytes the System Log keeps: of event JSON and the values its filters read (default
    /// [`SYSTEM_LOG_DEFAULT_MAX_BYTES`](crate::SYSTEM_LOG_DEFAULT_MAX_BYTES)); the oldest go
    /// first, the last event written is always kept. What the process holds per event is
    /// somewhat more (see the README's emulator section for a measured figure).
    pub fn system_log_max_bytes(mut self, bytes: usize) -> Self {
        self.system_log_max_bytes = bytes;
        self
    }

    /// The server's time limits and connection cap (default [`ServerLimits::default`]: a
    /// request head within 10 s, which is also the idle limit; a whole request within 30 s;
    /// 512 connections).
    pub fn server_limits(mut self, limits: ServerLimits) -> Self {
        self.server_limits = limits;
        self
    }

    /// Records every call made to a hook (verification and delivery, with its body) in
    /// `inspector`, whose page then shows them; [`Emulator::inspector_actions`] gives the
    /// page the emulator's hooks, its fire form and replay to a hook.
    pub fn inspector(mut self, inspector: Inspector) -> Self {
        self.inspector = Some(inspector);
        self
    }

    /// Binds `addr` (e.g. `127.0.0.1:0` for a free port) and serves on the current tokio
    /// runtime until [`Emulator::shutdown`] or drop.
    pub async fn start(
        self,
        addr: impl tokio::net::ToSocketAddrs + std::fmt::Display,
    ) -> Result<Emulator> {
        if self.token.is_empty() {
            return Err(Error::Config("the emulator token is empty".into()));
        }
        if self.hook_timeout.is_zero() {
            return Err(Error::Config(
                "the hook timeout must be more than zero".into(),
            ));
        }
        let store = Arc::new(store::Store::open(self.state_file)?);
        let state_warnings = store.snapshot().invalid_filters();
        for warning in &state_warnings {
            tracing::warn!("state file: {warning}");
        }
        let listener = serve::bind(addr).await?;
        let addr = listener
            .local_addr()
            .map_err(okta_eventhooks_receiver::Error::Serve)?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
        } else {
            addr
        };
        let url = format!("http://{host}");
        let shared = Arc::new(Shared {
            token: self.token,
            allow_http_loopback: self.allow_http_loopback,
            base_url: url.clone(),
            max_batch: self.max_batch,
            max_batch_bytes: self.max_batch_bytes,
            max_active_hooks: self.max_active_hooks,
            max_hooks: self.max_hooks,
            store,
            limiter: limits::RateLimiter::new(self.rate_limit_per_minute, self.rate_limit_window),
            logs_limiter: limits::RateLimiter::new(
                self.logs_rate_limit.unwrap_or(self.rate_limit_per_minute),
                self.rate_limit_window,
            ),
            faults: limits::FaultState::default(),
            chaos: chaos::ChaosState::default(),
            log: records::DeliveryLog::new(),
            system_log: syslog::SystemLog::new(
                self.system_log_max_events,
                self.system_log_max_bytes,
            ),
            outbound: outbound::Outbound::new(self.hook_timeout, self.inspector)?,
        });
        let server = BackgroundServer::start(
            listener,
            server::router(Arc::clone(&shared)),
            self.server_limits,
        )?;
        tracing::info!(%url, "emulator listening");
        Ok(Emulator::new(shared, url, server, state_warnings))
    }
}

impl Emulator {
    /// A builder with Okta's defaults.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}
