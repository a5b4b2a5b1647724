//! What a stream holds, for reconciling it against Okta's System Log, and putting a missing
//! event in exactly as the relay would have (same subject, `uuid` as `Nats-Msg-Id`), marked
//! as replayed.

use std::collections::HashSet;
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::error::{Error, Result};
use crate::headers;
use crate::subject;

/// Messages asked for per pull while reading a stream's ids.
const PULL_BATCH: usize = 1000;

/// How long the server keeps the reading consumer after the last pull: it is removed by
/// itself if this process dies half-way.
const READER_INACTIVE_THRESHOLD: Duration = Duration::from_secs(60);

/// The `Nats-Msg-Id`s (the events' `uuid`s) of the messages of `stream` on subjects matching
/// `filter` (all when `None`), stored at or after `since` (all when `None`). Only headers are
/// read, not the events.
pub async fn stored_uuids(
    js: &jetstream::Context,
    stream: &str,
    filter: Option<&str>,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<HashSet<String>> {
    let found = js
        .get_stream(stream)
        .await
        .map_err(|e| Error::jetstream(format!("open stream {stream}"), e))?;
    let deliver_policy = match since {
        Some(since) => DeliverPolicy::ByStartTime {
            start_time: time::OffsetDateTime::from_unix_timestamp(since.timestamp())
                .map_err(|e| Error::InvalidInput(format!("start time {since}: {e}")))?,
        },
        None => DeliverPolicy::All,
    };
    let mut consumer = found
        .create_consumer(pull::Config {
            filter_subject: filter.unwrap_or_default().to_owned(),
            ack_policy: jetstream::consumer::AckPolicy::None,
            headers_only: true,
            deliver_policy,
            inactive_threshold: READER_INACTIVE_THRESHOLD,
            ..Default::default()
        })
        .await
        .map_err(|e| Error::jetstream(format!("read stream {stream}"), e))?;
    let pending = consumer
        .info()
        .await
        .map_err(|e| Error::jetstream(format!("read stream {stream}"), e))?
        .num_pending;
    let mut uuids = HashSet::new();
    let mut read = 0u64;
    while read < pending {
        let mut batch = consumer
            .fetch()
            .max_messages(PULL_BATCH)
            .messages()
            .await
            .map_err(|e| Error::jetstream(format!("read stream {stream}"), e))?;
        let before = read;
        while let Some(message) = batch.next().await {
            let message =
                message.map_err(|e| Error::jetstream(format!("read stream {stream}"), e))?;
            read += 1;
            if let Some(id) = message
                .headers
                .as_ref()
                .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
            {
                uuids.insert(id.as_str().to_owned());
            }
        }
        // Messages removed meanwhile (age or size limits): nothing more will come.
        if read == before {
            break;
        }
    }
    Ok(uuids)
}

/// One event to put into the stream again.
#[derive(Debug)]
pub struct Replayed<'a> {
    /// The event's `uuid` (its `Nats-Msg-Id`).
    pub uuid: &'a str,
    /// Its `eventType` (its subject is `<prefix>.<eventType>`).
    pub event_type: Option<&'a str>,
    /// The event's JSON.
    pub json: Bytes,
    /// The hook that should have delivered it.
    pub event_hook_id: &'a str,
    /// The org's host, e.g. `acme.okta.com`.
    pub org: Option<&'a str>,
}

/// Publishes a missing event as the relay would (subject, `Nats-Msg-Id`, hook and org
/// headers), with [`headers::OKTA_REPLAYED`] set and no delivery `eventId` (there was no
/// delivery). Returns whether it was stored now: `false` when JetStream already had its uuid
/// within the stream's duplicate window, so replaying twice stores it once.
pub async fn replay(
    js: &jetstream::Context,
    stream: &str,
    prefix: &str,
    event: Replayed<'_>,
) -> Result<bool> {
    let mut map = async_nats::HeaderMap::new();
    for (name, value) in [
        (headers::OKTA_EVENT_HOOK_ID, Some(event.event_hook_id)),
        (headers::OKTA_ORG, event.org),
        (headers::OKTA_REPLAYED, Some(headers::REPLAYED_BY_RECONCILE)),
    ] {
        if let Some(value) = value.and_then(headers::value) {
            map.insert(name, value);
        }
    }
    let message = PublishMessage::build()
        .headers(map)
        .payload(event.json)
        .message_id(event.uuid);
    let subject = subject::for_event(prefix, event.event_type);
    let action = || format!("replay event {} into stream {stream}", event.uuid);
    let ack = js
        .send_publish(subject, message)
        .await
        .map_err(|e| Error::jetstream(action(), e))?
        .await
        .map_err(|e| Error::jetstream(action(), e))?;
    if ack.stream != stream {
        return Err(Error::InvalidInput(format!(
            "the subject prefix {prefix} belongs to stream {}, not {stream}",
            ack.stream
        )));
    }
    Ok(!ack.duplicate)
}
