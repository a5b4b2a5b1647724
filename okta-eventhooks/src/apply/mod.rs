//! Carrying out a plan for one org's hooks in a safe order: the apply engine.
//!
//! The caller says what each hook must undergo ([`Hook`]: its state now and its [`Action`]s,
//! in order) and supplies what only it knows ([`Supply`]: each hook as it must be, with its
//! secrets read at the moment they are sent, and the probe of a receiver before Okta is asked
//! to verify it). [`run`] then works through the phases of [`PHASES`], in that table's order,
//! and reports every step through a callback ([`Event`]) as it starts and ends; it prints
//! nothing and never exits.
//!
//! A failed step skips the later steps of its hook only; every other hook carries on. Each
//! step ends in a [`StepReport`], with Okta's error (and so its request id) for a failure.
//!
//! The CLI's `apply` is a front end of this module: it plans from a manifest, draws progress
//! bars from the events and prints the reports.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use okta_eventhooks::apply::{self, Action, Event, Hook, Settings, Supply};
//! use okta_eventhooks::{Client, EventHook};
//!
//! /// One hook to create, and no probe of its receiver.
//! struct NewHook(EventHook);
//!
//! impl Supply for NewHook {
//!     type Error = String;
//!
//!     fn hook(&self, _name: &str) -> Result<EventHook, String> {
//!         Ok(self.0.clone())
//!     }
//!
//!     async fn probe(&self, _hook: &EventHook) -> Result<String, String> {
//!         Err("not probed".into())
//!     }
//! }
//!
//! # async fn example(client: &Client, hook: EventHook) {
//! let actions = [Action::Create, Action::Verify];
//! let work = vec![Hook {
//!     name: &hook.name,
//!     id: None,
//!     status: None,
//!     verification: None,
//!     actions: &actions,
//!     changed: Vec::new(),
//! }];
//! let settings = Settings { verify_timeout: Duration::from_secs(30), probe: false };
//! let supply = NewHook(hook.clone());
//! let reports = apply::run(client, work, &supply, settings, |event| {
//!     if let Event::Ended(report) = event {
//!         println!("{} {}: {:?}", report.hook, report.step.name(), report.outcome);
//!     }
//! })
//! .await;
//! assert!(reports.iter().all(|r| r.error.is_none()));
//! # }
//! ```

mod engine;
mod phases;
mod report;

pub use engine::{Hook, Settings, Supply, run};
pub use phases::{Action, PHASES, Phase, PhaseInfo, Step, steps};
pub use report::{Event, Outcome, StepError, StepReport};
