//! What the logistics service publishes (stream `LOGISTICS`);
//! what it consumes is in [`crate::consumers`].
//!
//! Published: `logistics.shipment.{planned, note_created, note_approved,
//! dispatched, tracked, delayed, delivered, receipt_confirmed,
//! plan_overdue}` (`ShipmentEvent`; `dispatched` is the customer
//! notification, LOG-3; `plan_overdue` a missed SLA-4) and
//! `logistics.pickup.scheduled` (`PickupEvent`).

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::logistics::v1 as pb;

use crate::domain::pickup::Pickup;
use crate::domain::shipment::{Shipment, Tracking};
use crate::wire;

pub fn shipment(
    shipment: &Shipment,
    subject: &str,
    actor: &str,
    tracking: Option<&Tracking>,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ShipmentEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        shipment: Some(wire::shipment(shipment, at)),
        tracking: tracking.map(wire::tracking),
    };
    OutgoingEvent::new(id, format!("logistics.shipment.{subject}"), &message)
        .about_order(&shipment.order_id, &shipment.order.number)
}

pub fn pickup(pickup: &Pickup, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::PickupEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        pickup: Some(wire::pickup(pickup)),
    };
    OutgoingEvent::new(id, "logistics.pickup.scheduled".to_owned(), &message)
}
