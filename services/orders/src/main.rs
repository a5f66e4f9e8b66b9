//! `orderflow-orders`: config → telemetry → run.

use orderflow_orders::config::OrdersConfig;

/// mimalloc: the services allocate many small, short-lived buffers (protobuf,
/// SQL parameters, HTTP/2 frames); glibc malloc spent a tenth of the CPU on
/// them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use orderflow_platform::config::Env;
use orderflow_platform::shutdown::Shutdown;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = OrdersConfig::from_env(&Env::from_process())?;
    let telemetry = orderflow_platform::telemetry::init(&config.service.telemetry)?;
    if orderflow_platform::service::migrate_requested() {
        // `orderflow-orders migrate`: the deployment's migration step.
        let result =
            orderflow_platform::service::migrate_only::<orderflow_orders::store::Migrator>(
                &config.service,
            )
            .await;
        telemetry.shutdown();
        return result;
    }
    let shutdown = Shutdown::new();
    shutdown.trigger_on_os_signal();
    let result = orderflow_orders::run(config, shutdown).await;
    if let Err(error) = &result {
        tracing::error!(error = %format!("{error:#}"), "orders service failed");
    }
    telemetry.shutdown();
    result
}
