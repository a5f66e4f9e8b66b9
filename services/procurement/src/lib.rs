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
    let approvals = peers::Approvals::new(runtime.peer("APPROVALS_URL", &config.approvals_url)?);
    let procurement = app::Procurement::new(
        runtime.base(),
        app::Settings {
            time_zone: config.business_time_zone,
            base_currency: config.base_currency,
        },
    );
    runtime.consume(
        consumers::PRODUCTION_SUBSCRIPTION,
        consumers::MaterialShortages::new(procurement.clone()),
    );
    runtime.consume(
        consumers::CONTRACTS_SUBSCRIPTION,
        consumers::ContractFiling::new(procurement.clone(), approvals.clone()),
    );
    runtime.consume(
        consumers::OUTSOURCING_SUBSCRIPTION,
        consumers::OutsourcingDemands::new(procurement.clone()),
    );
    runtime.consume(
        consumers::OUTSOURCING_CONTRACTS_SUBSCRIPTION,
        consumers::OutsourcingContractFiling::new(procurement.clone(), approvals.clone()),
    );
    runtime.consume(
        consumers::STOCK_SUBSCRIPTION,
        consumers::TradedShortages::new(procurement.clone()),
    );
    runtime.consume(
        consumers::ORDERS_SUBSCRIPTION,
        consumers::GarmentOrders::new(procurement.clone()),
    );
    runtime.consume(
        consumers::SHEETS_SUBSCRIPTION,
        consumers::WorkContactSheets::new(procurement.clone()),
    );
    runtime.consume(
        consumers::APPROVALS_SUBSCRIPTION,
        consumers::ContractDecisions::new(procurement.clone()),
    );
    // Purchase orders past their promised date (PRC-4).
    runtime.spawn_sweep(
        config.sweep_interval,
        "late purchase orders flagged",
        procurement.clone(),
        |procurement| async move { procurement.sweep().await },
    );
    runtime
        .serve_one(
            ProcurementServiceServer::new(api::ProcurementApi::new(procurement)),
            api::ROLES,
        )
        .await
}
