//! Enums that Okta may extend. Each keeps a value it does not know as [`Unknown`](LifecycleStatus::Unknown)
//! instead of failing the whole response, and writes it back unchanged.
//!
//! The generator is told (in `xtask`) to use these types in place of the spec's closed enums.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this version of the SDK does not know, kept exactly as Okta sent it.
            Unknown(String),
        }

        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(other) => other,
                }
            }
        }

        impl FromStr for $name {
            type Err = Infallible;
            fn from_str(value: &str) -> Result<Self, Infallible> {
                Ok(match value {
                    $($wire => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Read borrowed where the input allows: a known value costs no allocation.
                struct Wire;
                impl<'de> ::serde::de::Visitor<'de> for Wire {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E>(self, value: &str) -> Result<$name, E> {
                        let Ok(parsed) = value.parse();
                        Ok(parsed)
                    }
                }
                deserializer.deserialize_str(Wire)
            }
        }
    };
}

open_enum! {
    /// `status` of an event hook.
    LifecycleStatus {
        /// The hook is on (it receives events once verified).
        Active = "ACTIVE",
        /// The hook is off; only inactive hooks can be deleted.
        Inactive = "INACTIVE",
    }
}

open_enum! {
    /// `verificationStatus` of an event hook.
    EventHookVerificationStatus {
        /// The endpoint has not (yet, or since its channel changed) answered the challenge.
        Unverified = "UNVERIFIED",
        /// The endpoint answered the verification challenge.
        Verified = "VERIFIED",
    }
}

open_enum! {
    /// `channel.type` of an event hook.
    EventHookChannelType {
        /// An HTTPS endpoint (the only type Okta offers today).
        Http = "HTTP",
    }
}

open_enum! {
    /// `channel.config.authScheme.type` of an event hook.
    EventHookChannelConfigAuthSchemeType {
        /// The secret is sent as a request header.
        Header = "HEADER",
    }
}

open_enum! {
    /// `events.type` of an event hook.
    EventSubscriptionType {
        /// `items` are System Log event types.
        EventType = "EVENT_TYPE",
    }
}

open_enum! {
    /// An HTTP method, as used in link hints.
    HttpMethod {
        /// DELETE
        Delete = "DELETE",
        /// GET
        Get = "GET",
        /// POST
        Post = "POST",
        /// PUT
        Put = "PUT",
    }
}

open_enum! {
    /// `sortOrder` of a System Log query: the order of events by `published`. Open because the
    /// value in a `next` link is Okta's, and is sent back as it is.
    LogSortOrder {
        /// Oldest first (Okta's default). Without `until`, this makes a polling request.
        Ascending = "ASCENDING",
        /// Newest first; always a bounded request.
        Descending = "DESCENDING",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        let known: LifecycleStatus = serde_json::from_str("\"ACTIVE\"").unwrap();
        assert_eq!(known, LifecycleStatus::Active);
        let unknown: LifecycleStatus = serde_json::from_str("\"SUSPENDED\"").unwrap();
        assert_eq!(unknown, LifecycleStatus::Unknown("SUSPENDED".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"SUSPENDED\"");
        assert_eq!(unknown.to_string(), "SUSPENDED");
    }
}
