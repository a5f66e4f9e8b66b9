//! ORD-18: the sales supervisor's review of a special custom order, and
//! SLA-2 when it is late.

use super::*;
use crate::domain::order::custom::{CustomReview, CustomVerdict};
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-18: feasible — it may be confirmed; not — back to the
    /// salesperson with the reason.
    pub async fn review_custom_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        verdict: CustomVerdict,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            Ok(match order.review_custom(verdict, reason, now)? {
                CustomReview::Passed => Change::new("custom_review_passed", None).detail(
                    "special custom order: specification, quantity and delivery date feasible (ORD-18)"
                        .to_owned(),
                ),
                CustomReview::Refused { from, infeasible } => Change::new("rejected", Some(from))
                    .because(reason)
                    .detail(format!(
                        "special custom order not feasible (ORD-18): {}",
                        infeasible.join(", ")
                    )),
            })
        })
        .await
    }

    /// SLA-2: marks special custom orders whose review is late, once each.
    pub async fn sweep_overdue_custom_reviews(&self) -> Result<usize, OrderError> {
        let now = self.now();
        let due = orders::due_for_custom_review(self.base.database.connection(), now, 200).await?;
        let mut marked = 0;
        for order_id in due {
            let transaction = self.base.database.begin_write().await?;
            let mut order = orders::load_for_update(&*transaction, &order_id).await?;
            if !order.mark_custom_review_overdue(now) {
                continue;
            }
            let due_at = order
                .custom_review_due_at
                .map(|due| due.to_rfc3339())
                .unwrap_or_default();
            let change = Change::new("sla_missed", None).detail(format!(
                "SLA-2 missed: the supervisor's review of the special custom order was due by {due_at}"
            ));
            self.record(&*transaction, &order, &saga_actor(), change)
                .await?;
            transaction.commit().await?;
            marked += 1;
            orderflow_platform::metrics::sla_breached("orders", "SLA-2");
            tracing::warn!(order.number = %order.number, "special custom review overdue (SLA-2)");
        }
        if marked > 0 {
            self.committed();
        }
        Ok(marked)
    }
}
