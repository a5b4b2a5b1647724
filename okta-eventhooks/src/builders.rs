//! Ergonomic, validating builders for the parts of a hook people get wrong.

use crate::error::{Error, Result};
use crate::hook::{HTTP_URIS, refuse_first};
use crate::open_enums::{
    EventHookChannelConfigAuthSchemeType, EventHookChannelType, EventSubscriptionType,
};
use crate::rules::{self, CHANNEL_VERSION, ChannelView, EventsView, UnknownEventTypes};
use crate::secret::Secret;
use crate::types::{
    EventHook, EventHookChannel, EventHookChannelConfig, EventHookChannelConfigAuthScheme,
    EventHookChannelConfigHeader, EventHookFilterMapObject, EventHookFilterMapObjectCondition,
    EventHookFilters, EventSubscriptions,
};

impl EventHook {
    /// Starts a hook with a display name.
    ///
    /// ```
    /// use okta_eventhooks::{Channel, EventHook, Events};
    /// let hook = EventHook::builder("Audit sink")
    ///     .description("Forwards user lifecycle events")
    ///     .channel(
    ///         Channel::https("https://hooks.example.com/okta")?
    ///             .header("X-Source", "okta")
    ///             .auth_header("Authorization", "my-shared-secret"),
    ///     )
    ///     .events(
    ///         Events::types(["user.lifecycle.create", "user.session.start"])
    ///             .filter("user.session.start", "event.outcome.result eq 'FAILURE'"),
    ///     )
    ///     .build()?;
    /// assert_eq!(hook.name, "Audit sink");
    /// # Ok::<(), okta_eventhooks::Error>(())
    /// ```
    pub fn builder(name: impl Into<String>) -> EventHookBuilder {
        EventHookBuilder {
            name: name.into(),
            description: None,
            channel: None,
            events: None,
            unknown_event_types: UnknownEventTypes::Refused,
        }
    }
}

/// Builds an [`EventHook`]; see [`EventHook::builder`].
#[derive(Debug)]
#[must_use]
pub struct EventHookBuilder {
    name: String,
    description: Option<String>,
    channel: Option<Channel>,
    events: Option<Events>,
    unknown_event_types: UnknownEventTypes,
}

impl EventHookBuilder {
    /// A free-text description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where Okta sends events.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Which events are sent.
    pub fn events(mut self, events: Events) -> Self {
        self.events = Some(events);
        self
    }

    /// Accept event types that Okta's catalog ([`crate::catalog`]) does not list (default:
    /// refused, with the nearest eligible names). For a type newer than the catalog: Okta adds
    /// types every release. Types the catalog lists as not event-hook-eligible stay refused.
    /// A client checks again before sending: allow them there too, with
    /// [`ClientBuilder::allow_unknown_event_types`](crate::ClientBuilder::allow_unknown_event_types).
    ///
    /// ```
    /// use okta_eventhooks::{Channel, EventHook, Events};
    /// let build = |allow| {
    ///     EventHook::builder("New in the next release")
    ///         .channel(Channel::https("https://hooks.example.com/okta")?)
    ///         .events(Events::types(["user.lifecycle.new_thing"]))
    ///         .allow_unknown_event_types(allow)
    ///         .build()
    /// };
    /// assert!(build(false).is_err());
    /// assert!(build(true).is_ok());
    /// # Ok::<(), okta_eventhooks::Error>(())
    /// ```
    pub fn allow_unknown_event_types(mut self, allow: bool) -> Self {
        self.unknown_event_types = UnknownEventTypes::allowed_if(allow);
        self
    }

    /// Checks everything and builds the hook.
    pub fn build(self) -> Result<EventHook> {
        let channel = self.channel.ok_or_else(|| {
            invalid("the hook has no channel: add .channel(Channel::https(...)?)")
        })?;
        let mut events = self
            .events
            .ok_or_else(|| invalid("the hook has no events: add .events(Events::types([...]))"))?;
        if self.unknown_event_types == UnknownEventTypes::Allowed {
            events.unknown = UnknownEventTypes::Allowed;
        }
        let unknown = events.unknown;
        let hook = EventHook {
            name: self.name,
            description: self.description,
            channel: channel.build()?,
            events: events.build()?,
            id: None,
            status: None,
            verification_status: None,
            created: None,
            created_by: None,
            last_updated: None,
            links: None,
        };
        hook.validate_with(unknown)?;
        Ok(hook)
    }
}

/// The HTTPS endpoint of a hook, with its custom headers and shared secret.
#[derive(Debug, Clone)]
#[must_use]
pub struct Channel {
    uri: String,
    headers: Vec<(String, Secret)>,
    auth: Option<(String, Secret)>,
}

impl Channel {
    /// An `https://` endpoint (at most 1024 characters). `http://` is accepted only for
    /// loopback hosts, for local emulators; Okta itself rejects it.
    pub fn https(uri: impl Into<String>) -> Result<Self> {
        let uri = uri.into();
        refuse_first(rules::uri_violation(&uri, HTTP_URIS))?;
        Ok(Self {
            uri,
            headers: Vec::new(),
            auth: None,
        })
    }

    /// A custom header Okta sends with every call. The value is treated as a secret.
    /// Checked when the hook is built.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The shared-secret header Okta sends with every call (`authScheme`), e.g.
    /// `Authorization: <secret>`. For Basic auth pass the whole value, `Basic <base64>`.
    pub fn auth_header(mut self, name: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.auth = Some((name.into(), secret.into()));
        self
    }

    /// Checks the headers and builds the generated channel type.
    pub fn build(self) -> Result<EventHookChannel> {
        let channel = EventHookChannel {
            type_: EventHookChannelType::Http,
            version: CHANNEL_VERSION.into(),
            config: EventHookChannelConfig {
                uri: self.uri,
                headers: self
                    .headers
                    .into_iter()
                    .map(|(key, value)| EventHookChannelConfigHeader {
                        key: Some(key),
                        value: Some(value),
                    })
                    .collect(),
                auth_scheme: self
                    .auth
                    .map(|(key, value)| EventHookChannelConfigAuthScheme {
                        key: Some(key),
                        type_: Some(EventHookChannelConfigAuthSchemeType::Header),
                        value: Some(value),
                    }),
                method: None,
            },
        };
        refuse_first(ChannelView::from(&channel).violations(HTTP_URIS))?;
        Ok(channel)
    }
}

/// The event types a hook subscribes to, with optional per-type filters.
#[derive(Debug, Clone)]
#[must_use]
pub struct Events {
    types: Vec<String>,
    filters: Vec<(String, String)>,
    unknown: UnknownEventTypes,
}

impl Events {
    /// Subscribe to these event types (1 to 300 `event-hook-eligible` types of Okta's
    /// catalog, [`crate::catalog`]).
    pub fn types<I, S>(types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            types: types.into_iter().map(Into::into).collect(),
            filters: Vec::new(),
            unknown: UnknownEventTypes::Refused,
        }
    }

    /// Accept event types the catalog does not list (see
    /// [`EventHookBuilder::allow_unknown_event_types`]).
    pub fn allow_unknown_event_types(mut self, allow: bool) -> Self {
        self.unknown = UnknownEventTypes::allowed_if(allow);
        self
    }

    /// Only deliver `event_type` when the Okta Expression Language `expression` is true
    /// (Okta's "event hook filters" feature). The event type must be subscribed.
    pub fn filter(mut self, event_type: impl Into<String>, expression: impl Into<String>) -> Self {
        self.filters.push((event_type.into(), expression.into()));
        self
    }

    /// Checks the types and filters and builds the generated subscription type.
    pub fn build(self) -> Result<EventSubscriptions> {
        let filter = (!self.filters.is_empty()).then(|| EventHookFilters {
            type_: None,
            event_filter_map: self
                .filters
                .into_iter()
                .map(|(event, expression)| EventHookFilterMapObject {
                    event: Some(event),
                    condition: Some(EventHookFilterMapObjectCondition {
                        expression: Some(expression),
                        version: None,
                    }),
                })
                .collect(),
        });
        let events = EventSubscriptions {
            type_: EventSubscriptionType::EventType,
            items: self.types,
            filter,
        };
        refuse_first(EventsView::from(&events).violations(self.unknown))?;
        Ok(events)
    }
}

fn invalid(message: &str) -> Error {
    Error::InvalidInput(message.into())
}
