//! The relay as an orchestrator runs it (issue 18): the admin listener (health, readiness,
//! metrics), failures logged without -v (JSON lines), and the drain on SIGTERM, against a
//! real `nats-server`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::{client, post_delivery};
use okta_eventhooks_tests::nats::{NatsServer, free_port};
use okta_eventhooks_tests::secrets::HOOK_SECRET;

use crate::relay::{collect, consume, start_relay_logging, stop};
use crate::support::run;

async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of one sample line of the metrics text, e.g.
/// `okta_eventhooks_deliveries_total{outcome="stored"}`.
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn admin_listener_metrics_and_a_stopped_nats_logged_without_v() {
    let mut nats = NatsServer::start();
    let admin_port = free_port();
    let admin = format!("http://127.0.0.1:{admin_port}");
    // No -v: what an operator sees by default, as JSON lines. The admin address comes from
    // the environment, as in a container.
    let admin_addr = format!("127.0.0.1:{admin_port}");
    let relay = start_relay_logging(
        &[],
        &nats,
        &["--storage", "memory"],
        &[
            ("OKTA_EVENTHOOKS_RELAY_ADMIN_ADDR", &admin_addr),
            ("OKTA_EVENTHOOKS_RELAY_DRAIN_DELAY", "0s"),
            ("OKTA_EVENTHOOKS_LOG_FORMAT", "json"),
        ],
    );
    assert_eq!(get(&format!("{admin}/healthz")).await.0, 200);
    assert_eq!(
        get(&format!("{admin}/readyz")).await,
        (200, "ready\n".into())
    );
    let types = ["user.lifecycle.create", "user.session.start"];
    let body = delivery("ops-1", &types).to_string();
    assert_eq!(
        post_delivery(&relay.url, Some(HOOK_SECRET), body.clone())
            .await
            .status(),
        200
    );
    // Okta's retry of the same delivery: stored once.
    assert_eq!(
        post_delivery(&relay.url, Some(HOOK_SECRET), body)
            .await
            .status(),
        200
    );
    assert_eq!(
        post_delivery(&relay.url, Some("wrong"), "{}")
            .await
            .status(),
        401
    );
    assert_eq!(
        post_delivery(&relay.url, Some(HOOK_SECRET), "{")
            .await
            .status(),
        400
    );
    let (status, metrics) = get(&format!("{admin}/metrics")).await;
    assert_eq!(status, 200);
    let d = |outcome: &str| {
        sample(
            &metrics,
            &format!("okta_eventhooks_deliveries_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(d("stored"), 2.0, "{metrics}");
    assert_eq!(d("unauthorized"), 1.0);
    assert_eq!(d("malformed"), 1.0);
    assert_eq!(d("too_large"), 0.0);
    assert_eq!(d("unavailable"), 0.0);
    let e = |outcome: &str| {
        sample(
            &metrics,
            &format!("okta_eventhooks_events_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(e("stored"), 2.0, "{metrics}");
    assert_eq!(
        e("duplicate"),
        2.0,
        "the retry's events were already stored"
    );
    assert_eq!(e("invalid"), 0.0);
    // Every POST is timed: two stored, 401, 400.
    assert_eq!(
        sample(&metrics, "okta_eventhooks_delivery_duration_seconds_count"),
        4.0
    );
    assert_eq!(
        sample(
            &metrics,
            "okta_eventhooks_delivery_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        4.0
    );
    assert_eq!(sample(&metrics, "okta_eventhooks_sink_connected"), 1.0);
    assert_eq!(sample(&metrics, "okta_eventhooks_verifications_total"), 0.0);
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");

    // NATS goes away: not ready, deliveries 503, and the cause is logged at the default level.
    nats.stop();
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&format!("{admin}/readyz")).await.0 != 503 {
        assert!(
            Instant::now() < deadline,
            "/readyz stayed 200 with NATS stopped"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Three 503s at once (each waits for the deadline), then one more: two lines, the
    // second counting the two 503s the first second did not log.
    let body = delivery("ops-2", &["user.account.lock"]).to_string();
    let post = || post_delivery(&relay.url, Some(HOOK_SECRET), body.clone());
    let (a, b, c) = tokio::join!(post(), post(), post());
    for response in [a, b, c] {
        assert_eq!(response.status(), 503);
    }
    assert_eq!(post().await.status(), 503);
    let metrics = get(&format!("{admin}/metrics")).await.1;
    assert_eq!(sample(&metrics, "okta_eventhooks_sink_connected"), 0.0);
    assert_eq!(
        sample(
            &metrics,
            "okta_eventhooks_deliveries_total{outcome=\"unavailable\"}"
        ),
        4.0
    );
    let (code, _stdout, stderr) = stop(relay);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = stderr
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &Value| line["cause"].is_string())
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for line in &lines {
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["cause"], "unreachable", "{stderr}");
        assert!(
            line["message"].as_str().unwrap().contains("503"),
            "{stderr}"
        );
    }
    assert_eq!(lines[0]["more_since_last_line"], 0, "{stderr}");
    assert_eq!(lines[1]["more_since_last_line"], 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_delivery_in_flight_at_sigterm_is_answered_200_and_stored() {
    let nats = NatsServer::start();
    let admin_port = free_port();
    let admin = format!("127.0.0.1:{admin_port}");
    let drain = Duration::from_millis(1500);
    let mut relay = start_relay_logging(
        &[],
        &nats,
        &[
            "--storage",
            "memory",
            "--admin-addr",
            &admin,
            "--drain-delay",
            "1500ms",
        ],
        &[],
    );
    let address = relay
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(get(&format!("http://{admin}/readyz")).await.0, 200);

    // A delivery whose body is still arriving when SIGTERM comes.
    let body = delivery("drain-1", &["user.lifecycle.create", "user.session.start"]).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /okta/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: {HOOK_SECRET}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let pid = relay.child.id().to_string();
    let sigterm = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );

    // Readiness turns 503 at once; the relay still answers during the drain delay.
    let ready_deadline = Instant::now() + Duration::from_millis(500);
    loop {
        if get(&format!("http://{admin}/readyz")).await.0 == 503 {
            break;
        }
        assert!(
            Instant::now() < ready_deadline,
            "/readyz still 200 after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let during = delivery("drain-2", &["user.account.lock"]).to_string();
    assert_eq!(
        post_delivery(&relay.url, Some(HOOK_SECRET), during)
            .await
            .status(),
        200
    );

    // The rest of the body after the delay: the server has stopped accepting, but this request
    // was in flight and gets its real answer.
    std::thread::sleep(drain + Duration::from_millis(200));
    assert!(
        relay.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    assert!(
        TcpStream::connect_timeout(&address.parse().unwrap(), Duration::from_millis(500)).is_err(),
        "new connections are refused after the drain delay"
    );
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = relay.child.wait().unwrap();
    let took = sigterm.elapsed();
    assert_eq!(status.code(), Some(0));
    eprintln!("SIGTERM to exit with a delivery in flight: {took:?} (drain delay {drain:?})");
    assert!(took < drain + Duration::from_secs(3), "{took:?}");
    let (_, stdout, stderr) = collect(relay);
    assert!(stdout.contains("3 stored"), "{stdout}\n{stderr}");

    // All three events are in the stream.
    let out = run(consume(
        &nats,
        &["--durable", "drained", "--count", "3", "-o", "json"],
    ))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let uuids: Vec<String> = out
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["uuid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(uuids.len(), 3, "{uuids:?}");
    assert!(
        uuids.iter().any(|u| u.starts_with("uuid-drain-1")),
        "{uuids:?}"
    );
}
