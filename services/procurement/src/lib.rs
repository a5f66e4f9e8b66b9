//! The procurement service (PRC-1 … PRC-5, PRC-8, INV-9, APR-9): suppliers
//! with computed scores, requisitions from production's shortages or by
//! hand, quotes and a selection, purchase contracts approved before any
//! order is sent, follow-up against promised dates, receiving with the
//! warehouse's first check and IQC.
//!
//! - [`domain`]: suppliers, requisitions, purchase orders.
//! - [`store`]: entities, migrations, queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`] and [`consumers`]: what it publishes and consumes.
//! - [`peers`]: approvals, for the contracts.
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
use orderflow_proto::procurement::v1::procurement_service_server::ProcurementServiceServer;

use crate::config::ProcurementConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: ProcurementConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let identity =
        orderflow_platform::auth::ServiceIdentity::new(config::SERVICE, &config.service.auth);
    let approvals = peers::Approvals::new(orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "APPROVALS_URL",
            &config.approvals_url,
            &config.service.grpc_tls,
        )?,
        identity,
    ));
    let procurement = app::Procurement::new(
        runtime.database.clone(),
        clock,
        runtime.outbox.clone(),
        app::Settings {
            time_zone: config.business_time_zone,
            base_currency: config.base_currency,
        },
    );
    let replicas = config.service.stream_replicas;
    let settings = config.service.consumer.clone();
    runtime.spawn_consumer(
        consumers::production_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::MaterialShortages::new(procurement.clone())),
    );
    runtime.spawn_consumer(
        consumers::contracts_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::ContractFiling::new(
            procurement.clone(),
            approvals.clone(),
        )),
    );
    runtime.spawn_consumer(
        consumers::outsourcing_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::OutsourcingDemands::new(procurement.clone())),
    );
    runtime.spawn_consumer(
        consumers::outsourcing_contracts_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::OutsourcingContractFiling::new(
            procurement.clone(),
            approvals.clone(),
        )),
    );
    runtime.spawn_consumer(
        consumers::stock_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::TradedShortages::new(procurement.clone())),
    );
    runtime.spawn_consumer(
        consumers::orders_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::GarmentOrders::new(procurement.clone())),
    );
    runtime.spawn_consumer(
        consumers::sheets_consumer_spec(replicas, settings.clone()),
        Arc::new(consumers::WorkContactSheets::new(procurement.clone())),
    );
    runtime.spawn_consumer(
        consumers::approvals_consumer_spec(replicas, settings),
        Arc::new(consumers::ContractDecisions::new(procurement.clone())),
    );
    let sweeper = procurement.clone();
    runtime.spawn_sweeper(config.sweep_interval, move || {
        let procurement = sweeper.clone();
        async move {
            // Purchase orders past their promised date (PRC-4).
            match procurement.sweep().await {
                Ok(0) => {}
                Ok(late) => tracing::info!(late, "late purchase orders flagged"),
                Err(error) => tracing::warn!(%error, "procurement sweep failed"),
            }
        }
    });
    let api = ProcurementServiceServer::new(api::ProcurementApi::new(procurement));
    runtime
        .serve(
            |routes| routes.add_service(api),
            vec!["orderflow.procurement.v1.ProcurementService".to_owned()],
            api::ROLES,
        )
        .await
}

/// Runs the service until `shutdown` fires and it has drained.
pub async fn run(config: ProcurementConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    start(config, orderflow_platform::clock::system(), shutdown)
        .await?
        .wait()
        .await
}
