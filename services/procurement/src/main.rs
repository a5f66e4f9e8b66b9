//! `orderflow-procurement`: config → telemetry → run (or `migrate`).

use orderflow_platform::config::Env;
use orderflow_procurement::config::ProcurementConfig;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ProcurementConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_procurement::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_procurement::start(config, clock, shutdown),
    )
    .await
}
