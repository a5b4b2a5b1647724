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
