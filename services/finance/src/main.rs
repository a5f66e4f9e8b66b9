//! `orderflow-finance`: config → telemetry → run.

use orderflow_finance::config::FinanceConfig;
use orderflow_platform::config::Env;
use orderflow_platform::shutdown::Shutdown;

/// mimalloc: many small, short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = FinanceConfig::from_env(&Env::from_process())?;
    let telemetry = orderflow_platform::telemetry::init(&config.service.telemetry)?;
    if orderflow_platform::service::migrate_requested() {
        // `orderflow-finance migrate`: the deployment's migration step.
        let result =
            orderflow_platform::service::migrate_only::<orderflow_finance::store::Migrator>(
                &config.service,
            )
            .await;
        telemetry.shutdown();
        return result;
    }
    let shutdown = Shutdown::new();
    shutdown.trigger_on_os_signal();
    let result = orderflow_finance::run(config, shutdown).await;
    if let Err(error) = &result {
        tracing::error!(error = %format!("{error:#}"), "finance service failed");
    }
    telemetry.shutdown();
    result
}
