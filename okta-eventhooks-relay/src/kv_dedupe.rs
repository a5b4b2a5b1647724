//! The receiver's de-duplication store in a JetStream key-value bucket, shared by every
//! replica of a receiver that handles deliveries itself (no relay).
//!
//! A key is recorded with "create if absent", which JetStream decides atomically: of two
//! replicas that see the same `eventId` or `uuid` at once, exactly one is told it is new.
//! Entries expire with the bucket's age limit (the window), so the bucket stays bounded.

use std::time::Duration;

use async_nats::jetstream::{self, kv};
use futures_util::future::join_all;

use okta_eventhooks_receiver::{BoxError, DedupeFuture, DedupeStore};

use crate::error::{Error, Result};

/// How long one key-value call may take: past it the receiver treats the delivery as new
/// (a duplicate is better than a lost event, and Okta waits only 3 s).
const CALL_TIMEOUT: Duration = Duration::from_millis(500);

/// A [`DedupeStore`] in a JetStream key-value bucket; pass it to
/// [`ReceiverBuilder::dedupe_store`](okta_eventhooks_receiver::ReceiverBuilder::dedupe_store).
///
/// ```no_run
/// use std::time::Duration;
/// use okta_eventhooks_receiver::Receiver;
/// use okta_eventhooks_relay::{KvDedupe, NatsServers};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = NatsServers::new(["nats://127.0.0.1:4222"])?.connect("hook-receiver").await?;
/// let js = async_nats::jetstream::new(client);
/// let store = KvDedupe::open(&js, "okta-dedupe", Duration::from_secs(3600), 1).await?;
/// let (receiver, mut deliveries) = Receiver::builder()
///     .auth_header("Authorization", std::env::var("HOOK_SECRET")?)
///     .dedupe_store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct KvDedupe {
    store: kv::Store,
}

impl KvDedupe {
    /// Opens bucket `bucket`, creating it if needed with entries expiring after `window` and
    /// `replicas` copies (1, or 3 or 5 in a cluster). An existing bucket must have the same
    /// window.
    pub async fn open(
        js: &jetstream::Context,
        bucket: &str,
        window: Duration,
        replicas: usize,
    ) -> Result<Self> {
        if window.is_zero() {
            return Err(Error::InvalidInput(
                "the de-duplication window must be more than zero".into(),
            ));
        }
        // Its own context: every call bounded by CALL_TIMEOUT.
        let js = jetstream::ContextBuilder::new()
            .timeout(CALL_TIMEOUT)
            .build(js.client());
        let config = kv::Config {
            bucket: bucket.to_owned(),
            description: "okta-eventhooks receiver: eventIds and uuids seen".into(),
            history: 1,
            max_age: window,
            num_replicas: replicas,
            ..Default::default()
        };
        let store = match js.get_key_value(bucket).await {
            Ok(store) => store,
            Err(_) => match js.create_key_value(config).await {
                Ok(store) => store,
                // Another replica created it meanwhile.
                Err(create) => js.get_key_value(bucket).await.map_err(|_| {
                    Error::jetstream(format!("create key-value bucket {bucket}"), create)
                })?,
            },
        };
        let existing = store.stream.cached_info().config.max_age;
        if existing != window {
            return Err(Error::StreamConflict {
                stream: format!("KV_{bucket}"),
                differences: vec![format!(
                    "its entries expire after {existing:?}, asked {window:?}"
                )],
            });
        }
        Ok(Self { store })
    }

    async fn create(&self, key: &str) -> Result<bool, BoxError> {
        match self.store.create(kv_key(key), bytes::Bytes::new()).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

impl DedupeStore for KvDedupe {
    fn first_sightings<'a>(
        &'a self,
        keys: &'a [String],
    ) -> DedupeFuture<'a, Result<Vec<bool>, BoxError>> {
        // One round trip per call, every key at once (a delivery makes two: its eventId, then
        // its uuids).
        Box::pin(async move {
            join_all(keys.iter().map(|key| self.create(key)))
                .await
                .into_iter()
                .collect()
        })
    }

    fn forget<'a>(&'a self, keys: &'a [String]) -> DedupeFuture<'a, ()> {
        Box::pin(async move {
            let deleted = join_all(keys.iter().map(|key| self.store.delete(kv_key(key)))).await;
            if deleted.iter().any(Result::is_err) {
                tracing::warn!(
                    "could not forget a refused delivery: Okta's retry may be taken for a duplicate"
                );
            }
        })
    }
}

/// A key-value key for any text: letters, digits and `-` are kept, every other byte becomes
/// `=XX` (hex), so that an id with dots, spaces or slashes is still one valid key.
fn kv_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 8);
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_id_becomes_one_valid_key_and_distinct_ids_stay_distinct() {
        assert_eq!(kv_key("event:a1-b2"), "event=3Aa1-b2");
        assert_eq!(kv_key("delivery:x.y z/é"), "delivery=3Ax=2Ey=20z=2F=C3=A9");
        assert_ne!(kv_key("a=3A"), kv_key("a:"));
    }
}
