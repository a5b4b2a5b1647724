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
    let (to_parser, mut inbox) = tokio::sync::mpsc::channel::<RawPage>(AHEAD);
    let (answer, parsed) = tokio::sync::oneshot::channel();
    // The round goes to the thread once it runs: should no thread be had, it is still here.
    let (hand_over, handed) = std::sync::mpsc::sync_channel::<Reconciliation>(1);
    let spawned = thread::Builder::new()
        .name("okta-eventhooks-reconcile".into())
        .spawn(move || {
            let Ok(mut round) = handed.recv() else {
                return;
            };
            let mut parse_all = || {
                while let Some(page) = inbox.blocking_recv() {
                    page::observe_page(&mut round, &page)?;
                }
                Ok(())
            };
            let _ = answer.send(parse_all().map(|()| round));
        });
    let Ok(parser) = spawned else {
        // No thread to be had: the pages are parsed here, one after the other.
        let mut round = round;
        while let Some(page) = pages.next().await? {
            page::observe_page(&mut round, &page)?;
        }
        return Ok(round);
    };
    // The thread is waiting for it, so this cannot fail.
    let _ = hand_over.send(round);
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
        // The parser ended without an answer: it panicked; so does this, as parsing here would.
        Err(_) => match parser.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the parser answers before it ends"),
        },
    };
    fetched?;
    Ok(round)
}
