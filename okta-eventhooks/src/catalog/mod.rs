//! Okta's event-type catalog: every System Log event type of one Okta release, whether an event
//! hook may subscribe to it, and when it came. Generated from `spec/event-types.tsv` by
//! `cargo xtask generate`.
//!
//! The hook rules ([`crate::rules`]) read it: a hook may subscribe only to types tagged
//! event-hook-eligible, and a type missing from the catalog is refused unless the caller allows
//! unknown types (Okta adds types every release, so the catalog may lag behind the org).
//!
//! ```
//! use okta_eventhooks::catalog;
//!
//! let start = catalog::get("user.session.start").unwrap();
//! assert!(start.hook_eligible);
//! assert_eq!(start.category, "passwordless");
//! assert_eq!(catalog::closest_eligible("user.session.started"), ["user.session.start"]);
//! assert!(catalog::eligible().all(|t| t.hook_eligible));
//! ```

mod suggest;
#[rustfmt::skip]
mod table;

use serde::Serialize;

pub use suggest::closest_eligible;
pub(crate) use suggest::distance;

/// One event type of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventType {
    /// The name, e.g. `user.session.start`.
    pub name: &'static str,
    /// Whether an event hook may subscribe to it (Okta's tag `event-hook-eligible`).
    pub hook_eligible: bool,
    /// Whether Okta marks it beta.
    pub beta: bool,
    /// Whether Okta marks it internal.
    pub internal: bool,
    /// The Okta release that introduced it, e.g. `2016.02` or `2023.06.0`.
    pub released: &'static str,
    /// Okta's category, e.g. `ud-core`.
    pub category: &'static str,
}

/// The Okta release the catalog was taken from, e.g. `2026.08.1`.
pub const RELEASE: &str = table::RELEASE;

/// Every event type, sorted by name.
pub fn all() -> &'static [EventType] {
    table::EVENT_TYPES
}

/// The event types a hook may subscribe to, sorted by name.
pub fn eligible() -> impl Iterator<Item = &'static EventType> {
    all().iter().filter(|t| t.hook_eligible)
}

/// The event type of that name, if the catalog has it.
pub fn get(name: &str) -> Option<&'static EventType> {
    let types = all();
    types
        .binary_search_by(|t| t.name.cmp(name))
        .ok()
        .map(|at| &types[at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert!(all().windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(all().len(), 1274);
        assert_eq!(eligible().count(), 314);
        assert_eq!(RELEASE, "2026.08.1");
        assert_eq!(get("zone.update").map(|t| t.hook_eligible), Some(false));
        assert_eq!(get("no.such.type"), None);
    }
}
