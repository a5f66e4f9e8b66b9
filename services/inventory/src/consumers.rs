//! What the inventory service consumes.
//!
//! Consumed (`inventory-orders` on `ORDERS`): an order's special notes are
//! kept for its pick list (ORD-12); a cancelled order's reservation is
//! released (ORD-6); a released material-prep order gets its work contact
//! sheet (INV-8, S11).
//!
//! Consumed (`inventory-production` on `PRODUCTION`): a lot that passed
//! final QA is received into finished goods and tops up the order's
//! reservation (PRD-5); the materials of a stopped production order come
//! back (ORD-6).
//!
//! Consumed (`inventory-procurement` on `PROCUREMENT`,
//! `procurement.receipt.inspected`): what IQC accepted of an arrival, the
//! only purchased goods the warehouse may book in (PRC-5).
//!
//! Consumed (`inventory-outsourcing` on `PROCUREMENT`,
//! `procurement.outsourcing.>`): parts sent to an outsourcing vendor are
//! stock at `OUTSOURCED` until their return passes inspection (PRC-6).

use crate::app::Inventory;
use crate::app::production::PassedLot;
use crate::app::purchasing::OutsourcedParts;
use crate::domain::Actor;
use crate::domain::stock::Line;
use async_trait::async_trait;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::procurement::v1 as procurement;
use orderflow_proto::production::v1 as production;
use sea_orm::DatabaseTransaction;

pub const ORDERS_CONSUMER: &str = "inventory-orders";
pub const PRODUCTION_CONSUMER: &str = "inventory-production";
pub const PROCUREMENT_CONSUMER: &str = "inventory-procurement";
pub const OUTSOURCING_CONSUMER: &str = "inventory-outsourcing";

pub const OUTSOURCING_SUBSCRIPTION: Subscription = Subscription::new(
    OUTSOURCING_CONSUMER,
    "procurement",
    Some("procurement.outsourcing.>"),
);

pub const PROCUREMENT_SUBSCRIPTION: Subscription = Subscription::new(
    PROCUREMENT_CONSUMER,
    "procurement",
    Some("procurement.receipt.inspected"),
);

pub const PRODUCTION_SUBSCRIPTION: Subscription =
    Subscription::new(PRODUCTION_CONSUMER, "production", None);

pub const ORDERS_SUBSCRIPTION: Subscription = Subscription::new(ORDERS_CONSUMER, "orders", None);

/// The orders service's reports, as inventory needs them.
pub struct OrderEvents {
    inventory: Inventory,
}

impl OrderEvents {
    pub fn new(inventory: Inventory) -> Self {
        Self { inventory }
    }
}

#[async_trait]
impl EventHandler for OrderEvents {
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        matches!(
            event.subject.as_str(),
            "orders.order.created"
                | "orders.order.merged"
                | "orders.order.edited"
                | "orders.order.revised"
                | "orders.order.confirmed"
                | "orders.order.released"
                | "orders.order.cancelled"
        )
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: orders::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Err(HandlerError::Permanent(
                "an order event without an order".to_owned(),
            ));
        };
        let failure = HandlerError::from;
        if event.subject == "orders.order.released" {
            // S11: a material-prep order's work contact sheet.
            if order.kind != orders::OrderKind::MaterialPrep as i32 {
                return Ok(());
            }
            let lines = order
                .lines
                .iter()
                .map(|line| Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect();
            return self
                .inventory
                .material_prep_released(
                    transaction,
                    &HandlerError::parse("order.id", &order.id)?,
                    &order.number,
                    &order.requested_delivery_date,
                    lines,
                )
                .await
                .map_err(failure);
        }
        if event.subject == "orders.order.cancelled" {
            let actor = Actor::new(message.actor.clone(), &[]);
            self.inventory
                .release_in(
                    transaction,
                    &actor,
                    &HandlerError::parse("order.id", &order.id)?,
                    &message.reason,
                )
                .await
                .map_err(failure)?;
            return Ok(());
        }
        let notes = [
            order.special_requirements.as_str(),
            order.buyer_message.as_str(),
        ]
        .iter()
        .filter(|part| !part.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
        let order_updated_at = order
            .update_time
            .as_ref()
            .and_then(orderflow_platform::grpc::convert::from_timestamp)
            .ok_or_else(|| {
                HandlerError::Permanent("an order event without the order's update time".to_owned())
            })?;
        self.inventory
            .remember_order(
                transaction,
                &HandlerError::parse("order.id", &order.id)?,
                &order.number,
                &notes,
                order_updated_at,
            )
            .await
            .map_err(failure)
    }
}

/// The production service's lots and stopped orders.
pub struct ProductionEvents {
    inventory: Inventory,
}

impl ProductionEvents {
    pub fn new(inventory: Inventory) -> Self {
        Self { inventory }
    }
}

#[async_trait]
impl EventHandler for ProductionEvents {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let (passed, cancelled) = (
            event.subject == "production.lot.passed",
            event.subject == "production.order.cancelled",
        );
        if !passed && !cancelled {
            return Ok(());
        }
        let message: production::ProductionEvent = event.decode()?;
        let Some(order) = message.production_order else {
            return Err(HandlerError::Permanent(
                "a production event without its production order".to_owned(),
            ));
        };
        let actor = Actor::new(message.actor.clone(), &[]);
        if cancelled {
            let lines: Vec<Line> = order
                .materials
                .iter()
                .filter(|line| line.issued > 0)
                .map(|line| Line {
                    sku: line.sku.clone(),
                    quantity: line.issued,
                })
                .collect();
            return self
                .inventory
                .return_materials(transaction, &actor, &order.id, &lines)
                .await
                .map_err(HandlerError::from);
        }
        let Some(lot) = message.lot.filter(|lot| lot.quantity > 0) else {
            return Err(HandlerError::Permanent(
                "a passed lot without a quantity".to_owned(),
            ));
        };
        let lot = PassedLot {
            order_id: HandlerError::parse("production_order.order_id", &order.order_id)?,
            production_order: order.id,
            lot_id: lot.id,
            sku: order.sku,
            quantity: lot.quantity,
        };
        self.inventory
            .receive_lot(transaction, &actor, &lot)
            .await
            .map_err(HandlerError::from)
    }
}

/// Procurement's IQC verdicts.
pub struct PurchaseInspections {
    inventory: Inventory,
}

impl PurchaseInspections {
    pub fn new(inventory: Inventory) -> Self {
        Self { inventory }
    }
}

#[async_trait]
impl EventHandler for PurchaseInspections {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: procurement::PurchaseOrderEvent = event.decode()?;
        let (Some(order), Some(receipt)) = (message.purchase_order, message.receipt) else {
            return Err(HandlerError::Permanent(
                "an inspection without its order or receipt".to_owned(),
            ));
        };
        if receipt.sku.is_empty() {
            return Err(HandlerError::Permanent(
                "an inspected receipt without its line's material".to_owned(),
            ));
        }
        self.inventory
            .purchase_inspected(
                transaction,
                &receipt.id,
                &order.id,
                &receipt.sku,
                receipt.accepted,
            )
            .await
            .map_err(HandlerError::from)
    }
}

/// Procurement's outsourcing orders, as the warehouse books them (PRC-6).
pub struct OutsourcingMoves {
    inventory: Inventory,
}

impl OutsourcingMoves {
    pub fn new(inventory: Inventory) -> Self {
        Self { inventory }
    }
}

#[async_trait]
impl EventHandler for OutsourcingMoves {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let returned = match event.subject.as_str() {
            "procurement.outsourcing.sent" => false,
            "procurement.outsourcing.inspected" => true,
            _ => return Ok(()),
        };
        let message: procurement::OutsourcingEvent = event.decode()?;
        let Some(order) = message.outsourcing_order else {
            return Err(HandlerError::Permanent(
                "an outsourcing event without its order".to_owned(),
            ));
        };
        // A failed inspection leaves the parts with the vendor to redo.
        if returned && order.state() != procurement::OutsourcingState::Returned {
            return Ok(());
        }
        if order.sku.is_empty() || order.quantity <= 0 {
            return Err(HandlerError::Permanent(
                "an outsourcing order without its parts".to_owned(),
            ));
        }
        let parts = OutsourcedParts {
            outsourcing_id: order.id.clone(),
            vendor_code: order.vendor_code.clone(),
            order_number: order.order_number.clone(),
            operation: order.operation.clone(),
            line: Line {
                sku: order.sku.clone(),
                quantity: order.quantity,
            },
        };
        let actor = Actor::new(message.actor.clone(), &[]);
        self.inventory
            .outsourcing_moved(transaction, &actor, &parts, returned)
            .await
            .map_err(HandlerError::from)
    }
}
