//! `orderflow-orders`: config → telemetry → run (or `migrate`).

use orderflow_orders::config::OrdersConfig;
use orderflow_platform::config::Env;

/// mimalloc: the services allocate many small, short-lived buffers (protobuf,
/// SQL parameters, HTTP/2 frames); glibc malloc spent a tenth of the CPU on
/// them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = OrdersConfig::from_env(&Env::from_process())?;
    orderflow_platform::service::main::<orderflow_orders::store::Migrator, _>(
        config.service.clone(),
        |clock, shutdown| orderflow_orders::start(config, clock, shutdown),
    )
    .await
}
