//! SLA-1: submitted orders not confirmed in time are marked, once each.

use super::*;

impl Orders {
    /// SLA-1: marks submitted orders not confirmed in time, once each.
    pub async fn sweep_overdue_confirmations(&self) -> Result<usize, OrderError> {
        let now = self.now();
        let due = orders::due_for_confirmation(self.base.database.connection(), now, 200).await?;
        let mut marked = 0;
        for order_id in due {
            let transaction = self.base.database.begin_write().await?;
            let mut order = orders::load_for_update(&*transaction, &order_id).await?;
            if !order.mark_confirmation_overdue(now) {
                continue;
            }
            let due_at = order
                .confirmation_due_at
                .map(|due| due.to_rfc3339())
                .unwrap_or_default();
            let change = Change::new("confirmation_overdue", None)
                .detail(format!("SLA-1 missed: confirmation was due by {due_at}"));
            self.record(&*transaction, &order, &saga_actor(), change)
                .await?;
            transaction.commit().await?;
            marked += 1;
            orderflow_platform::metrics::sla_breached("orders", "SLA-1");
            tracing::warn!(order.number = %order.number, "order confirmation overdue (SLA-1)");
        }
        if marked > 0 {
            self.committed();
        }
        Ok(marked)
    }
}
