//! A running emulator: its URL, firing events, the delivery log, faults and chaos.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use okta_eventhooks_receiver::serve::BackgroundServer;

use super::chaos::Chaos;
use super::error::{Error, Result};
use super::limits::Faults;
use super::records::{DeliveryRecord, FireRequest, FireSummary};
use super::shared::Shared;
use super::{deliver, reply};

/// A running emulator. Dropping it stops the server (without waiting); prefer
/// [`shutdown`](Emulator::shutdown).
pub struct Emulator {
    shared: Arc<Shared>,
    url: String,
    server: BackgroundServer,
    state_warnings: Vec<String>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    pub(crate) fn new(
        shared: Arc<Shared>,
        url: String,
        server: BackgroundServer,
        state_warnings: Vec<String>,
    ) -> Self {
        Self {
            shared,
            url,
            server,
            state_warnings,
        }
    }

    /// The org URL to give clients, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What was wrong in the state file at start, one line each (a filter stored before
    /// filters were checked that does not parse); the emulator runs anyway. Empty normally.
    pub fn state_warnings(&self) -> &[String] {
        &self.state_warnings
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Fires `count` events of `event_type` to every eligible hook and waits for the
    /// deliveries (retries included). [`fire_with`](Self::fire_with) fires several types in
    /// one burst.
    pub async fn fire(&self, event_type: &str, count: usize) -> Result<FireSummary> {
        self.fire_with(FireRequest::new(event_type, count)).await
    }

    /// Fires events shaped by a [`FireRequest`].
    pub async fn fire_with(&self, request: FireRequest) -> Result<FireSummary> {
        deliver::fire(&self.shared, request)
            .await
            .map_err(Error::InvalidInput)
    }

    /// Every recorded verification and delivery attempt, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.log.all()
    }

    /// What the inspector's page asks of the emulator (its hooks, fire, replay to a hook),
    /// for [`Inspector::serve`](okta_eventhooks_receiver::inspector::Inspector::serve); the
    /// calls show on the page when the emulator was built with
    /// [`EmulatorBuilder::inspector`](crate::EmulatorBuilder::inspector).
    pub fn inspector_actions(
        &self,
    ) -> Arc<dyn okta_eventhooks_receiver::inspector::InspectorActions> {
        Arc::new(super::inspect::Actions {
            shared: Arc::clone(&self.shared),
        })
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    /// Replaces the standing chaos (every fire without chaos of its own, every verify call);
    /// refused when a knob is out of bounds ([`Chaos::acceptable`]).
    pub fn set_chaos(&self, chaos: Chaos) -> Result<()> {
        if !chaos.acceptable() {
            return Err(Error::InvalidInput(Chaos::bounds()));
        }
        self.shared.chaos.set(chaos);
        Ok(())
    }

    /// Deletes every hook and clears the delivery log, the System Log (cursors stay valid),
    /// faults, chaos and rate-limit windows.
    pub async fn reset(&self) -> Result<()> {
        self.shared.reset().await.map_err(|failure| {
            let message = match failure {
                reply::Failure::Internal(detail) => detail,
                other => format!("{other:?}"),
            };
            Error::StateFile {
                path: self.shared.store.path().unwrap_or(Path::new("")).to_owned(),
                message,
            }
        })
    }

    /// Stops accepting connections and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.server.stop().await {
            tracing::error!(error = %e, "the emulator stopped serving");
        }
    }
}
