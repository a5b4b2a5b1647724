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

/// Messages asked for per pull while reading a stream's ids (headers only: about 200 bytes
/// each).
const PULL_BATCH: usize = 5000;

/// How long the server keeps the reading consumer after the last pull: it is removed by
/// itself if this process dies half-way.
const READER_INACTIVE_THRESHOLD: Duration = Duration::from_secs(60);

/// Most message ids one read keeps (about 200 MB): a longer window is split into shorter ones.
pub const MAX_STORED_IDS: usize = 2_000_000;

/// How long the read waits for the next message the consumer says is pending.
const PULL_WAIT: Duration = Duration::from_secs(2);

/// Stored messages are read from this long before `since`: an event is stored after it was
/// published, never before, so this only covers clocks that disagree.
const CLOCK_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Stored messages are read up to this long after `until`: an event is stored after it was
/// published (a delivery, a retry, a replay), within minutes.
const STORED_AFTER_PUBLISHED: Duration = Duration::from_secs(15 * 60);

/// The `Nats-Msg-Id`s (the events' `uuid`s) of the messages of `stream` on subjects matching
/// `filter` (all when `None`) that can hold events published from `since` until `until`
/// (open ends when `None`): stored from five minutes before `since` (clocks disagree) to a
/// quarter of an hour after `until` (storing follows publishing). Only headers are read, not
/// the events; at most [`MAX_STORED_IDS`].
///
/// The stream must keep what it was given: a work-queue or interest stream deletes messages
/// once consumed, and one whose maximum age is shorter than the window has dropped its
/// oldest; either would make stored events look missing, so both are errors.
pub(crate) async fn stored_uuids(
    js: &jetstream::Context,
    stream: &str,
    filter: Option<&str>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<HashSet<String>> {
    let action = || format!("read stream {stream}");
    let start =
        since.map(|since| since - chrono::TimeDelta::from_std(CLOCK_MARGIN).unwrap_or_default());
    let mut found = js
        .get_stream(stream)
        .await
        .map_err(|e| Error::jetstream(format!("open stream {stream}"), e))?;
    let config = &found
        .info()
        .await
        .map_err(|e| Error::jetstream(action(), e))?
        .config;
    if config.retention != jetstream::stream::RetentionPolicy::Limits {
        return Err(Error::InvalidInput(format!(
            "stream {stream} deletes messages once they are consumed ({:?} retention), so what it holds does not tell what was delivered; reconcile a stream with limits retention (the relay creates one)",
            config.retention
        )));
    }
    if let Some(start) = start
        && !config.max_age.is_zero()
        && chrono::Utc::now() - start
            > chrono::TimeDelta::from_std(config.max_age).unwrap_or(chrono::TimeDelta::MAX)
    {
        return Err(Error::InvalidInput(format!(
            "stream {stream} keeps messages for {} s only, less than the window: its oldest events would look missing; start the window later",
            config.max_age.as_secs()
        )));
    }
    let deliver_policy = match start {
        Some(start) => DeliverPolicy::ByStartTime {
            start_time: time::OffsetDateTime::from_unix_timestamp(start.timestamp())
                .map_err(|e| Error::InvalidInput(format!("start time {start}: {e}")))?,
        },
        None => DeliverPolicy::All,
    };
    // Only the messages pending when the read starts are read: when the cut-off is later
    // than now, none of them can be past it, and no message's metadata (parsed from its reply
    // subject) needs reading. A server whose clock is ahead may then give a few more ids, which
    // can only find an event present, never make one look missing.
    let stop_after = until
        .map(|until| {
            until + chrono::TimeDelta::from_std(STORED_AFTER_PUBLISHED).unwrap_or_default()
        })
        .filter(|&stop| stop <= chrono::Utc::now())
        .map(|stop| stop.timestamp());
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
        .map_err(|e| Error::jetstream(action(), e))?;
    let name = consumer.cached_info().name.clone();
    let read = read_ids(&mut consumer, stop_after).await;
    // The server would remove it after its inactivity threshold anyway; `--watch` would
    // otherwise leave one per round until then.
    let _ = found.delete_consumer(&name).await;
    read.map_err(|e| Error::jetstream(action(), e))
}

/// Reads what the consumer has pending (at the start), up to the stored time `stop_after`.
/// The messages come as one stream that pulls the next batch while this one is read (not a
/// pull per batch, waiting for each), headers only.
async fn read_ids(
    consumer: &mut jetstream::consumer::Consumer<pull::Config>,
    stop_after: Option<i64>,
) -> std::result::Result<HashSet<String>, crate::NatsError> {
    let pending = consumer.info().await?.num_pending;
    let expected = usize::try_from(pending)
        .unwrap_or(usize::MAX)
        .min(MAX_STORED_IDS);
    if pending == 0 {
        return Ok(HashSet::new());
    }
    // The ids are gathered in one text, a line each, and made into the set at the end: kept
    // as a `String` each while the messages come, they sat between the small allocations of
    // every message, and the allocator's time grew with them (at 400,000 ids, most of the
    // read). A header value has no line break.
    let mut ids = String::with_capacity(expected * (UUID_LEN + 1));
    let mut count = 0usize;
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(PULL_BATCH)
        .messages()
        .await?;
    let mut read = 0u64;
    while read < pending {
        // Nothing came within the wait although more was pending: the rest was removed
        // meanwhile (age or size limits).
        let Ok(Some(message)) = tokio::time::timeout(PULL_WAIT, messages.next()).await else {
            break;
        };
        let message = message?;
        read += 1;
        if let Some(stop) = stop_after
            && let Ok(info) = message.info()
            && info.published.unix_timestamp() > stop
        {
            break;
        }
        if let Some(id) = message
            .headers
            .as_ref()
            .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
        {
            count += 1;
            if count > MAX_STORED_IDS {
                return Err(format!(
                    "more than {MAX_STORED_IDS} events in the window: reconcile shorter windows"
                )
                .into());
            }
            ids.push_str(id.as_str());
            ids.push('\n');
        }
    }
    let mut uuids = HashSet::with_capacity(count);
    uuids.extend(ids.lines().map(str::to_owned));
    Ok(uuids)
}

/// The length of a UUID's text, as Okta writes one (the usual `Nats-Msg-Id`).
const UUID_LEN: usize = 36;

/// Checks that messages published under `prefix` are stored in `stream`, before anything is
/// replayed: otherwise a replay would land in another stream (or none).
pub(crate) async fn check_replay_target(
    js: &jetstream::Context,
    stream: &str,
    prefix: &str,
) -> Result<()> {
    let subject = subject::for_event(prefix, Some("event_hook.check"));
    let owner = js
        .stream_by_subject(subject.clone())
        .await
        .map_err(|e| Error::jetstream(format!("find the stream of {subject}"), e))?;
    if owner != stream {
        return Err(Error::InvalidInput(format!(
            "the subject prefix {prefix} belongs to stream {owner}, not {stream}; give the relay's --subject-prefix"
        )));
    }
    Ok(())
}

/// One event to put into the stream again.
#[derive(Debug)]
pub(crate) struct ReplayedEvent<'a> {
    /// The event's `uuid` (its `Nats-Msg-Id`).
    pub(crate) uuid: &'a str,
    /// Its `eventType` (its subject is `<prefix>.<eventType>`).
    pub(crate) event_type: Option<&'a str>,
    /// The event's JSON.
    pub(crate) json: Bytes,
    /// The hook that should have delivered it.
    pub(crate) event_hook_id: &'a str,
    /// The org's host, e.g. `acme.okta.com`.
    pub(crate) org: Option<&'a str>,
}

/// Publishes a missing event as the relay would (subject, `Nats-Msg-Id`, hook and org
/// headers), with [`headers::OKTA_REPLAYED`] set and no delivery `eventId` (there was no
/// delivery). Returns whether it was stored now: `false` when JetStream already had its uuid
/// within the stream's duplicate window, so replaying twice stores it once.
pub(crate) async fn replay(
    js: &jetstream::Context,
    stream: &str,
    prefix: &str,
    event: ReplayedEvent<'_>,
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
        // [`check_replay_target`] ran first; the stream was replaced since.
        return Err(Error::InvalidInput(format!(
            "the subject prefix {prefix} now belongs to stream {}, not {stream}",
            ack.stream
        )));
    }
    Ok(!ack.duplicate)
}
