//! `listen`: a local receiver that answers Okta's verification challenge and prints every
//! delivered event, one line each (or JSON lines with `-o json`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;
use okta_eventhooks::Secret;
use okta_eventhooks::events::{Delivery, LogEvent, LogTarget};
use okta_eventhooks_receiver::{DEFAULT_MAX_BODY_BYTES, Receiver, ReceiverStats};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::Printer;

/// `listen`
#[derive(Debug, Args)]
pub struct Listen {
    /// Port to listen on (0 picks a free one; the address is printed at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// Address to listen on. The default accepts local connections only; Okta needs an
    /// https:// URL, so put a TLS tunnel or reverse proxy in front for a real org.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,

    /// Path Okta calls (the path of the hook's channel URI).
    #[arg(long, default_value = "/")]
    path: String,

    /// Header Okta sends the shared secret in (the hook's authScheme.key), e.g. Authorization.
    #[arg(long, value_name = "HEADER", requires = "auth_value_env")]
    auth_key: Option<String>,

    /// Environment variable holding the expected value of --auth-key (secrets never go on the
    /// command line). Requests without it get 401.
    #[arg(long, value_name = "VAR", requires = "auth_key")]
    auth_value_env: Option<String>,

    /// Drop a delivery whose eventId was seen within this time (e.g. 10m; 0s turns it off).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::duration::parse)]
    dedupe_window: Duration,

    /// Largest delivery body accepted, in bytes (larger ones get 413).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,

    /// Stop after printing this many events (for scripts and tests).
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

impl Listen {
    /// Serves until Ctrl-C (or `--count` events), printing each event as it arrives.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let mut builder = Receiver::builder()
            .path(&self.path)
            .dedupe_window(self.dedupe_window)
            .max_body_bytes(self.max_body_bytes);
        if let (Some(key), Some(var)) = (&self.auth_key, &self.auth_value_env) {
            builder = builder.auth_header(key, read_secret_env(var)?);
        }
        let (receiver, mut deliveries) = builder
            .build()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if self.auth_key.is_none() {
            printer.warn("no --auth-key: every caller is accepted (fine for local tests only)");
        }
        let addr = SocketAddr::new(self.bind, self.port);
        let running = receiver
            .serve(&addr.to_string())
            .await
            .map_err(|e| CliError::Config(e.to_string()))?;
        // One Ctrl-C listener for the whole run, registered (by a first poll) before we say we
        // are listening: a signal that arrives while an event is printed is kept, not lost.
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let interrupted = tokio::select! {
            biased;
            _ = &mut ctrl_c => true,
            () = std::future::ready(()) => false,
        };
        printer.note(&format!(
            "listening on {} (verification GET and delivery POST; Ctrl-C to stop)",
            running.url()
        ));

        let mut events_out = EventPrinter {
            printer,
            printed: 0,
            limit: self.count,
        };
        let outcome = loop {
            if interrupted || events_out.done() {
                break Ok(());
            }
            let delivery = tokio::select! {
                delivery = deliveries.recv() => delivery,
                _ = &mut ctrl_c => break Ok(()),
            };
            let Some(delivery) = delivery else {
                break Ok(());
            };
            if let Err(e) = events_out.print(&delivery) {
                break Err(e);
            }
        };
        // Stop accepting, then print what was already acknowledged to Okta: an acknowledged
        // event is never redelivered, so it must not vanish on Ctrl-C.
        let stopped = running.shutdown().await;
        let outcome = outcome.and_then(|()| {
            while let Ok(delivery) = deliveries.try_recv() {
                if events_out.done() {
                    break;
                }
                events_out.print(&delivery)?;
            }
            Ok(())
        });
        outcome?;
        printer.note(&summary(&stopped?));
        Ok(())
    }
}

/// Prints events until an optional limit.
struct EventPrinter<'a> {
    printer: &'a Printer,
    printed: u64,
    limit: Option<u64>,
}

impl EventPrinter<'_> {
    fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.printed >= limit)
    }

    fn print(&mut self, delivery: &Delivery) -> Result<()> {
        let remaining = self.limit.map_or(u64::MAX, |limit| limit - self.printed);
        let events = &delivery.data.events;
        let take = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(events.len());
        for event in &events[..take] {
            // One line each, or one JSON line / YAML document with every field Okta sent.
            self.printer.record(&event_line(event), event)?;
            self.printed += 1;
        }
        Ok(())
    }
}

/// The value of the environment variable named by `--auth-value-env`.
pub fn read_secret_env(var: &str) -> Result<Secret> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Secret::from(value)),
        Ok(_) => Err(CliError::Usage(format!(
            "environment variable {var} (--auth-value-env) is empty"
        ))),
        Err(_) => Err(CliError::Usage(format!(
            "environment variable {var} (--auth-value-env) is not set"
        ))),
    }
}

/// One readable line: time, event type, actor, targets, outcome. Control characters from the
/// event are escaped, so a crafted event cannot drive the terminal.
pub fn event_line(event: &LogEvent) -> String {
    let actor = event.actor.as_ref().map_or_else(
        || "-".to_owned(),
        |a| {
            person(
                a.display_name.as_deref(),
                a.alternate_id.as_deref(),
                a.id.as_deref(),
            )
        },
    );
    let targets = if event.target.is_empty() {
        "-".to_owned()
    } else {
        event
            .target
            .iter()
            .map(target)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let outcome = match &event.outcome {
        Some(o) => match (&o.result, o.reason.as_deref().filter(|r| !r.is_empty())) {
            (Some(result), Some(reason)) => format!("{result} ({reason})"),
            (Some(result), None) => result.to_string(),
            (None, Some(reason)) => format!("- ({reason})"),
            (None, None) => "-".to_owned(),
        },
        None => "-".to_owned(),
    };
    clean(&format!(
        "{}  {}  actor: {actor}  targets: {targets}  outcome: {outcome}",
        event.published.as_deref().unwrap_or("-"),
        event.event_type.as_deref().unwrap_or("-"),
    ))
}

fn person(display: Option<&str>, alternate: Option<&str>, id: Option<&str>) -> String {
    match (display, alternate.or(id)) {
        (Some(name), Some(login)) if name != login => format!("{name} <{login}>"),
        (Some(name), _) => name.to_owned(),
        (None, Some(login)) => login.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

fn target(t: &LogTarget) -> String {
    let who = person(
        t.display_name.as_deref(),
        t.alternate_id.as_deref(),
        t.id.as_deref(),
    );
    match t.type_.as_deref() {
        Some(kind) => format!("{kind} {who}"),
        None => who,
    }
}

fn clean(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn summary(stats: &ReceiverStats) -> String {
    format!(
        "received {} event(s) in {} delivery(ies); {} duplicate(s) dropped, {} unauthorized, {} malformed, {} too large, {} verification(s) answered",
        stats.events,
        stats.deliveries,
        stats.duplicates,
        stats.unauthorized,
        stats.malformed,
        stats.too_large,
        stats.verifications,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> LogEvent {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn line_shows_time_type_actor_targets_outcome() {
        let e = event(serde_json::json!({
            "published": "2026-11-26T13:00:00.000Z",
            "eventType": "group.user_membership.add",
            "actor": {"displayName": "Ada Admin", "alternateId": "ada@acme.com"},
            "target": [
                {"type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"},
                {"type": "UserGroup", "displayName": "Everyone"}
            ],
            "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
        }));
        assert_eq!(
            event_line(&e),
            "2026-11-26T13:00:00.000Z  group.user_membership.add  actor: Ada Admin <ada@acme.com>  \
             targets: User Bob <bob@acme.com>, UserGroup Everyone  outcome: FAILURE (INVALID_CREDENTIALS)"
        );
    }

    #[test]
    fn missing_parts_print_as_dashes_and_control_characters_are_escaped() {
        assert_eq!(
            event_line(&event(serde_json::json!({}))),
            "-  -  actor: -  targets: -  outcome: -"
        );
        let e = event(serde_json::json!({"eventType": "x\u{1b}[31m\nfake"}));
        let line = event_line(&e);
        assert!(!line.contains('\u{1b}') && !line.contains('\n'), "{line}");
        assert!(line.contains("x\\u{1b}[31m\\nfake"), "{line}");
    }
}
