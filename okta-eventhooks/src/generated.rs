// @generated from spec/okta-eventhooks.yaml by cargo xtask generate: do not edit.
// Change the spec or xtask/src/client.rs and run `cargo xtask generate` instead.

#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`ErrorCause`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct ErrorCause {
        #[serde(
            rename = "errorSummary",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub error_summary: ::std::option::Option<::std::string::String>,
    }
    ///An event hook (an outbound HTTP call from Okta for System Log events).
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct EventHook {
        pub channel: EventHookChannel,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub created: ::std::option::Option<::okta_eventhooks::Timestamp>,
        ///Id of the user that created the hook.
        #[serde(
            rename = "createdBy",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub created_by: ::std::option::Option<::std::string::String>,
        ///Description of the event hook (`null` when unset).
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub description: ::std::option::Option<::std::string::String>,
        pub events: EventSubscriptions,
        ///Unique key (20 characters, prefix `who`).
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub id: ::std::option::Option<::std::string::String>,
        #[serde(
            rename = "lastUpdated",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub last_updated: ::std::option::Option<::okta_eventhooks::Timestamp>,
        #[serde(
            rename = "_links",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub links: ::std::option::Option<EventHookLinks>,
        ///Display name of the event hook (1 to 255 characters; the SDK's builder checks this, decoding does not, so that a response never fails on it).
        pub name: ::std::string::String,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub status: ::std::option::Option<
            ::okta_eventhooks::open_enums::LifecycleStatus,
        >,
        #[serde(
            rename = "verificationStatus",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub verification_status: ::std::option::Option<
            ::okta_eventhooks::open_enums::EventHookVerificationStatus,
        >,
    }
    ///`EventHookChannel`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct EventHookChannel {
        pub config: EventHookChannelConfig,
        #[serde(rename = "type")]
        pub type_: ::okta_eventhooks::open_enums::EventHookChannelType,
        ///Version of the channel. The only supported value is `1.0.0`.
        pub version: ::std::string::String,
    }
    ///`EventHookChannelConfig`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct EventHookChannelConfig {
        #[serde(
            rename = "authScheme",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub auth_scheme: ::std::option::Option<EventHookChannelConfigAuthScheme>,
        ///Extra headers Okta sends on every call (returned as `[]` when none).
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub headers: ::std::vec::Vec<EventHookChannelConfigHeader>,
        ///HTTP method Okta uses for deliveries (always `POST`).
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub method: ::std::option::Option<::std::string::String>,
        ///The external endpoint; must be `https://`, at most 1024 characters (checked by the SDK's builder).
        pub uri: ::std::string::String,
    }
    ///The shared secret Okta sends with every call, as a header.
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct EventHookChannelConfigAuthScheme {
        ///Name of the header, e.g. `Authorization`.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub key: ::std::option::Option<::std::string::String>,
        #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
        pub type_: ::std::option::Option<
            ::okta_eventhooks::open_enums::EventHookChannelConfigAuthSchemeType,
        >,
        ///The secret header value. Okta never returns it.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub value: ::std::option::Option<::okta_eventhooks::Secret>,
    }
    ///`EventHookChannelConfigHeader`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct EventHookChannelConfigHeader {
        ///Header name.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub key: ::std::option::Option<::std::string::String>,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub value: ::std::option::Option<::okta_eventhooks::Secret>,
    }
    ///`EventHookFilterMapObject`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct EventHookFilterMapObject {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub condition: ::std::option::Option<EventHookFilterMapObjectCondition>,
        ///The filtered event type (one of `events.items`).
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub event: ::std::option::Option<::std::string::String>,
    }
    ///`EventHookFilterMapObjectCondition`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct EventHookFilterMapObjectCondition {
        ///An Okta Expression Language statement.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub expression: ::std::option::Option<::std::string::String>,
        ///Internal field (`null` in responses).
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub version: ::std::option::Option<::std::string::String>,
    }
    ///Okta Expression Language filters, one per subscribed event type (EA feature).
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct EventHookFilters {
        #[serde(
            rename = "eventFilterMap",
            default,
            skip_serializing_if = "::std::vec::Vec::is_empty"
        )]
        pub event_filter_map: ::std::vec::Vec<EventHookFilterMapObject>,
        ///The filter type. The only supported value is `EXPRESSION_LANGUAGE`.
        #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
        pub type_: ::std::option::Option<::std::string::String>,
    }
    ///HAL links; the relations depend on `status`.
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    #[serde(transparent)]
    pub struct EventHookLinks(
        pub ::std::collections::BTreeMap<::std::string::String, HrefObject>,
    );
    impl ::std::ops::Deref for EventHookLinks {
        type Target = ::std::collections::BTreeMap<::std::string::String, HrefObject>;
        fn deref(
            &self,
        ) -> &::std::collections::BTreeMap<::std::string::String, HrefObject> {
            &self.0
        }
    }
    impl ::std::convert::From<EventHookLinks>
    for ::std::collections::BTreeMap<::std::string::String, HrefObject> {
        fn from(value: EventHookLinks) -> Self {
            value.0
        }
    }
    impl ::std::convert::From<
        ::std::collections::BTreeMap<::std::string::String, HrefObject>,
    > for EventHookLinks {
        fn from(
            value: ::std::collections::BTreeMap<::std::string::String, HrefObject>,
        ) -> Self {
            Self(value)
        }
    }
    ///`EventSubscriptions`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct EventSubscriptions {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub filter: ::std::option::Option<EventHookFilters>,
        ///Subscribed event types (at most 300). Okta may return them in another order.
        pub items: ::std::vec::Vec<::std::string::String>,
        #[serde(rename = "type")]
        pub type_: ::okta_eventhooks::open_enums::EventSubscriptionType,
    }
    ///`HrefHints`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct HrefHints {
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub allow: ::std::vec::Vec<::okta_eventhooks::open_enums::HttpMethod>,
    }
    ///`HrefObject`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct HrefObject {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub hints: ::std::option::Option<HrefHints>,
        ///Link URI
        pub href: ::std::string::String,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub name: ::std::option::Option<::std::string::String>,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub templated: ::std::option::Option<bool>,
        ///Media type of the linked resource (`application/json` when absent).
        #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
        pub type_: ::std::option::Option<::std::string::String>,
    }
    ///`OktaError`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct OktaError {
        #[serde(
            rename = "errorCauses",
            default,
            skip_serializing_if = "::std::vec::Vec::is_empty"
        )]
        pub error_causes: ::std::vec::Vec<ErrorCause>,
        ///An Okta code for this type of error
        #[serde(
            rename = "errorCode",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub error_code: ::std::option::Option<::std::string::String>,
        ///A unique identifier for this error (for support)
        #[serde(
            rename = "errorId",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub error_id: ::std::option::Option<::std::string::String>,
        ///A link to documentation with a detailed explanation of this error
        #[serde(
            rename = "errorLink",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub error_link: ::std::option::Option<::std::string::String>,
        ///A short description of what caused this error
        #[serde(
            rename = "errorSummary",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub error_summary: ::std::option::Option<::std::string::String>,
    }
    ///`WellKnownOrgMetadata`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct WellKnownOrgMetadata {
        ///The org's id, e.g. `00o5rb5mt2H3d1TJd0h7`.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub id: ::std::option::Option<::std::string::String>,
        #[serde(
            rename = "_links",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub links: ::std::option::Option<WellKnownOrgMetadataLinks>,
        ///The org's authentication pipeline, `idx` or `v1`.
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub pipeline: ::std::option::Option<::std::string::String>,
    }
    ///`organization` (the okta.com domain) and, when one is configured, `alternate` (the custom domain).
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    #[serde(transparent)]
    pub struct WellKnownOrgMetadataLinks(
        pub ::std::collections::BTreeMap<::std::string::String, HrefObject>,
    );
    impl ::std::ops::Deref for WellKnownOrgMetadataLinks {
        type Target = ::std::collections::BTreeMap<::std::string::String, HrefObject>;
        fn deref(
            &self,
        ) -> &::std::collections::BTreeMap<::std::string::String, HrefObject> {
            &self.0
        }
    }
    impl ::std::convert::From<WellKnownOrgMetadataLinks>
    for ::std::collections::BTreeMap<::std::string::String, HrefObject> {
        fn from(value: WellKnownOrgMetadataLinks) -> Self {
            value.0
        }
    }
    impl ::std::convert::From<
        ::std::collections::BTreeMap<::std::string::String, HrefObject>,
    > for WellKnownOrgMetadataLinks {
        fn from(
            value: ::std::collections::BTreeMap<::std::string::String, HrefObject>,
        ) -> Self {
            Self(value)
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
}
#[derive(Clone, Debug)]
/**Client for Okta Event Hooks API

The eight event-hook operations of the Okta Management API (`/api/v1/eventHooks`), and the System Log read (`/api/v1/logs`) that records what hooks could not deliver.

Version: 2026.06.3*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
    pub(crate) inner: ::okta_eventhooks::ClientState,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str, inner: ::okta_eventhooks::ClientState) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap(), inner)
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(
        baseurl: &str,
        client: reqwest::Client,
        inner: ::okta_eventhooks::ClientState,
    ) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
            inner,
        }
    }
}
impl ClientInfo<::okta_eventhooks::ClientState> for Client {
    fn api_version() -> &'static str {
        "2026.06.3"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &::okta_eventhooks::ClientState {
        &self.inner
    }
}
const _: () = {
    #[allow(dead_code)]
    fn assert_client_hooks()
    where
        Client: ClientHooks<::okta_eventhooks::ClientState>,
    {}
};
#[allow(clippy::all)]
impl Client {
    /**List all event hooks

Returns every event hook of the org as a bare JSON array (there is no paging).

Sends a `GET` request to `/api/v1/eventHooks`

*/
    pub async fn list_event_hooks<'a>(
        &'a self,
    ) -> Result<
        ResponseValue<::std::vec::Vec<types::EventHook>>,
        Error<types::OktaError>,
    > {
        let url = format!("{}/api/v1/eventHooks", self.baseurl,);
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .get(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "list_event_hooks",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Create an event hook

Creates an event hook. A new hook is always `ACTIVE` and `UNVERIFIED`; it receives events only after it has been verified. Okta answers 200, not 201.

Sends a `POST` request to `/api/v1/eventHooks`

*/
    pub async fn create_event_hook<'a>(
        &'a self,
        body: &'a types::EventHook,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!("{}/api/v1/eventHooks", self.baseurl,);
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .post(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .json(&body)
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "create_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            400u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Retrieve an event hook

Sends a `GET` request to `/api/v1/eventHooks/{eventHookId}`

Arguments:
- `event_hook_id`: `id` of the event hook
*/
    pub async fn get_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}", self.baseurl, encode_path(& event_hook_id
            .to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .get(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "get_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Replace an event hook

Replaces the whole hook. Changing `channel` sets `verificationStatus` back to `UNVERIFIED`. `channel.config.authScheme.value` is write-only: a replace without it drops the secret.

Sends a `PUT` request to `/api/v1/eventHooks/{eventHookId}`

Arguments:
- `event_hook_id`: `id` of the event hook
- `body`
*/
    pub async fn replace_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
        body: &'a types::EventHook,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}", self.baseurl, encode_path(& event_hook_id
            .to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .put(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .json(&body)
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "replace_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            400u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Delete an event hook

Permanently deletes an `INACTIVE` event hook. An `ACTIVE` hook must be deactivated first.

Sends a `DELETE` request to `/api/v1/eventHooks/{eventHookId}`

Arguments:
- `event_hook_id`: `id` of the event hook
*/
    pub async fn delete_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
    ) -> Result<ResponseValue<()>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}", self.baseurl, encode_path(& event_hook_id
            .to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .delete(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "delete_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            204u16 => Ok(ResponseValue::empty(response)),
            400u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Activate an event hook

Sets `status` to `ACTIVE`. The request has no body (send `Content-Length: 0`).

Sends a `POST` request to `/api/v1/eventHooks/{eventHookId}/lifecycle/activate`

Arguments:
- `event_hook_id`: `id` of the event hook
*/
    pub async fn activate_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}/lifecycle/activate", self.baseurl, encode_path(&
            event_hook_id.to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .post(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "activate_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Deactivate an event hook

Sets `status` to `INACTIVE`; `verificationStatus` is kept. No request body.

Sends a `POST` request to `/api/v1/eventHooks/{eventHookId}/lifecycle/deactivate`

Arguments:
- `event_hook_id`: `id` of the event hook
*/
    pub async fn deactivate_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}/lifecycle/deactivate", self.baseurl, encode_path(&
            event_hook_id.to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .post(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "deactivate_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Verify an event hook

Okta sends a one-time GET with `X-Okta-Verification-Challenge` to the hook's URI (3 s timeout, one retry); the endpoint must answer `{"verification": "<challenge>"}`. On failure Okta answers 400 `E0000001`. No request body.

Sends a `POST` request to `/api/v1/eventHooks/{eventHookId}/lifecycle/verify`

Arguments:
- `event_hook_id`: `id` of the event hook
*/
    pub async fn verify_event_hook<'a>(
        &'a self,
        event_hook_id: &'a str,
    ) -> Result<ResponseValue<types::EventHook>, Error<types::OktaError>> {
        let url = format!(
            "{}/api/v1/eventHooks/{}/lifecycle/verify", self.baseurl, encode_path(&
            event_hook_id.to_string()),
        );
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .post(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "verify_event_hook",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            400u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            404u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**List all System Log events

Returns one page of System Log events as a bare JSON array. The `Link` response header carries `rel="next"` (with an opaque `after` cursor) while there is more. Two kinds of request: bounded (with `until`, or `sortOrder=DESCENDING`) ends when no `next` link comes back; polling (no `until`, ascending) always returns a `next` link, and following it later returns the events persisted since.

Sends a `GET` request to `/api/v1/logs`

Arguments:
- `after`: Opaque cursor of the next page, taken from the `Link` `rel="next"` header.
- `filter`: SCIM-like filter expression, e.g. `eventType eq "user.session.start"`; every operator except `[ ]`.
- `limit`: Events per page (default 100, at most 1000).
- `q`: Case-insensitive keywords.
- `since`: Lower time bound (ISO 8601): of `published` for bounded requests, of persistence time for polling requests. Default: 7 days before `until`.
- `sort_order`: Order by `published` (default `ASCENDING`).
- `until`: Upper time bound (ISO 8601); makes the request bounded. The default is the current time.
*/
    pub async fn list_log_events<'a>(
        &'a self,
        after: Option<&'a str>,
        filter: Option<&'a str>,
        limit: Option<i32>,
        q: Option<&'a str>,
        since: Option<&'a str>,
        sort_order: Option<&'a ::okta_eventhooks::open_enums::LogSortOrder>,
        until: Option<&'a str>,
    ) -> Result<
        ResponseValue<::std::vec::Vec<::okta_eventhooks::events::LogEvent>>,
        Error<types::OktaError>,
    > {
        let url = format!("{}/api/v1/logs", self.baseurl,);
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .get(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .query(&progenitor_client::QueryParam::new("after", &after))
            .query(&progenitor_client::QueryParam::new("filter", &filter))
            .query(&progenitor_client::QueryParam::new("limit", &limit))
            .query(&progenitor_client::QueryParam::new("q", &q))
            .query(&progenitor_client::QueryParam::new("since", &since))
            .query(&progenitor_client::QueryParam::new("sortOrder", &sort_order))
            .query(&progenitor_client::QueryParam::new("until", &until))
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "list_log_events",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            400u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            401u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            403u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
    /**Retrieve the org's metadata

The org's id and its domains. Public: no credential is needed or sent. The same org reached through its custom domain and its okta.com domain answers the same `id`, which is how two URLs are told to be one org.

Sends a `GET` request to `/.well-known/okta-organization`

*/
    pub async fn get_wellknown_org_metadata<'a>(
        &'a self,
    ) -> Result<ResponseValue<types::WellKnownOrgMetadata>, Error<types::OktaError>> {
        let url = format!("{}/.well-known/okta-organization", self.baseurl,);
        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
        header_map
            .append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(Self::api_version()),
            );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .get(url)
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo {
            operation_id: "get_wellknown_org_metadata",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            429u16 => {
                Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
            }
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    #[allow(unused_imports)]
    pub use super::Client;
}
