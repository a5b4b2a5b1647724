//! A built [`Receiver`]: its router, its path and its counters. It is configured in
//! [`builder`](crate::ReceiverBuilder) and served in [`server`](crate::RunningReceiver).

use std::sync::Arc;

use axum::Router;

use crate::admin::Admin;
use crate::serve::ServerLimits;
use crate::stats::{Counters, ReceiverStats};

/// A configured receiver: an axum [`Router`] plus live counters.
///
/// Cheap to clone; clones share the counters and the delivery queue.
#[derive(Clone, Debug)]
pub struct Receiver {
    pub(crate) router: Router,
    pub(crate) path: String,
    pub(crate) counters: Arc<Counters>,
    pub(crate) limits: ServerLimits,
    pub(crate) admin: Admin,
}

impl Receiver {
    /// The router (a tower service); mount it in your own axum app or serve it directly.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The router, consuming the receiver.
    pub fn into_router(self) -> Router {
        self.router
    }

    /// The path the receiver answers on.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What the receiver has answered so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Its health, readiness and metrics (serve them on an admin port) and its drain switch.
    pub fn admin(&self) -> Admin {
        self.admin.clone()
    }
}
