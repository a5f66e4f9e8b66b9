//! What the after-sales service publishes (stream `AFTERSALES`); what it
//! consumes is in [`crate::consumers`].
//!
//! Published: `aftersales.case.<action>` as `CaseChanged`, with the case
//! after the change: submitted, information_requested, information_reminder,
//! information_provided, approved, rejected, cancelling, pickup_scheduled,
//! inspected, refund_requested, refund_filed, refunded, refund_rejected,
//! replacement_due,
//! replaced, closed, refund_overdue (SLA-7), overseas_received, shelved
//! (AFS-8); `aftersales.complaint.{recorded, assigned, answered, overdue}`
//! as `ComplaintChanged` (AFS-10).

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_platform::grpc::convert::timestamp;
use orderflow_proto::aftersales::v1 as pb;

use crate::domain::case::Case;
use crate::domain::complaint::Complaint;
use crate::wire;

pub const SUBJECT_PREFIX: &str = "aftersales.case.";

pub fn case(
    case: &Case,
    action: &str,
    detail: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::CaseChanged {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        detail: detail.to_owned(),
        case: Some(wire::case(case)),
    };
    OutgoingEvent::new(id, format!("{SUBJECT_PREFIX}{action}"), &message)
        .about_order(&case.order_id, &case.order_number)
}

/// `aftersales.complaint.<action>`: recorded, assigned, answered, overdue.
pub fn complaint(
    complaint: &Complaint,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ComplaintChanged {
        event_id: id.clone(),
        occur_time: Some(timestamp(at)),
        actor: actor.to_owned(),
        complaint: Some(wire::complaint(complaint)),
    };
    OutgoingEvent::new(id, format!("aftersales.complaint.{action}"), &message)
}
