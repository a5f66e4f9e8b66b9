//! `orderflow-aftersales`: config → telemetry → run (or `migrate`).

use orderflow_aftersales::config::AfterSalesConfig;
use orderflow_platform::config::Env;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = AfterSalesConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_aftersales::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_aftersales::start(config, clock, shutdown),
    )
    .await
}
