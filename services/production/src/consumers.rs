//! What the production service consumes.
//!
//! - `production-orders` on `ORDERS`: a released order's facts (its kind and
//!   delivery date), and for a self-stock order (GM-approved, APR-7) a
//!   production order per line (PRD-1); a cancelled order stops its
//!   production (ORD-6).
//! - `production-inventory` on `INVENTORY`, `inventory.stock.short`: a
//!   production order per short line of the reservation (PRD-1, INV-9).
//! - `production-procurement` on `PROCUREMENT`,
//!   `procurement.outsourcing.inspected`: procurement's incoming inspection
//!   of outsourced work is applied to the operation (PRD-8, PRC-6).

use async_trait::async_trait;
use chrono::NaiveDate;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::ids::OrderId;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::procurement::v1 as procurement;
use sea_orm::DatabaseTransaction;

use crate::app::{Production, ShortLine};
use crate::domain::order::OrderFact;

pub const ORDERS_CONSUMER: &str = "production-orders";
pub const INVENTORY_CONSUMER: &str = "production-inventory";
pub const PROCUREMENT_CONSUMER: &str = "production-procurement";

pub const PROCUREMENT_SUBSCRIPTION: Subscription = Subscription::new(
    PROCUREMENT_CONSUMER,
    "procurement",
    Some("procurement.outsourcing.inspected"),
);

pub const ORDERS_SUBSCRIPTION: Subscription = Subscription::new(ORDERS_CONSUMER, "orders", None);

pub const INVENTORY_SUBSCRIPTION: Subscription = Subscription::new(
    INVENTORY_CONSUMER,
    "inventory",
    Some("inventory.stock.short"),
);

/// `ORDER_KIND_SELF_STOCK` → `self_stock`.
fn kind_name(kind: i32) -> String {
    orders::OrderKind::try_from(kind)
        .map(|kind| {
            kind.as_str_name()
                .trim_start_matches("ORDER_KIND_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

/// The orders service's reports, as production needs them.
pub struct OrderEvents {
    production: Production,
}

impl OrderEvents {
    pub fn new(production: Production) -> Self {
        Self { production }
    }
}

#[async_trait]
impl EventHandler for OrderEvents {
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        matches!(
            event.subject.as_str(),
            "orders.order.released" | "orders.order.cancelled"
        )
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let cancelled = event.subject == "orders.order.cancelled";
        let message: orders::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Err(HandlerError::Permanent(
                "an order event without an order".to_owned(),
            ));
        };
        let order_id: OrderId = HandlerError::parse("order.id", &order.id)?;
        if cancelled {
            self.production
                .order_cancelled(
                    transaction,
                    &message.actor,
                    &order_id,
                    &order.number,
                    &message.reason,
                )
                .await?;
            return Ok(());
        }
        let fact = OrderFact {
            order_id: order_id.to_string(),
            order_number: order.number.clone(),
            order_kind: kind_name(order.kind),
            due_date: NaiveDate::parse_from_str(&order.requested_delivery_date, "%Y-%m-%d").ok(),
            warehouse: String::new(),
            cancelled: false,
        };
        let lines: Vec<ShortLine> = order
            .lines
            .iter()
            .map(|line| ShortLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect();
        self.production
            .order_released(transaction, &message.actor, fact, &lines)
            .await?;
        Ok(())
    }
}

/// Inventory's shortages of released orders.
pub struct StockShortages {
    production: Production,
}

impl StockShortages {
    pub fn new(production: Production) -> Self {
        Self { production }
    }
}

#[async_trait]
impl EventHandler for StockShortages {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: inventory::ReservationEvent = event.decode()?;
        let Some(reservation) = message.reservation else {
            return Err(HandlerError::Permanent(
                "a reservation event without a reservation".to_owned(),
            ));
        };
        let order_id: OrderId = HandlerError::parse("reservation.order_id", &reservation.order_id)?;
        let short: Vec<ShortLine> = reservation
            .lines
            .iter()
            // INV-9: traded goods are bought by procurement, not made.
            .filter(|line| line.short > 0 && !line.bought)
            .map(|line| ShortLine {
                sku: line.sku.clone(),
                quantity: line.short,
            })
            .collect();
        self.production
            .stock_short(
                transaction,
                &message.actor,
                &order_id,
                &reservation.order_number,
                &reservation.warehouse,
                &short,
            )
            .await?;
        Ok(())
    }
}

/// Procurement's incoming inspections of outsourced work (PRC-6, PRD-8).
pub struct OutsourcedReturns {
    production: Production,
}

impl OutsourcedReturns {
    pub fn new(production: Production) -> Self {
        Self { production }
    }
}

#[async_trait]
impl EventHandler for OutsourcedReturns {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: procurement::OutsourcingEvent = event.decode()?;
        let Some(order) = message.outsourcing_order else {
            return Ok(());
        };
        let Some(inspection) = order.inspections.last() else {
            return Ok(());
        };
        self.production
            .outsourced_return_reported(
                transaction,
                &order.production_order_id,
                order.seq,
                inspection.passed,
                &inspection.inspector,
                &inspection.note,
            )
            .await?;
        Ok(())
    }
}
