//! Group commit, written once for both databases: deliveries that arrive while a transaction
//! commits wait in a queue, and the writer takes all of them into its next transaction. Each
//! is answered only after the transaction holding it committed, so one fsync makes many
//! deliveries durable and the disk's flush rate does not cap the deliveries per second.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::row::Row;

/// Deliveries waiting for the writer; past it, a delivery waits for a place.
const QUEUE: usize = 4096;

/// Most events in one transaction: a larger batch is split, so no answer waits too long.
pub(crate) const MAX_BATCH_ROWS: usize = 5000;

/// What one job's rows did: inserted, and dropped as repeats of a stored uuid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Inserted {
    pub(crate) new: u64,
    pub(crate) repeats: u64,
}

/// One delivery's (or replay's) rows and where its answer goes.
pub(crate) struct Job {
    pub(crate) rows: Vec<Row>,
    pub(crate) done: oneshot::Sender<Result<Inserted, Arc<Error>>>,
}

/// The sending side, held by the sink.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    tx: mpsc::Sender<Job>,
}

/// A new queue and the writer's side of it.
pub(crate) fn queue() -> (Queue, mpsc::Receiver<Job>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (Queue { tx }, rx)
}

impl Queue {
    /// Hands `rows` to the writer and waits for their transaction.
    pub(crate) async fn write(&self, database: &str, rows: Vec<Row>) -> Result<Inserted> {
        let (done, answer) = oneshot::channel();
        let gone = || Error::database(database, "store events", "the writer has stopped");
        self.tx.send(Job { rows, done }).await.map_err(|_| gone())?;
        match answer.await.map_err(|_| gone())? {
            Ok(inserted) => Ok(inserted),
            Err(e) => Err(Error::database(database, "store events", e.to_string())),
        }
    }
}

/// Takes, after `first`, every job already waiting, up to [`MAX_BATCH_ROWS`] events.
pub(crate) fn take_waiting(first: Job, rx: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let mut rows = first.rows.len();
    let mut jobs = vec![first];
    while rows < MAX_BATCH_ROWS {
        match rx.try_recv() {
            Ok(job) => {
                rows += job.rows.len();
                jobs.push(job);
            }
            Err(_) => break,
        }
    }
    jobs
}

/// Answers every job of a batch: its counts once committed, or the batch's error.
pub(crate) fn answer(jobs: Vec<Job>, outcome: Result<Vec<Inserted>, Error>) {
    match outcome {
        Ok(counts) => {
            for (job, inserted) in jobs.into_iter().zip(counts) {
                // A delivery whose caller gave up (the deadline) is stored all the same.
                let _ = job.done.send(Ok(inserted));
            }
        }
        Err(e) => {
            let e = Arc::new(e);
            for job in jobs {
                let _ = job.done.send(Err(e.clone()));
            }
        }
    }
}
