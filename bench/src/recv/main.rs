//! `recv-bench`: the servers and the delivery body of `bench/receive-compare.py`, which drives
//! them with wrk and compares them with `okta-eventhooks listen`.
//!
//! - `recv-bench bare --port P` serves the baseline: a bare axum handler that parses each body
//!   into a `serde_json::Value` and answers 200 (400 when it is not JSON).
//! - `recv-bench library --port P` serves the receiver library with a no-op handler
//!   (`ReceiverBuilder::build_with_handler`), every setting at its default.
//! - `recv-bench body` prints a delivery of 10 System Log events as the emulator builds them,
//!   with a placeholder where each unique id goes (the delivery's `eventId` and each `uuid`),
//!   for the wrk script to fill per request.
//!
//! Both servers run on tokio's default multi-threaded runtime, as `listen` does, and print
//! `listening on URL` once they accept connections.

use std::net::{Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::post;
use clap::{Parser, Subcommand};
use okta_eventhooks_receiver::{DEFAULT_MAX_BODY_BYTES, Receiver};
use serde_json::Value;

/// What the wrk script replaces with a unique id per request (36 characters, as a UUID).
const PLACEHOLDER: &str = "@@@@@@@@-@@@@-@@@@-@@@@-@@@@@@@@@@@@";

/// Errors end the run with a message and a non-zero exit.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(about = "Servers and delivery body of the receive-side benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The baseline: an axum handler parsing each body into serde_json::Value.
    Bare {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// The receiver library with a no-op handler.
    Library {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Times the parses a receiver can do on the body, in this process (microseconds each).
    Parse {
        /// Parses per variant.
        #[arg(long, default_value_t = 3000)]
        times: u32,
    },
    /// A delivery body with a placeholder for each unique id.
    Body {
        /// Events in the delivery.
        #[arg(long, default_value_t = 10)]
        events: usize,
    },
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("recv-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        Command::Body { events } => {
            println!("{}", body(events)?);
            Ok(())
        }
        Command::Parse { times } => {
            parse_costs(&body(10)?, times);
            Ok(())
        }
        Command::Bare { port } => tokio_main(bare(port)),
        Command::Library { port } => tokio_main(library(port)),
    }
}

fn tokio_main(server: impl Future<Output = Result<(), BoxError>>) -> Result<(), BoxError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(server)
}

/// Event types of the body, in turn: common types of different shapes.
const EVENT_TYPES: [&str; 5] = [
    "user.session.start",
    "user.lifecycle.create",
    "group.user_membership.add",
    "user.authentication.sso",
    "user.account.lock",
];

fn body(events: usize) -> Result<String, BoxError> {
    let events: Vec<Value> = (0..events)
        .map(|i| {
            let mut event =
                okta_eventhooks::sample::sample_event(EVENT_TYPES[i % EVENT_TYPES.len()]);
            event["uuid"] = Value::from(PLACEHOLDER);
            event
        })
        .collect();
    let events: Vec<&Value> = events.iter().collect();
    let body = okta_eventhooks::events::delivery_body(
        "https://bench.okta.com",
        "whobench0000000000",
        PLACEHOLDER,
        &events,
    )?;
    Ok(String::from_utf8(body)?)
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, BoxError> {
    Ok(tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?)
}

/// What a receiver without any of the library's checks costs: read the body, parse it.
async fn parse_value(body: Bytes) -> StatusCode {
    match serde_json::from_slice::<Value>(&body) {
        Ok(value) => {
            std::hint::black_box(&value);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn bare(port: u16) -> Result<(), BoxError> {
    let listener = bind(port).await?;
    let url = format!("http://{}/", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/", post(parse_value))
        .layer(DefaultBodyLimit::max(DEFAULT_MAX_BODY_BYTES));
    println!("listening on {url}");
    axum::serve(listener, router).await?;
    Ok(())
}

async fn library(port: u16) -> Result<(), BoxError> {
    let receiver = Receiver::builder().build_with_handler(|delivery| async move {
        std::hint::black_box(&delivery);
    })?;
    let running = receiver.serve(&format!("127.0.0.1:{port}")).await?;
    println!("listening on {}", running.url());
    std::future::pending::<()>().await;
    Ok(())
}

/// Each parse of the body a receiver can do, timed over `times` runs (CPU of this thread).
fn parse_costs(body: &str, times: u32) {
    let bytes = Bytes::from(body.to_owned());
    let time = |name: &str, parse: &dyn Fn()| {
        for _ in 0..times / 10 {
            parse();
        }
        let started = std::time::Instant::now();
        for _ in 0..times {
            parse();
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(times);
        println!("{name:40} {micros:8.1} µs");
    };
    time("serde_json::Value", &|| {
        std::hint::black_box(serde_json::from_slice::<Value>(&bytes).unwrap());
    });
    time("Delivery (typed)", &|| {
        std::hint::black_box(
            serde_json::from_slice::<okta_eventhooks::events::Delivery>(&bytes).unwrap(),
        );
    });
    time("Delivery::from_bytes (typed, texts shared)", &|| {
        std::hint::black_box(okta_eventhooks::events::Delivery::from_bytes(&bytes).unwrap());
    });
    time("Incoming::parse", &|| {
        std::hint::black_box(okta_eventhooks::sink::Incoming::parse(bytes.clone()).unwrap());
    });
    time("IgnoredAny", &|| {
        std::hint::black_box(serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).unwrap());
    });
    time("nesting_depth", &|| {
        std::hint::black_box(okta_eventhooks::events::nesting_depth(&bytes));
    });
    let incoming = okta_eventhooks::sink::Incoming::parse(bytes.clone()).unwrap();
    time("LogEvent from each raw event", &|| {
        for event in &incoming.events {
            std::hint::black_box(
                serde_json::from_slice::<okta_eventhooks::events::LogEvent>(&event.json).unwrap(),
            );
        }
    });
    let delivery: okta_eventhooks::events::Delivery = serde_json::from_slice(&bytes).unwrap();
    time("drop a Delivery (clone + drop)", &|| {
        std::hint::black_box(delivery.clone());
    });
    let shared = okta_eventhooks::events::Delivery::from_bytes(&bytes).unwrap();
    time("drop a Delivery, texts shared (clone + drop)", &|| {
        std::hint::black_box(shared.clone());
    });
}
