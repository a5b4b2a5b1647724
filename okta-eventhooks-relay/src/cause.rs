//! What kind of failure a publish error is, in the SDK's sink terms, so that the receiver's
//! 503 line names the cause (NATS unreachable, no space, a limit) and a failure that a retry
//! within the deadline cannot fix is answered at once.

use async_nats::jetstream::context::{PublishError, PublishErrorKind};
use async_nats::jetstream::{Error as JetStreamError, ErrorCode};
use okta_eventhooks::SinkErrorKind;
use okta_eventhooks_receiver::BoxError;

/// The kind of a store error (a [`PublishError`] inside, or anything else: failed).
pub(crate) fn kind_of(error: &BoxError) -> SinkErrorKind {
    error
        .downcast_ref::<PublishError>()
        .map_or(SinkErrorKind::Failed, publish_kind)
}

/// Whether a retry within the deadline cannot store it: the storage is full or a limit of
/// the stream refused it (Okta's own retry, later, may find room).
pub(crate) fn is_final(error: &PublishError) -> bool {
    matches!(
        publish_kind(error),
        SinkErrorKind::NoSpace | SinkErrorKind::Limit
    )
}

fn publish_kind(error: &PublishError) -> SinkErrorKind {
    match error.kind() {
        PublishErrorKind::MaxPayloadExceeded => SinkErrorKind::Limit,
        PublishErrorKind::BrokenPipe => SinkErrorKind::Unreachable,
        PublishErrorKind::Other => std::error::Error::source(error)
            .and_then(|source| source.downcast_ref::<JetStreamError>())
            .map_or(SinkErrorKind::Failed, |e| by_code(e.error_code())),
        _ => SinkErrorKind::Failed,
    }
}

/// JetStream's error codes for a full storage and for a stream's limits.
fn by_code(code: ErrorCode) -> SinkErrorKind {
    match code {
        ErrorCode::STORAGE_RESOURCES_EXCEEDED
        | ErrorCode::MEMORY_RESOURCES_EXCEEDED
        | ErrorCode::INSUFFICIENT_RESOURCES
        | ErrorCode::ACCOUNT_RESOURCES_EXCEEDED => SinkErrorKind::NoSpace,
        // 10077 is "maximum messages/bytes exceeded" of a stream that discards new ones.
        ErrorCode::STREAM_STORE_FAILED
        | ErrorCode::STREAM_MESSAGE_EXCEEDS_MAXIMUM
        | ErrorCode::STREAM_HEADER_EXCEEDS_MAXIMUM
        | ErrorCode::STREAM_MAX_STREAM_BYTES_EXCEEDED => SinkErrorKind::Limit,
        _ => SinkErrorKind::Failed,
    }
}
