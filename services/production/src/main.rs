//! `orderflow-production`: config → telemetry → run (or `migrate`).

use orderflow_platform::config::Env;
use orderflow_production::config::ProductionConfig;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ProductionConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_production::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_production::start(config, clock, shutdown),
    )
    .await
}
