//! ORD-17: what the customer is told, and when. The confirmation sheet
//! (ORD-16), a stock shortage at confirmation, a production delay, the
//! shipment (LOG-3) and a delivery problem each become a notification for
//! the order's customer; a notifier
//! (an adapter) sends it, and every notification stays in the customer's
//! message log. SLA-6 — the customer told of the shipment within the hour —
//! is measured when the notifier sent it, not when the dispatch was heard
//! of.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::order::Order;

/// SLA-6: the customer is told of the shipment within an hour of dispatch.
pub const SHIPMENT_NOTICE_WITHIN: Duration = Duration::hours(1);

string_enum!(
    /// What a notification tells the customer of.
    NotificationKind {
        /// Not all of the order is in stock at confirmation.
        Shortage => "shortage",
        /// Production plans to finish after the order's due date.
        ProductionDelay => "production_delay",
        /// Dispatched, with carrier and tracking number (LOG-3).
        Shipment => "shipment",
        /// The shipment is late or in trouble on its way.
        DeliveryProblem => "delivery_problem",
        /// The order confirmation sheet, to be signed back (ORD-16).
        Confirmation => "confirmation",
    }
);

/// ORD-17: the tracking statuses (logistics.proto `TrackingEvent.status`)
/// that are a delivery problem the customer is told of.
pub const DELIVERY_PROBLEMS: [&str; 6] = [
    "exception",
    "failed_attempt",
    "returned",
    "lost",
    "damaged",
    "held",
];

/// Whether a carrier's tracking status is a delivery problem (ORD-17).
pub fn is_delivery_problem(status: &str) -> bool {
    DELIVERY_PROBLEMS.contains(&status.trim().to_ascii_lowercase().as_str())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub customer_id: String,
    pub order_id: String,
    pub order_number: String,
    pub kind: NotificationKind,
    /// Who it goes to: the order's recipient and phone.
    pub recipient: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// By when it must be sent (SLA-6 for a shipment); none otherwise.
    pub due_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Failed sends so far, and the last failure.
    pub attempts: u32,
    pub last_error: String,
}

impl Notification {
    /// A notification about `order` for its customer, to be sent.
    pub fn about(
        order: &Order,
        kind: NotificationKind,
        text: String,
        now: DateTime<Utc>,
        due_at: Option<DateTime<Utc>>,
    ) -> Self {
        let recipient = [
            order.ship_to.recipient_name.trim(),
            order.ship_to.phone.trim(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            customer_id: order.customer_id.clone(),
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            kind,
            recipient,
            text,
            created_at: now,
            due_at,
            sent_at: None,
            attempts: 0,
            last_error: String::new(),
        }
    }

    /// SLA-6 for the shipment: the customer is to hear of it within the
    /// hour of `dispatched_at`.
    pub fn shipment(
        order: &Order,
        text: String,
        now: DateTime<Utc>,
        dispatched_at: DateTime<Utc>,
    ) -> Self {
        Self::about(
            order,
            NotificationKind::Shipment,
            text,
            now,
            Some(dispatched_at + SHIPMENT_NOTICE_WITHIN),
        )
    }

    /// The notifier sent it at `at`. Returns how far past its due time
    /// that was, if it was late (an SLA miss to make visible).
    pub fn sent(&mut self, at: DateTime<Utc>) -> Option<Duration> {
        self.sent_at = Some(at);
        self.late_by()
    }

    /// The notifier failed; it is tried again.
    pub fn failed(&mut self, error: &str) {
        self.attempts = self.attempts.saturating_add(1);
        self.last_error = error.chars().take(500).collect();
    }

    /// How far past its due time it was sent; `None` when in time, not due
    /// or not sent.
    pub fn late_by(&self) -> Option<Duration> {
        let (Some(due), Some(sent)) = (self.due_at, self.sent_at) else {
            return None;
        };
        (sent > due).then(|| sent - due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::OrderKind;
    use crate::domain::order::tests::{complete_address, order};

    fn dispatched() -> (Order, DateTime<Utc>) {
        let mut order = order(OrderKind::Standard, 8_800);
        order.ship_to = complete_address();
        (order, Utc::now())
    }

    #[test]
    fn sla_6_is_measured_when_the_notifier_sent_it() {
        let (order, dispatched_at) = dispatched();
        // Heard of the dispatch at once, but sent 61 minutes after it.
        let mut late =
            Notification::shipment(&order, "shipped".to_owned(), dispatched_at, dispatched_at);
        assert_eq!(late.late_by(), None, "not sent yet");
        assert_eq!(
            late.sent(dispatched_at + Duration::minutes(61)),
            Some(Duration::minutes(1))
        );
        // Heard of 50 minutes late, sent within the hour: in time.
        let mut in_time = Notification::shipment(
            &order,
            "shipped".to_owned(),
            dispatched_at + Duration::minutes(50),
            dispatched_at,
        );
        assert_eq!(in_time.sent(dispatched_at + Duration::minutes(60)), None);
        assert_eq!(in_time.recipient, "Li Lei +86 138 0013 8000");
    }

    #[test]
    fn ord_17_a_failed_send_is_counted_and_kept_for_another_try() {
        let (order, now) = dispatched();
        let mut notice = Notification::about(
            &order,
            NotificationKind::Shortage,
            "short".to_owned(),
            now,
            None,
        );
        notice.failed("gateway down");
        notice.failed(&"x".repeat(2_000));
        assert_eq!(notice.attempts, 2);
        assert_eq!(notice.last_error.len(), 500);
        assert_eq!(notice.sent_at, None);
        assert_eq!(notice.sent(now), None, "nothing is due for a shortage");
    }
}
