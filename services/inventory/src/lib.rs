//! The inventory service: items, kits, warehouses, stock, reservations,
//! movements, picking, inbound and material issue (INV-1 … INV-9).
//!
//! - [`domain`]: items and kits, lines, reservations, pick lists.
//! - [`store`]: entities, migrations, conditional stock updates, the ledger.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`]: what the service publishes and consumes.
//! - [`config`]: the service's settings.

pub mod api;
pub mod app;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod events;
pub mod store;
pub mod wire;

use orderflow_platform::clock::SharedClock;
use orderflow_platform::service::{RunningService, ServiceRuntime};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::inventory::v1::inventory_service_server::InventoryServiceServer;

use crate::config::InventoryConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: InventoryConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let inventory = app::Inventory::new(runtime.base());
    runtime.consume(
        consumers::ORDERS_SUBSCRIPTION,
        consumers::OrderEvents::new(inventory.clone()),
    );
    runtime.consume(
        consumers::PRODUCTION_SUBSCRIPTION,
        consumers::ProductionEvents::new(inventory.clone()),
    );
    runtime.consume(
        consumers::PROCUREMENT_SUBSCRIPTION,
        consumers::PurchaseInspections::new(inventory.clone()),
    );
    runtime.consume(
        consumers::OUTSOURCING_SUBSCRIPTION,
        consumers::OutsourcingMoves::new(inventory.clone()),
    );
    runtime
        .serve_one(
            InventoryServiceServer::new(api::InventoryApi::new(inventory)),
            api::ROLES,
        )
        .await
}
