//! What the page can ask its host to do: replay a recorded delivery (every host), and on the
//! emulator list its hooks and fire events. [`SelfReplay`] is the replay of `listen` and
//! `relay`: the recorded body POSTed to the receiver's own URL, as Okta calls it, marked as
//! replayed.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use okta_eventhooks::Secret;
use okta_eventhooks::hook_call::{Caller, HookTarget, REPLAYED_HEADER};
use serde_json::Value;

use super::record::Record;

/// A boxed future of an action: the page shows the `Err` text as it is.
pub type ActionFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// What the inspector's host does for the page. Only [`replay`](Self::replay) is required;
/// the emulator also gives [`hooks`](Self::hooks) and [`fire`](Self::fire), and the page
/// shows their panel only when the host has them.
pub trait InspectorActions: Send + Sync + 'static {
    /// Sends the recorded delivery again, marked as replayed; a line saying how it went.
    fn replay<'a>(&'a self, record: &'a Record) -> ActionFuture<'a, String>;

    /// The hooks and their status, as JSON; `None` when the host has no hooks of its own.
    fn hooks(&self) -> Option<ActionFuture<'_, Value>> {
        None
    }

    /// Fires `count` events of `event_type`; what became of them, as JSON. `None` when the
    /// host cannot fire.
    fn fire<'a>(&'a self, event_type: &'a str, count: usize) -> Option<ActionFuture<'a, Value>> {
        let _ = (event_type, count);
        None
    }
}

/// How long a replay may take (Okta gives a hook 3 s; a replay from the page can wait longer).
pub const REPLAY_TIMEOUT: Duration = Duration::from_secs(10);

/// The headers every replay adds: the replay mark.
pub fn replay_mark() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static(REPLAYED_HEADER),
        HeaderValue::from_static("true"),
    );
    headers
}

/// The replay of a receiver to itself: POST the recorded body to `url` as Okta calls a hook
/// (the SDK's [`hook_call`](okta_eventhooks::hook_call): Okta's headers, the auth header, no
/// redirects), marked with [`REPLAYED_HEADER`], so that it goes through the same handling
/// (the auth check, de-duplication, the sink) as Okta's call.
pub struct SelfReplay {
    caller: Caller,
    url: String,
    auth: Option<(String, Secret)>,
}

impl std::fmt::Debug for SelfReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfReplay")
            .field("url", &self.url)
            .field("auth_header", &self.auth.as_ref().map(|(k, _)| k))
            .finish_non_exhaustive()
    }
}

impl SelfReplay {
    /// Replays to `url` (the receiver's own), with the auth header `auth` (the hook's
    /// `authScheme`: the record only holds its masked value).
    pub fn new(url: impl Into<String>, auth: Option<(String, Secret)>) -> crate::Result<Self> {
        let caller = Caller::with_timeout(REPLAY_TIMEOUT)
            .map_err(|e| crate::Error::InvalidInput(e.to_string()))?;
        Ok(Self {
            caller,
            url: url.into(),
            auth,
        })
    }
}

impl InspectorActions for SelfReplay {
    fn replay<'a>(&'a self, record: &'a Record) -> ActionFuture<'a, String> {
        Box::pin(async move {
            let target = HookTarget {
                uri: &self.url,
                headers: Vec::new(),
                auth: self.auth.as_ref().map(|(k, v)| (k.as_str(), v)),
            };
            let body = record.call().body.clone();
            let attempt = self
                .caller
                .deliver_once(&target, body, &replay_mark())
                .await;
            match (attempt.failure, attempt.status) {
                (None, Some(status)) => Ok(format!("replayed: the receiver answered {status}")),
                (None, None) => Ok("replayed".into()),
                (Some(failure), _) => Err(format!("replay failed: {failure}")),
            }
        })
    }
}
