//! `orderflow-logistics`: config → telemetry → run (or `migrate`).

use orderflow_logistics::config::LogisticsConfig;
use orderflow_platform::config::Env;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = LogisticsConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_logistics::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_logistics::start(config, clock, shutdown),
    )
    .await
}
