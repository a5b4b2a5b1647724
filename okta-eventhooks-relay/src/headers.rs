//! The headers each relayed message carries, besides `Nats-Msg-Id` (the event's `uuid`).

/// The `eventId` of the delivery (envelope) the event came in. A retry repeats it; a
/// re-batched event may come again under another one.
pub const OKTA_EVENT_ID: &str = "Okta-Event-Id";
/// The id of the event hook that delivered the event (the last segment of the envelope's
/// `source`).
pub const OKTA_EVENT_HOOK_ID: &str = "Okta-Event-Hook-Id";
/// The org the event comes from: the host of the envelope's `source`, e.g. `acme.okta.com`.
pub const OKTA_ORG: &str = "Okta-Org";

/// Set on an event kept aside under `<prefix>._invalid`: why it could not go to
/// `<prefix>.<eventType>` with its `uuid` as `Nats-Msg-Id` (a type too long or not a subject,
/// a `uuid` or type that is not a string, a `uuid` too long or with a line break).
pub const OKTA_INVALID_REASON: &str = "Okta-Invalid-Reason";

/// The longest header value sent (an Okta id is a few dozen characters); JetStream refuses
/// messages whose headers are too large, which no retry fixes.
pub(crate) const MAX_VALUE_BYTES: usize = 1024;

/// `value` as a header value, or `None` if it cannot be one (NATS headers cannot hold line
/// breaks, and long ones are refused; such a value is left out instead of failing the
/// delivery).
pub(crate) fn value(value: &str) -> Option<async_nats::HeaderValue> {
    if value.len() > MAX_VALUE_BYTES {
        return None;
    }
    value.parse().ok()
}

/// Set on an event that `okta-eventhooks reconcile --replay` put into the stream after Okta
/// failed to deliver it (value [`REPLAYED_BY_RECONCILE`]); such a message has no
/// [`OKTA_EVENT_ID`], as no delivery carried it.
pub const OKTA_REPLAYED: &str = "Okta-Replayed";

/// The value of [`OKTA_REPLAYED`].
pub const REPLAYED_BY_RECONCILE: &str = "reconcile";
