//! The flags of an endpoint Okta calls (`listen`, `relay`), declared once: where it listens,
//! the path, the shared secret's header and variable, the largest body.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Args;
use okta_eventhooks_receiver::{
    DEFAULT_MAX_BODY_BYTES, Receiver, ReceiverBuilder, check_max_body_bytes,
};

use crate::error::Result;
use crate::secret_env::read_secret_env;

/// Where the endpoint listens and what it asks of a caller.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// Port to listen on (0 picks a free one; the URL is printed at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// Address to listen on. The default accepts local connections only; Okta needs an
    /// https:// URL, so put a TLS tunnel, reverse proxy or load balancer in front for a real
    /// org (and listen on 0.0.0.0 behind it).
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,

    /// Path Okta calls (the path of the hook's channel URI).
    #[arg(long, default_value = "/")]
    path: String,

    /// Header Okta sends the shared secret in (the hook's authScheme.key), e.g. Authorization.
    #[arg(long, value_name = "HEADER", requires = "auth_value_env")]
    auth_key: Option<String>,

    /// Environment variable holding the expected value of --auth-key (secrets never go on the
    /// command line). Requests without it get 401.
    #[arg(long, value_name = "VAR", requires = "auth_key")]
    auth_value_env: Option<String>,

    /// Largest delivery body accepted, in bytes (larger ones get 413; at least 1024, as a
    /// delivery of one event is larger).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
}

impl EndpointArgs {
    /// A receiver with the path, the body limit and the auth header (its value read from the
    /// variable now).
    pub fn receiver(&self) -> Result<ReceiverBuilder> {
        // Before anything is started or connected.
        check_max_body_bytes(self.max_body_bytes)?;
        let mut builder = Receiver::builder()
            .path(&self.path)
            .max_body_bytes(self.max_body_bytes);
        if let (Some(key), Some(var)) = (&self.auth_key, &self.auth_value_env) {
            builder = builder.auth_header(key, read_secret_env(var, "--auth-value-env")?);
        }
        Ok(builder)
    }

    /// The largest delivery body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The auth header and its value (read from the variable now), when one is required.
    pub fn auth(&self) -> Result<Option<(String, okta_eventhooks::Secret)>> {
        match (&self.auth_key, &self.auth_value_env) {
            (Some(key), Some(var)) => Ok(Some((
                key.clone(),
                read_secret_env(var, "--auth-value-env")?,
            ))),
            _ => Ok(None),
        }
    }

    /// Whether callers must send the shared secret.
    pub fn has_auth(&self) -> bool {
        self.auth_key.is_some()
    }

    /// The address to bind.
    pub fn addr(&self) -> String {
        SocketAddr::new(self.bind, self.port).to_string()
    }
}
