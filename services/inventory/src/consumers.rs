//! What the inventory service consumes.
//!
//! Consumed (`inventory-orders` on `ORDERS`): an order's special notes are
//! kept for its pick list (ORD-12); a cancelled order's reservation is
//! released (ORD-6).

use crate::app::Inventory;
use crate::domain::Actor;
use async_trait::async_trait;
use orderflow_platform::bus::consumer::{ConsumerSpec, EventHandler, HandlerError, IncomingEvent};
use orderflow_platform::config::ConsumerSettings;
use orderflow_proto::orders::v1 as orders;
use sea_orm::DatabaseTransaction;

pub const ORDERS_CONSUMER: &str = "inventory-orders";

pub fn orders_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec::on(ORDERS_CONSUMER, "orders", None, replicas, settings)
}

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
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let relevant = matches!(
            event.subject.as_str(),
            "orders.order.created"
                | "orders.order.merged"
                | "orders.order.edited"
                | "orders.order.revised"
                | "orders.order.confirmed"
                | "orders.order.cancelled"
        );
        if !relevant {
            return Ok(());
        }
        let message: orders::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Err(HandlerError::Permanent(
                "an order event without an order".to_owned(),
            ));
        };
        let failure = HandlerError::from;
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
        self.inventory
            .remember_order(
                transaction,
                &HandlerError::parse("order.id", &order.id)?,
                &order.number,
                &notes,
            )
            .await
            .map_err(failure)
    }
}
