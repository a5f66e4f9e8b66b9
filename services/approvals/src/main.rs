//! `orderflow-approvals`: config → telemetry → run (or `migrate`).

use orderflow_approvals::config::ApprovalsConfig;
use orderflow_platform::config::Env;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ApprovalsConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_approvals::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_approvals::start(config, clock, shutdown),
    )
    .await
}
