//! What the orders service publishes (stream `ORDERS`) and consumes.
//!
//! Published, each an `OrderEvent` with the order after the change:
//! `orders.order.{created, edited, revised, submitted, confirmed, rejected,
//! flagged, approval_requested, approval_not_required, approved,
//! approval_rejected, released, cancelled, confirmation_overdue}`; `orders.customer.created` (`CustomerEvent`);
//! `orders.quotation.{created, revised, accepted}` (`QuotationEvent`).
//!
//! Consumed: `orders.order.confirmed` by the fulfilment saga (durable
//! consumer `orders-saga`), `approvals.>` (`orders-approvals`), `finance.>`
//! (`orders-finance`) and `orders.order.released` (`orders-reservation`);
//! see [`crate::consumers::saga`] and [`crate::consumers::release`].

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::orders::v1 as pb;

use crate::domain::customer::Customer;
use crate::domain::order::{Order, OrderState};
use crate::domain::quotation::Quotation;
use crate::wire;

pub const ORDER_SUBJECT_PREFIX: &str = "orders.order.";
pub const CONFIRMED: &str = "orders.order.confirmed";
pub const RELEASED: &str = "orders.order.released";

pub fn order_subject(action: &str) -> String {
    format!("{ORDER_SUBJECT_PREFIX}{action}")
}

pub fn order_event(
    order: &Order,
    action: &str,
    actor: &str,
    reason: &str,
    from: Option<OrderState>,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::OrderEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        reason: reason.to_owned(),
        from_state: from.map_or(pb::OrderState::Unspecified, wire::order_state) as i32,
        order: Some(wire::order(order)),
    };
    OutgoingEvent::new(id, order_subject(action), &message).about_order(&order.id, &order.number)
}

pub fn customer_created(customer: &Customer, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::CustomerEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        customer: Some(wire::customer(customer)),
    };
    OutgoingEvent::new(id, "orders.customer.created".to_owned(), &message)
}

pub fn quotation_event(
    quotation: &Quotation,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::QuotationEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        quotation: Some(wire::quotation(quotation)),
    };
    OutgoingEvent::new(id, format!("orders.quotation.{action}"), &message)
}
