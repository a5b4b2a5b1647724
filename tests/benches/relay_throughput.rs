//! What acknowledging Okta only after JetStream stored the events costs: deliveries per second
//! and ack latency (p50/p99) through the relay against the bare receiver (no sink, answers at
//! once), with 16 concurrent senders, in one run on the same machine and reported as ratios
//! (never asserted: machines are noisy).
//!
//! Both servers run in this process next to the senders; JetStream is a real `nats-server`
//! (file storage, one replica) started on a free loopback port with temporary storage. Every
//! delivery carries 10 events with new uuids, so the relay stores every one of them. Rounds
//! alternate bare and relay so that the machine's other load hits both alike; the report gives
//! each pair of rounds, the median round of each leg, and the median of the pairs' ratios.
//!
//! Run: `OKTA_EVENTHOOKS_NATS_SERVER=target/interop-venv/bin/nats-server \
//!   cargo bench -p okta-eventhooks-tests --bench relay_throughput`
//! (`-- secs=N` per round, default 5; `-- rounds=N`, default 5).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use okta_eventhooks_receiver::Receiver;
use okta_eventhooks_relay::{JetStreamStore, NatsServers, RunningRelay, StreamSettings};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::secrets::HOOK_SECRET;

const SENDERS: usize = 16;
const EVENTS_PER_DELIVERY: usize = 10;
/// Okta's guidance for a hook endpoint's answer.
const P99_TARGET: Duration = Duration::from_millis(400);
/// Stands for the delivery's number in the body template (same length as the number).
const PLACEHOLDER: &str = "NNNNNNNNNNNN";

/// One round of one leg.
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

/// 16 senders POST deliveries of 10 new events to `url` for `duration`.
async fn round(
    url: &str,
    template: &Arc<String>,
    next: &Arc<AtomicU64>,
    duration: Duration,
) -> Round {
    let started = Instant::now();
    let until = started + duration;
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (url, template, next) = (url.to_owned(), Arc::clone(template), Arc::clone(next));
            tokio::spawn(async move {
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

    let bare = Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET)
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
    let relay = RunningRelay::start(
        Receiver::builder()
            .path("/okta/events")
            .auth_header("Authorization", HOOK_SECRET),
        store,
        "127.0.0.1:0",
    )
    .await
    .unwrap();

    let types: Vec<String> = (0..EVENTS_PER_DELIVERY)
        .map(|i| format!("user.session.start{i}"))
        .collect();
    let types: Vec<&str> = types.iter().map(String::as_str).collect();
    let template = Arc::new(delivery(PLACEHOLDER, &types).to_string());
    let body_bytes = template.len();
    let next = Arc::new(AtomicU64::new(0));

    // Warm-up: connections, allocator, the stream's first blocks.
    let warm = Duration::from_millis(500);
    round(&bare.url(), &template, &next, warm).await;
    let warm_relay = round(&relay.url(), &template, &next, warm).await.deliveries;

    let (mut bare_rounds, mut relay_rounds) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        bare_rounds.push(round(&bare.url(), &template, &next, secs).await);
        relay_rounds.push(round(&relay.url(), &template, &next, secs).await);
    }
    let failures = |rounds: &[Round]| rounds.iter().map(|r| r.failures).sum::<u64>();
    let (bare_failures, relay_failures) = (failures(&bare_rounds), failures(&relay_rounds));
    let all_relay: u64 = relay_rounds.iter().map(|r| r.deliveries).sum();
    let mut pairs = String::from(
        "| round | bare deliveries/s | relay deliveries/s | relay × bare |\n|---:|---:|---:|---:|\n",
    );
    let mut ratios: Vec<f64> = Vec::new();
    for (i, (b, r)) in bare_rounds.iter().zip(&relay_rounds).enumerate() {
        let ratio = r.per_second() / b.per_second();
        pairs.push_str(&format!(
            "| {} | {:.0} | {:.0} | {ratio:.2} |\n",
            i + 1,
            b.per_second(),
            r.per_second()
        ));
        ratios.push(ratio);
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let bare = median(&mut bare_rounds);
    let relay_round = median(&mut relay_rounds);

    println!(
        "**Deliveries of {EVENTS_PER_DELIVERY} events ({body_bytes} bytes), {SENDERS} concurrent senders, {} s rounds, median of {rounds} rounds**\n",
        secs.as_secs()
    );
    println!(
        "| server | deliveries/s | events/s | × bare | ack p50 ms | ack p99 ms | p99 × bare |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, r) in [
        ("bare receiver (no sink)", bare),
        ("relay (JetStream, file, R1)", relay_round),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} | {} | {} | {:.1} |",
            r.per_second(),
            r.per_second() * EVENTS_PER_DELIVERY as f64,
            r.per_second() / bare.per_second(),
            ms(r.percentile(0.5)),
            ms(r.percentile(0.99)),
            r.percentile(0.99).as_secs_f64() / bare.percentile(0.99).as_secs_f64(),
        );
    }
    println!("\n{pairs}");
    let stats = relay.stats();
    println!(
        "relay: {} events stored, {} duplicates, {} deliveries answered 503; requests not answered 200: bare {bare_failures}, relay {relay_failures}",
        stats.published, stats.duplicates, stats.receiver.not_stored
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "targets: relay p99 {} ms < {} ms: {}; relay throughput {ratio:.2}× bare (median of the rounds' ratios) ≥ 0.5×: {}",
        ms(relay_round.percentile(0.99)),
        P99_TARGET.as_millis(),
        verdict(relay_round.percentile(0.99) < P99_TARGET),
        verdict(ratio >= 0.5),
    );
    // Every acknowledged event was stored, once: the benchmark measured real storage.
    let acknowledged = (warm_relay + all_relay) * EVENTS_PER_DELIVERY as u64;
    println!(
        "events acknowledged by the relay: {acknowledged}; stored as new messages: {}",
        stats.published
    );
    assert_eq!(
        stats.published, acknowledged,
        "an acknowledged event is missing"
    );
    relay.shutdown().await.unwrap();
}
