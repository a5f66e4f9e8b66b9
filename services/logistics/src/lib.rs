//! The logistics service: carriers and routing rules, shipping notices and
//! notes, shipments and tracking, receipt, export documents and return
//! pick-ups (LOG-1 … LOG-7).
//!
//! - [`domain`]: routing, shipments, export documents, pick-ups.
//! - [`store`]: entities, migrations, queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`]: what the service publishes and consumes.
//! - [`peers`]: the services it asks (finance, FIN-6).
//! - [`config`]: the service's settings.

pub mod api;
pub mod app;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod events;
pub mod peers;
pub mod store;
pub mod wire;

use orderflow_platform::clock::SharedClock;
use orderflow_platform::service::{RunningService, ServiceRuntime};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::logistics::v1::logistics_service_server::LogisticsServiceServer;

use crate::config::LogisticsConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: LogisticsConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let finance = peers::Finance::new(runtime.peer("FINANCE_URL", &config.finance_url)?);
    let logistics = app::Logistics::new(
        runtime.base(),
        finance,
        app::Settings {
            time_zone: config.business_time_zone,
            receipt_auto_confirm_days: config.receipt_auto_confirm_days,
        },
    );
    logistics.seed_defaults().await?;
    runtime.consume(
        consumers::ORDERS_SUBSCRIPTION,
        consumers::OrderEvents::new(logistics.clone()),
    );
    runtime.consume(
        consumers::INVENTORY_SUBSCRIPTION,
        consumers::OutboundEvents::new(logistics.clone()),
    );
    // Late shipments (LOG-4), automatic receipts (LOG-5) and orders without
    // a shipping plan two days before their date (SLA-4).
    runtime.spawn_sweep(
        config.sweep_interval,
        "shipments swept (late, received, without a plan)",
        logistics.clone(),
        |logistics| async move { logistics.sweep().await },
    );
    runtime
        .serve_one(
            LogisticsServiceServer::new(api::LogisticsApi::new(logistics)),
            api::ROLES,
        )
        .await
}
