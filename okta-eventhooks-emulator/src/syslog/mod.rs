//! The emulator's System Log: every fired event and every failed delivery, in memory, served by
//! `GET /api/v1/logs` with Okta's query semantics.
//!
//! Bounded: at most `max_events` events and `max_bytes` of JSON and filter values (Okta keeps
//! 90 days; by default [`DEFAULT_MAX_EVENTS`] and [`DEFAULT_MAX_BYTES`]); the oldest go first. Each event gets a sequence number when it is written; sequence numbers are
//! never reused (not even after a reset), so a cursor keeps its meaning. The log stamps
//! `published` as it writes an event with the wall clock (in milliseconds, never going back),
//! so `published` never passes the wall clock, as at Okta; many events share a millisecond
//! in a burst. Order and uniqueness come from the sequence number: a bounded read sorts by
//! (`published`, sequence) and a cursor holds both.

mod cursor;
mod filter;
pub(crate) mod query;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;

pub(crate) use cursor::Cursor;
pub(crate) use filter::{Values, values as filter_values};
pub(crate) use query::{Invalid, Query};

/// Events kept unless the builder says otherwise.
pub const DEFAULT_MAX_EVENTS: usize = 10_000;
/// The most events the log can be asked to keep.
pub const MAX_EVENTS: usize = 1_000_000;
/// Bytes of event JSON (and the values filters read) kept unless the builder says otherwise,
/// whatever the number of events.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most bytes of events in one page: a page ends early (with a next link) rather than
/// grow past what clients read (the SDK reads at most 10 MiB by default).
pub(crate) const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// How far back `since` reaches by default (Okta: 7 days before `until`).
const DEFAULT_SPAN_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One stored event.
struct Entry {
    seq: u64,
    /// `published`, as milliseconds since the epoch (the write time if it cannot be read).
    published_ms: i64,
    /// When the log wrote it.
    persisted_ms: i64,
    json: Arc<str>,
    values: filter::Values,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.json.len() + self.values.iter().map(|(_, v)| v.len() + 16).sum::<usize>()
    }

    fn accepts(&self, query: &Query) -> bool {
        if let Some(filter) = &query.filter
            && !filter.matches(&self.values)
        {
            return false;
        }
        query.keywords.is_empty() || contains_keywords(&self.json, &query.keywords)
    }

    fn cursor(&self) -> Cursor {
        Cursor {
            seq: self.seq,
            published_ms: self.published_ms,
        }
    }
}

/// Every keyword is in some string value of the event (case-insensitive); keys do not count.
fn contains_keywords(json: &str, keywords: &[String]) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else {
        return false;
    };
    let mut strings = Vec::new();
    strings_of(&value, &mut strings);
    keywords
        .iter()
        .all(|k| strings.iter().any(|s| s.contains(k.as_str())))
}

fn strings_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.to_lowercase()),
        Value::Array(items) => items.iter().for_each(|v| strings_of(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

struct Inner {
    entries: VecDeque<Entry>,
    /// Whether `entries` are in (`published`, sequence) order, as they are unless a fire kept
    /// a `published` of its own: then a bounded read can find its place by binary search
    /// instead of sorting the whole log for every page.
    in_order: bool,
    bytes: usize,
    /// The sequence number of the last event written (0: none yet).
    last_seq: u64,
    /// The clock of `published` and of persistence: the wall clock in milliseconds, held
    /// where it was if the wall clock steps back, so that both never go back.
    clock_ms: i64,
}

/// An event to write: its JSON as stored and served, and what queries read in it.
pub(crate) struct Stored {
    pub(crate) json: Arc<str>,
    /// `published` in milliseconds since the epoch; `None`: the time of writing (the stamp,
    /// or no readable `published`).
    pub(crate) published_ms: Option<i64>,
    pub(crate) values: Values,
}

/// One page of events and where the next one starts (`None`: this was the last).
pub(crate) struct Page {
    pub(crate) events: Vec<Arc<str>>,
    pub(crate) next: Option<Cursor>,
}

pub(crate) struct SystemLog {
    epoch: u32,
    max_events: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl SystemLog {
    /// A log keeping at most `max_events` (1 to [`MAX_EVENTS`]) and `max_bytes` (at least one
    /// event's worth: the last event written is always kept).
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> Self {
        let mut epoch = [0u8; 4];
        okta_eventhooks::ids::random_bytes(&mut epoch);
        Self {
            epoch: u32::from_be_bytes(epoch),
            max_events: max_events.clamp(1, MAX_EVENTS),
            max_bytes,
            inner: Mutex::new(Inner {
                entries: VecDeque::new(),
                in_order: true,
                bytes: 0,
                last_seq: 0,
                clock_ms: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes events, stamping `published` on those for which `keep_published` is false with
    /// the time of writing (see [`SystemLog::append_with`]).
    pub(crate) fn append(&self, events: &mut [Value], keep_published: impl Fn(usize) -> bool) {
        self.append_with(events.len(), |index, stamp| {
            let event = &mut events[index];
            if !keep_published(index)
                && let Some(fields) = event.as_object_mut()
            {
                fields.insert("published".into(), Value::from(stamp));
            }
            let json = serde_json::to_string(event).ok()?;
            let published_ms = event
                .get("published")
                .and_then(Value::as_str)
                .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
                .map(|p| p.timestamp_millis());
            Some(Stored {
                json: Arc::from(json),
                published_ms,
                values: filter::values(event),
            })
        });
    }

    /// Writes `count` events made by `make` (index, the stamp), with the log held: the stamp
    /// is the time of writing in Okta's format, never after the wall clock (Okta never
    /// publishes in the future), never before an earlier stamp; the events of a burst share
    /// milliseconds, and their sequence numbers keep them in the order written. An event
    /// `make` cannot write (`None`) is left out.
    pub(crate) fn append_with(
        &self,
        count: usize,
        mut make: impl FnMut(usize, &str) -> Option<Stored>,
    ) {
        let mut inner = self.lock();
        let now = Utc::now().timestamp_millis().max(inner.clock_ms);
        inner.clock_ms = now;
        let stamp = crate::ids::okta_time_ms(now);
        for index in 0..count {
            let Some(stored) = make(index, &stamp) else {
                continue;
            };
            inner.last_seq += 1;
            let entry = Entry {
                seq: inner.last_seq,
                published_ms: stored.published_ms.unwrap_or(now),
                persisted_ms: now,
                values: stored.values,
                json: stored.json,
            };
            inner.bytes += entry.bytes();
            if let Some(last) = inner.entries.back()
                && (last.published_ms, last.seq) > (entry.published_ms, entry.seq)
            {
                inner.in_order = false;
            }
            inner.entries.push_back(entry);
            while inner.entries.len() > 1
                && (inner.entries.len() > self.max_events || inner.bytes > self.max_bytes)
            {
                let Some(old) = inner.entries.pop_front() else {
                    break;
                };
                inner.bytes -= old.bytes();
            }
        }
    }

    /// Forgets every event; sequence numbers go on, so cursors given out stay meaningful.
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.in_order = true;
        inner.bytes = 0;
    }

    /// The cursor of `after`, if it is one of this log's positions.
    pub(crate) fn cursor(&self, after: &str) -> Result<Cursor, Invalid> {
        let cursor = query::cursor(after, self.epoch)?;
        if cursor.seq > self.lock().last_seq {
            return Err(Invalid {
                param: "after",
                cause:
                    "after: it points past the end of the System Log; use the next link as it came"
                        .into(),
            });
        }
        Ok(cursor)
    }

    pub(crate) fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The page a query asks for (its `after` already read into `after`).
    pub(crate) fn page(&self, query: &Query, after: Option<Cursor>) -> Page {
        let inner = self.lock();
        let now = Utc::now().timestamp_millis();
        if query.polling() {
            polling(&inner, query, after, now)
        } else {
            bounded(&inner, query, after, now)
        }
    }
}

/// Adds `entry` to a page unless it is full (`limit` events, or [`MAX_PAGE_BYTES`] with at
/// least one event in it); false when full.
fn take(page: &mut Vec<Arc<str>>, bytes: &mut usize, limit: usize, entry: &Entry) -> bool {
    if page.len() == limit || (!page.is_empty() && *bytes + entry.json.len() > MAX_PAGE_BYTES) {
        return false;
    }
    *bytes += entry.json.len();
    page.push(Arc::clone(&entry.json));
    true
}

/// Events in the order they were written, after the cursor; `since` is about persistence
/// time. The next link always comes back: from the last event of a full page, or from the end
/// of the log, where the events written later will be.
fn polling(inner: &Inner, query: &Query, after: Option<Cursor>, now: i64) -> Page {
    let since = query
        .since
        .map_or(now - DEFAULT_SPAN_MS, |t| t.timestamp_millis());
    let start = after.map_or(0, |c| c.seq);
    let first = inner.entries.partition_point(|e| e.seq <= start);
    let (mut events, mut bytes) = (Vec::new(), 0);
    // Where the next page starts: past everything looked at (a full page stops at its last
    // event), or past everything there is.
    let mut position = Cursor {
        seq: start.max(inner.last_seq),
        published_ms: after.map_or(now, |c| c.published_ms),
    };
    for entry in inner.entries.range(first..) {
        let wanted = entry.persisted_ms >= since && entry.accepts(query);
        if wanted && !take(&mut events, &mut bytes, query.limit, entry) {
            break;
        }
        position = entry.cursor();
    }
    Page {
        events,
        next: Some(position),
    }
}

/// Events with `since <= published < until` in `published` order (ties in the order written),
/// after the cursor; a next link only while more remain.
fn bounded(inner: &Inner, query: &Query, after: Option<Cursor>, now: i64) -> Page {
    // The default is "now", inclusive of this millisecond's events (`until` is exclusive),
    // and of the log's clock should the wall clock have stepped back.
    let until = query
        .until
        .map_or(now.max(inner.clock_ms) + 1, |t| t.timestamp_millis());
    let since = query
        .since
        .map_or(until - DEFAULT_SPAN_MS, |t| t.timestamp_millis());
    let after = after.map(|c| (c.published_ms, c.seq));
    if inner.in_order {
        in_order(inner, query, since..until, after)
    } else {
        sorted(inner, query, since..until, after)
    }
}

/// The (`published`, sequence) key a bounded read sorts by.
fn key(entry: &Entry) -> (i64, u64) {
    (entry.published_ms, entry.seq)
}

/// A bounded page when the log is in key order: the window and the cursor are found by binary
/// search and the page is read from there, so a page costs its own events (and those the
/// query's filter skips), not the whole log.
fn in_order(
    inner: &Inner,
    query: &Query,
    window: std::ops::Range<i64>,
    after: Option<(i64, u64)>,
) -> Page {
    let entries = &inner.entries;
    let mut first = entries.partition_point(|e| e.published_ms < window.start);
    let mut end = entries.partition_point(|e| e.published_ms < window.end);
    match after {
        Some(cursor) if query.descending => {
            end = end.min(entries.partition_point(|e| key(e) < cursor))
        }
        Some(cursor) => first = first.max(entries.partition_point(|e| key(e) <= cursor)),
        None => {}
    }
    let range = entries.range(first..end.max(first));
    let matching: Box<dyn Iterator<Item = &Entry>> = if query.descending {
        Box::new(range.rev().filter(|e| e.accepts(query)))
    } else {
        Box::new(range.filter(|e| e.accepts(query)))
    };
    let (mut events, mut bytes) = (Vec::new(), 0);
    let mut last = None;
    let mut more = false;
    for entry in matching {
        if !take(&mut events, &mut bytes, query.limit, entry) {
            more = true;
            break;
        }
        last = Some(entry.cursor());
    }
    Page {
        events,
        next: last.filter(|_| more),
    }
}

/// A bounded page when the log is not in key order (a fire kept a `published` of its own):
/// every event in the window is sorted for each page.
fn sorted(
    inner: &Inner,
    query: &Query,
    window: std::ops::Range<i64>,
    after: Option<(i64, u64)>,
) -> Page {
    let mut matching: Vec<&Entry> = inner
        .entries
        .iter()
        .filter(|e| window.contains(&e.published_ms))
        .filter(|e| match after {
            None => true,
            Some(cursor) if query.descending => key(e) < cursor,
            Some(cursor) => key(e) > cursor,
        })
        .filter(|e| e.accepts(query))
        .collect();
    matching.sort_by_key(|e| key(e));
    if query.descending {
        matching.reverse();
    }
    let (mut events, mut bytes) = (Vec::new(), 0);
    let mut last = None;
    for entry in &matching {
        if !take(&mut events, &mut bytes, query.limit, entry) {
            break;
        }
        last = Some(entry.cursor());
    }
    let more = events.len() < matching.len();
    Page {
        events,
        next: last.filter(|_| more),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published_ms(event: &Value) -> i64 {
        let text = event["published"].as_str().expect("stamped");
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .timestamp_millis()
    }

    /// A burst far faster than one event a millisecond: every stamp is at most the wall clock
    /// read after it was written (a clock giving each event a millisecond of its own ended
    /// minutes in the future), stamps never go back, and sequence numbers keep the order.
    #[test]
    fn a_burst_is_never_published_after_the_wall_clock() {
        let log = SystemLog::new(MAX_EVENTS, DEFAULT_MAX_BYTES);
        let mut last = i64::MIN;
        let mut written = 0;
        for _ in 0..4_000 {
            let mut window: Vec<Value> = (0..50).map(|i| serde_json::json!({"n": i})).collect();
            log.append(&mut window, |_| false);
            let wall = Utc::now().timestamp_millis();
            for event in &window {
                let stamp = published_ms(event);
                assert!(
                    stamp <= wall,
                    "published {stamp} after the wall clock {wall}"
                );
                assert!(stamp >= last, "published went back: {stamp} < {last}");
                last = stamp;
            }
            written += window.len();
        }
        let inner = log.lock();
        assert_eq!(inner.entries.len(), written);
        assert!(
            inner.entries.iter().zip(1..).all(|(e, seq)| e.seq == seq),
            "one sequence number each, in the order written"
        );
    }

    /// Events sharing a millisecond are still paged once each, in the order written: a bounded
    /// read's cursor holds (published, sequence).
    #[test]
    fn events_sharing_a_millisecond_page_once_each_in_order() {
        let log = SystemLog::new(1000, DEFAULT_MAX_BYTES);
        let mut events: Vec<Value> = (0..25).map(|n| serde_json::json!({"n": n})).collect();
        log.append(&mut events, |_| false);
        let query = query::parse(Some(
            "limit=4&since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
        ))
        .unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = log.page(&query, after);
            for json in &page.events {
                let event: Value = serde_json::from_str(json).unwrap();
                seen.push(event["n"].as_i64().unwrap());
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    /// Both ways of reading a bounded page (binary search in a log in key order, sorting
    /// otherwise) give the same pages, ascending and descending, through their cursors, with
    /// a filter and a window that cut the log.
    #[test]
    fn a_log_in_order_pages_as_the_sorted_read_does() {
        let log = SystemLog::new(MAX_EVENTS, DEFAULT_MAX_BYTES);
        for n in 0..300 {
            let mut events = vec![serde_json::json!({
                "n": n,
                "eventType": if n % 3 == 0 { "a.b" } else { "c.d" },
                "published": format!("2026-12-01T00:00:{:02}.{:03}Z", n / 10, n % 7),
            })];
            log.append(&mut events, |_| true);
        }
        // Published times kept as given: sort them into key order, as an in-order log is.
        let mut inner = log.lock();
        inner.entries.make_contiguous().sort_by_key(key);
        let inner = &*inner;
        for raw in [
            "limit=7&since=2026-12-01T00:00:03Z&until=2026-12-01T00:00:21Z",
            "limit=7&since=2026-12-01T00:00:03Z&until=2026-12-01T00:00:21Z&sortOrder=DESCENDING",
            "limit=5&since=2026-12-01T00:00:00Z&until=2026-12-01T00:01:00Z&filter=eventType+eq+%22a.b%22",
            "limit=1000&since=2026-12-01T00:00:00Z&until=2026-12-01T00:01:00Z",
            "limit=3&since=2026-12-01T00:00:10Z&until=2026-12-01T00:00:10.004Z",
        ] {
            let query = query::parse(Some(raw)).unwrap();
            let window =
                query.since.unwrap().timestamp_millis()..query.until.unwrap().timestamp_millis();
            let (mut after, mut pages) = (None, 0);
            loop {
                let fast = in_order(inner, &query, window.clone(), after);
                let slow = sorted(inner, &query, window.clone(), after);
                assert_eq!(fast.events, slow.events, "{raw}, page {pages}");
                let (fast, slow) = (
                    fast.next.map(|c| (c.published_ms, c.seq)),
                    slow.next.map(|c| (c.published_ms, c.seq)),
                );
                assert_eq!(fast, slow, "{raw}, page {pages}");
                pages += 1;
                match fast {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            assert!(
                pages > 1 || raw.contains("limit=1000"),
                "{raw}: one page only"
            );
        }
    }

    /// What the bytes bound counts per fired event (its JSON and filter values), for the
    /// README's figure; the process's own memory per event is measured by
    /// `bench/reconcile-scale.sh`. Run with `--ignored --nocapture`.
    #[test]
    #[ignore = "a measurement: prints the bytes counted per stored event"]
    fn bytes_counted_per_event() {
        let log = SystemLog::new(MAX_EVENTS, usize::MAX);
        let count = 10_000;
        let mut events: Vec<Value> = (0..count)
            .map(|_| okta_eventhooks::sample::log_event("user.session.start", "00u1"))
            .collect();
        log.append(&mut events, |_| false);
        let inner = log.lock();
        let json: usize = inner.entries.iter().map(|e| e.json.len()).sum();
        println!(
            "user.session.start: {} bytes counted per event, of which {} of JSON",
            inner.bytes / count,
            json / count
        );
        assert_eq!(inner.entries.len(), count);
    }
}
