//! The state every handler of the emulator's server shares.

use std::sync::Arc;

use okta_eventhooks::Secret;

use super::chaos::{self, Chaos};
use super::limits::{self, Faults};
use super::{outbound, records, reply, store, syslog};

/// State shared by the server's handlers.
pub(crate) struct Shared {
    pub(crate) token: Secret,
    pub(crate) allow_http_loopback: bool,
    pub(crate) base_url: String,
    pub(crate) max_batch: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) max_active_hooks: usize,
    pub(crate) max_hooks: usize,
    pub(crate) store: Arc<store::Store>,
    pub(crate) limiter: limits::RateLimiter,
    /// `/api/v1/logs` has a bucket of its own at Okta.
    pub(crate) logs_limiter: limits::RateLimiter,
    pub(crate) faults: limits::FaultState,
    pub(crate) chaos: chaos::ChaosState,
    pub(crate) log: records::DeliveryLog,
    pub(crate) system_log: syslog::SystemLog,
    pub(crate) outbound: outbound::Outbound,
}

impl Shared {
    /// Deletes every hook (durably) and clears the delivery log, the System Log (its cursors
    /// stay valid: positions are never reused), the faults, the chaos and the rate windows.
    pub(crate) async fn reset(&self) -> Result<(), reply::Failure> {
        self.store
            .write(|state| {
                let changed = !state.hooks.is_empty();
                state.hooks.clear();
                Ok(((), changed))
            })
            .await?;
        self.log.clear();
        self.system_log.clear();
        self.faults.set(Faults::default());
        self.chaos.set(Chaos::default());
        self.limiter.reset();
        self.logs_limiter.reset();
        Ok(())
    }
}
