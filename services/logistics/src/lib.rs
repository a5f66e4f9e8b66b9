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

use std::sync::Arc;

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
    let identity =
        orderflow_platform::auth::ServiceIdentity::new(config::SERVICE, &config.service.auth);
    let finance = peers::Finance::new(orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "FINANCE_URL",
            &config.finance_url,
            &config.service.grpc_tls,
        )?,
        identity,
    ));
    let logistics = app::Logistics::new(
        runtime.database.clone(),
        clock,
        runtime.outbox.clone(),
        finance,
        app::Settings {
            time_zone: config.business_time_zone,
            receipt_auto_confirm_days: config.receipt_auto_confirm_days,
        },
    );
    logistics.seed_defaults().await?;
    let replicas = config.service.stream_replicas;
    runtime.spawn_consumer(
        consumers::orders_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::OrderEvents::new(logistics.clone())),
    );
    runtime.spawn_consumer(
        consumers::inventory_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::OutboundEvents::new(logistics.clone())),
    );
    let sweeper = logistics.clone();
    runtime.spawn_sweeper(config.sweep_interval, move || {
        let logistics = sweeper.clone();
        async move {
            // Late shipments (LOG-4), automatic receipts (LOG-5) and
            // orders without a shipping plan two days before their date
            // (SLA-4).
            match logistics.sweep().await {
                Ok((0, 0, 0)) => {}
                Ok((late, received, plan_overdue)) => {
                    tracing::info!(late, received, plan_overdue, "shipments swept");
                }
                Err(error) => tracing::warn!(%error, "logistics sweep failed"),
            }
        }
    });
    let api = LogisticsServiceServer::new(api::LogisticsApi::new(logistics));
    runtime
        .serve(
            |routes| routes.add_service(api),
            vec!["orderflow.logistics.v1.LogisticsService".to_owned()],
            api::ROLES,
        )
        .await
}

/// Runs the service until `shutdown` fires and it has drained.
pub async fn run(config: LogisticsConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    start(config, orderflow_platform::clock::system(), shutdown)
        .await?
        .wait()
        .await
}
