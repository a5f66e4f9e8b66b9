//! What the procurement service publishes (stream `PROCUREMENT`); what it
//! consumes is in [`crate::consumers`].
//!
//! Published: `procurement.purchase_order.{created, approved, rejected,
//! sent, late, received}` and `procurement.receipt.inspected` as
//! `PurchaseOrderEvent`; `procurement.supplier.{created, approved,
//! suspended, scored}` as `SupplierEvent`; `procurement.rfq.sent` as
//! `RfqEvent` (PRC-3); `procurement.outsourcing.{requested, assigned,
//! approved, rejected, sent, inspected}` as `OutsourcingEvent` (PRC-6);
//! `procurement.fabric.{ordered, confirmed, declined, shipped, refused,
//! received}` as `FabricPurchaseEvent` (PRC-7).

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_platform::grpc::convert::timestamp;
use orderflow_proto::procurement::v1 as pb;

use crate::domain::fabric::FabricPurchase;
use crate::domain::outsourcing::Outsourcing;
use crate::domain::purchase::{PurchaseOrder, Receipt};
use crate::domain::requisition::Requisition;
use crate::domain::supplier::Supplier;
use crate::wire;

/// An event about a purchase order, built once the change is applied.
#[derive(Debug, Clone)]
pub struct Outgoing {
    subject: &'static str,
    detail: String,
    actor: String,
    receipt: Option<Receipt>,
}

impl Outgoing {
    pub fn new(subject: &'static str, detail: String, actor: &str) -> Self {
        Self {
            subject,
            detail,
            actor: actor.to_owned(),
            receipt: None,
        }
    }

    pub fn receipt(subject: &'static str, detail: String, actor: &str, receipt: Receipt) -> Self {
        Self {
            receipt: Some(receipt),
            ..Self::new(subject, detail, actor)
        }
    }

    pub fn build(self, order: &PurchaseOrder, at: DateTime<Utc>) -> OutgoingEvent {
        self::order(
            order,
            self.subject,
            self.receipt.as_ref(),
            self.detail,
            &self.actor,
            at,
        )
    }
}

pub fn order(
    order: &PurchaseOrder,
    subject: &str,
    receipt: Option<&Receipt>,
    detail: String,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::PurchaseOrderEvent {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        purchase_order: Some(wire::purchase_order(order)),
        receipt: receipt.map(wire::receipt),
        detail,
    };
    OutgoingEvent::new(id, format!("procurement.{subject}"), &message)
}

pub fn supplier(supplier: &Supplier, what: &str, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::SupplierEvent {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        supplier: Some(wire::supplier(supplier)),
    };
    OutgoingEvent::new(id, format!("procurement.supplier.{what}"), &message)
}

/// `procurement.rfq.sent`: one supplier asked to quote (PRC-3).
pub fn rfq(
    requisition: &Requisition,
    supplier_code: &str,
    respond_by: NaiveDate,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::RfqEvent {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        requisition: Some(wire::requisition(requisition)),
        supplier_code: supplier_code.to_owned(),
        respond_by: respond_by.to_string(),
    };
    OutgoingEvent::new(id, "procurement.rfq.sent".to_owned(), &message)
}

/// `procurement.<subject>` for an outsourcing order (PRC-6): requested,
/// assigned, approved, rejected, sent, inspected.
pub fn outsourcing(
    order: &Outsourcing,
    subject: &str,
    detail: String,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::OutsourcingEvent {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        outsourcing_order: Some(wire::outsourcing(order)),
        detail,
    };
    OutgoingEvent::new(id, format!("procurement.{subject}"), &message)
        .about_order(&order.demand.order_id, &order.demand.order_number)
}

/// `procurement.fabric.<step>` (PRC-7): ordered, confirmed, declined,
/// shipped, refused, received.
pub fn fabric(
    purchase: &FabricPurchase,
    step: &str,
    detail: String,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::FabricPurchaseEvent {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        fabric_purchase: Some(wire::fabric(purchase)),
        detail,
    };
    OutgoingEvent::new(id, format!("procurement.fabric.{step}"), &message)
        .about_order(&purchase.order.order_id, &purchase.order.order_number)
}
