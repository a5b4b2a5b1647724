//! The emulator's System Log at `GET /api/v1/logs`: what gets written, Okta's query semantics
//! (bounded and polling requests, filters, `q`, limits, cursors), its headers and rate limit.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use okta_eventhooks::events::LogEvent;
use okta_eventhooks_emulator::{DeliveryKind, Emulator, FireEvents, FireRequest};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::http;

/// One answer of `/api/v1/logs`.
struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Page {
    fn events(&self) -> &[Value] {
        self.body.as_array().map_or(&[], Vec::as_slice)
    }

    /// The URL of the `Link` with this `rel`.
    fn link(&self, rel: &str) -> Option<String> {
        self.headers
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.ends_with(&format!("; rel=\"{rel}\"")))
            .map(|v| v[1..v.find('>').unwrap()].to_owned())
    }

    fn uuids(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["uuid"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The first cause of an Okta error answer.
    fn cause(&self) -> &str {
        self.body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap_or_default()
    }
}

async fn get(url: &str) -> Page {
    let response = http::client()
        .get(url)
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}

/// `GET /api/v1/logs` with these parameters (encoded here).
async fn logs(emu: &Emulator, params: &[(&str, &str)]) -> Page {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/api/v1/logs", emu.url()), params).unwrap();
    get(url.as_str()).await
}

/// Follows `next` links from a first page until there is none (bounded requests) or a page
/// comes back empty (polling requests); every page must be a 200.
async fn follow(emu: &Emulator, params: &[(&str, &str)]) -> Vec<Page> {
    let mut pages = vec![logs(emu, params).await];
    while let Some(next) = pages.last().unwrap().link("next") {
        assert!(pages.len() < 1000, "no end to the pages");
        if pages.last().unwrap().events().is_empty() {
            break;
        }
        let page = get(&next).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages.push(page);
    }
    pages
}

fn all_uuids(pages: &[Page]) -> Vec<String> {
    pages.iter().flat_map(Page::uuids).collect()
}

fn in_a_minute() -> String {
    (Utc::now() + chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A hook endpoint that verifies, then answers every delivery with `status`.
async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn fired_events_and_failed_deliveries_are_logged_in_published_order() {
    let emu = start().await;
    let client = client(&emu);
    let types = ["user.session.start"];
    let healthy = endpoint().await;
    let failing = answering(500).await;
    let refusing = answering(400).await;
    let healthy_id = verified_hook(&client, &new_hook("healthy", &healthy.uri(), &types)).await;
    let failing_id = verified_hook(&client, &new_hook("failing", &failing.uri(), &types)).await;
    let refusing_id = verified_hook(&client, &new_hook("refusing", &refusing.uri(), &types)).await;
    let burst = FireRequest::new("user.session.start", 3).and("group.user_membership.add", 2);
    let summary = emu.fire_with(burst).await.unwrap();
    assert_eq!(summary.fired, 5);

    let page = logs(&emu, &[("until", &in_a_minute())]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let events = page.events();
    assert_eq!(events.len(), 7, "5 fired, 2 failed deliveries");
    // Typed like every LogEvent, and in `published` order.
    let published: Vec<DateTime<Utc>> = events
        .iter()
        .map(|e| {
            let typed: LogEvent = serde_json::from_value(e.clone()).unwrap();
            typed.published_at().unwrap()
        })
        .collect();
    assert!(published.windows(2).all(|w| w[0] <= w[1]), "{published:?}");
    // The fired events, interleaved, with the hooks meant to deliver them.
    let fired: Vec<&str> = events[..5]
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        fired,
        [
            "user.session.start",
            "group.user_membership.add",
            "user.session.start",
            "group.user_membership.add",
            "user.session.start",
        ]
    );
    let hook_ids = events[0]["debugContext"]["debugData"]["eventHookIds"]
        .as_str()
        .unwrap();
    for id in [&healthy_id, &failing_id, &refusing_id] {
        assert!(hook_ids.contains(id.as_str()), "{hook_ids}");
    }
    assert_eq!(events[1]["debugContext"]["debugData"]["eventHookIds"], "");
    // What the healthy hook got is what the log holds.
    let delivered: HashSet<String> = envelopes(&healthy)
        .await
        .iter()
        .flat_map(|e| e["data"]["events"].as_array().unwrap().clone())
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    let logged: HashSet<String> = page.uuids()[..5].iter().cloned().collect();
    assert!(delivered.is_subset(&logged) && delivered.len() == 3);

    // One event_hook.delivery per failed POST: after the retry for a 500, at once for a 400.
    let records = emu.deliveries();
    for (id, status, attempts) in [(&failing_id, "500", "2"), (&refusing_id, "400", "1")] {
        // The two hooks fail in parallel: either may be written first.
        let failure = events[5..]
            .iter()
            .find(|e| e["target"][0]["id"] == id.as_str())
            .unwrap();
        assert_eq!(failure["eventType"], "event_hook.delivery");
        assert_eq!(failure["outcome"]["result"], "FAILURE");
        let reason = failure["outcome"]["reason"].as_str().unwrap();
        assert!(reason.contains(status), "{reason}");
        assert_eq!(failure["actor"]["type"], "SystemPrincipal");
        let target = &failure["target"][0];
        assert_eq!(target["type"], "EventHook");
        assert!(target["displayName"].as_str().unwrap().ends_with("ing"));
        let debug = &failure["debugContext"]["debugData"];
        assert_eq!(debug["attempts"], attempts);
        assert_eq!(debug["httpStatus"], status);
        assert_eq!(debug["eventTypes"], "user.session.start");
        let uuids: Vec<&str> = debug["eventUuids"].as_str().unwrap().split(',').collect();
        assert_eq!(uuids.len(), 3);
        // The POST it is about, by its eventId.
        let post = records
            .iter()
            .find(|r| r.kind == DeliveryKind::Delivery && r.hook_id == **id)
            .unwrap();
        assert_eq!(debug["deliveryEventId"], post.event_id.as_deref().unwrap());
        assert_eq!(post.event_uuids, uuids);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn bounded_requests_page_through_everything_then_stop() {
    let emu = start().await;
    emu.fire("user.lifecycle.create", 250).await.unwrap();
    let until = in_a_minute();

    let pages = follow(&emu, &[("until", &until), ("limit", "7")]).await;
    assert_eq!(pages.len(), 36, "35 pages of 7 and one of 5");
    assert!(pages[..35].iter().all(|p| p.events().len() == 7));
    assert_eq!(pages[35].events().len(), 5);
    assert!(
        pages[35].link("next").is_none(),
        "the last page has no next link"
    );
    assert!(pages.iter().all(|p| p.link("self").is_some()));
    let ascending = all_uuids(&pages);
    assert_eq!(ascending.iter().collect::<HashSet<_>>().len(), 250);

    // Descending: the same events the other way round.
    let pages = follow(&emu, &[("sortOrder", "DESCENDING"), ("limit", "100")]).await;
    assert_eq!(pages.len(), 3);
    let mut descending = all_uuids(&pages);
    descending.reverse();
    assert_eq!(descending, ascending);

    // Okta's default page is 100; 1000 is the most.
    let page = logs(&emu, &[("until", &until)]).await;
    assert_eq!(page.events().len(), 100);
    assert!(page.link("next").is_some());
    let page = logs(&emu, &[("until", &until), ("limit", "1000")]).await;
    assert_eq!(page.uuids(), ascending);
    assert!(page.link("next").is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn since_and_until_bound_published_time() {
    let emu = start().await;
    emu.fire("user.session.start", 3).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    emu.fire("user.session.end", 2).await.unwrap();
    let before = logs(&emu, &[("until", &between)]).await;
    assert_eq!(before.events().len(), 3);
    assert!(
        before
            .events()
            .iter()
            .all(|e| e["eventType"] == "user.session.start")
    );
    let after = logs(&emu, &[("since", &between), ("until", &in_a_minute())]).await;
    assert_eq!(after.events().len(), 2);
    let long_ago = logs(&emu, &[("until", "2020-01-01T00:00:00Z")]).await;
    assert!(long_ago.events().is_empty() && long_ago.link("next").is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn polling_requests_always_get_a_next_link_to_what_comes_later() {
    let emu = start().await;
    emu.fire("user.session.start", 5).await.unwrap();
    let pages = follow(&emu, &[("limit", "2")]).await;
    let sizes: Vec<usize> = pages.iter().map(|p| p.events().len()).collect();
    assert_eq!(sizes, [2, 2, 1, 0]);
    let waiting = pages
        .last()
        .unwrap()
        .link("next")
        .expect("always a next link");
    // Nothing new yet: an empty page, and a next link again.
    let again = get(&waiting).await;
    assert!(again.events().is_empty());
    assert!(again.link("next").is_some());
    // Later events come through the link followed later, and nothing else.
    let later = emu.fire("user.session.end", 3).await.unwrap();
    assert_eq!(later.fired, 3);
    let page = get(&waiting).await;
    assert_eq!(page.events().len(), 2, "limit=2 is in the link");
    let rest = get(&page.link("next").unwrap()).await;
    assert_eq!(rest.events().len(), 1);
    let types: HashSet<&str> = page
        .events()
        .iter()
        .chain(rest.events())
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, HashSet::from(["user.session.end"]));
    let next = get(&rest.link("next").unwrap()).await;
    assert!(next.events().is_empty() && next.link("next").is_some());
    // `since` in polling is about persistence time: nothing was written in the future.
    let future = logs(&emu, &[("since", &in_a_minute())]).await;
    assert!(future.events().is_empty() && future.link("next").is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn filters_and_keywords_select_and_the_rest_is_refused() {
    let emu = start().await;
    let burst = FireRequest::burst([
        FireEvents::new("user.session.start", 3),
        FireEvents::new("group.user_membership.add", 2),
        FireEvents::new("user.lifecycle.create", 1)
            .patch(json!({"outcome": {"result": "FAILURE"}})),
    ]);
    emu.fire_with(burst).await.unwrap();
    let until = in_a_minute();
    let count = |filter: &'static str| {
        let until = until.clone();
        let emu = &emu;
        async move {
            let page = logs(emu, &[("until", &until), ("filter", filter)]).await;
            assert_eq!(page.status, 200, "{filter}: {}", page.body);
            page.events().len()
        }
    };
    assert_eq!(count(r#"eventType eq "user.session.start""#).await, 3);
    assert_eq!(
        count(r#"eventType eq "user.session.start" or eventType eq "group.user_membership.add""#)
            .await,
        5
    );
    assert_eq!(
        count(r#"eventType sw "user." and outcome.result eq "FAILURE""#).await,
        1
    );
    assert_eq!(
        count(r#"target.type eq "UserGroup" and target.displayName eq "Sales""#).await,
        2
    );
    assert_eq!(count(r#"not (eventType co "session")"#).await, 3);
    assert_eq!(count(r#"eventType eq "no.such.type""#).await, 0);
    // Keywords: case-insensitive, every one must be found in the event's values.
    let page = logs(&emu, &[("until", &until), ("q", "SALES")]).await;
    assert_eq!(page.events().len(), 2);
    let page = logs(
        &emu,
        &[("until", &until), ("q", "sales jane.doe@example.com")],
    )
    .await;
    assert_eq!(page.events().len(), 2);
    let page = logs(&emu, &[("until", &until), ("q", "sales nowhere")]).await;
    assert!(page.events().is_empty());

    // Outside the subset: 400 E0000001 naming the parameter and the problem, never a guess.
    for (filter, problem) in [
        (
            r#"published gt "2026-01-01T00:00:00Z""#,
            "does not filter on published",
        ),
        (r#"eventType gt "a""#, "does not support the operator gt"),
        (
            r#"eventType eq 'user.session.start'"#,
            "expected a double-quoted string",
        ),
        (r#"target[type eq "User"]"#, "does not filter on target"),
        (r#"eventType eq "a" and"#, "the filter ends"),
    ] {
        let page = logs(&emu, &[("until", &until), ("filter", filter)]).await;
        assert_eq!(page.status, 400, "{filter}");
        assert_eq!(page.body["errorCode"], "E0000001");
        assert_eq!(page.body["errorSummary"], "Api validation failed: filter");
        assert!(
            page.cause().starts_with("filter: column "),
            "{}",
            page.cause()
        );
        assert!(page.cause().contains(problem), "{}", page.cause());
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn limits_and_other_parameters_outside_okta_bounds_are_refused() {
    let emu = start().await;
    emu.fire("user.session.start", 2).await.unwrap();
    for (name, value) in [
        ("limit", "0"),
        ("limit", "1001"),
        ("limit", "-5"),
        ("limit", "many"),
        ("sortOrder", "SIDEWAYS"),
        ("since", "yesterday"),
        ("until", "2026-02-30T00:00:00Z"),
        ("q", "a b c d e f g h i j k"),
    ] {
        let page = logs(&emu, &[(name, value)]).await;
        assert_eq!(page.status, 400, "{name}={value}");
        assert_eq!(page.body["errorCode"], "E0000001");
        assert_eq!(
            page.body["errorSummary"],
            format!("Api validation failed: {name}")
        );
        assert!(
            page.cause().starts_with(&format!("{name}: ")),
            "{}",
            page.cause()
        );
    }
    let page = logs(
        &emu,
        &[
            ("since", "2026-02-01T00:00:00Z"),
            ("until", "2026-01-01T00:00:00Z"),
        ],
    )
    .await;
    assert_eq!(page.status, 400);
    assert_eq!(page.cause(), "since: must be before until");
    let page = logs(&emu, &[("limit", "1000"), ("sortOrder", "descending")]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.events().len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn after_cursors_are_checked_and_outlive_a_reset() {
    let emu = start().await;
    emu.fire("user.session.start", 3).await.unwrap();
    let pages = follow(&emu, &[("limit", "10")]).await;
    let waiting = pages.last().unwrap().link("next").unwrap();
    let cursor = reqwest::Url::parse(&waiting)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "after")
        .unwrap()
        .1
        .into_owned();

    // Not a cursor, or one of another emulator's (its log is not this one).
    let other = start().await;
    for (after, problem) in [
        ("garbage", "not a cursor this System Log gave out"),
        (
            &cursor[..cursor.len() - 1],
            "not a cursor this System Log gave out",
        ),
        (cursor.as_str(), "another run of the emulator"),
    ] {
        let page = logs(&other, &[("after", after)]).await;
        assert_eq!(page.status, 400, "{after}");
        assert_eq!(page.body["errorSummary"], "Api validation failed: after");
        assert!(page.cause().contains(problem), "{}", page.cause());
    }
    // A position past the end of the log is not one it gave out.
    let ahead = format!("{}{:016x}{}", &cursor[..8], u64::MAX, &cursor[24..]);
    let page = logs(&emu, &[("after", &ahead)]).await;
    assert_eq!(page.status, 400);
    assert!(page.cause().contains("past the end"), "{}", page.cause());
    other.shutdown().await;

    // A reset empties the log; the cursor still points where it did, so a poller gets what
    // is written after the reset, and only that.
    emu.reset().await.unwrap();
    let empty = logs(&emu, &[("until", &in_a_minute())]).await;
    assert!(empty.events().is_empty());
    emu.fire("user.session.end", 2).await.unwrap();
    let page = get(&waiting).await;
    assert_eq!(page.status, 200);
    let types: Vec<&str> = page
        .events()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["user.session.end", "user.session.end"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_log_keeps_at_most_its_cap_dropping_the_oldest() {
    let emu = builder()
        .system_log_max_events(10)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    emu.fire("user.session.start", 15).await.unwrap();
    emu.fire("user.session.end", 5).await.unwrap();
    let page = logs(&emu, &[("until", &in_a_minute())]).await;
    let types: Vec<&str> = page
        .events()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 10);
    assert_eq!(types[..5], ["user.session.start"; 5]);
    assert_eq!(types[5..], ["user.session.end"; 5]);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_page_carries_okta_headers_on_the_wire() {
    let emu = start().await;
    emu.fire("user.session.start", 3).await.unwrap();
    // `until` makes it bounded (`since` is then 7 days before it).
    let query = format!(
        "limit=2&filter=eventType%20eq%20%22user.session.start%22&until={}",
        in_a_minute()
    );
    let url = format!("{}/api/v1/logs?{query}", emu.url());
    let page = get(&url).await;
    assert_eq!(page.status, 200);
    let h = &page.headers;
    assert_eq!(h["content-type"], "application/json");
    assert!(h.contains_key("x-okta-request-id") && h.contains_key("date"));
    for name in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(h.contains_key(name), "{name}");
    }
    // Two Link fields, self first; self is the request as sent.
    let links: Vec<&str> = h
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(links[0], format!("<{url}>; rel=\"self\""));
    assert!(
        links[1].starts_with(&format!("<{}/api/v1/logs?", emu.url())),
        "{}",
        links[1]
    );
    assert!(links[1].ends_with(">; rel=\"next\""), "{}", links[1]);
    // The next link repeats the query and adds the cursor.
    let next = reqwest::Url::parse(&page.link("next").unwrap()).unwrap();
    let pairs: Vec<(String, String)> = next.query_pairs().into_owned().collect();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["limit", "filter", "until", "after"]);
    assert_eq!(pairs[1].1, r#"eventType eq "user.session.start""#);
    let last = get(next.as_str()).await;
    assert_eq!(last.events().len(), 1);
    let links: Vec<&str> = last
        .headers
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(links.len(), 1, "bounded, and done: self only");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_logs_endpoint_has_its_own_rate_limit_bucket() {
    let emu = builder()
        .rate_limit_per_minute(3)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let page = logs(&emu, &[]).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.headers["x-rate-limit-limit"], "3");
        remaining.push(
            page.headers["x-rate-limit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = logs(&emu, &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["errorCode"], "E0000047");
    let h = &limited.headers;
    assert_eq!(h["x-rate-limit-remaining"], "0");
    let reset: i64 = h["x-rate-limit-reset"].to_str().unwrap().parse().unwrap();
    let date = DateTime::parse_from_rfc2822(h["date"].to_str().unwrap()).unwrap();
    assert!(reset > date.timestamp() && reset <= date.timestamp() + 61);
    assert!(h.contains_key("x-okta-request-id"));
    // The event-hook bucket is another one.
    assert!(client(&emu).list_event_hooks().await.is_ok());
    // Credentials as on every Okta endpoint (and not counted).
    let url = format!("{}/api/v1/logs", emu.url());
    let none = http::client().get(&url).send().await.unwrap();
    assert_eq!(none.status(), 403);
    let wrong = http::client()
        .get(&url)
        .header("Authorization", "SSWS wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    emu.reset().await.unwrap();
    assert_eq!(
        logs(&emu, &[]).await.status,
        200,
        "reset opens a new window"
    );
    emu.shutdown().await;
}

/// The SDK's reader (what `logs` and `reconcile` use) against the emulator's own bucket for
/// `/api/v1/logs`: when it runs out mid-read, the reader waits for the reset and goes on,
/// and no event is skipped or read twice.
#[tokio::test]
async fn the_sdk_reader_waits_out_the_logs_rate_limit_and_skips_nothing() {
    use futures_util::TryStreamExt;

    // Three pages per two-second window; the read needs seven.
    let emu = builder()
        .logs_rate_limit(3)
        .rate_limit_window(std::time::Duration::from_secs(2))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    emu.fire("user.session.start", 30).await.unwrap();
    let fired: Vec<String> =
        okta_eventhooks_tests::emulator::fired_events(&emu, "user.session.start")
            .await
            .iter()
            .map(|e| e["uuid"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(fired.len(), 30);
    // That read used one call of the window: start from a fresh one is not needed, the
    // reader must cope either way.
    let client = okta_eventhooks::Client::builder()
        .org_url(emu.url())
        .api_token(okta_eventhooks_tests::secrets::TOKEN)
        .max_retries(5)
        .build()
        .unwrap();
    let mut reader = client
        .logs()
        .event_types(["user.session.start"])
        .limit(5)
        .stream()
        .unwrap();
    let events: Vec<LogEvent> = (&mut reader).try_collect().await.unwrap();
    let read: Vec<String> = events
        .iter()
        .map(|e| e.uuid.as_deref().unwrap().to_owned())
        .collect();
    assert_eq!(read, fired, "every event once, in order");
    assert!(reader.pages() > 3, "more pages than one window allows");
}

/// The largest fire, with no hook to slow it: thousands of events a millisecond. Every
/// `published` lies between the fire's start and its end (Okta never publishes in the future;
/// a clock giving each event a millisecond of its own ran seconds ahead here), and a bounded
/// read up to the end, paged, returns each event once in the order written.
#[tokio::test]
async fn a_burst_is_never_published_after_the_wall_clock() {
    let emu = builder().start("127.0.0.1:0").await.unwrap();
    let count = okta_eventhooks_emulator::MAX_FIRE_COUNT;
    let before = Utc::now();
    let fired = emu.fire("user.session.start", count).await.unwrap();
    let after = Utc::now();
    assert_eq!(fired.fired, count);
    let written: Vec<Value> = follow(&emu, &[("limit", "1000")])
        .await
        .iter()
        .flat_map(|p| p.events().to_vec())
        .collect();
    assert_eq!(written.len(), count);
    for event in &written {
        let typed: LogEvent = serde_json::from_value(event.clone()).unwrap();
        let published = typed.published_at().unwrap();
        assert!(
            published <= after,
            "published {published} after the fire ended at {after}"
        );
        assert!(published >= before - chrono::TimeDelta::milliseconds(1));
    }
    // `until` is exclusive: one millisecond past the end takes in the last events.
    let until = (after + chrono::TimeDelta::milliseconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bounded: Vec<String> = follow(
        &emu,
        &[("since", &since), ("until", &until), ("limit", "1000")],
    )
    .await
    .iter()
    .flat_map(Page::uuids)
    .collect();
    let in_order: Vec<String> = written
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bounded, in_order, "each once, in the order written");
    emu.shutdown().await;
}
