//! The page and its API, served apart from the port Okta calls:
//!
//! - `GET /` the page, `/app.js`, `/style.css` (embedded in the binary: no network fetch);
//! - `GET /api/deliveries` (newest first; `after=<id>` only newer ones, `type=` a part of an
//!   event type, `q=` a text in the body, target or a header value, any case), and
//!   `GET /api/deliveries/{id}` (headers, events, answer);
//! - `GET /api/stream`: server-sent events, one `delivery` event (its id) per new record;
//! - `POST /api/deliveries/{id}/replay`; on the emulator `GET /api/hooks`, `POST /api/fire`.
//!
//! Only requests whose `Host` is an IP address or `localhost` are answered (a web page the
//! browser also has open cannot reach the inspector through a DNS name that it points at
//! 127.0.0.1), and a POST must be JSON and not cross-site (no form of another site can
//! replay or fire).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;

use super::actions::InspectorActions;
use super::store::{Store, duplicate_marks};

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

/// Most events one fire from the page may ask for.
pub const MAX_FIRE_FROM_PAGE: usize = 1000;

#[derive(Clone)]
struct Web {
    store: Arc<Store>,
    actions: Arc<dyn InspectorActions>,
    /// Turns true when the server stops, which ends the live streams.
    closing: watch::Receiver<bool>,
}

pub(crate) fn router(
    store: Arc<Store>,
    actions: Arc<dyn InspectorActions>,
    closing: watch::Receiver<bool>,
) -> Router {
    let web = Web {
        store,
        actions,
        closing,
    };
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/api/deliveries", get(list))
        .route("/api/deliveries/{id}", get(detail))
        .route("/api/deliveries/{id}/replay", post(replay))
        .route("/api/stream", get(stream))
        .route("/api/hooks", get(hooks))
        .route("/api/fire", post(fire))
        .layer(axum::middleware::from_fn(guard))
        .with_state(web)
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            // Nothing from elsewhere: the page's own script and style only.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:",
            ),
        ],
        text,
    )
        .into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The `Host` and cross-site checks of the module docs.
async fn guard(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !local_host(host) {
        return refuse(
            StatusCode::FORBIDDEN,
            "the inspector answers only requests to an IP address or localhost",
        );
    }
    if request.method() == http::Method::POST {
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site != "same-origin" && site != "none");
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        if cross_site || !json {
            return refuse(
                StatusCode::FORBIDDEN,
                "a POST to the inspector must be JSON from its own page",
            );
        }
    }
    next.run(request).await
}

/// `localhost`, an IPv4 address or a bracketed IPv6 address, with or without a port.
fn local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => {
            return rest
                .split_once(']')
                .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
        }
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    after: Option<u64>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    q: Option<String>,
}

async fn list(State(web): State<Web>, Query(query): Query<ListQuery>) -> Response {
    let records = web.store.all();
    let marks = duplicate_marks(&records);
    let event_type = query.event_type.as_deref().unwrap_or("").to_lowercase();
    let text = query.q.as_deref().unwrap_or("").to_lowercase();
    let after = query.after.unwrap_or(0);
    let rows: Vec<_> = records
        .iter()
        .zip(&marks)
        .rev()
        .filter(|(r, _)| r.id() > after)
        .filter(|(r, _)| {
            event_type.is_empty()
                || r.derived()
                    .types
                    .iter()
                    .any(|t| t.to_lowercase().contains(&event_type))
        })
        .filter(|(r, _)| text.is_empty() || r.contains(&text))
        .map(|(r, (dup, seen))| r.summary(*dup, *seen))
        .collect();
    Json(json!({
        "fill": web.store.fill(),
        "latest": web.store.latest(),
        "host": { "hooks": web.actions.hooks().is_some() },
        "deliveries": rows,
    }))
    .into_response()
}

async fn detail(State(web): State<Web>, Path(id): Path<u64>) -> Response {
    let records = web.store.all();
    let Some(index) = records.iter().position(|r| r.id() == id) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no such delivery (it may have been dropped)",
        );
    };
    let (dup, seen) = duplicate_marks(&records[..=index])[index];
    Json(records[index].detail(dup, seen)).into_response()
}

async fn replay(State(web): State<Web>, Path(id): Path<u64>) -> Response {
    let Some(record) = web.store.get(id) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no such delivery (it may have been dropped)",
        );
    };
    if record.kind() != "delivery" || record.call().body.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "only a delivery with its body can be replayed",
        );
    }
    match web.actions.replay(&record).await {
        Ok(result) => Json(json!({ "result": result })).into_response(),
        Err(error) => refuse(StatusCode::BAD_GATEWAY, &error),
    }
}

async fn hooks(State(web): State<Web>) -> Response {
    match web.actions.hooks() {
        None => refuse(
            StatusCode::NOT_FOUND,
            "this inspector has no hooks of its own",
        ),
        Some(hooks) => match hooks.await {
            Ok(hooks) => Json(hooks).into_response(),
            Err(error) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &error),
        },
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FireForm {
    event_type: String,
    count: usize,
}

async fn fire(State(web): State<Web>, Json(form): Json<FireForm>) -> Response {
    if form.count == 0 || form.count > MAX_FIRE_FROM_PAGE {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!("count must be from 1 to {MAX_FIRE_FROM_PAGE}"),
        );
    }
    match web.actions.fire(form.event_type.trim(), form.count) {
        None => refuse(StatusCode::NOT_FOUND, "this inspector cannot fire events"),
        Some(fired) => match fired.await {
            Ok(summary) => Json(summary).into_response(),
            Err(error) => refuse(StatusCode::BAD_REQUEST, &error),
        },
    }
}

/// One `delivery` event (the new record's id) per change; several records recorded while the
/// page was busy come as one event with the newest id, which the page asks `after` for.
async fn stream(State(web): State<Web>, _headers: HeaderMap) -> Response {
    let state = (web, 0_u64);
    let events = futures_util::stream::unfold(state, |(mut web, mut sent)| async move {
        loop {
            if *web.closing.borrow() {
                return None;
            }
            let store = Arc::clone(&web.store);
            let changed = store.changed();
            let latest = store.latest();
            if latest != sent {
                sent = latest;
                let event = Event::default().event("delivery").data(latest.to_string());
                return Some((Ok::<_, Infallible>(event), (web, sent)));
            }
            tokio::select! {
                () = changed => {}
                _ = web.closing.changed() => return None,
            }
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(5)))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ip_addresses_and_localhost_are_answered() {
        for host in [
            "127.0.0.1:4040",
            "localhost:4040",
            "LOCALHOST",
            "[::1]:4040",
            "10.0.0.2",
        ] {
            assert!(local_host(host), "{host}");
        }
        for host in ["", "evil.example:4040", "127.0.0.1.nip.io", "[evil]:1"] {
            assert!(!local_host(host), "{host}");
        }
    }
}
