//! Production's progress on the order (consumer `orders-production` on
//! `PRODUCTION`): the first production order started puts a released order
//! IN_PRODUCTION (PRD-1); schedules with their planned completion date,
//! daily output and QA results go on the timeline for the sales assistant
//! (PRD-11); an SLA-3 miss and an unbooked pre-shipment inspection (PRD-6)
//! are visible there too. And inventory's
//! `inventory.reservation.completed` (consumer `orders-stock`): finished
//! goods from production covered every short line, so the order is
//! READY_TO_SHIP (PRD-5). And after-sales' cases (consumer
//! `orders-aftersales`): on the order's timeline (ORD-4). And a
//! made-to-measure order's fabric (consumer `orders-fabric`,
//! `procurement.fabric.>`): each step on its timeline, the manufacturer's
//! receipt puts it IN_PRODUCTION (S10, PRC-7).

use async_trait::async_trait;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_proto::aftersales::v1 as aftersales;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::procurement::v1 as procurement;
use orderflow_proto::production::v1 as production;
use sea_orm::DatabaseTransaction;

use crate::app::Orders;
use crate::app::reports::ProductionReport;
use crate::consumers::release::order_id;
use crate::consumers::saga::order_error;

pub const PRODUCTION_CONSUMER: &str = "orders-production";
pub const STOCK_CONSUMER: &str = "orders-stock";

pub const PRODUCTION_SUBSCRIPTION: Subscription =
    Subscription::new(PRODUCTION_CONSUMER, "production", None);

pub const STOCK_SUBSCRIPTION: Subscription = Subscription::new(
    STOCK_CONSUMER,
    "inventory",
    Some("inventory.reservation.completed"),
);

/// The production service's reports about orders.
pub struct ProductionReports {
    orders: Orders,
}

impl ProductionReports {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for ProductionReports {
    /// Only the production order's own events; materials shortages and
    /// outsourcing demands are procurement's.
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        [
            "production.order.",
            "production.lot.",
            "production.inspection.",
        ]
        .iter()
        .any(|prefix| event.subject.starts_with(prefix))
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: production::ProductionEvent = event.decode()?;
        let Some(production_order) = message.production_order else {
            return Ok(());
        };
        let detail = message.detail;
        let report = match event.subject.as_str() {
            "production.order.started" => ProductionReport::Started { detail },
            "production.order.schedule_overdue" => ProductionReport::ScheduleOverdue { detail },
            // ORD-17: planned to finish after the order is due: a delay the
            // customer is told of.
            "production.order.scheduled"
                if late(
                    &production_order.planned_completion,
                    &production_order.due_date,
                ) =>
            {
                ProductionReport::Delayed {
                    detail,
                    planned_completion: production_order.planned_completion.clone(),
                }
            }
            // `production.order.scheduled` → `production_scheduled`,
            // `production.lot.passed` → `lot_passed`.
            subject => ProductionReport::Progress {
                action: subject
                    .trim_start_matches("production.")
                    .replace("order.", "production_")
                    .replace('.', "_"),
                detail,
            },
        };
        self.orders
            .production_reported(
                transaction,
                &message.actor,
                &order_id(&production_order.order_id)?,
                report,
            )
            .await
            .map_err(order_error)
    }
}

/// Inventory's reservations made whole by production.
pub struct ReservationCompleted {
    orders: Orders,
}

impl ReservationCompleted {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for ReservationCompleted {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: inventory::ReservationEvent = event.decode()?;
        let Some(reservation) = message.reservation else {
            return Ok(());
        };
        let lines: Vec<String> = reservation
            .lines
            .iter()
            .map(|line| format!("{} {}", line.sku, line.reserved))
            .collect();
        let detail = format!(
            "finished goods from production reserved in {}: {}",
            reservation.warehouse,
            lines.join(", ")
        );
        self.orders
            .production_reported(
                transaction,
                &message.actor,
                &order_id(&reservation.order_id)?,
                ProductionReport::ReservationCompleted { detail },
            )
            .await
            .map_err(order_error)
    }
}

pub const AFTERSALES_CONSUMER: &str = "orders-aftersales";

pub const AFTERSALES_SUBSCRIPTION: Subscription =
    Subscription::new(AFTERSALES_CONSUMER, "aftersales", Some("aftersales.case.>"));

/// The after-sales service's cases about the order (ORD-4: on the
/// timeline, e.g. `aftersales_inspected`).
pub struct AfterSalesReports {
    orders: Orders,
}

impl AfterSalesReports {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for AfterSalesReports {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: aftersales::CaseChanged = event.decode()?;
        let Some(case) = message.case else {
            return Ok(());
        };
        let action = format!(
            "aftersales_{}",
            event.subject.trim_start_matches("aftersales.case.")
        );
        let kind = aftersales::CaseKind::try_from(case.kind)
            .map(|kind| {
                kind.as_str_name()
                    .trim_start_matches("CASE_KIND_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        let detail = [format!("case {} ({kind})", case.number), message.detail]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        self.orders
            .aftersales_reported(
                transaction,
                &message.actor,
                &order_id(&case.order_id)?,
                &action,
                detail,
            )
            .await
            .map_err(order_error)
    }
}

pub const FABRIC_CONSUMER: &str = "orders-fabric";

pub const FABRIC_SUBSCRIPTION: Subscription =
    Subscription::new(FABRIC_CONSUMER, "procurement", Some("procurement.fabric.>"));

/// Procurement's reports on a made-to-measure order's fabric (PRC-7).
pub struct FabricReports {
    orders: Orders,
}

impl FabricReports {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for FabricReports {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: procurement::FabricPurchaseEvent = event.decode()?;
        let Some(fabric) = message.fabric_purchase else {
            return Ok(());
        };
        let step = event.subject.trim_start_matches("procurement.fabric.");
        let detail = format!(
            "fabric {}: {} for the {} ({} cm, {} → {}): {}",
            step,
            fabric.fabric_code,
            fabric.garment,
            fabric.length_cm,
            fabric.supplier_code,
            fabric.manufacturer_code,
            message.detail
        );
        self.orders
            .fabric_reported(
                transaction,
                &message.actor,
                &order_id(&fabric.order_id)?,
                (step, &fabric.manufacturer_code),
                detail,
            )
            .await
            .map_err(order_error)
    }
}

/// Whether a plan finishing on `planned` (YYYY-MM-DD) misses `due`.
fn late(planned: &str, due: &str) -> bool {
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    matches!((day(planned), day(due)), (Some(planned), Some(due)) if planned > due)
}
