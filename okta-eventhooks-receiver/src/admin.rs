//! The admin listener: what an orchestrator and a metrics scraper ask of a receiver, served
//! apart from the port Okta calls (so that neither can reach the other's paths).
//!
//! - `GET /healthz`: 200 while the process serves.
//! - `GET /readyz`: 200 only while the sink is connected (its target was checked when it was
//!   built) and no drain has begun; 503 otherwise, from the first moment of a drain.
//! - `GET /metrics`: the Prometheus text format, read from the receiver's own atomic counters
//!   at scrape time by a collector, so nothing is counted twice and the hot path takes no
//!   lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use okta_eventhooks::sink::Sink;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::Result;
use crate::serve::{self, BackgroundServer, ServerLimits};
use crate::stats::Counters;

/// The content type of the Prometheus text format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A receiver's health, readiness and metrics, and the switch that starts its drain. Cheap to
/// clone; clones share everything. Get it from
/// [`RunningReceiver::admin`](crate::RunningReceiver::admin) or
/// [`Receiver::admin`](crate::Receiver::admin).
#[derive(Clone)]
pub struct Admin {
    counters: Arc<Counters>,
    sink: Option<Arc<dyn Sink>>,
    draining: Arc<AtomicBool>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("has_sink", &self.sink.is_some())
            .field("draining", &self.draining.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Admin {
    pub(crate) fn new(counters: Arc<Counters>, sink: Option<Arc<dyn Sink>>) -> Self {
        Self {
            counters,
            sink,
            draining: Arc::default(),
        }
    }

    /// Whether the sink can store right now (always, without a sink).
    pub fn sink_connected(&self) -> bool {
        self.sink.as_ref().is_none_or(|sink| sink.connected())
    }

    /// Whether `/readyz` answers 200: the sink is connected and no drain has begun.
    pub fn ready(&self) -> bool {
        !self.draining() && self.sink_connected()
    }

    /// Turns readiness off for good, so that a load balancer stops sending; deliveries are
    /// still answered until the server is stopped.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether a drain has begun.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// The metrics in the Prometheus text format.
    pub fn metrics_text(&self) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self.clone()));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }

    /// The router of `/healthz`, `/readyz` and `/metrics`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .with_state(self.clone())
    }

    /// Binds `addr` and serves [`router`](Self::router) in the background with the one server
    /// runner (the same time limits as the port Okta calls) until the server is stopped or
    /// dropped.
    pub async fn serve(&self, addr: &str) -> Result<BackgroundServer> {
        let listener = serve::bind(addr).await?;
        BackgroundServer::start(listener, self.router(), ServerLimits::default())
    }
}

async fn readyz(State(admin): State<Admin>) -> Response {
    if admin.draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response()
    } else if !admin.sink_connected() {
        (StatusCode::SERVICE_UNAVAILABLE, "sink not connected\n").into_response()
    } else {
        "ready\n".into_response()
    }
}

async fn metrics(State(admin): State<Admin>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        admin.metrics_text(),
    )
        .into_response()
}

/// Reads the counters at each scrape.
impl Collector for Admin {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let s = self.counters.snapshot();
        let deliveries = [
            ("stored", s.deliveries),
            ("duplicate", s.duplicates),
            ("unauthorized", s.unauthorized),
            ("malformed", s.malformed),
            ("too_large", s.too_large),
            ("unavailable", s.overloaded + s.not_stored),
        ];
        counter_family(
            &mut encoder,
            "okta_eventhooks_deliveries",
            "Deliveries (POST) answered, by outcome",
            &deliveries,
        )?;
        let events = self.sink.as_ref().and_then(|sink| sink.event_counts());
        let events = match events {
            Some(counts) => [
                ("stored", counts.stored),
                ("duplicate", counts.duplicate),
                ("invalid", counts.invalid),
            ],
            None => [
                ("stored", s.events),
                ("duplicate", s.duplicate_events),
                ("invalid", 0),
            ],
        };
        counter_family(
            &mut encoder,
            "okta_eventhooks_events",
            "Events of the deliveries, by what became of them",
            &events,
        )?;
        let (sum, count, buckets) = self.counters.durations();
        encoder
            .encode_descriptor(
                "okta_eventhooks_delivery_duration_seconds",
                "Time from a delivery's request to its answer",
                None,
                MetricType::Histogram,
            )?
            .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                sum, count, &buckets, None,
            )?;
        let connected = ConstGauge::new(i64::from(self.sink_connected()));
        connected.encode(encoder.encode_descriptor(
            "okta_eventhooks_sink_connected",
            "1 while the sink can store (always 1 without a sink)",
            None,
            MetricType::Gauge,
        )?)?;
        let verifications = ConstCounter::new(s.verifications);
        verifications.encode(encoder.encode_descriptor(
            "okta_eventhooks_verifications",
            "Verification challenges answered",
            None,
            MetricType::Counter,
        )?)?;
        Ok(())
    }
}

/// One counter with an `outcome` label per value.
fn counter_family(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    values: &[(&'static str, u64)],
) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (outcome, value) in values {
        let labels = [("outcome", *outcome)];
        ConstCounter::new(*value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{DateTime, Utc};
    use okta_eventhooks::events::LogEvent;
    use okta_eventhooks::sink::{EventCounts, Incoming, ReplayTo, Replayed, SinkFuture};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A sink whose connection the test switches, and which tells its own event counts.
    #[derive(Default)]
    struct Switched(AtomicBool);

    impl Sink for Switched {
        fn store(&self, _: Incoming) -> SinkFuture<'_> {
            Box::pin(async { Ok(()) })
        }
        fn stored_uuids(
            &self,
            _: DateTime<Utc>,
            _: DateTime<Utc>,
        ) -> SinkFuture<'_, HashSet<String>> {
            Box::pin(async { Ok(HashSet::new()) })
        }
        fn check_target(&self) -> SinkFuture<'_> {
            Box::pin(async { Ok(()) })
        }
        fn replay<'a>(&'a self, _: ReplayTo<'a>, _: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
            Box::pin(async { Ok(Replayed::default()) })
        }
        fn connected(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
        fn event_counts(&self) -> Option<EventCounts> {
            Some(EventCounts::new(7, 2, 1))
        }
    }

    /// One GET over a real connection: the status code and the body.
    async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
        (status, body)
    }

    #[tokio::test]
    async fn readiness_follows_the_sink_and_the_drain_and_metrics_read_the_counters() {
        let sink = Arc::new(Switched(AtomicBool::new(true)));
        let counters = Arc::new(Counters::default());
        Counters::bump(&counters.deliveries, 3);
        Counters::bump(&counters.not_stored, 1);
        Counters::bump(&counters.overloaded, 1);
        counters.observe(std::time::Duration::from_millis(3));
        counters.observe(std::time::Duration::from_secs(5));
        let admin = Admin::new(Arc::clone(&counters), Some(sink.clone()));
        let mut server = admin.serve("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr();
        assert_eq!(get(addr, "/healthz").await.0, 200);
        assert_eq!(get(addr, "/readyz").await, (200, "ready\n".into()));
        sink.0.store(false, Ordering::Relaxed);
        assert_eq!(get(addr, "/readyz").await.0, 503);
        let metrics = get(addr, "/metrics").await.1;
        for line in [
            "okta_eventhooks_deliveries_total{outcome=\"stored\"} 3",
            "okta_eventhooks_deliveries_total{outcome=\"unavailable\"} 2",
            "okta_eventhooks_events_total{outcome=\"stored\"} 7",
            "okta_eventhooks_events_total{outcome=\"invalid\"} 1",
            "okta_eventhooks_delivery_duration_seconds_count 2",
            "okta_eventhooks_delivery_duration_seconds_bucket{le=\"0.005\"} 1",
            "okta_eventhooks_delivery_duration_seconds_bucket{le=\"3.0\"} 1",
            "okta_eventhooks_delivery_duration_seconds_bucket{le=\"+Inf\"} 2",
            "okta_eventhooks_sink_connected 0",
            "okta_eventhooks_verifications_total 0",
        ] {
            assert!(
                metrics.lines().any(|l| l == line),
                "no {line} in\n{metrics}"
            );
        }
        // Connected again, but draining: not ready, for good.
        sink.0.store(true, Ordering::Relaxed);
        admin.start_draining();
        assert_eq!(get(addr, "/readyz").await, (503, "draining\n".into()));
        assert_eq!(get(addr, "/healthz").await.0, 200);
        server.stop().await.unwrap();
    }
}
