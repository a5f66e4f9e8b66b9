//! The approvals service's final decisions, as the services that filed a
//! request hear them: `approvals.request.approved` and
//! `approvals.request.rejected` (APR-1). One reading for every such
//! consumer (finance's refunds, procurement's contracts).

use orderflow_proto::approvals::v1 as approvals;

use super::consumer::{HandlerError, IncomingEvent};

/// A request's final decision.
#[derive(Debug, Clone)]
pub struct Decision {
    pub request: approvals::ApprovalRequest,
    pub approved: bool,
    /// Who decided last, and why (a rejection's reason).
    pub actor: String,
    pub reason: String,
}

/// Whether `event` is a final decision (what a consumer of decisions acts on).
pub fn is_decision(event: &IncomingEvent) -> bool {
    matches!(
        event.subject.as_str(),
        "approvals.request.approved" | "approvals.request.rejected"
    )
}

/// The decision `event` carries; `None` for any other approvals event and
/// for a decision without its request.
pub fn decision(event: &IncomingEvent) -> Result<Option<Decision>, HandlerError> {
    let approved = match event.subject.as_str() {
        "approvals.request.approved" => true,
        "approvals.request.rejected" => false,
        _ => return Ok(None),
    };
    let message: approvals::ApprovalEvent = event.decode()?;
    Ok(message.request.map(|request| Decision {
        request,
        approved,
        actor: message.actor,
        reason: message.reason,
    }))
}
