//! The sink of a receiver of your own: a file of the uuids it has seen (one per line), and the
//! hook's endpoint itself, to which missing events are POSTed again as Okta would send them.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use okta_eventhooks::events::{LogEvent, delivery_body};
use okta_eventhooks::hook_call::{Caller, Failure, HookTarget};
use okta_eventhooks::limits::{self, SEEN_FILE};
use okta_eventhooks::sink::{Incoming, ReplayTo, Replayed, Sink, SinkFuture};
use okta_eventhooks::{Error, EventHook, Secret, SinkErrorKind};

/// Events per replayed POST, as Okta batches them.
const REPLAY_BATCH: usize = 50;

/// How long a replayed POST may take (Okta gives a hook 3 s; a replay can wait longer).
const REPLAY_TIMEOUT: Duration = Duration::from_secs(10);

/// The header that marks a replayed POST.
const REPLAYED_HEADER: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static(okta_eventhooks::hook_call::REPLAYED_HEADER);

/// A seen file, and the hook's endpoint to replay to.
#[derive(Debug)]
pub struct SeenFile {
    path: PathBuf,
    /// The hook's auth value (Okta never returns it), sent with a replay.
    secret: Option<Secret>,
    /// Replays POST as Okta does: no redirects followed (a 3xx is a failure, and the auth
    /// header never goes to another host), one retry.
    http: Caller,
    /// Events replayed earlier (uuid, published): the file does not learn of them. Forgotten
    /// once older than the window read, so a long watch stays bounded.
    replayed: Mutex<HashMap<String, DateTime<Utc>>>,
    /// The uuids this process appended (the file is only ever appended to).
    appended: Mutex<HashSet<String>>,
}

impl SeenFile {
    /// The file at `path`; replays send `secret` in the hook's auth header.
    pub fn new(path: PathBuf, secret: Option<Secret>) -> Result<Self, Error> {
        Self::with_timeout(path, secret, REPLAY_TIMEOUT)
    }

    fn with_timeout(
        path: PathBuf,
        secret: Option<Secret>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let http = Caller::with_timeout(timeout).map_err(|e| {
            Error::sink(
                SinkErrorKind::Internal,
                format!("cannot set up the HTTP client: {e}"),
            )
        })?;
        Ok(Self {
            path,
            secret,
            http,
            replayed: Mutex::default(),
            appended: Mutex::default(),
        })
    }

    /// Appends the uuids not appended before, and syncs the file before returning.
    fn append(&self, incoming: &Incoming) -> Result<(), Error> {
        let mut appended = self.appended.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines = String::new();
        let mut new = Vec::new();
        for uuid in incoming.events.iter().filter_map(|e| e.uuid.as_deref()) {
            // A line break in a uuid would write two lines: such an event is not one of Okta's.
            if !appended.contains(uuid) && !uuid.contains(['\n', '\r']) && !new.contains(&uuid) {
                lines.push_str(uuid);
                lines.push('\n');
                new.push(uuid);
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        let failed = |e: std::io::Error| {
            Error::sink(
                SinkErrorKind::Failed,
                format!("cannot append to {}: {e}", self.path.display()),
            )
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(failed)?;
        file.write_all(lines.as_bytes()).map_err(failed)?;
        file.sync_data().map_err(failed)?;
        appended.extend(new.into_iter().map(str::to_owned));
        Ok(())
    }

    fn seen(&self, since: DateTime<Utc>) -> Result<HashSet<String>, Error> {
        let mut uuids = read_seen(&self.path)?;
        let mut replayed = self.replayed.lock().unwrap_or_else(|e| e.into_inner());
        replayed.retain(|_, published| *published >= since);
        uuids.extend(replayed.keys().cloned());
        Ok(uuids)
    }

    async fn replay_all(&self, to: ReplayTo<'_>, events: &[LogEvent]) -> Result<Replayed, Error> {
        let values: Vec<serde_json::Value> = events
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(|e| internal(format!("cannot encode an event: {e}")))?;
        let mut replayed = 0;
        for batch in values.chunks(REPLAY_BATCH) {
            let refs: Vec<&serde_json::Value> = batch.iter().collect();
            post(&self.http, to, self.secret.as_ref(), &refs).await?;
            replayed += batch.len();
        }
        let mut known = self.replayed.lock().unwrap_or_else(|e| e.into_inner());
        known.extend(
            events
                .iter()
                .filter_map(|e| Some((e.uuid.as_deref()?.to_owned(), e.published_at()?))),
        );
        Ok(Replayed::new(replayed, 0))
    }
}

impl Sink for SeenFile {
    fn store(&self, incoming: Incoming) -> SinkFuture<'_> {
        Box::pin(async move { self.append(&incoming) })
    }

    fn stored_uuids(
        &self,
        since: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> SinkFuture<'_, HashSet<String>> {
        // The file has no times: every uuid in it counts, whatever the window.
        Box::pin(async move { self.seen(since) })
    }

    fn check_target(&self) -> SinkFuture<'_> {
        // A replay goes to the hook's own URI, which Okta gave: nothing to check before.
        Box::pin(async { Ok(()) })
    }

    fn replay<'a>(&'a self, to: ReplayTo<'a>, events: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
        Box::pin(self.replay_all(to, events))
    }
}

fn internal(message: String) -> Error {
    Error::sink(SinkErrorKind::Internal, message)
}

/// The uuids in a seen file: one per line, blank lines and `#` comments skipped.
fn read_seen(path: &Path) -> Result<HashSet<String>, Error> {
    let text = limits::read_file(path, SEEN_FILE).map_err(|e| {
        Error::sink(
            SinkErrorKind::InvalidInput,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    // A file saved by an editor that writes a byte-order mark: the mark is not the first
    // uuid's.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// One replayed POST to the hook's URI, as Okta would send it, marked as replayed.
async fn post(
    http: &Caller,
    to: ReplayTo<'_>,
    secret: Option<&Secret>,
    events: &[&serde_json::Value],
) -> Result<(), Error> {
    let hook: &EventHook = to.hook;
    let hook_id = hook.id.as_deref().unwrap_or_default();
    let config = &hook.channel.config;
    let event_id = okta_eventhooks::ids::uuid_v4();
    let body = delivery_body(to.org_url, hook_id, &event_id, events)
        .map_err(|e| internal(format!("cannot encode a delivery: {e}")))?;
    let mut target = HookTarget::of(hook);
    if let Some(key) = config.auth_scheme.as_ref().and_then(|a| a.key.as_deref()) {
        let Some(secret) = secret else {
            return Err(Error::sink(
                SinkErrorKind::InvalidInput,
                format!(
                    "the hook sends its secret in {key}; give its value with --auth-value-env VAR to replay"
                ),
            ));
        };
        target.auth = Some((key, secret));
    }
    let replayed = reqwest::header::HeaderMap::from_iter([(
        REPLAYED_HEADER,
        reqwest::header::HeaderValue::from_static("true"),
    )]);
    let uri = okta_eventhooks::redact::text(&config.uri);
    match http
        .deliver(&target, body.into(), &replayed, |_| {})
        .await
        .failure
    {
        None => Ok(()),
        Some(Failure::Status { status, .. }) => Err(Error::sink(
            SinkErrorKind::Refused,
            format!(
                "the hook endpoint {uri} answered the replayed delivery with {}",
                reqwest::StatusCode::from_u16(status).map_or(status.to_string(), |s| s.to_string())
            ),
        )),
        // Each attempt (Okta's two) waited REPLAY_TIMEOUT: say so, not only "no answer".
        Some(Failure::Timeout(waited)) => Err(Error::sink(
            SinkErrorKind::Unreachable,
            format!(
                "replay to {uri} failed: the hook endpoint did not answer within the replay's timeout of {} s (twice, as Okta tries)",
                waited.as_secs()
            ),
        )),
        Some(failure @ Failure::Connect { .. }) => Err(Error::sink(
            SinkErrorKind::Unreachable,
            format!("replay to {uri} failed: {failure}"),
        )),
        Some(failure @ Failure::InvalidHeader { .. }) => Err(Error::sink(
            SinkErrorKind::InvalidInput,
            format!("replay to {uri} failed: {failure} (nothing was sent)"),
        )),
        Some(failure) => Err(Error::sink(
            SinkErrorKind::Failed,
            format!("replay to {uri} failed: {failure}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_eventhooks::bytes::Bytes;

    #[tokio::test]
    async fn stored_uuids_are_appended_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("seen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("seen.txt");
        std::fs::write(&path, "# seen by my receiver\nu0\n").unwrap();
        let sink = SeenFile::new(path.clone(), None).unwrap();
        let body =
            r#"{"data":{"events":[{"uuid":"u1"},{"uuid":"u2"},{"uuid":"u1"},{"uuid":"a\nb"}]}}"#;
        for _ in 0..2 {
            let incoming = Incoming::parse(Bytes::from_static(body.as_bytes())).unwrap();
            sink.store(incoming).await.unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# seen by my receiver\nu0\nu1\nu2\n"
        );
        let now = Utc::now();
        let seen = sink.stored_uuids(now, now).await.unwrap();
        assert_eq!(seen, ["u0", "u1", "u2"].map(str::to_owned).into());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue 20 item 9: a replay to a receiver that never answers names the timeout, and is
    /// a network failure (not an internal one).
    #[tokio::test]
    async fn a_replay_to_a_hanging_receiver_names_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}/hook", listener.local_addr().unwrap());
        // Accepts, reads nothing, answers nothing.
        let held = std::thread::spawn(move || {
            let mut open = Vec::new();
            for stream in listener.incoming().take(2) {
                open.push(stream);
            }
            std::thread::sleep(std::time::Duration::from_secs(5));
        });
        let hook: EventHook = serde_json::from_value(serde_json::json!({
            "id": "who1", "name": "h",
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": uri}},
        }))
        .unwrap();
        let path = std::env::temp_dir().join(format!("seen-hang-{}", std::process::id()));
        let sink = SeenFile::with_timeout(path, None, Duration::from_millis(500)).unwrap();
        let event: LogEvent = serde_json::from_value(serde_json::json!({"uuid": "u1"})).unwrap();
        let to = ReplayTo {
            hook: &hook,
            org_url: "https://acme.okta.com",
        };
        let err = sink.replay(to, &[event]).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("within the replay's timeout"), "{text}");
        assert!(
            matches!(
                err,
                Error::Sink {
                    kind: SinkErrorKind::Unreachable,
                    ..
                }
            ),
            "{err:?}"
        );
        held.join().unwrap();
    }

    /// Issue 20 item 9: a byte-order mark is not part of the first uuid.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_uuid() {
        let dir = std::env::temp_dir().join(format!("seen-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("seen.txt");
        std::fs::write(&path, "\u{feff}u1\r\nu2\r\n").unwrap();
        let seen = read_seen(&path).unwrap();
        assert_eq!(seen, ["u1", "u2"].map(str::to_owned).into());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
