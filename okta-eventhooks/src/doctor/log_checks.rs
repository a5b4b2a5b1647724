//! The checks that read the System Log: `filter` (the type's filter over its newest real
//! events), `deliveries` (the hook's `event_hook.delivery` failures) and `volume` (events a day
//! against Okta's limit). Two bounded reads, newest first, at most `max_events` each.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::Value;

use super::{Check, DAILY_LIMIT, DAILY_WARNING, MAX_EVENTS, Options, Status};
use crate::client::Client;
use crate::error::Result;
use crate::events::LogEvent;
use crate::filter::{Evaluation, Filter};
use crate::logs::MAX_LIMIT;
use crate::open_enums::LogSortOrder;
use crate::reconcile::{DELIVERY_FAILURE_EVENT_TYPE, FAILURE_HTTP_STATUS, delivery_failure};
use crate::types::EventHook;

pub(super) struct LogChecks {
    pub(super) filter: Check,
    pub(super) deliveries: Check,
    pub(super) volume: Check,
}

/// What one bounded read brought: the events, and whether it stopped at the cap.
struct Read {
    events: Vec<LogEvent>,
    capped: bool,
}

async fn read(
    client: &Client,
    types: &[&str],
    options: &Options,
    now: DateTime<Utc>,
) -> Result<Read> {
    let cap = options.max_events.clamp(1, MAX_EVENTS);
    let mut stream = client
        .logs()
        .since(options.since)
        .until(now)
        .event_types(types.iter().copied())
        .sort_order(LogSortOrder::Descending)
        .limit(MAX_LIMIT.min(cap as u32))
        .stream()?;
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event?);
        if events.len() >= cap {
            // Only a next event would prove there are more; the cap is said either way.
            return Ok(Read {
                events,
                capped: true,
            });
        }
    }
    Ok(Read {
        events,
        capped: false,
    })
}

pub(super) async fn check(
    client: &Client,
    hook: &EventHook,
    id: &str,
    options: &Options,
) -> Result<LogChecks> {
    let now = Utc::now();
    let since = options.since.format("%Y-%m-%dT%H:%M:%SZ");
    let types: Vec<&str> = hook.events.items.iter().map(String::as_str).collect();
    let (filter, volume) = if types.is_empty() {
        let skip = |name| Check::new(name, Status::Skip, "the hook has no event types");
        (skip("filter"), skip("volume"))
    } else {
        let subscribed = read(client, &types, options, now).await?;
        let capped = if subscribed.capped {
            format!(" (the newest {} read)", subscribed.events.len())
        } else {
            String::new()
        };
        (
            filter(hook, id, options, &subscribed, &since.to_string(), &capped),
            volume(&subscribed, options.since, now, &capped),
        )
    };
    let failures = read(client, &[DELIVERY_FAILURE_EVENT_TYPE], options, now).await?;
    Ok(LogChecks {
        filter,
        deliveries: deliveries(&failures, id, &since.to_string()),
        volume,
    })
}

/// The filters of the hook, by event type (entries that do not parse are kept as errors).
fn filters(hook: &EventHook) -> HashMap<&str, std::result::Result<Filter, String>> {
    hook.events
        .filter
        .iter()
        .flat_map(|f| &f.event_filter_map)
        .filter_map(|entry| {
            let expression = entry.condition.as_ref()?.expression.as_deref()?;
            let parsed = Filter::parse(expression).map_err(|e| e.to_string());
            Some((entry.event.as_deref()?, parsed))
        })
        .collect()
}

fn filter(
    hook: &EventHook,
    id: &str,
    options: &Options,
    read: &Read,
    since: &str,
    capped: &str,
) -> Check {
    let filters = filters(hook);
    let items = &hook.events.items;
    let types: Vec<&str> = match options.event_type.as_deref() {
        Some(wanted) if !items.iter().any(|t| t == wanted) => {
            return Check::new(
                "filter",
                Status::Skip,
                format!("{wanted} is not subscribed"),
            );
        }
        Some(wanted) => vec![wanted],
        None if filters.is_empty() => {
            let count = read.events.len();
            return if count == 0 {
                Check::new(
                    "filter",
                    Status::Warn,
                    format!("no filter, but no event of the subscribed types since {since}: Okta had nothing to deliver"),
                )
                .fix("make one happen (e.g. sign in), or look further back with --since")
            } else {
                Check::new(
                    "filter",
                    Status::Ok,
                    format!(
                        "no filter: all {count} events of the subscribed types since {since}{capped} are delivered"
                    ),
                )
            };
        }
        None => {
            let mut types: Vec<&str> = filters
                .keys()
                .copied()
                .filter(|t| items.iter().any(|i| i == t))
                .collect();
            types.sort_unstable();
            types
        }
    };
    let mut worst = Status::Ok;
    let mut findings = Vec::new();
    let mut fix = None;
    for event_type in types {
        let of_type: Vec<&LogEvent> = read
            .events
            .iter()
            .filter(|e| e.event_type.as_deref() == Some(event_type))
            .collect();
        let (status, finding) = match filters.get(event_type) {
            _ if of_type.is_empty() => {
                fix.get_or_insert_with(|| {
                    "make one happen (e.g. sign in), or look further back with --since".to_owned()
                });
                (
                    Status::Warn,
                    format!("no {event_type} event since {since}: Okta had nothing to deliver"),
                )
            }
            None => (
                Status::Ok,
                format!(
                    "{event_type}: no filter, all {} events since {since}{capped} are delivered",
                    of_type.len()
                ),
            ),
            Some(Err(e)) => (
                Status::Fail,
                format!("{event_type}: the filter does not parse: {e}"),
            ),
            Some(Ok(parsed)) => {
                let mut passed = 0;
                let mut dropped: Option<Evaluation> = None;
                for event in &of_type {
                    let evaluation = parsed.evaluate(event);
                    if evaluation.matched {
                        passed += 1;
                    } else if dropped.is_none() {
                        dropped = Some(evaluation);
                    }
                }
                let total = of_type.len();
                let why = dropped.map_or(String::new(), |d| {
                    format!(
                        "; the newest dropped one was decided by `{}` ({})",
                        d.decided_by, d.observed
                    )
                });
                if passed == 0 {
                    fix.get_or_insert_with(|| {
                        format!(
                            "change the filter (okta-eventhooks replace {id} --filter '{event_type}=EXPRESSION', try it with okta-eventhooks filter test) or remove it (--clear-filters); Okta's Preview ignores filters"
                        )
                    });
                    (
                        Status::Fail,
                        format!(
                            "{event_type}: none of {total} events since {since}{capped} passes the filter{why}"
                        ),
                    )
                } else {
                    (
                        Status::Ok,
                        format!(
                            "{event_type}: {passed} of {total} events since {since}{capped} pass the filter{why}"
                        ),
                    )
                }
            }
        };
        worst = worst.max(status);
        findings.push(finding);
    }
    let check = Check::new("filter", worst, findings.join("; "));
    match fix {
        Some(fix) if worst != Status::Ok => check.fix(fix),
        _ => check,
    }
}

fn deliveries(read: &Read, id: &str, since: &str) -> Check {
    // Newest first: the first failure is the last one.
    let failures: Vec<(&LogEvent, _)> = read
        .events
        .iter()
        .filter_map(|e| Some((e, delivery_failure(e, id)?)))
        .collect();
    let Some((last_event, last)) = failures.first() else {
        let note = if read.capped {
            " (the newest failures read)"
        } else {
            ""
        };
        return Check::new(
            "deliveries",
            Status::Ok,
            format!("no failed delivery since {since}{note}"),
        );
    };
    let status = last_event
        .debug_context
        .as_ref()
        .and_then(|d| d.debug_data.as_ref())
        .and_then(|d| d.get(FAILURE_HTTP_STATUS))
        .and_then(Value::as_str)
        .map_or("no HTTP answer".to_owned(), |s| format!("HTTP {s}"));
    let capped = if read.capped { " or more" } else { "" };
    Check::new(
        "deliveries",
        Status::Fail,
        format!(
            "{}{capped} failed deliveries since {since}; the last at {}: {} ({status})",
            failures.len(),
            last.published,
            last.reason.as_deref().unwrap_or("no reason given"),
        ),
    )
    .fix(format!(
        "fix the receiver (see reachable); Okta does not send a failed delivery again: okta-eventhooks reconcile --hook {id} --since ... --replay puts the events in"
    ))
}

fn volume(read: &Read, since: DateTime<Utc>, now: DateTime<Utc>, capped: &str) -> Check {
    let count = read.events.len() as u64;
    // A capped read covers only its newest events: the rate is over the time they span.
    let start = if read.capped {
        read.events
            .last()
            .and_then(LogEvent::published_at)
            .unwrap_or(since)
    } else {
        since
    };
    let seconds = (now - start).num_seconds().max(1) as u64;
    let per_day = count.saturating_mul(86_400) / seconds;
    let status = if per_day >= DAILY_LIMIT {
        Status::Fail
    } else if per_day >= DAILY_WARNING {
        Status::Warn
    } else {
        Status::Ok
    };
    let check = Check::new(
        "volume",
        status,
        format!(
            "about {per_day} events a day of the subscribed types ({count} since {}{capped}); Okta's limit is {DAILY_LIMIT} an org",
            start.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    );
    match status {
        Status::Ok => check,
        _ => check.fix(
            "subscribe to fewer types or filter them; past the limit Okta drops events for the rest of the 24 h",
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn events(count: usize, oldest: DateTime<Utc>) -> Vec<LogEvent> {
        (0..count)
            .map(|_| {
                serde_json::from_value(serde_json::json!({
                    "eventType": "user.session.start",
                    "published": oldest.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                }))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn volume_warns_from_okta_s_warning_and_fails_at_the_limit() {
        // Over a one-hour window, so that the day is 24 times the count.
        let now = Utc::now();
        let hour = now - TimeDelta::hours(1);
        for (count, status) in [
            (11_666, Status::Ok),
            (11_667, Status::Warn),
            (16_666, Status::Warn),
            (16_667, Status::Fail),
        ] {
            let read = Read {
                events: events(count, hour),
                capped: false,
            };
            let check = volume(&read, hour, now, "");
            assert_eq!(check.status, status, "{count}: {}", check.finding);
            let per_day = format!("about {} events a day", count * 24);
            assert!(check.finding.starts_with(&per_day), "{}", check.finding);
        }
    }

    #[test]
    fn a_capped_read_is_judged_over_the_time_its_events_span() {
        let now = Utc::now();
        // 10,000 events in the last hour of a 24 h window: 240,000 a day at that rate.
        let read = Read {
            events: events(10_000, now - TimeDelta::hours(1)),
            capped: true,
        };
        let check = volume(&read, now - TimeDelta::hours(24), now, " (capped)");
        assert_eq!(check.status, Status::Ok, "{}", check.finding);
        assert!(
            check.finding.starts_with("about 240000 events a day"),
            "{}",
            check.finding
        );
        assert!(check.finding.contains("(capped)"));
        // The same 10,000 in the last 30 minutes: 480,000 a day.
        let read = Read {
            events: events(10_000, now - TimeDelta::minutes(30)),
            capped: true,
        };
        let check = volume(&read, now - TimeDelta::hours(24), now, "");
        assert_eq!(check.status, Status::Fail, "{}", check.finding);
    }
}
