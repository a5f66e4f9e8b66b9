//! ORD-17: customers told of a shortage, a production delay, the shipment
//! and a delivery problem, through the notifier; SLA-6 measured when the
//! notifier sent the shipment notice.

use super::*;
use crate::domain::notification::{Notification, SHIPMENT_NOTICE_WITHIN};
use crate::notifier::Notifier;
use crate::store::notifications;

/// How long a sender holds a notification it is sending.
const SEND_CLAIM: chrono::Duration = chrono::Duration::minutes(2);
/// Notifications one pass of the sender takes.
const SEND_BATCH: u64 = 100;

impl Orders {
    /// Queues `notification` in the transaction of what caused it; the
    /// sender sends it. What the customer was told already (the same kind
    /// and text for the order: a re-schedule to the same date, the same late
    /// shipment reported again) is not queued twice.
    pub(super) async fn notify_customer<C: ConnectionTrait>(
        &self,
        connection: &C,
        notification: &Notification,
    ) -> Result<(), OrderError> {
        if notifications::already_told(connection, notification).await? {
            tracing::debug!(order.number = %notification.order_number, kind = notification.kind.as_str(), "the customer was told this already");
            return Ok(());
        }
        notifications::insert(connection, notification).await
    }

    /// One pass of the sender: every waiting notification sent through
    /// `notifier`, each noted on its order's timeline; a shipment notice
    /// sent more than an hour after the dispatch is an SLA-6 miss there
    /// too. A failed send is counted and tried on the next pass. Returns
    /// how many were sent.
    pub async fn send_notifications(&self, notifier: &dyn Notifier) -> Result<usize, OrderError> {
        let waiting =
            notifications::waiting(self.base.database.connection(), self.now(), SEND_BATCH).await?;
        let mut sent = 0;
        for mut notification in waiting {
            let now = self.now();
            let transaction = self.base.database.begin_write().await?;
            let taken =
                notifications::claim(&*transaction, &notification.id, now, now + SEND_CLAIM)
                    .await?;
            transaction.commit().await?;
            if !taken {
                continue;
            }
            let outcome = notifier.send(&notification).await;
            let at = self.now();
            let transaction = self.base.database.begin_write().await?;
            match outcome {
                Ok(()) => {
                    let late = notification.sent(at);
                    notifications::record(&*transaction, &notification).await?;
                    let told = TimelineEntry::note(
                        at,
                        NOTIFIER,
                        "customer_notified",
                        format!(
                            "{} to {}: {}",
                            notification.kind.as_str(),
                            notification.recipient,
                            notification.text
                        ),
                    );
                    timeline::append(&*transaction, &notification.order_id, &told).await?;
                    if let Some(late) = late {
                        let after = (late + SHIPMENT_NOTICE_WITHIN).num_minutes();
                        let missed = TimelineEntry::note(
                            at,
                            NOTIFIER,
                            "sla_missed",
                            format!(
                                "SLA-6 missed: the customer was told of the shipment {after} minutes after dispatch"
                            ),
                        );
                        timeline::append(&*transaction, &notification.order_id, &missed).await?;
                        orderflow_platform::metrics::sla_breached("orders", "SLA-6");
                        tracing::warn!(order.number = %notification.order_number, minutes = after, "shipment notice late (SLA-6)");
                    }
                    sent += 1;
                }
                Err(error) => {
                    notification.failed(&error.to_string());
                    notifications::record(&*transaction, &notification).await?;
                    tracing::warn!(
                        order.number = %notification.order_number,
                        kind = notification.kind.as_str(),
                        attempts = notification.attempts,
                        %error,
                        "customer notification not sent; tried again"
                    );
                }
            }
            transaction.commit().await?;
        }
        Ok(sent)
    }

    /// ORD-17: the customer's message log (of one order when given), newest
    /// first, and the next page's cursor.
    pub async fn customer_messages(
        &self,
        customer_id: &str,
        order_id: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Notification>, OrderError> {
        notifications::of_customer(
            self.base.database.connection(),
            customer_id,
            order_id,
            after,
            limit,
        )
        .await
    }
}

/// Who the notifier's timeline entries are by.
const NOTIFIER: &str = "notifier";
