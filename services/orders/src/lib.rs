//! The orders service: customers, quotations, orders, order review and the
//! order-fulfilment saga.
//!
//! - [`domain`]: rules and state machines, plain Rust.
//! - [`store`]: sea-orm entities, migrations and the queries the use cases need.
//! - [`app`]: the use cases: one transaction each, with their events.
//! - [`api`]: the tonic services: proto ⇄ domain, errors → status.
//! - [`events`]: what the service publishes.
//! - [`peers`]: the services it asks (inventory).
//! - [`saga`]: the order-fulfilment saga and the SLA sweeper.
//! - [`release`]: the saga from the payment gate on (release, reservation).
//! - [`config`]: the service's settings.

pub mod api;
pub mod app;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod events;
pub mod notifier;
pub mod peers;
pub mod store;
pub mod wire;

use std::sync::Arc;

use orderflow_platform::clock::SharedClock;
use orderflow_platform::service::{RunningService, ServiceRuntime};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::approvals::v1::approval_service_client::ApprovalServiceClient;
use orderflow_proto::orders::v1::order_service_server::OrderServiceServer;
use orderflow_proto::orders::v1::quotation_service_server::QuotationServiceServer;

use crate::config::OrdersConfig;

/// Starts the service and returns once it is serving (its address is in the
/// result). It stops when `shutdown` fires. Customers' notifications go to
/// their message log ([`notifier::MessageLog`]).
pub async fn start(
    config: OrdersConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    start_with_notifier(config, clock, shutdown, Arc::new(notifier::MessageLog)).await
}

/// [`start`], telling customers through `notifier` (ORD-17).
pub async fn start_with_notifier(
    config: OrdersConfig,
    clock: SharedClock,
    shutdown: Shutdown,
    notifier: Arc<dyn notifier::Notifier>,
) -> anyhow::Result<RunningService> {
    let mut runtime = ServiceRuntime::start::<store::Migrator>(
        config.service.clone(),
        clock.clone(),
        shutdown.clone(),
    )
    .await?;
    let numbers = Arc::new(store::numbers::NumberAllocator::new(
        runtime.database.clone(),
        config.number_block_size,
    ));
    let stock = peers::Stock::new(runtime.peer("INVENTORY_URL", &config.inventory_url)?);
    let orders = app::Orders::new(
        runtime.base(),
        numbers,
        stock.clone(),
        app::Settings {
            business_time_zone: config.business_time_zone,
            confirmation_sla: config.confirmation_sla,
            order_writers: config.order_writers,
            order_write_batch: config.order_write_batch,
            claim_batch_size: config.claim_batch_size,
            claim_ttl: config.claim_ttl,
        },
    );
    let approvals = runtime.peer("APPROVALS_URL", &config.approvals_url)?;
    runtime.consume(
        consumers::saga::SAGA_SUBSCRIPTION,
        consumers::saga::FulfilmentSaga::new(orders.clone(), ApprovalServiceClient::new(approvals)),
    );
    runtime.consume(
        consumers::saga::APPROVALS_SUBSCRIPTION,
        consumers::saga::ApprovalOutcomes::new(orders.clone()),
    );
    runtime.consume(
        consumers::release::FINANCE_SUBSCRIPTION,
        consumers::release::FinanceReports::new(orders.clone()),
    );
    runtime.consume(
        consumers::release::RESERVATION_SUBSCRIPTION,
        consumers::release::ReserveOnRelease::new(orders.clone(), stock),
    );
    runtime.consume(
        consumers::release::LOGISTICS_SUBSCRIPTION,
        consumers::release::LogisticsReports::new(orders.clone()),
    );
    runtime.consume(
        consumers::production::PRODUCTION_SUBSCRIPTION,
        consumers::production::ProductionReports::new(orders.clone()),
    );
    runtime.consume(
        consumers::production::FABRIC_SUBSCRIPTION,
        consumers::production::FabricReports::new(orders.clone()),
    );
    runtime.consume(
        consumers::production::AFTERSALES_SUBSCRIPTION,
        consumers::production::AfterSalesReports::new(orders.clone()),
    );
    runtime.consume(
        consumers::production::STOCK_SUBSCRIPTION,
        consumers::production::ReservationCompleted::new(orders.clone()),
    );
    // Confirmations past their SLA (SLA-1), special custom orders' reviews
    // past theirs (SLA-2).
    runtime.spawn_sweep(
        config.sla_sweep_interval,
        "overdue confirmations and custom reviews flagged",
        orders.clone(),
        |orders| async move {
            let confirmations = orders.sweep_overdue_confirmations().await;
            let reviews = orders.sweep_overdue_custom_reviews().await;
            Ok::<_, domain::OrderError>((confirmations?, reviews?))
        },
    );
    // ORD-17: the waiting customer notifications, sent (not counted as
    // an SLA sweep).
    let (sender, interval) = (orders.clone(), config.notify_interval);
    runtime.spawn_task(|stop| async move {
        loop {
            tokio::select! {
                _ = stop.wait() => return,
                _ = tokio::time::sleep(interval) => {}
            }
            if let Err(error) = sender.send_notifications(notifier.as_ref()).await {
                tracing::warn!(%error, "sending customer notifications failed");
            }
        }
    });
    let order_api = OrderServiceServer::new(api::OrderApi::new(orders.clone()));
    let quotation_api = QuotationServiceServer::new(api::QuotationApi::new(orders));
    runtime
        .serve(
            |routes| routes.add_service(order_api).add_service(quotation_api),
            vec![
                "orderflow.orders.v1.OrderService".to_owned(),
                "orderflow.orders.v1.QuotationService".to_owned(),
            ],
            api::ROLES,
        )
        .await
}
