//! What the inventory service publishes (stream `INVENTORY`);
//! what it consumes is in [`crate::consumers`].
//!
//! Published: `inventory.reservation.{reserved, released, completed}`
//! (completed: production topped up every short line, PRD-5) and
//! `inventory.stock.short` (INV-9: the short lines, for production and
//! procurement) as `ReservationEvent`; `inventory.stock.moved` and
//! `inventory.outbound.posted` as `StockEvent`; `inventory.sheet.created`
//! as `WorkContactSheetEvent` (INV-8, S11).

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::inventory::v1 as pb;

use crate::domain::picking::PickList;
use crate::domain::reservation::Reservation;
use crate::domain::sheet::WorkContactSheet;
use crate::domain::stock::Movement;
use crate::wire;

pub fn reservation(
    reservation: &Reservation,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ReservationEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        reservation: Some(wire::reservation(reservation)),
    };
    OutgoingEvent::new(id, format!("inventory.{subject}"), &message)
        .about_order(&reservation.order_id, &reservation.order_number)
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
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        movements: movements.iter().map(wire::movement).collect(),
        pick_list: pick_list.map(wire::pick_list),
    };
    let subject = if pick_list.is_some() {
        "inventory.outbound.posted"
    } else {
        "inventory.stock.moved"
    };
    OutgoingEvent::new(id, subject.to_owned(), &message)
}

/// INV-8, S11: a work contact sheet raised for a material-prep order.
pub fn sheet_created(
    sheet: &WorkContactSheet,
    order_number: &str,
    need_by: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::WorkContactSheetEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        sheet: Some(wire::sheet(sheet)),
        order_id: sheet.reference.clone(),
        order_number: order_number.to_owned(),
        need_by: need_by.to_owned(),
    };
    OutgoingEvent::new(id, "inventory.sheet.created".to_owned(), &message)
        .about_order(&sheet.reference, order_number)
}
