//! What acknowledging Okta only after a sink stored the events costs: deliveries per second
//! and ack latency (p50/p99) through a relay on each sink (JetStream, SQLite, PostgreSQL)
//! against the bare receiver (no sink, answers at once), with 16 concurrent senders, in one run
//! on the same machine and reported as ratios (never asserted: machines are noisy). A last leg
//! is the JetStream relay again with its admin listener up and `/metrics` scraped every second,
//! compared round by round with the leg without it. The `jspub` leg is JetStream's own
//! publish rate for the same events, no HTTP: each sender publishes a delivery's 10 events
//! straight from async-nats (same subjects, `Nats-Msg-Id` and headers as the relay sets, into
//! a fresh stream with the relay's settings), sends all 10 then awaits the 10 acks as the
//! relay does, and counts the delivery when all are acknowledged; the summary gives the
//! JetStream relay leg ÷ this one, round by round.
//!
//! Every server runs in this process next to the senders; JetStream is a real `nats-server`
//! (file storage, one replica), SQLite a file in a scratch directory (WAL, synchronous=FULL),
//! PostgreSQL a real server (`fsync=on`), each on free loopback ports with temporary storage.
//! PostgreSQL's leg is left out, and said so, when its binaries are missing. Every delivery
//! carries 10 events with new uuids, so each relay stores every one of them. Rounds alternate
//! the legs so that the machine's other load hits all alike; the report gives each round, the
//! median round of each leg, and the median of the rounds' ratios to the bare receiver.
//!
//! Run: `OKTA_EVENTHOOKS_NATS_SERVER=target/interop-venv/bin/nats-server \
//!   cargo bench -p okta-eventhooks-tests --bench relay_throughput`
//! (`-- secs=N` per round, default 5; `-- rounds=N`, default 5).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use okta_eventhooks_receiver::Receiver;
use okta_eventhooks_relay::async_nats::{self, HeaderMap, jetstream};
use okta_eventhooks_relay::{
    JetStreamStore, NatsServers, RunningRelay, StreamSettings, ensure_stream, headers,
};
use okta_eventhooks_sql::{PgUrl, SqlSink, TableName};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::postgres::PgServer;
use okta_eventhooks_tests::secrets::HOOK_SECRET;

const SENDERS: usize = 16;
const EVENTS_PER_DELIVERY: usize = 10;
/// Okta's guidance for a hook endpoint's answer.
const P99_TARGET: Duration = Duration::from_millis(400);
/// Stands for the delivery's number in the body template (same length as the number).
const PLACEHOLDER: &str = "NNNNNNNNNNNN";

/// One round of one leg.
#[derive(Clone)]
struct Round {
    deliveries: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
    failures: u64,
}

impl Round {
    fn per_second(&self) -> f64 {
        self.deliveries as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }
}

/// Where a leg's senders send a delivery.
enum Target {
    /// POSTed to a receiver or relay.
    Http(String),
    /// Published event by event straight into JetStream (the `jspub` leg).
    JsPub(Arc<JsPub>),
}

/// What the `jspub` leg publishes with: one connection shared by all senders, as the relay's.
struct JsPub {
    js: jetstream::Context,
    prefix: String,
    /// Each event's JSON as the relay would publish it, with [`PLACEHOLDER`] for the number.
    events: Vec<(String, String)>,
    /// The hook id and org the relay takes from the delivery's `source`.
    hook_id: String,
    org: String,
}

impl JsPub {
    /// Publishes delivery `n`'s events, all sent before any ack is awaited (the relay's
    /// `publish_once`); true when every one was acknowledged.
    async fn delivery(&self, n: &str) -> bool {
        let mut shared = HeaderMap::new();
        shared.insert(headers::OKTA_EVENT_ID, n);
        shared.insert(headers::OKTA_EVENT_HOOK_ID, self.hook_id.as_str());
        shared.insert(headers::OKTA_ORG, self.org.as_str());
        let mut acks = Vec::with_capacity(self.events.len());
        for (event_type, json) in &self.events {
            let uuid = format!("uuid-{n}-{event_type}");
            let payload = json.replace(PLACEHOLDER, n);
            let message = jetstream::message::PublishMessage::build()
                .headers(shared.clone())
                .payload(payload.into())
                .message_id(uuid);
            let sent = self
                .js
                .send_publish(format!("{}.{event_type}", self.prefix), message)
                .await;
            acks.push(async move { sent.ok()?.await.ok() });
        }
        futures_util::future::join_all(acks)
            .await
            .iter()
            .all(|ack| ack.as_ref().is_some_and(|a| !a.duplicate))
    }
}

/// 16 senders send deliveries of 10 new events to `target` for `duration`.
async fn round(
    target: &Target,
    template: &Arc<String>,
    next: &Arc<AtomicU64>,
    duration: Duration,
) -> Round {
    let started = Instant::now();
    let until = started + duration;
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (template, next) = (Arc::clone(template), Arc::clone(next));
            let target = match target {
                Target::Http(url) => Target::Http(url.clone()),
                Target::JsPub(js) => Target::JsPub(Arc::clone(js)),
            };
            tokio::spawn(async move {
                let url = match target {
                    Target::Http(url) => url,
                    Target::JsPub(js) => return publish(&js, &next, until).await,
                };
                let client = http::client();
                let mut latencies = Vec::new();
                let mut failures = 0;
                while Instant::now() < until {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let body = template.replace(PLACEHOLDER, &format!("{n:012}"));
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("authorization", HOOK_SECRET)
                        .body(body)
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status() == 200 => latencies.push(sent.elapsed()),
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for sender in senders {
        let (mut l, f) = sender.await.unwrap();
        latencies.append(&mut l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Round {
        deliveries: latencies.len() as u64,
        elapsed,
        latencies,
        failures,
    }
}

/// One `jspub` sender: deliveries published until `until`, with their latencies.
async fn publish(js: &JsPub, next: &AtomicU64, until: Instant) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut failures = 0;
    while Instant::now() < until {
        let n = format!("{:012}", next.fetch_add(1, Ordering::Relaxed));
        let sent = Instant::now();
        if js.delivery(&n).await {
            latencies.push(sent.elapsed());
        } else {
            failures += 1;
        }
    }
    (latencies, failures)
}

fn median(rounds: &mut [Round]) -> &Round {
    rounds.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
    &rounds[rounds.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .find_map(|a| {
            a.strip_prefix(&format!("{name}="))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs = Duration::from_secs(arg("secs", 5));
    let rounds = arg("rounds", 5) as usize;
    let nats = NatsServer::start();
    let receiver = || {
        Receiver::builder()
            .path("/okta/events")
            .auth_header("Authorization", HOOK_SECRET)
    };
    let listener = || async {
        okta_eventhooks_receiver::serve::bind("127.0.0.1:0")
            .await
            .unwrap()
    };

    let bare = receiver()
        .build_with_handler(|_| async {})
        .unwrap()
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let store = JetStreamStore::connect(
        &NatsServers::new([nats.url()]).unwrap(),
        &StreamSettings::default(),
        None,
    )
    .await
    .unwrap();
    let relay = RunningRelay::start(receiver(), store, "127.0.0.1:0")
        .await
        .unwrap();
    // The same relay with its admin listener up and /metrics scraped every second (issue
    // 18: the metrics must cost less than 5%), on a stream of its own.
    let admin_store = JetStreamStore::connect(
        &NatsServers::new([nats.url()]).unwrap(),
        &StreamSettings::new("OKTA_EVENTS_ADMIN").subject_prefix("okta.admin"),
        None,
    )
    .await
    .unwrap();
    let admin_relay = RunningRelay::start(receiver(), admin_store, "127.0.0.1:0")
        .await
        .unwrap();
    let admin_server = admin_relay.admin().serve("127.0.0.1:0").await.unwrap();
    let metrics_url = format!("http://{}/metrics", admin_server.local_addr());
    let scraper = tokio::spawn(async move {
        let client = http::client();
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let page = client.get(&metrics_url).send().await.unwrap();
            assert_eq!(page.status(), 200);
            assert!(
                page.text()
                    .await
                    .unwrap()
                    .contains("okta_eventhooks_deliveries_total")
            );
        }
    });
    let dir = okta_eventhooks_tests::scratch::tempdir("bench-sqlite");
    let sqlite = SqlSink::sqlite(dir.join("events.db"), TableName::default())
        .await
        .unwrap();
    let sqlite_relay = receiver()
        .build_with_sink(sqlite.clone())
        .unwrap()
        .serve_on(listener().await)
        .unwrap();
    // PostgreSQL when its binaries are there.
    let pg = okta_eventhooks_tests::postgres::available().then(PgServer::start);
    let postgres = match &pg {
        Some(pg) => {
            pg.create_db("bench");
            let sink = SqlSink::postgres(
                &PgUrl::parse(&pg.url("bench")).unwrap(),
                TableName::default(),
            )
            .await
            .unwrap();
            let running = receiver()
                .build_with_sink(sink.clone())
                .unwrap()
                .serve_on(listener().await)
                .unwrap();
            Some((sink, running))
        }
        None => {
            println!(
                "PostgreSQL leg left out: {}",
                okta_eventhooks_tests::postgres::MISSING
            );
            None
        }
    };

    let types: Vec<String> = (0..EVENTS_PER_DELIVERY)
        .map(|i| format!("user.session.start{i}"))
        .collect();
    let types: Vec<&str> = types.iter().map(String::as_str).collect();
    let body = delivery(PLACEHOLDER, &types);
    let template = Arc::new(body.to_string());

    // JetStream's own rate: a fresh stream with the relay's settings, the messages the relay
    // would publish for the same deliveries (event JSON as in the body, subject
    // `<prefix>.<eventType>`, `Nats-Msg-Id` = uuid, the delivery's event id, hook and org).
    let jspub_settings = StreamSettings::new("OKTA_EVENTS_JSPUB").subject_prefix("okta.jspub");
    let jspub_client = async_nats::connect(nats.url()).await.unwrap();
    ensure_stream(&jetstream::new(jspub_client.clone()), &jspub_settings)
        .await
        .unwrap();
    let source = url::Url::parse(body["source"].as_str().unwrap()).unwrap();
    let jspub = Arc::new(JsPub {
        js: jetstream::new(jspub_client),
        prefix: jspub_settings.prefix().to_owned(),
        events: body["data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["eventType"].as_str().unwrap().to_owned(), e.to_string()))
            .collect(),
        hook_id: source
            .path_segments()
            .unwrap()
            .next_back()
            .unwrap()
            .to_owned(),
        org: source.host_str().unwrap().to_owned(),
    });

    let mut legs: Vec<(&str, Target)> = vec![
        ("bare receiver (no sink)", Target::Http(bare.url())),
        ("relay, JetStream (file, R1)", Target::Http(relay.url())),
        (
            "relay, SQLite (WAL, synchronous=FULL)",
            Target::Http(sqlite_relay.url()),
        ),
    ];
    if let Some((_, running)) = &postgres {
        legs.push(("relay, PostgreSQL (fsync=on)", Target::Http(running.url())));
    }
    let admin_leg = legs.len();
    legs.push((
        "relay, JetStream + admin listener (/metrics scraped 1/s)",
        Target::Http(admin_relay.url()),
    ));
    let jspub_leg = legs.len();
    legs.push((
        "jspub: async-nats publish, no HTTP (file, R1)",
        Target::JsPub(Arc::clone(&jspub)),
    ));
    let body_bytes = template.len();
    let next = Arc::new(AtomicU64::new(0));

    // Warm-up: connections, allocator, the stores' first blocks.
    let warm = Duration::from_millis(500);
    let mut acknowledged = vec![0u64; legs.len()];
    for (i, (_, target)) in legs.iter().enumerate() {
        acknowledged[i] += round(target, &template, &next, warm).await.deliveries;
    }

    let mut results: Vec<Vec<Round>> = legs.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (i, (_, target)) in legs.iter().enumerate() {
            let r = round(target, &template, &next, secs).await;
            acknowledged[i] += r.deliveries;
            results[i].push(r);
        }
    }
    let mut table = String::from("| round |");
    for (name, _) in &legs {
        table.push_str(&format!(" {name} deliveries/s |"));
    }
    table.push('\n');
    table.push_str(&"|---:".repeat(legs.len() + 1));
    table.push_str("|\n");
    let mut ratios: Vec<Vec<f64>> = legs.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        table.push_str(&format!("| {} |", round + 1));
        let bare = results[0][round].per_second();
        for (leg, rs) in results.iter().enumerate() {
            let r = rs[round].per_second();
            ratios[leg].push(r / bare);
            table.push_str(&format!(" {r:.0} ({:.2}×) |", r / bare));
        }
        table.push('\n');
    }
    let failures: Vec<u64> = results
        .iter()
        .map(|rs| rs.iter().map(|r| r.failures).sum())
        .collect();
    // Each round's admin leg against the JetStream leg of the same round.
    let mut costs: Vec<f64> = results[admin_leg]
        .iter()
        .zip(&results[1])
        .map(|(with, without)| with.per_second() / without.per_second())
        .collect();
    costs.sort_by(f64::total_cmp);
    // Each round's JetStream relay leg against JetStream's own rate in the same round.
    let mut of_jspub: Vec<f64> = results[1]
        .iter()
        .zip(&results[jspub_leg])
        .map(|(relay, jspub)| relay.per_second() / jspub.per_second())
        .collect();
    of_jspub.sort_by(f64::total_cmp);
    let medians: Vec<Round> = results
        .into_iter()
        .map(|mut rs| median(&mut rs).clone())
        .collect();
    let bare_round = &medians[0];

    println!(
        "**Deliveries of {EVENTS_PER_DELIVERY} events ({body_bytes} bytes), {SENDERS} concurrent senders, {} s rounds, median of {rounds} rounds**\n",
        secs.as_secs()
    );
    println!(
        "| server | deliveries/s | events/s | × bare (median of rounds) | ack p50 ms | ack p99 ms | not 200 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (leg, ((name, _), r)) in legs.iter().zip(&medians).enumerate() {
        ratios[leg].sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} | {} | {} | {} |",
            r.per_second(),
            r.per_second() * EVENTS_PER_DELIVERY as f64,
            ratios[leg][ratios[leg].len() / 2],
            ms(r.percentile(0.5)),
            ms(r.percentile(0.99)),
            failures[leg],
        );
    }
    println!("\n{table}");
    let _ = bare_round;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    for (leg, r) in medians.iter().enumerate().skip(1) {
        println!(
            "{}: p99 {} ms < {} ms: {}",
            legs[leg].0,
            ms(r.percentile(0.99)),
            P99_TARGET.as_millis(),
            verdict(r.percentile(0.99) < P99_TARGET)
        );
    }
    println!(
        "SQLite does not cap a relay below the JetStream sink: {}",
        verdict(ratios[2][ratios[2].len() / 2] >= ratios[1][ratios[1].len() / 2])
    );
    let (with, without) = (&medians[admin_leg], &medians[1]);
    println!(
        "admin listener + metrics vs without (JetStream): {:.0} vs {:.0} deliveries/s (median ratio of rounds {:.3}), p99 {} vs {} ms",
        with.per_second(),
        without.per_second(),
        costs[costs.len() / 2],
        ms(with.percentile(0.99)),
        ms(without.percentile(0.99)),
    );
    let (relay_round, jspub_round) = (&medians[1], &medians[jspub_leg]);
    println!(
        "relay (JetStream) vs jspub: {:.0} vs {:.0} deliveries/s (median ratio of rounds {:.3}, target ≥ 0.9: {}), p99 {} vs {} ms (target < 50 ms: {})",
        relay_round.per_second(),
        jspub_round.per_second(),
        of_jspub[of_jspub.len() / 2],
        verdict(of_jspub[of_jspub.len() / 2] >= 0.9),
        ms(relay_round.percentile(0.99)),
        ms(jspub_round.percentile(0.99)),
        verdict(relay_round.percentile(0.99) < Duration::from_millis(50)),
    );
    scraper.abort();
    // Every acknowledged event was stored, once: the benchmark measured real storage.
    let stats = relay.stats();
    let mut stored = vec![stats.published, sqlite.counts().0];
    if let Some((sink, _)) = &postgres {
        stored.push(sink.counts().0);
    }
    stored.push(admin_relay.stats().published);
    for (leg, stored) in stored.into_iter().enumerate() {
        let acknowledged = acknowledged[leg + 1] * EVENTS_PER_DELIVERY as u64;
        println!(
            "{}: events acknowledged {acknowledged}, stored {stored}",
            legs[leg + 1].0
        );
        assert_eq!(stored, acknowledged, "an acknowledged event is missing");
    }
    // The jspub leg stored every acknowledged event too, once.
    let mut jspub_stream = jspub.js.get_stream("OKTA_EVENTS_JSPUB").await.unwrap();
    let stored = jspub_stream.info().await.unwrap().state.messages;
    let acknowledged = acknowledged[jspub_leg] * EVENTS_PER_DELIVERY as u64;
    println!(
        "{}: events acknowledged {acknowledged}, stored {stored}",
        legs[jspub_leg].0
    );
    assert_eq!(stored, acknowledged, "an acknowledged event is missing");
    relay.shutdown().await.unwrap();
}
