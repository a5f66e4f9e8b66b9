//! The production service (PRD-1 … PRD-12): production orders from short
//! order lines, the engineering stage, bills of materials, finite-capacity
//! scheduling on work centres, execution with first article and QA, and
//! finished goods into the warehouse.
//!
//! - [`domain`]: the production order, BOMs, the scheduler.
//! - [`store`]: entities, migrations, queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`] and [`consumers`]: what it publishes and consumes.
//! - [`peers`]: inventory, for materials.
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
use orderflow_proto::production::v1::production_service_server::ProductionServiceServer;

use crate::config::ProductionConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: ProductionConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let inventory = peers::Inventory::new(runtime.peer("INVENTORY_URL", &config.inventory_url)?);
    let production = app::Production::new(
        runtime.base(),
        inventory,
        app::Settings {
            time_zone: config.business_time_zone,
            schedule_sla: chrono::Duration::hours(config.schedule_sla_hours),
            inspection_days: config.inspection_days,
        },
    );
    runtime.consume(
        consumers::ORDERS_SUBSCRIPTION,
        consumers::OrderEvents::new(production.clone()),
    );
    runtime.consume(
        consumers::INVENTORY_SUBSCRIPTION,
        consumers::StockShortages::new(production.clone()),
    );
    runtime.consume(
        consumers::PROCUREMENT_SUBSCRIPTION,
        consumers::OutsourcedReturns::new(production.clone()),
    );
    // Production orders not scheduled within SLA-3, inspections not booked
    // by their day (PRD-6).
    runtime.spawn_sweep(
        config.sweep_interval,
        "overdue production orders flagged",
        production.clone(),
        |production| async move { production.sweep().await },
    );
    runtime
        .serve_one(
            ProductionServiceServer::new(api::ProductionApi::new(production)),
            api::ROLES,
        )
        .await
}
