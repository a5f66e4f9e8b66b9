//! What the approvals service publishes (stream `APPROVALS`):
//! `approvals.request.{created, approved, rejected, resubmitted}` and
//! `approvals.step.{decided, overdue}`, each an `ApprovalEvent` with the
//! request after the change (and the step, for step events).

use chrono::{DateTime, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::approvals::v1 as pb;

use crate::domain::request::{ApprovalRequest, Step};
use crate::wire;

pub fn approval_event(
    request: &ApprovalRequest,
    step: Option<&Step>,
    subject: &str,
    actor: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ApprovalEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        reason: reason.to_owned(),
        request: Some(wire::request(request)),
        step: step.map(wire::step),
    };
    let event = OutgoingEvent::new(id, format!("approvals.{subject}"), &message);
    match request.order() {
        Some((id, number)) => event.about_order(id, number),
        None => event,
    }
}
