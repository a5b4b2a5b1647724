//! How Okta calls an event hook, written once: the one-time verification GET and the check of
//! its answer, the delivery POST, the headers both carry, Okta's 3 s timeout and its one
//! retry. The emulator's outbound calls, the CLI's `apply` probe and `reconcile --replay` all
//! call a hook through this module, so they cannot drift from each other or from Okta.
//!
//! What Okta sends (Okta's event-hook documentation; the emulator's fact table):
//!
//! - both calls: `Accept: application/json`, `User-Agent: Okta-Integrations`
//!   ([`HOOK_USER_AGENT`]), a fresh `X-Okta-Request-Id`, the hook's custom headers and its
//!   auth header, header names written as Okta writes them (`X-Okta-Verification-Challenge`,
//!   not `x-okta-verification-challenge`: a receiver comparing names exactly meets Okta's
//!   spelling here first);
//! - verification: `GET` with `X-Okta-Verification-Challenge` set to a fresh challenge in
//!   Okta's shape ([`crate::ids::challenge`]: 40 URL-safe characters, always a `-` and a `_`);
//!   the answer must be HTTP 200 with `{"verification": "<the challenge>"}`;
//! - delivery: `POST` of the envelope ([`crate::events::delivery_body`]) with
//!   `Content-Type: application/json`; any 2xx acknowledges it;
//! - each attempt waits at most [`OKTA_TIMEOUT`]; one retry ([`ATTEMPTS`] in all) after a
//!   timeout, a connection error or a 5xx, none after a 4xx to a delivery; redirects are never
//!   followed and never retried.
//!
//! ```no_run
//! use okta_eventhooks::hook_call::{Caller, HookTarget};
//! # async fn run(hook: &okta_eventhooks::EventHook) -> Result<(), okta_eventhooks::Error> {
//! let caller = Caller::new()?;
//! let attempt = caller
//!     .verify(&HookTarget::of(hook), &Default::default(), |_| {})
//!     .await;
//! match attempt.failure {
//!     None => println!("the endpoint answered the challenge"),
//!     Some(failure) => println!("not verified: {failure}"),
//! }
//! # Ok(()) }
//! ```

mod attempt;
mod caller;
mod target;

use std::time::Duration;

pub use attempt::{Attempt, Failure, HeaderPart};
pub use caller::Caller;
pub use target::HookTarget;

/// How long Okta waits for a hook's answer, per attempt.
pub const OKTA_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts Okta makes at one call: the first and one retry.
pub const ATTEMPTS: u32 = 2;
/// The `User-Agent` Okta sends to hooks.
pub const HOOK_USER_AGENT: &str = "Okta-Integrations";
/// The header carrying Okta's id of the request.
pub const REQUEST_ID_HEADER: &str = "x-okta-request-id";
/// The header that marks a POST as a replay of an earlier delivery (`reconcile --replay`, the
/// inspector's replay button), so that a receiver can tell it from Okta's own call.
pub const REPLAYED_HEADER: &str = "x-okta-eventhooks-replayed";
/// Most bytes read from a hook's answer (`{"verification": "..."}` is tiny; a delivery's
/// answer is drained, bounded, so that the connection can be reused).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
