//! A local emulator of Okta's event-hook API, faithful enough for Okta's own SDKs.
//!
//! It serves the eight operations at `/api/v1/eventHooks...`, really calls hook endpoints for
//! verification and deliveries, keeps a System Log of what it fired and what failed
//! (`GET /api/v1/logs`), and adds an `/emulator/...` API (fire events, read the delivery log,
//! inject faults, set chaos, reset) that Okta does not have. Built with
//! [`EmulatorBuilder::inspector`], it also records every call it makes to a hook, body included
//! (the hook's auth and custom header values masked), for the receiver crate's inspector page,
//! to which [`Emulator::inspector_actions`] adds its hooks, a fire form and replay to a hook.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use okta_eventhooks_emulator::{Chaos, Emulator, FireRequest};
//!
//! let emu = Emulator::builder()
//!     .token("emulator-token")
//!     .allow_http_loopback(true)
//!     .start("127.0.0.1:0")
//!     .await?;
//! let client = okta_eventhooks::Client::builder()
//!     .org_url(emu.url())
//!     .api_token("emulator-token")
//!     .build()?;
//! let hooks = client.list_event_hooks().await?;
//! assert!(hooks.is_empty());
//! let summary = emu.fire("user.session.start", 3).await?;
//! println!("{} events delivered", summary.delivered());
//! // A burst of two types, each hook's share in one POST, a fifth of it sent twice.
//! let burst = FireRequest::new("user.session.start", 5)
//!     .and("group.user_membership.add", 5)
//!     .chaos(Chaos::default().duplicate_percent(20));
//! emu.fire_with(burst).await?;
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it does like Okta
//!
//! - Hooks: 20-character ids starting with `who`; `created`/`lastUpdated` in whole seconds
//!   (`.000Z`); `createdBy` (the emulated admin); new hooks `ACTIVE` + `UNVERIFIED`; Okta's
//!   field order; `description: null`, `filter: null`, `headers: []`, `method: "POST"`;
//!   `_links` by status (ACTIVE: `self`, `verify`, `deactivate`; INACTIVE: `activate`, `self`,
//!   `delete`; with `hints.allow`); the auth secret stored but never returned; read-only and
//!   unknown input fields accepted and ignored.
//! - Answers: create 200, delete 204, 404 `E0000007` `Not found: Resource not found: <id>
//!   (Webhook)`, 400 `E0000001` with `errorCauses`, 400 `E0000003` for malformed JSON, 401
//!   `E0000011`, 403 `E0000005`, 405 `E0000022`, 429 `E0000047`, 411 for a body-less POST/PUT
//!   without `Content-Length`. Every response has `X-Okta-Request-Id`, `Date`; API responses
//!   have `X-Rate-Limit-Limit/Remaining/Reset` (epoch seconds).
//! - Auth: `Authorization: SSWS <token>` or `Bearer <token>` with the configured token; no
//!   `Authorization` header, or a scheme Okta does not know, is 403 `E0000005` "Invalid
//!   session"; a wrong token is 401 `E0000011` "Invalid token provided".
//! - Verify: GET to the hook URI with `X-Okta-Verification-Challenge` (a URL-safe value of the
//!   length of Okta's published example), `Accept`, `User-Agent: Okta-Integrations`,
//!   `X-Okta-Request-Id`, the auth header and custom headers, header names spelled as Okta does;
//!   success is 200 with `{"verification": "<challenge>"}`; 3 s timeout and one retry; failure
//!   is 400 `E0000001` `Api validation failed: eventHook` with the cause `Unable to verify event
//!   hook. Hook <name> execution failed`.
//! - Delivery: to ACTIVE + VERIFIED hooks subscribed to the type; events that happen close
//!   together (one `fire`, of one or more types) merged into one POST per hook whatever their
//!   types; Okta's envelope (`com.okta.event_hook`, `eventTypeVersion` 1.0,
//!   `cloudEventsVersion` 0.1, `source`, `eventId`, `eventTime`, `contentType`, `data.events`);
//!   a plausible LogEvent for every type of Okta's catalog (actor, targets, outcome and severity
//!   by type family); auth and custom headers; 3 s timeout; one retry on timeout, connection
//!   error or 5xx; none on 4xx.
//! - Both calls are made by the SDK's [`okta_eventhooks::hook_call`] (the one description of
//!   how Okta calls a hook, which `apply`'s probe and `reconcile --replay` also use); the
//!   events are the SDK's [`okta_eventhooks::sample`] events.
//! - System Log: every fired event and every failed delivery (`event_hook.delivery`) at
//!   `GET /api/v1/logs`, with Okta's parameters (`since`, `until`, `after`, `filter`, `q`,
//!   `limit` 100 by default and at most 1000, `sortOrder`), `Link` headers (`rel="self"`,
//!   `rel="next"` with an opaque `after` cursor), bounded requests that end without a next
//!   link and polling requests (no `until`, ascending) whose next link always comes back with
//!   what was written since; a rate-limit bucket of its own. Okta's official Python and Node
//!   SDKs read it with their own log readers.
//! - Filters: Okta's filter language for event hooks, parsed and evaluated by the SDK's
//!   [`okta_eventhooks::filter`] (the one implementation the SDK and the CLI use too); an
//!   expression outside it is refused on create and replace, so it is never dropped silently
//!   at delivery time.
//! - State file: every acknowledged change is written (temp file, fsync, rename, directory
//!   fsync) before the answer is sent; a failed write answers 500 `E0000009` with the file and
//!   the cause in `errorCauses`, changes nothing and leaves no temp file behind; a crash
//!   leaves the old or the new file, never a torn one. Restart resumes from it. The file holds
//!   the hooks' secrets and is created with mode 0600. At start, before serving, its
//!   directory must take the temp file (a missing or read-only directory is a clear error
//!   naming the file), and a file over 16 MiB is refused.
//! - Concurrency: readers use an immutable snapshot of the durable state and never wait;
//!   writers apply their change under a short lock with no I/O, then wait for a group commit
//!   (one fsync for every writer queued meanwhile); verification and deliveries call hooks
//!   with no lock held.
//!
//! # Choices where Okta's behaviour is unknown
//!
//! | case | the emulator's choice |
//! |---|---|
//! | delete an ACTIVE hook | 400 `E0000001` `Api validation failed: eventHook`, cause `eventHook: Cannot delete event hook <id> while it is ACTIVE; deactivate it first` |
//! | activate an ACTIVE hook, deactivate an INACTIVE one | 200 with the hook unchanged (`lastUpdated` not bumped) |
//! | verify an INACTIVE hook | 400 `E0000001`, cause `Unable to verify event hook. Hook <name> is INACTIVE; activate it first` (INACTIVE hooks have no `verify` link) |
//! | a failed verify of a VERIFIED hook | keeps `VERIFIED` (only a channel change resets it) |
//! | `status` in a PUT body | applied (observed on the live service); ignored on create (a new hook is always ACTIVE) |
//! | what "changing the channel" means | any difference in `uri`, `headers`, `authScheme.key` or `authScheme.value` |
//! | `authScheme` without `value` (e.g. a fetched hook sent back) | accepted; the hook then has no secret, and no auth header is sent to it |
//! | `authScheme.value` of `""` | 400 `E0000001`, cause `channel.config.authScheme.value: The secret of the auth header "<key>" is empty` (the SDK's rule) |
//! | the 25-hook limit | counts ACTIVE hooks; creating, activating or PUT-activating past it is 400 `E0000001` with cause `eventHook: The maximum number of active event hooks (25) has been reached` |
//! | duplicate names (the old reference says names are unique) | 400 `E0000001`, cause `name: An event hook with the name '<name>' already exists` |
//! | validation cause texts | `<field path>: <message>` like Okta's other validation errors, one per broken rule of [`okta_eventhooks::rules`], e.g. `name: The field cannot be left blank` or `channel.version: "2.0.0" is not supported; use 1.0.0` |
//! | wrong JSON types (e.g. `"name": 5`) or a non-object body | 400 `E0000003` |
//! | duplicate `events.items` | collapsed (the list is a set), first position kept |
//! | event-type eligibility | Okta's catalog (release 2026.08.1, [`okta_eventhooks::catalog`]): a type that is not event-hook-eligible, or not in the catalog at all, is refused on create and replace (400 `E0000001`, one cause per type, with the closest eligible names); `fire` takes any type without whitespace, so the System Log can hold events no hook may subscribe to |
//! | body of the 411 answer | Okta-shaped JSON, `E0000001` `Api validation failed: Content-Length required` |
//! | rate limit | two buckets, as at Okta, where `/api/v1/logs` has its own: the token's `/api/v1/eventHooks` calls and its `/api/v1/logs` calls, each default 1000 per minute (the value in Okta's recorded traffic; [`EmulatorBuilder::rate_limit_per_minute`] sets both); the window starts with its first counted request; calls without the right token (401, 403), injected faults and `/emulator/...` calls are not counted |
//! | credentials Okta does not know | no `Authorization` header, a header that is not text, or a scheme other than `SSWS` and `Bearer` (`Basic`, a bare token): 403 `E0000005` `Invalid session`, as observed in Okta's SDK issues; `DPoP <token>` is a scheme Okta knows, but the emulator issues no DPoP-bound tokens, so it is 401 `E0000011`; the same two answers on `/emulator/...` |
//! | events per delivery POST (Okta: not documented) | at most 50 events (`max_batch`, [`DEFAULT_MAX_BATCH`]) and 1 MiB of event JSON (`max_batch_bytes`, [`DEFAULT_MAX_BATCH_BYTES`]); an event larger than that goes in a POST of its own |
//! | which events share a POST | a `fire` is one burst: its types are interleaved (one of each in turn while they last) into windows of up to `max_batch` events; what is due to a hook in a window goes in one POST whatever the types (more only past the byte bound); separate `fire` calls are never merged |
//! | the verification challenge | 40 characters of the URL-safe base64 alphabet (`A-Z a-z 0-9 - _`), the length of the one example Okta publishes (support article "Unable to verify event hook"); every challenge has at least one `-` and one `_`, so that a receiver which mangles them fails every time |
//! | the spelling of header names | title case on the wire (`X-Okta-Verification-Challenge`, `X-Okta-Request-Id`, `User-Agent`), custom and auth header names too (Okta keeps those as configured; names are case-insensitive) |
//! | `debugContext.debugData.eventHookIds` of a fired event | the ACTIVE + VERIFIED hooks subscribed to its type, comma-separated (filters not applied), `""` when none |
//! | LogEvents of types the emulator knows nothing about | derived from the name by three tables: the family (the longest known prefix) gives the targets and the noun of `displayMessage`, the prefix says who acts (the emulated admin, the end user for sign-ins and self-service, Okta itself as `SystemPrincipal` "Okta System" for imports, risk, limits, schedules and expiries), words of the name give the outcome and severity (`fail`: FAILURE, `deny_access`: DENY, `violation`: RATE_LIMIT, `schedule`: SCHEDULED, warnings: WARN); a few well-known types keep Okta's real `displayMessage` and `legacyEventType` |
//! | delivery timing | `fire` delivers at once, one batch at a time to every hook in parallel (the next batch is made while one is delivered: at most two in memory), and answers after the deliveries (Okta may take minutes) or at its deadline (`timeoutMs`, default 30 s, at most 10 min; `emulator fire --timeout`), reporting what was cut off as `unfinished` |
//! | what a verified hook must answer to a delivery | any 2xx (Okta documents 200 or 204) |
//! | redirects from hooks | not followed (a 3xx is a failure, not retried, for deliveries and for the verification GET) |
//! | size of a hook | Okta's limits (name 255 characters, URI 1024, 300 event types) plus the emulator's: a create or replace body of at most 64 KiB (413 `E0000001` otherwise), a description of 1024 characters, 32 custom headers, header names of 256 and values of 4096 bytes (400 `E0000001` with one cause each) |
//! | number of hooks | at most 100, active or not ([`EmulatorBuilder::max_hooks`]): 400 `E0000001`, cause `eventHook: The emulator keeps at most 100 event hooks, active or not; delete one first`; with the size limit, `list` stays far under a client's 10 MiB response cap |
//! | `/emulator/...` bodies | at most 64 KiB too; a fire: 1 to 300 entries ([`MAX_FIRE_TYPES`]), each `count` at least 1, 10,000 events in all ([`MAX_FIRE_COUNT`]), its patches bounded by the body size and JSON's nesting limit (128); `{"eventType", "count", "patch"}` is the short form of one entry |
//! | injected faults | `status` must be a final status that carries the error body: 200-599 but 204, 205 and 304 (100-199, 204, 205, 304 are refused with 400); `latencyMs` at most 60,000 |
//! | slow or idle clients | the server runner's limits ([`ServerLimits`](okta_eventhooks_receiver::ServerLimits)): a request head within 10 s (also how long a connection may stay idle), a whole request within 30 s (408), at most 512 connections (at the cap, the one that has waited longest for a request head is closed to make room; when all have a request in hand, more wait for a place), 64 MiB of request bodies at once (503 beyond) |
//! | org identity | `GET /.well-known/okta-organization` (public, as at Okta): `{"id", "pipeline", "_links": {"organization"}}`, the id one per emulator, kept in its state file |
//! | the daily 400,000-event limit, auto-deactivation | not emulated |
//! | delivery log | kept in memory (last 10,000 attempts), not in the state file; header values and secrets are never recorded |
//! | what the System Log holds | every fired event (whether or not a hook gets it) and one `event_hook.delivery` per failed delivery POST; not the hooks' own lifecycle events (`event_hook.created`, ...) |
//! | System Log retention (Okta: 90 days) | in memory, not in the state file: by default at most 10,000 events ([`EmulatorBuilder::system_log_max_events`], at most 1,000,000; CLI `--log-retention`) and 64 MiB of event JSON and filter values ([`EmulatorBuilder::system_log_max_bytes`], [`SYSTEM_LOG_DEFAULT_MAX_BYTES`]; CLI `--log-retention-bytes`), the oldest dropped first; a `reset` empties it, but positions are never reused, so a polling cursor given out before the reset brings exactly what is written after it; a restart empties it and its cursors are refused (400) |
//! | `published` of fired events | the wall clock (milliseconds) when the System Log writes the event, so never in the future, as at Okta, and never before an earlier stamp; the events of a burst share milliseconds, and ties are kept in the order written (a sequence number, which also makes cursors unique); a fire's `patch` that sets `published` keeps its own value; the default `until` includes the current millisecond |
//! | the shape of `event_hook.delivery` | written when a delivery POST failed: after the retry for a timeout, connection error or 5xx, after the one attempt for a 4xx or a redirect; actor Okta (`SystemPrincipal`), target the hook (`EventHook`, its name, its URI with any user name and password redacted as `alternateId`), outcome `FAILURE` with the reason of the last attempt, severity `WARN`, `displayMessage` `Event hook delivery failed`; `debugContext.debugData` (strings): `deliveryEventId` (the envelope's `eventId`), `eventHookId`, `eventTypes` and `eventUuids` (comma-separated), `attempts`, `httpStatus` (when the hook answered), `reason`, `requestUri`; a failed duplicate POST (chaos) and deliveries cut off by a fire's deadline write none |
//! | `/api/v1/logs` `filter` (Okta: SCIM-like, every operator but `[ ]`) | the subset the emulator evaluates exactly: `eq`, `ne`, `co`, `sw`, `ew` with a double-quoted string, `pr`, `and`, `or`, `not ( )`, parentheses, over `eventType`, `uuid`, `severity`, `displayMessage`, `legacyEventType`, `version`, `outcome.result`, `outcome.reason`, `actor.id/type/alternateId/displayName`, `target.id/type/alternateId/displayName` (any target), `client.ipAddress`, `client.zone`, `transaction.id`, `transaction.type`; attribute names and keywords case-insensitive, values compared exactly (case-sensitive); anything else (`gt`/`ge`/`lt`/`le`, other attributes, values that are not strings, `[ ]`, more than 2048 characters or 16 levels of nesting) is 400 `E0000001` `Api validation failed: filter`, cause `filter: column <n>: <problem>`, never a guess |
//! | `/api/v1/logs` `q` | whitespace-separated keywords, each of which must be found, case-insensitively, within some string value of the event (keys do not count); at most 10 keywords of at most 40 characters (400 otherwise) |
//! | `/api/v1/logs` parameters outside Okta's bounds | 400 `E0000001` `Api validation failed: <param>`, cause `<param>: <problem>`: `limit` not a whole number from 1 to 1000 (never clamped), `sortOrder` other than `ASCENDING`/`DESCENDING` (any case), `since`/`until` not RFC 3339, `since` not before `until`, a parameter given twice, an `after` the log did not give out (or from before a restart, or past its end); an empty `filter` is no filter |
//! | `/api/v1/logs` time bounds | `since` inclusive, `until` exclusive; bounded: `published`, default `since` 7 days before `until`, default `until` now; polling: persistence time, default `since` 7 days ago; ties in `published` in the order written |
//! | `/api/v1/logs` pages | at most `limit` events and 4 MiB of event JSON (a page that ends early still has its next link); two `Link` fields, `self` first (the request URL as sent) then `next` (the same parameters in the same order, form-encoded, with `after` added); Okta's Python SDK 3.x keeps only the last `Link` field, which is then `next` |
//! | the `after` cursor | opaque (today 40 hex digits: the log's per-process epoch, a position and a time); a position, so it works with any parameters; polling pages end at the last event looked at, an empty polling page keeps its position |
//! | chaos (receivers' tests; [`Chaos`], `POST /emulator/chaos`, a fire's `chaos`, `emulator fire --duplicate-percent/--reorder/--delay`) | none unless set; a fire's own replaces the standing one; `reset` clears it. `duplicatePercent` 0-100: exactly that share of delivered events (a counter per hook, not chance) is POSTed again after the POSTs of its window, the duplicates of one POST together under that POST's `eventId`, each event as it was (same `uuid`); `reorder`: each hook's share of a window is shuffled before it is split into POSTs, never left in order; `delayMs` ≤ 60,000: every delivery POST waits that long (within the fire's deadline); `verifyDelayMs` ≤ 60,000 (standing only): a verify call waits that long after the hook answered before it records and answers, so meanwhile the hook reads `UNVERIFIED`; out of bounds is 400 |
//! | `User-Agent` of deliveries | `Okta-Integrations`, as on the verification GET |
//! | `Authorization: SSWS<token>` without a space | accepted: Okta's Python SDK 3.x sends it so, and it works against Okta |
//! | `_links` base URL | the emulator's own URL ([`Emulator::url`]) |
//! | Okta's answer to an invalid filter | 400 `E0000001`, cause `events.filter.eventFilterMap.condition.expression: The filter for event type "<type>" is not valid: column <n>: <problem>` |
//! | a state file holding a filter that does not parse (written before filters were checked) | the emulator starts and keeps the hook; each such filter is logged (warn) and listed by [`Emulator::state_warnings`]; `fire` delivers none of that type's events to the hook and reports them as failed with `filterError`, until the hook is replaced with a valid filter |

// docs.rs (`--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod api;
mod builder;
mod chaos;
mod control;
mod control_client;
mod deliver;
mod emulator;
mod error;
mod events;
mod ids;
mod input;
mod inspect;
mod limits;
mod logs;
mod model;
mod outbound;
mod records;
mod render;
mod reply;
mod server;
mod shared;
mod store;
mod syslog;

pub use builder::{
    DEFAULT_HOOK_TIMEOUT, DEFAULT_MAX_BATCH, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_HOOKS,
    DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_TOKEN, EmulatorBuilder, MAX_ACTIVE_HOOKS,
};
pub use chaos::{Chaos, MAX_CHAOS_DELAY};
pub use control_client::ControlClient;
pub use deliver::{DEFAULT_FIRE_TIMEOUT, MAX_FIRE_COUNT, MAX_FIRE_TIMEOUT, MAX_FIRE_TYPES};
pub use emulator::Emulator;
pub use error::{Error, Result};
pub use input::{
    MAX_DESCRIPTION_CHARS, MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, MAX_HEADERS,
};
pub use limits::{Faults, MAX_FAULT_LATENCY};
pub use records::{
    DeliveryKind, DeliveryOutcome, DeliveryRecord, FireEvents, FireRequest, FireSummary,
    HookOutcome,
};
pub use reply::MAX_REQUEST_BODY_BYTES;
pub use syslog::query::{
    DEFAULT_LIMIT as SYSTEM_LOG_DEFAULT_LIMIT, MAX_LIMIT as SYSTEM_LOG_MAX_LIMIT,
};
pub use syslog::{
    DEFAULT_MAX_BYTES as SYSTEM_LOG_DEFAULT_MAX_BYTES,
    DEFAULT_MAX_EVENTS as SYSTEM_LOG_DEFAULT_MAX_EVENTS, MAX_EVENTS as SYSTEM_LOG_MAX_EVENTS,
};

/// The examples of the crate's README, compiled and run as doctests so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
