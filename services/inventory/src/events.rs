//! What the inventory service publishes (stream `INVENTORY`) and consumes.
//!
//! Published: `inventory.reservation.{reserved, released}` and
//! `inventory.stock.short` (INV-9: the short lines, for production and
//! procurement) as `ReservationEvent`; `inventory.stock.moved` and
//! `inventory.outbound.posted` as `StockEvent`.
//!
//! Consumed (`inventory-orders` on `ORDERS`): an order's special notes are
//! kept for its pick list (ORD-12); a cancelled order's reservation is
//! released (ORD-6).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orderflow_platform::bus::consumer::{ConsumerSpec, EventHandler, HandlerError, IncomingEvent};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_platform::config::ConsumerSettings;
use orderflow_proto::inventory::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use sea_orm::DatabaseTransaction;

use crate::api::convert;
use crate::app::Inventory;
use crate::domain::picking::PickList;
use crate::domain::reservation::Reservation;
use crate::domain::{Actor, InventoryError};
use crate::store::stock::Movement;

pub fn reservation(
    reservation: &Reservation,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ReservationEvent {
        event_id: id.clone(),
        occur_time: Some(convert::timestamp(at)),
        actor: actor.to_owned(),
        reservation: Some(convert::reservation(reservation)),
    };
    OutgoingEvent::new(id, format!("inventory.{subject}"), &message)
}

pub fn stock_moved(
    movements: &[Movement],
    pick_list: Option<&PickList>,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::StockEvent {
        event_id: id.clone(),
        occur_time: Some(convert::timestamp(at)),
        actor: actor.to_owned(),
        movements: movements.iter().map(convert::movement).collect(),
        pick_list: pick_list.map(convert::pick_list),
    };
    let subject = if pick_list.is_some() {
        "inventory.outbound.posted"
    } else {
        "inventory.stock.moved"
    };
    OutgoingEvent::new(id, subject.to_owned(), &message)
}

pub const ORDERS_CONSUMER: &str = "inventory-orders";

pub fn orders_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: ORDERS_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config("orders", replicas),
        filter_subject: None,
        settings,
    }
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
        let failure = |error: InventoryError| HandlerError::Transient(anyhow::Error::new(error));
        if event.subject == "orders.order.cancelled" {
            let actor = Actor::new(message.actor.clone(), &[]);
            self.inventory
                .release_in(transaction, &actor, &order.id, &message.reason)
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
            .remember_order(transaction, &order.id, &order.number, &notes)
            .await
            .map_err(failure)
    }
}
