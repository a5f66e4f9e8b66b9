//! What the production service publishes (stream `PRODUCTION`); what it
//! consumes is in [`crate::consumers`].
//!
//! Published: `production.order.{created, engineering_approved, scheduled,
//! started, output_reported, completed, cancelled, closed,
//! schedule_overdue}`, `production.lot.{passed, rework}` and
//! `production.inspection.overdue` as `ProductionEvent`;
//! `production.materials.short` as `MaterialShortage` (PRD-2 → PRC-2);
//! `production.outsourcing.requested` as `OutsourcingDemand` (PRD-8 →
//! PRC-6).

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::production::v1 as pb;

use crate::domain::order::{Lot, OutsourcedOperation, ProductionOrder};
use crate::wire;

/// One event about a production order, with a sentence for the order's
/// timeline.
pub fn order(
    order: &ProductionOrder,
    subject: &str,
    lot: Option<&Lot>,
    detail: String,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ProductionEvent {
        event_id: id.clone(),
        occur_time: Some(wire_time(at)),
        actor: actor.to_owned(),
        production_order: Some(wire::production_order(order)),
        lot: lot.map(wire::lot),
        detail,
    };
    OutgoingEvent::new(id, format!("production.{subject}"), &message)
        .about_order(order.demand.order_id.as_ref(), &order.demand.order_number)
}

/// PRD-2: what the materials warehouse lacks for a production order.
pub fn materials_short(
    order: &ProductionOrder,
    need_by: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::MaterialShortage {
        event_id: id.clone(),
        occur_time: Some(wire_time(at)),
        actor: actor.to_owned(),
        production_order_id: order.id.to_string(),
        order_id: order.demand.order_id.to_string(),
        order_number: order.demand.order_number.clone(),
        need_by: need_by.to_owned(),
        materials: order
            .materials
            .iter()
            .filter(|line| line.short > 0)
            .map(|line| pb::ShortMaterial {
                sku: line.sku.clone(),
                quantity: line.short,
            })
            .collect(),
    };
    OutgoingEvent::new(id, "production.materials.short".to_owned(), &message)
        .about_order(order.demand.order_id.as_ref(), &order.demand.order_number)
}

/// PRD-8: an outsourced operation for procurement's outsourcing contract.
pub fn outsourcing(
    order: &ProductionOrder,
    operation: &OutsourcedOperation,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::OutsourcingDemand {
        event_id: id.clone(),
        occur_time: Some(wire_time(at)),
        actor: actor.to_owned(),
        production_order_id: order.id.to_string(),
        order_id: order.demand.order_id.to_string(),
        order_number: order.demand.order_number.clone(),
        sku: order.demand.sku.clone(),
        seq: operation.seq,
        operation: operation.name.clone(),
        quantity: operation.quantity,
        send_date: operation.send_date.to_string(),
        return_date: operation.return_date.to_string(),
    };
    OutgoingEvent::new(id, "production.outsourcing.requested".to_owned(), &message)
        .about_order(order.demand.order_id.as_ref(), &order.demand.order_number)
}

fn wire_time(at: DateTime<Utc>) -> prost_types::Timestamp {
    orderflow_platform::grpc::convert::timestamp(at)
}
