//! The delivery inspector of `listen`, `relay` and `emulator`, declared once: `--inspect
//! [ADDR]` serves the page of [`okta_eventhooks_receiver::inspector`] apart from the port
//! Okta calls, and prints its URL at start.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use okta_eventhooks_receiver::ReceiverBuilder;
use okta_eventhooks_receiver::inspector::{
    Inspector, InspectorActions, RunningInspector, SelfReplay,
};

use crate::endpoint_args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::output::Printer;

/// Where the inspector listens when `--inspect` names no address: loopback only.
pub const DEFAULT_INSPECT_ADDR: &str = "127.0.0.1:4040";

/// `--inspect`.
#[derive(Debug, Default, Args)]
pub struct InspectArgs {
    /// Serve a delivery inspector in the browser on this address (default 127.0.0.1:4040,
    /// loopback only): a live list of the last 1,000 deliveries and verification calls, each
    /// one's headers (secrets masked) and events, a filter and a replay button, and GET
    /// /api/deliveries for scripts. Apart from the port Okta calls.
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = DEFAULT_INSPECT_ADDR,
        value_parser = parse_addr
    )]
    inspect: Option<SocketAddr>,
}

/// An `IP:PORT`, said plainly when it is not one.
fn parse_addr(text: &str) -> std::result::Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not an address of the form IP:PORT, e.g. {DEFAULT_INSPECT_ADDR}")
    })
}

impl InspectArgs {
    /// The record store, when `--inspect` was given.
    pub fn inspector(&self) -> Option<Inspector> {
        self.inspect.map(|_| Inspector::new())
    }

    /// `builder` recording into the inspector, when there is one.
    pub fn attach(&self, builder: ReceiverBuilder) -> (ReceiverBuilder, Option<Inspector>) {
        match self.inspector() {
            Some(inspector) => (builder.inspector(inspector.clone()), Some(inspector)),
            None => (builder, None),
        }
    }

    /// Serves the page of a receiver (`listen`, `relay`) whose replay POSTs to the receiver
    /// itself at `url`, with the endpoint's shared secret.
    pub async fn serve_replaying_to(
        &self,
        inspector: Option<Inspector>,
        url: &str,
        endpoint: &EndpointArgs,
        printer: &Printer,
    ) -> Result<Option<RunningInspector>> {
        if inspector.is_none() {
            return Ok(None);
        }
        // A receiver bound to every address is reached on loopback.
        let url =
            url.replacen("://0.0.0.0:", "://127.0.0.1:", 1)
                .replacen("://[::]:", "://[::1]:", 1);
        let replay = SelfReplay::new(url, endpoint.auth()?)
            .map_err(|e| CliError::Config(format!("--inspect: {e}")))?;
        self.serve(inspector, Arc::new(replay), printer).await
    }

    /// Serves the page with `actions` when `--inspect` was given, and prints its URL.
    pub async fn serve(
        &self,
        inspector: Option<Inspector>,
        actions: Arc<dyn InspectorActions>,
        printer: &Printer,
    ) -> Result<Option<RunningInspector>> {
        let (Some(addr), Some(inspector)) = (self.inspect, inspector) else {
            return Ok(None);
        };
        let running = inspector
            .serve(&addr.to_string(), actions)
            .await
            .map_err(|e| CliError::Config(format!("--inspect: {e}")))?;
        printer.note(&format!(
            "inspector on {} (live deliveries, headers with secrets masked, replay)",
            running.url()
        ));
        Ok(Some(running))
    }
}
