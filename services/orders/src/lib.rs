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
    let identity =
        orderflow_platform::auth::ServiceIdentity::new(config::SERVICE, &config.service.auth);
    let stock = peers::Stock::new(orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "INVENTORY_URL",
            &config.inventory_url,
            &config.service.grpc_tls,
        )?,
        identity.clone(),
    ));
    let orders = app::Orders::new(
        runtime.database.clone(),
        clock,
        runtime.outbox.clone(),
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
    let approvals = orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "APPROVALS_URL",
            &config.approvals_url,
            &config.service.grpc_tls,
        )?,
        identity,
    );
    runtime.spawn_consumer(
        consumers::saga::consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::saga::FulfilmentSaga::new(
            orders.clone(),
            ApprovalServiceClient::new(approvals),
        )),
    );
    runtime.spawn_consumer(
        consumers::saga::approvals_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::saga::ApprovalOutcomes::new(orders.clone())),
    );
    runtime.spawn_consumer(
        consumers::release::finance_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::release::FinanceReports::new(orders.clone())),
    );
    runtime.spawn_consumer(
        consumers::release::reservation_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::release::ReserveOnRelease::new(
            orders.clone(),
            stock,
        )),
    );
    runtime.spawn_consumer(
        consumers::release::logistics_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::release::LogisticsReports::new(orders.clone())),
    );
    runtime.spawn_consumer(
        consumers::production::production_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::production::ProductionReports::new(
            orders.clone(),
        )),
    );
    runtime.spawn_consumer(
        consumers::production::fabric_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::production::FabricReports::new(orders.clone())),
    );
    runtime.spawn_consumer(
        consumers::production::aftersales_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::production::AfterSalesReports::new(
            orders.clone(),
        )),
    );
    runtime.spawn_consumer(
        consumers::production::stock_consumer_spec(
            config.service.stream_replicas,
            config.service.consumer.clone(),
        ),
        Arc::new(consumers::production::ReservationCompleted::new(
            orders.clone(),
        )),
    );
    let sweeper = orders.clone();
    runtime.spawn_sweeper(config.sla_sweep_interval, move || {
        let orders = sweeper.clone();
        async move {
            // Confirmations past their SLA (SLA-1).
            if let Err(error) = orders.sweep_overdue_confirmations().await {
                tracing::warn!(%error, "SLA sweep failed");
            }
            // Special custom orders' reviews past their SLA (SLA-2).
            if let Err(error) = orders.sweep_overdue_custom_reviews().await {
                tracing::warn!(%error, "SLA-2 sweep failed");
            }
        }
    });
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

/// Runs the service until `shutdown` fires and it has drained.
pub async fn run(config: OrdersConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    start(config, orderflow_platform::clock::system(), shutdown)
        .await?
        .wait()
        .await
}
