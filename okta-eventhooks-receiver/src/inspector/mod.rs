//! A delivery inspector in the browser, like ngrok's at `localhost:4040`: a live list of the
//! calls a receiver answered (or, on the emulator, the calls it made), each one's headers
//! (secrets masked) and events, a filter, and a replay button; `GET /api/deliveries` behind
//! the page serves scripts too.
//!
//! An [`Inspector`] is the record store: the last [`MAX_RECORDS`] calls within [`MAX_BYTES`],
//! the oldest dropped first. A receiver records into it when built with
//! [`ReceiverBuilder::inspector`](crate::ReceiverBuilder::inspector): a middleware around
//! the receiver's router keeps a copy of each request's headers and body, its status and
//! its time, and parses nothing; what the page shows (event types
//! and counts, duplicate marks) is derived from the bodies when the page asks. The value of
//! the auth header, of `Authorization`, `Proxy-Authorization`, `Cookie` and of any header
//! marked sensitive is replaced by [`MASKED`] before the record is kept, so it never leaves
//! the process.
//!
//! [`Inspector::serve`] serves the page on an address of its own with the one server runner
//! ([`serve`](mod@crate::serve): the same time and size limits as the port Okta calls); its host
//! supplies the [`InspectorActions`] (`listen` and `relay`: a [`SelfReplay`]; the emulator:
//! replay to a hook, its hooks, and fire).
//!
//! ```no_run
//! use std::sync::Arc;
//! use okta_eventhooks_receiver::Receiver;
//! use okta_eventhooks_receiver::inspector::{Inspector, SelfReplay};
//!
//! # async fn run() -> okta_eventhooks_receiver::Result<()> {
//! let inspector = Inspector::new();
//! let (receiver, _deliveries) = Receiver::builder().inspector(inspector.clone()).build()?;
//! let running = receiver.serve("127.0.0.1:8080").await?;
//! let page = inspector
//!     .serve("127.0.0.1:4040", Arc::new(SelfReplay::new(running.url(), None)?))
//!     .await?;
//! println!("inspector on {}", page.url());
//! # Ok(()) }
//! ```

mod actions;
mod layer;
mod record;
mod store;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use http::HeaderName;
use tokio::sync::watch;

pub use actions::{ActionFuture, InspectorActions, REPLAY_TIMEOUT, SelfReplay, replay_mark};
pub use record::{Call, MASKED, Record};
pub use store::{MAX_BYTES, MAX_RECORDS};
pub use web::MAX_FIRE_FROM_PAGE;

use crate::Result;
use crate::serve::{self, BackgroundServer, ServerLimits};

/// The record store of an inspector. Cheap to clone; clones share the records.
#[derive(Clone, Debug)]
pub struct Inspector {
    store: Arc<store::Store>,
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new()
    }
}

impl Inspector {
    /// An empty store with the default bounds ([`MAX_RECORDS`], [`MAX_BYTES`]).
    pub fn new() -> Self {
        Self::with_bounds(MAX_RECORDS, MAX_BYTES)
    }

    /// An empty store keeping at most `records` calls and `bytes` bytes.
    pub fn with_bounds(records: usize, bytes: usize) -> Self {
        Self {
            store: Arc::new(store::Store::new(records, bytes)),
        }
    }

    /// Keeps `call`, its secret headers masked (`also_mask` and the usual credential
    /// headers); its record's id.
    pub fn record(&self, call: Call, also_mask: &[HeaderName]) -> u64 {
        self.store.push(call, also_mask)
    }

    /// Every record kept, oldest first.
    pub fn records(&self) -> Vec<Arc<Record>> {
        self.store.all()
    }

    /// Wraps `router` so that every request it answers is recorded here, with the value of
    /// `secret_header` masked.
    pub(crate) fn wrap(
        &self,
        router: axum::Router,
        secret_header: Option<HeaderName>,
    ) -> axum::Router {
        layer::wrap(router, Arc::clone(&self.store), secret_header)
    }

    /// The page and its API as a router (to mount elsewhere); live streams end when
    /// `closing` turns true.
    pub fn router(
        &self,
        actions: Arc<dyn InspectorActions>,
        closing: watch::Receiver<bool>,
    ) -> axum::Router {
        web::router(Arc::clone(&self.store), actions, closing)
    }

    /// Binds `addr` and serves the page in the background with the one server runner until
    /// the returned handle is stopped or dropped.
    pub async fn serve(
        &self,
        addr: &str,
        actions: Arc<dyn InspectorActions>,
    ) -> Result<RunningInspector> {
        let listener = serve::bind(addr).await?;
        let (closing, closed) = watch::channel(false);
        let server = BackgroundServer::start(
            listener,
            self.router(actions, closed),
            ServerLimits::default(),
        )?;
        Ok(RunningInspector { server, closing })
    }
}

/// The inspector's page served in the background. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningInspector {
    server: BackgroundServer,
    closing: watch::Sender<bool>,
}

impl RunningInspector {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// `http://<addr>/`, the page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr())
    }

    /// Ends the live streams, then stops the server and waits for it.
    pub async fn stop(&mut self) -> Result<()> {
        self.closing.send_replace(true);
        self.server.stop().await
    }
}

impl Drop for RunningInspector {
    fn drop(&mut self) {
        self.closing.send_replace(true);
    }
}
