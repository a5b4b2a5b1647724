//! A round's bounded System Log read: pages are fetched on the caller's task while a thread of
//! their own parses the ones before ([`page::observe_page`]), at most [`AHEAD`] pages waiting
//! between the two. Parsing a page (a megabyte or two of JSON) takes about as long as Okta
//! takes to answer the next one, so neither waits for the other; and the caller's task stays
//! free for the sink's read, which runs at the same time.

use std::thread;

use super::Reconciliation;
use super::page;
use crate::error::Result;
use crate::logs::{LogPages, RawPage};

/// Pages fetched but not yet parsed, at most: the read runs this far ahead of the parsing
/// (each page is at most a few megabytes).
const AHEAD: usize = 2;

/// Takes every event of `pages` into `round` and hands it back. An error of the page read
/// first (parsing runs behind fetching) is the one returned.
pub(super) async fn observe_pages(
    mut pages: LogPages,
    round: Reconciliation,
) -> Result<Reconciliation> {
    let (to_parser, mut parser_inbox) = tokio::sync::mpsc::channel::<RawPage>(AHEAD);
    let (answer, parsed) = tokio::sync::oneshot::channel();
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(round)));
    let parser_round = std::sync::Arc::clone(&slot);
    let spawned = thread::Builder::new()
        .name("okta-eventhooks-reconcile".into())
        .spawn(move || {
            let mut round = parser_round
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            let outcome = (|| {
                let mut round = round.take().expect("the round is handed to the thread");
                while let Some(page) = parser_inbox.blocking_recv() {
                    page::observe_page(&mut round, &page)?;
                }
                Ok(round)
            })();
            let _ = answer.send(outcome);
        });
    let handle = match spawned {
        Ok(handle) => handle,
        // No thread to be had: the pages are parsed here, one after the other.
        Err(_) => {
            let mut round = slot
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("the thread did not start, so the round is still here");
            while let Some(page) = pages.next().await? {
                page::observe_page(&mut round, &page)?;
            }
            return Ok(round);
        }
    };
    let fetched = async {
        while let Some(page) = pages.next().await? {
            if to_parser.send(page).await.is_err() {
                // The parser stopped at an error of an earlier page: that error is the answer.
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(to_parser);
    let round = match parsed.await {
        Ok(outcome) => outcome?,
        // The parser ended without an answer: it panicked; so does this, as an inline parse would.
        Err(_) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the parser answers before it ends"),
        },
    };
    fetched?;
    Ok(round)
}
