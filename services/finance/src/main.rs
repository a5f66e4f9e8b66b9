//! `orderflow-finance`: config → telemetry → run (or `migrate`).

use orderflow_finance::config::FinanceConfig;
use orderflow_platform::config::Env;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = FinanceConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_finance::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_finance::start(config, clock, shutdown),
    )
    .await
}
