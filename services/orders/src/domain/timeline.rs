//! An order's timeline entry: who moved it, when, from which state to which, and why (ORD-4).

use chrono::{DateTime, Utc};

use super::order::OrderState;

/// The service that reports an entry when it is the order's own change.
pub const OWN_SOURCE: &str = "orders";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_state: Option<OrderState>,
    pub to_state: Option<OrderState>,
    pub reason: String,
    pub detail: String,
    pub source: String,
    /// The trace of the step that wrote it, so that the timeline links into
    /// the trace dashboard; blank: the current span's, when it is stored.
    pub trace_id: String,
}

impl TimelineEntry {
    /// A change of state by the orders service itself.
    pub fn transition(
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        from: OrderState,
        to: OrderState,
        reason: &str,
    ) -> Self {
        Self {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            from_state: Some(from),
            to_state: Some(to),
            reason: reason.to_owned(),
            detail: String::new(),
            source: OWN_SOURCE.to_owned(),
            trace_id: String::new(),
        }
    }

    /// Something noted without a change of state.
    pub fn note(at: DateTime<Utc>, actor: &str, action: &str, detail: String) -> Self {
        Self {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            from_state: None,
            to_state: None,
            reason: String::new(),
            detail,
            source: OWN_SOURCE.to_owned(),
            trace_id: String::new(),
        }
    }

    pub fn with_detail(mut self, detail: String) -> Self {
        self.detail = detail;
        self
    }
}
