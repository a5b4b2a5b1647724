//! The admin listener of an endpoint Okta calls (`listen`, `relay`), declared once:
//! `/healthz`, `/readyz` and `/metrics` on a port of their own.

use clap::Args;
use okta_eventhooks_receiver::Admin;
use okta_eventhooks_receiver::serve::BackgroundServer;

use crate::error::{CliError, Result};
use crate::output::Printer;

/// `--admin-addr`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Serve GET /healthz, /readyz (200 while the sink is connected and no drain has begun)
    /// and /metrics (Prometheus text format) on this address, apart from the port Okta
    /// calls, e.g. 0.0.0.0:9090.
    #[arg(long, value_name = "HOST:PORT")]
    admin_addr: Option<String>,
}

impl AdminArgs {
    /// Starts the admin listener when asked for; it stops when the returned server is
    /// stopped or dropped.
    pub async fn serve(
        &self,
        admin: &Admin,
        printer: &Printer,
    ) -> Result<Option<BackgroundServer>> {
        let Some(addr) = &self.admin_addr else {
            return Ok(None);
        };
        let server = admin
            .serve(addr)
            .await
            .map_err(|e| CliError::Config(format!("--admin-addr: {e}")))?;
        printer.note(&format!(
            "admin listener on http://{} (/healthz, /readyz, /metrics)",
            server.local_addr()
        ));
        Ok(Some(server))
    }
}
