//! `GET /api/v1/logs`: the emulator's System Log, one page at a time, with Okta's `Link`
//! headers (`rel="self"`, and `rel="next"` while there is more, or always when polling).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::form_urlencoded;

use super::reply;
use super::shared::Shared;
use super::syslog::{Invalid, query};

pub(crate) async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Response {
    match page(&shared, raw.as_deref()) {
        Ok(response) => response,
        Err(Invalid { param, cause }) => reply::error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {param}"),
            vec![cause],
        ),
    }
}

fn page(shared: &Shared, raw: Option<&str>) -> Result<Response, Invalid> {
    let query = query::parse(raw)?;
    let log = &shared.system_log;
    let after = query.after.as_deref().map(|a| log.cursor(a)).transpose()?;
    let page = log.page(&query, after);
    // The events are stored as JSON text: the page is written from it, not encoded again.
    let mut body =
        String::with_capacity(page.events.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
    body.push('[');
    for (index, event) in page.events.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(event);
    }
    body.push(']');
    let base = format!("{}/api/v1/logs", shared.base_url);
    let this = match raw.filter(|r| !r.is_empty()) {
        Some(raw) => format!("{base}?{raw}"),
        None => base.clone(),
    };
    let mut response = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    // Two `Link` fields, `self` first, as Okta sends them.
    if let Ok(link) = HeaderValue::from_str(&format!("<{this}>; rel=\"self\"")) {
        headers.append(header::LINK, link);
    }
    if let Some(next) = page.next {
        let mut url = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &query.params {
            url.append_pair(name, value);
        }
        url.append_pair("after", &next.encode(log.epoch()));
        let next = format!("<{base}?{}>; rel=\"next\"", url.finish());
        if let Ok(link) = HeaderValue::from_str(&next) {
            headers.append(header::LINK, link);
        }
    }
    Ok(response)
}
