//! What the logistics service consumes.
//!
//! Consumed: `logistics-orders` (`ORDERS`, `orders.order.>`) keeps each
//! order's shipment (ship-to, lines, state); `logistics-inventory`
//! (`INVENTORY`, `inventory.outbound.posted`) marks the goods out.

use crate::app::Logistics;
use crate::domain::shipment::{OrderLine, OrderSnapshot};
use crate::wire;
use async_trait::async_trait;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as orders;
use sea_orm::DatabaseTransaction;

pub const ORDERS_CONSUMER: &str = "logistics-orders";
pub const INVENTORY_CONSUMER: &str = "logistics-inventory";

pub const ORDERS_SUBSCRIPTION: Subscription =
    Subscription::new(ORDERS_CONSUMER, "orders", Some("orders.order.>"));

pub const INVENTORY_SUBSCRIPTION: Subscription = Subscription::new(
    INVENTORY_CONSUMER,
    "inventory",
    Some("inventory.outbound.posted"),
);

fn state_name(state: orders::OrderState) -> String {
    state
        .as_str_name()
        .trim_start_matches("ORDER_STATE_")
        .to_lowercase()
}

fn terms_name(terms: Option<&orders::PaymentTerms>) -> String {
    let Some(terms) = terms else {
        return String::new();
    };
    let kind = terms
        .kind()
        .as_str_name()
        .trim_start_matches("PAYMENT_TERM_KIND_")
        .to_lowercase();
    if terms.deposit_percent > 0 {
        format!("{kind} {}%", terms.deposit_percent)
    } else {
        kind
    }
}

/// The orders service's reports, as logistics needs them.
pub struct OrderEvents {
    logistics: Logistics,
}

impl OrderEvents {
    pub fn new(logistics: Logistics) -> Self {
        Self { logistics }
    }
}

#[async_trait]
impl EventHandler for OrderEvents {
    /// Drafts and submissions change too often to be worth keeping (an
    /// undecodable event is handled, and so dead-lettered).
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        event
            .decode::<orders::OrderEvent>()
            .ok()
            .and_then(|message| message.order)
            .is_none_or(|order| {
                !matches!(
                    order.state(),
                    orders::OrderState::Draft
                        | orders::OrderState::Submitted
                        | orders::OrderState::Unspecified
                )
            })
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
        let updated_at = order
            .update_time
            .as_ref()
            .and_then(wire::from_timestamp)
            .ok_or_else(|| HandlerError::Permanent("an order without an update time".to_owned()))?;
        let snapshot = OrderSnapshot {
            number: order.number.clone(),
            kind: order
                .kind()
                .as_str_name()
                .trim_start_matches("ORDER_KIND_")
                .to_lowercase(),
            state: state_name(order.state()),
            currency: order.currency_code.clone(),
            lines: order
                .lines
                .iter()
                .map(|line| OrderLine {
                    sku: line.sku.clone(),
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_price: line
                        .unit_price
                        .as_ref()
                        .map_or(0, |price| price.minor_units),
                })
                .collect(),
            customer_po_number: order.customer_po_number.clone(),
            payment_terms: terms_name(order.payment_terms.as_ref()),
            delivery_date: chrono::NaiveDate::parse_from_str(
                &order.requested_delivery_date,
                "%Y-%m-%d",
            )
            .ok(),
            updated_at,
        };
        let ship_to =
            crate::domain::shipment::Address::from(&order.ship_to.clone().unwrap_or_default());
        self.logistics
            .sync_order(
                transaction,
                &HandlerError::parse("order.id", &order.id)?,
                snapshot,
                ship_to,
            )
            .await
            .map_err(HandlerError::from)
    }
}

/// Inventory's outbound postings: the goods left the warehouse.
pub struct OutboundEvents {
    logistics: Logistics,
}

impl OutboundEvents {
    pub fn new(logistics: Logistics) -> Self {
        Self { logistics }
    }
}

#[async_trait]
impl EventHandler for OutboundEvents {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: inventory::StockEvent = event.decode()?;
        let Some(pick_list) = message.pick_list else {
            return Ok(());
        };
        self.logistics
            .goods_out(
                transaction,
                &HandlerError::parse("pick_list.order_id", &pick_list.order_id)?,
            )
            .await
            .map_err(HandlerError::from)
    }
}
