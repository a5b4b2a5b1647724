//! Okta's timestamps, written back the way Okta writes them.

use std::fmt;
use std::ops::Deref;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant that serializes in Okta's form, with milliseconds and `Z`
/// (`2025-03-13T23:36:13.000Z`), so that a hook read and printed again looks as Okta sent it.
/// Derefs to [`chrono::DateTime<Utc>`].
///
/// ```
/// let t: okta_eventhooks::Timestamp = serde_json::from_str("\"2025-03-13T23:36:13.000Z\"").unwrap();
/// assert_eq!(serde_json::to_string(&t).unwrap(), "\"2025-03-13T23:36:13.000Z\"");
/// assert_eq!(t.timestamp(), 1741908973);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(deserializer).map(Self)
    }
}
