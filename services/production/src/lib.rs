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

use std::sync::Arc;

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
    let identity =
        orderflow_platform::auth::ServiceIdentity::new(config::SERVICE, &config.service.auth);
    let inventory = peers::Inventory::new(orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "INVENTORY_URL",
            &config.inventory_url,
            &config.service.grpc_tls,
        )?,
        identity,
    ));
    let production = app::Production::new(
        runtime.database.clone(),
        clock,
        runtime.outbox.clone(),
        inventory,
        app::Settings {
            time_zone: config.business_time_zone,
            schedule_sla: chrono::Duration::hours(config.schedule_sla_hours),
            inspection_days: config.inspection_days,
        },
    );
    let replicas = config.service.stream_replicas;
    runtime.spawn_consumer(
        consumers::orders_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::OrderEvents::new(production.clone())),
    );
    runtime.spawn_consumer(
        consumers::inventory_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::StockShortages::new(production.clone())),
    );
    runtime.spawn_consumer(
        consumers::procurement_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::OutsourcedReturns::new(production.clone())),
    );
    let sweeper = production.clone();
    runtime.spawn_sweeper(config.sweep_interval, move || {
        let production = sweeper.clone();
        async move {
            // Production orders not scheduled within SLA-3, inspections not
            // booked by their day (PRD-6).
            match production.sweep().await {
                Ok(0) => {}
                Ok(flagged) => tracing::info!(flagged, "overdue production orders flagged"),
                Err(error) => tracing::warn!(%error, "production sweep failed"),
            }
        }
    });
    let api = ProductionServiceServer::new(api::ProductionApi::new(production));
    runtime
        .serve(
            |routes| routes.add_service(api),
            vec!["orderflow.production.v1.ProductionService".to_owned()],
            api::ROLES,
        )
        .await
}

/// Runs the service until `shutdown` fires and it has drained.
pub async fn run(config: ProductionConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    start(config, orderflow_platform::clock::system(), shutdown)
        .await?
        .wait()
        .await
}
