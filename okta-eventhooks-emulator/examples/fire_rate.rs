//! How fast the emulator's `fire` goes: events generated and written to the System Log with
//! no hook, then delivered to one bare receiver (an axum handler that answers the challenge
//! and 200 to every POST, reading the body), in process, a few rounds each; prints events per
//! second, the median round. (That fired events are stamped with the wall clock, issue 15, is
//! tested by the unit tests `a_burst_is_never_published_after_the_wall_clock` and
//! `made_events_are_never_published_after_the_wall_clock`.)
//!
//! `cargo run --release -p okta-eventhooks-emulator --example fire_rate -- [EVENTS] [ROUNDS]`

use std::time::Instant;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use okta_eventhooks::{Channel, Client, EventHook, Events};
use okta_eventhooks_emulator::{Emulator, FireRequest, MAX_FIRE_COUNT};

const TOKEN: &str = "fire-rate-token";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(50_000, |a| a.parse().expect("EVENTS"));
    let rounds: usize = args.next().map_or(3, |a| a.parse().expect("ROUNDS"));
    let emu = Emulator::builder()
        .token(TOKEN)
        .allow_http_loopback(true)
        .system_log_max_events(events)
        .system_log_max_bytes(usize::MAX)
        .start("127.0.0.1:0")
        .await
        .expect("emulator");

    let no_hook = measure(&emu, events, rounds).await;
    println!("fire with no hook (generate, System Log): {no_hook:>9.0} events/s");

    let receiver = bare_receiver().await;
    let client = Client::builder()
        .org_url(emu.url())
        .api_token(TOKEN)
        .build()
        .expect("client");
    let hook = EventHook::builder("fire-rate")
        .channel(Channel::https(receiver).expect("uri"))
        .events(Events::types(["user.session.start"]))
        .build()
        .expect("hook");
    let id = client
        .create_event_hook(&hook)
        .await
        .expect("create")
        .id
        .expect("id");
    client.verify_event_hook(&id).await.expect("verify");
    let one_hook = measure(&emu, events, rounds).await;
    println!("fire into one bare receiver:              {one_hook:>9.0} events/s");
    emu.shutdown().await;
}

/// Events per second of the median round of `rounds` fires of `events` (in fires of at most
/// [`MAX_FIRE_COUNT`]); every event must be delivered to every hook.
async fn measure(emu: &Emulator, events: usize, rounds: usize) -> f64 {
    let mut rates = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut left = events;
        while left > 0 {
            let count = left.min(MAX_FIRE_COUNT);
            let summary = emu
                .fire_with(FireRequest::new("user.session.start", count))
                .await
                .expect("fire");
            assert_eq!(summary.fired, count, "{summary:?}");
            for hook in &summary.hooks {
                assert_eq!(hook.delivered, count, "{hook:?}");
            }
            assert!(!summary.deadline_exceeded, "{summary:?}");
            left -= count;
        }
        rates.push(events as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// A receiver that does the least a receiver can: echoes the challenge, reads each POST's
/// body and answers 200. Its URL.
async fn bare_receiver() -> String {
    let app = Router::new().route(
        "/hook",
        get(|headers: HeaderMap| async move {
            let challenge = headers
                .get("x-okta-verification-challenge")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            axum::Json(serde_json::json!({ "verification": challenge }))
        })
        .merge(post(|body: axum::body::Bytes| async move {
            std::hint::black_box(body.len());
        })),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
