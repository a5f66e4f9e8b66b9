//! The after-sales service (AFS-1 … AFS-7, AFS-11, SLA-7, ORD-6, ORD-14,
//! LOG-7): returns, exchanges and refunds on an order, reviewed by
//! customer service; before shipment the order is cancelled and a paid one
//! refunded; after delivery the goods are picked up, inspected, restocked
//! or quarantined, and the agreed value is refunded through finance with
//! the GM's approval; an exchange gets its replacement order.
//!
//! - [`domain`]: cases, order facts, the working-day calendar.
//! - [`store`]: entities, migrations, queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`] and [`consumers`]: what it publishes and consumes.
//! - [`peers`]: orders, logistics, inventory, finance.
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
use orderflow_proto::aftersales::v1::after_sales_service_server::AfterSalesServiceServer;

use crate::config::AfterSalesConfig;
use crate::domain::calendar::Calendar;
use crate::domain::case::Policy;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: AfterSalesConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let peers = peers::Peers::new(
        runtime.peer("ORDERS_URL", &config.orders_url)?,
        runtime.peer("LOGISTICS_URL", &config.logistics_url)?,
        runtime.peer("INVENTORY_URL", &config.inventory_url)?,
        runtime.peer("FINANCE_URL", &config.finance_url)?,
    );
    let aftersales = app::AfterSales::new(
        runtime.base(),
        peers,
        app::Settings {
            time_zone: config.business_time_zone,
            policy: Policy {
                return_window_days: config.return_window_days,
            },
            calendar: Calendar {
                holidays: config.holidays.clone(),
            },
            shop_refund_working_days: config.shop_refund_working_days,
            returns_warehouse: config.returns_warehouse.clone(),
            overseas_warehouse: config.overseas_warehouse.clone(),
            complaint_answer_within: chrono::Duration::hours(config.complaint_answer_hours),
            information_reminder_after: chrono::Duration::hours(config.information_reminder_hours),
        },
    );
    for (subscription, handler) in consumers::all(&aftersales) {
        runtime.consume_shared(subscription, handler);
    }
    // Shop refunds past their working days (SLA-7).
    runtime.spawn_sweep(
        config.sweep_interval,
        "overdue shop refunds flagged",
        aftersales.clone(),
        |aftersales| async move { aftersales.sweep().await },
    );
    // Complaints past their answer time (AFS-10).
    runtime.spawn_sweep(
        config.sweep_interval,
        "overdue complaints flagged",
        aftersales.clone(),
        |aftersales| async move { aftersales.sweep_complaints().await },
    );
    runtime
        .serve_one(
            AfterSalesServiceServer::new(api::AfterSalesApi::new(aftersales)),
            api::ROLES,
        )
        .await
}
