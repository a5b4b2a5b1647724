//! Firing events: make LogEvents (from a template per entry of the fire, `events::Template`),
//! write them to the System Log, pick the hooks Okta would call, apply their filters and POST
//! them, one window at a time (the hooks in parallel), within the fire's deadline. Each event
//! is written once: the text the System Log stores is the text the POSTs carry.
//!
//! A window is up to `max_batch` events generated together, of every type the fire asked for
//! (interleaved, as events that happen close together are). Each hook gets what is due to it
//! in the window, whatever the types, in one POST; more only when the POST would pass
//! `max_batch_bytes`. At most two windows of events are alive at a time: one is delivered to
//! every hook while the next is generated and written, and a window is dropped once delivered;
//! the summary holds counts, never events. So the memory a fire takes is two windows, whatever
//! the count (the System Log keeps its copies within its own bounds). The price is that a slow
//! hook holds back the next window for the others too; the deadline bounds the whole.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use okta_eventhooks::events::LogEvent;
use okta_eventhooks::filter::{Filter, FilterError};
use serde_json::Value;
use tokio::time::Instant;

use super::chaos::{self, Chaos};
use super::events::{self, Fired, Template};
use super::model::Hook;
use super::records::{FireRequest, FireSummary, HookOutcome};
use super::shared::Shared;

/// Most events one `fire` may generate, over all its types.
pub const MAX_FIRE_COUNT: usize = 10_000;
/// Most entries (event types) in one `fire` (Okta's limit of types per hook).
pub const MAX_FIRE_TYPES: usize = 300;
/// How long a `fire` may take unless the request says otherwise.
pub const DEFAULT_FIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest deadline a `fire` may ask for.
pub const MAX_FIRE_TIMEOUT: Duration = Duration::from_secs(600);

/// The events of one window (as written to the System Log) and the entry of the request each
/// comes from.
struct Window {
    events: Vec<Fired>,
    entries: Vec<usize>,
}

/// A checked fire request.
struct Plan {
    types: Vec<String>,
    counts: Vec<usize>,
    patches: Vec<Option<Value>>,
    /// Each entry's events (made once the hooks it names are known).
    templates: Vec<Template>,
    total: usize,
    deadline: Instant,
    chaos: Chaos,
}

fn plan(shared: &Shared, request: FireRequest) -> Result<Plan, String> {
    if request.events.is_empty() {
        return Err("events: give at least one event type to fire".into());
    }
    if request.events.len() > MAX_FIRE_TYPES {
        return Err(format!(
            "events: at most {MAX_FIRE_TYPES} entries, not {}",
            request.events.len()
        ));
    }
    let mut total = 0usize;
    for events in &request.events {
        let event_type = events.event_type.trim();
        if event_type.is_empty() || event_type.chars().any(char::is_whitespace) {
            return Err(format!(
                "eventType: '{}' is not a valid event type",
                events.event_type
            ));
        }
        if events.count == 0 || events.count > MAX_FIRE_COUNT {
            return Err(format!(
                "count: must be between 1 and {MAX_FIRE_COUNT}, not {}",
                events.count
            ));
        }
        total += events.count;
    }
    if total > MAX_FIRE_COUNT {
        return Err(format!(
            "count: at most {MAX_FIRE_COUNT} events in one fire, not {total}"
        ));
    }
    let timeout = match request.timeout_ms {
        None => DEFAULT_FIRE_TIMEOUT,
        Some(ms) if (1..=MAX_FIRE_TIMEOUT.as_millis()).contains(&u128::from(ms)) => {
            Duration::from_millis(ms)
        }
        Some(ms) => {
            return Err(format!(
                "timeoutMs: must be between 1 and {}, not {ms}",
                MAX_FIRE_TIMEOUT.as_millis()
            ));
        }
    };
    let chaos = request.chaos.unwrap_or_else(|| shared.chaos.get());
    if !chaos.acceptable() {
        return Err(format!("chaos: {}", Chaos::bounds()));
    }
    let (mut types, mut counts, mut patches) = (Vec::new(), Vec::new(), Vec::new());
    for events in request.events {
        types.push(events.event_type.trim().to_owned());
        counts.push(events.count);
        patches.push(events.patch);
    }
    Ok(Plan {
        types,
        counts,
        patches,
        templates: Vec::new(),
        total,
        deadline: Instant::now() + timeout,
        chaos,
    })
}

pub(crate) async fn fire(
    shared: &Arc<Shared>,
    request: FireRequest,
) -> Result<FireSummary, String> {
    let mut plan = plan(shared, request)?;
    let state = shared.store.snapshot();
    let subscribed = |h: &Hook| plan.types.iter().any(|t| h.events.items.contains(t));
    let (eligible, ineligible): (Vec<_>, Vec<_>) = state
        .hooks
        .iter()
        .filter(|h| subscribed(h))
        .partition(|h| plan.types.iter().any(|t| h.receives(t)));
    // Okta lists the hooks meant to deliver an event in its debug data.
    // The template of each entry's events: the sample event, these hook ids, the patch.
    plan.templates = plan
        .types
        .iter()
        .zip(&plan.patches)
        .map(|(t, patch)| {
            let ids: Vec<&str> = eligible
                .iter()
                .filter(|h| h.receives(t))
                .map(|h| h.id.as_str())
                .collect();
            Template::new(t, &state.admin_user_id, &ids.join(","), patch.as_ref())
        })
        .collect();
    let plan = Arc::new(plan);
    let mut outcomes: Vec<HookOutcome> = eligible.iter().map(|h| HookOutcome::new(h)).collect();
    let mut counters = vec![0u32; eligible.len()];
    let mut left = plan.counts.clone();
    let mut turn = 0;
    let mut fired = 0;
    let mut deadline_exceeded = false;
    // The window being delivered while the next one is made and written to the System Log:
    // generating takes CPU, delivering mostly waits on the hooks, so the two overlap. At most
    // two windows are alive, and a hook still gets one window's POSTs after the other's.
    let mut in_flight: Option<InFlight> = None;
    loop {
        let next = if fired < plan.total && Instant::now() < plan.deadline {
            let size = shared.max_batch.max(1).min(plan.total - fired);
            let mut window = Window {
                events: Vec::with_capacity(size),
                entries: Vec::with_capacity(size),
            };
            while window.entries.len() < size {
                // One of each type in turn, while it lasts.
                while left[turn % left.len()] == 0 {
                    turn += 1;
                }
                let entry = turn % left.len();
                left[entry] -= 1;
                turn += 1;
                window.entries.push(entry);
            }
            // Each event is written once, stamped by the System Log as it stores it; the
            // window keeps the same text for the POSTs.
            let (entries, events) = (&window.entries, &mut window.events);
            shared.system_log.append_with(size, |index, stamp| {
                let (stored, fired) = plan.templates[entries[index]].make(stamp);
                events.push(fired);
                Some(stored)
            });
            fired += size;
            Some(Arc::new(window))
        } else {
            deadline_exceeded |= fired < plan.total;
            None
        };
        if let Some(flight) = in_flight.take() {
            let delivered = flight
                .finish(&plan, &eligible, &mut outcomes, &mut counters)
                .await?;
            if !delivered {
                // The next window was fired (it is in the System Log) but not delivered.
                if let Some(window) = &next {
                    for (outcome, hook) in outcomes.iter_mut().zip(&eligible) {
                        let due = due(hook, &plan, window).count();
                        outcome.due += due;
                        outcome.unfinished += due;
                    }
                }
                deadline_exceeded = true;
                break;
            }
        }
        let Some(window) = next else {
            break;
        };
        if !eligible.is_empty() {
            in_flight = Some(InFlight::start(shared, &plan, &eligible, window, &counters));
        }
    }
    let mut event_types = plan.types.clone();
    let mut seen = HashSet::new();
    event_types.retain(|t| seen.insert(t.clone()));
    Ok(FireSummary {
        event_types,
        fired,
        hooks: outcomes,
        ineligible_hook_ids: ineligible.iter().map(|h| h.id.clone()).collect(),
        deadline_exceeded,
    })
}

/// One window being delivered to every eligible hook, a task each.
struct InFlight {
    window: Arc<Window>,
    tasks: tokio::task::JoinSet<(usize, HookOutcome, u32)>,
}

impl InFlight {
    fn start(
        shared: &Arc<Shared>,
        plan: &Arc<Plan>,
        eligible: &[&Arc<Hook>],
        window: Arc<Window>,
        counters: &[u32],
    ) -> Self {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, hook) in eligible.iter().enumerate() {
            let (shared, hook, window, plan) = (
                Arc::clone(shared),
                Arc::clone(hook),
                Arc::clone(&window),
                Arc::clone(plan),
            );
            let mut counter = counters[index];
            tasks.spawn(async move {
                let outcome = deliver_window(&shared, &hook, &plan, &window, &mut counter).await;
                (index, outcome, counter)
            });
        }
        Self { window, tasks }
    }

    /// Waits for every hook's deliveries, adding their outcomes; false when the deadline came
    /// first (what was not delivered is counted as unfinished).
    async fn finish(
        mut self,
        plan: &Plan,
        eligible: &[&Arc<Hook>],
        outcomes: &mut [HookOutcome],
        counters: &mut [u32],
    ) -> Result<bool, String> {
        let mut finished = vec![false; eligible.len()];
        let all = async {
            while let Some(joined) = self.tasks.join_next().await {
                let (index, window_outcome, counter) =
                    joined.map_err(|e| format!("a delivery task failed: {e}"))?;
                outcomes[index].add(window_outcome);
                counters[index] = counter;
                finished[index] = true;
            }
            Ok::<(), String>(())
        };
        match tokio::time::timeout_at(plan.deadline, all).await {
            Ok(joined) => joined.map(|()| true),
            Err(_) => {
                // Dropping the set cancels the deliveries still under way: their events are
                // unfinished (they may or may not have reached the hook).
                for ((outcome, done), hook) in outcomes.iter_mut().zip(&finished).zip(eligible) {
                    if !done {
                        let due = due(hook, plan, &self.window).count();
                        outcome.due += due;
                        outcome.unfinished += due;
                    }
                }
                Ok(false)
            }
        }
    }
}

/// The events of a window due to a hook: of a type it receives.
fn due<'w>(
    hook: &'w Hook,
    plan: &'w Plan,
    window: &'w Window,
) -> impl Iterator<Item = (&'w Fired, &'w str)> {
    window
        .events
        .iter()
        .zip(&window.entries)
        .map(|(event, entry)| (event, plan.types[*entry].as_str()))
        .filter(|(_, event_type)| hook.receives(event_type))
}

/// Filters one window for one hook and POSTs what passes (Okta's retry included), in POSTs
/// within the bounds, with the chaos asked for.
async fn deliver_window(
    shared: &Shared,
    hook: &Hook,
    plan: &Plan,
    window: &Window,
    duplicates: &mut u32,
) -> HookOutcome {
    let mut outcome = HookOutcome::new(hook);
    let mut filters: HashMap<&str, Option<Result<Filter, FilterError>>> = HashMap::new();
    let mut kept: Vec<&Fired> = Vec::new();
    for (event, event_type) in due(hook, plan, window) {
        outcome.due += 1;
        let filter = filters
            .entry(event_type)
            .or_insert_with(|| hook.events.filter_for(event_type));
        match filter {
            None => kept.push(event),
            Some(Err(e)) => {
                tracing::warn!(hook_id = %hook.id, error = %e, "hook filter is not valid; events not delivered");
                outcome.failed += 1;
                outcome.filter_error = Some(format!("the filter is not valid: {e}"));
            }
            // A patch can make an event something Okta never sends.
            Some(Ok(filter)) => match serde_json::from_str::<LogEvent>(&event.json) {
                Ok(typed) if filter.matches(&typed) => kept.push(event),
                Ok(_) => outcome.filtered_out += 1,
                Err(e) => {
                    outcome.failed += 1;
                    outcome.filter_error = Some(format!("the event is not a LogEvent: {e}"));
                }
            },
        }
    }
    if plan.chaos.reorder {
        chaos::shuffle(&mut kept);
    }
    let mut acknowledged = Vec::new();
    for post in posts(&kept, shared.max_batch, shared.max_batch_bytes, |e| {
        e.json.len()
    }) {
        let delivered = send(shared, hook, plan, post, None).await;
        outcome.requests += delivered.requests;
        if delivered.acknowledged {
            outcome.delivered += post.len();
            acknowledged.push((delivered.event_id, post));
        } else {
            outcome.failed += post.len();
        }
    }
    // Duplicates: later POSTs that repeat an earlier one's eventId.
    for (event_id, post) in acknowledged {
        let again = chaos::pick_duplicates(post, plan.chaos.duplicate_percent, duplicates);
        if again.is_empty() {
            continue;
        }
        outcome.duplicated += again.len();
        let delivered = send(shared, hook, plan, &again, Some(&event_id)).await;
        outcome.requests += delivered.requests;
    }
    outcome
}

/// One POST (after the chaos delay); a failure of a first delivery (not of a duplicate) is
/// written to the System Log as `event_hook.delivery`.
async fn send(
    shared: &Shared,
    hook: &Hook,
    plan: &Plan,
    post: &[&Fired],
    repeat: Option<&str>,
) -> crate::outbound::Delivered {
    if plan.chaos.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.chaos.delay_ms)).await;
    }
    let delivered = shared
        .outbound
        .deliver(hook, &shared.base_url, post, repeat, &shared.log)
        .await;
    if !delivered.acknowledged && repeat.is_none() {
        let uri = okta_eventhooks::redact::text(&hook.channel.uri);
        let mut event_types: Vec<&str> = post
            .iter()
            .filter_map(|e| e.event_type.as_deref())
            .collect();
        let mut seen = HashSet::new();
        event_types.retain(|t| seen.insert(*t));
        let failure = events::delivery_failure(&events::DeliveryFailure {
            hook_id: &hook.id,
            hook_name: &hook.name,
            uri: &uri,
            event_id: &delivered.event_id,
            event_types,
            uuids: post.iter().filter_map(|e| e.uuid.as_deref()).collect(),
            attempts: delivered.attempts,
            status: delivered.status,
            reason: delivered.error.as_deref().unwrap_or("the delivery failed"),
        });
        shared.system_log.append(&mut [failure], |_| false);
    }
    delivered
}

/// Splits events into POSTs of at most `max_events` events and `max_bytes` bytes of events
/// (`len` says an event's; an event larger than that goes alone).
fn posts<T>(
    events: &[T],
    max_events: usize,
    max_bytes: usize,
    len: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let mut posts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, event) in events.iter().enumerate() {
        let size = len(event);
        let count = index - start;
        if count > 0 && (count == max_events.max(1) || bytes + size > max_bytes) {
            posts.push(&events[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes += size;
    }
    if start < events.len() {
        posts.push(&events[start..]);
    }
    posts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_keep_to_both_bounds() {
        let small = r#"{"a":1}"#; // 7 bytes
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(100));
        let events = [small, small, small, &big, small];
        let sizes = |posts: Vec<&[&str]>| posts.iter().map(|p| p.len()).collect::<Vec<_>>();
        let len = |e: &&str| e.len();
        assert_eq!(sizes(posts(&events, 2, 1000, len)), [2, 2, 1]);
        assert_eq!(sizes(posts(&events, 50, 1000, len)), [5]);
        // 3 small ones fit in 21 bytes; the big one goes alone.
        assert_eq!(sizes(posts(&events, 50, 21, len)), [3, 1, 1]);
        assert!(posts(&[], 50, 1000, len).is_empty());
    }
}
