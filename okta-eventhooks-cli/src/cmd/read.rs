//! `list` and `get`: read-only commands.

use clap::Args;

use crate::context::Context;
use crate::error::Result;
use crate::target::Target;

/// `list`
#[derive(Debug, Args)]
pub struct List {}

impl List {
    /// Lists every hook.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let hooks = ctx.client()?.list_event_hooks().await?;
        ctx.printer().hooks(&hooks)
    }
}

/// `get`
#[derive(Debug, Args)]
pub struct Get {
    #[command(flatten)]
    target: Target,
}

impl Get {
    /// Shows one hook.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let resolved = self.target.resolve(client).await?;
        let hook = match resolved.hook {
            Some(hook) => hook,
            None => client.get_event_hook(&resolved.id).await?,
        };
        ctx.printer().hook(&hook)
    }
}
