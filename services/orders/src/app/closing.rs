//! Orders that end without shipping: rejected, cancelled (ORD-6), and copied
//! into a new draft (ORD-15).

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    pub async fn reject_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let order = self.order(order_id).await?;
        self.refuse_if_claimed_by_another(self.base.database.connection(), &order, actor)
            .await?;
        self.change_order(key, order_id, actor, |order, now| {
            let from = order.reject(reason, now)?;
            Ok(Change::new("rejected", Some(from)).because(reason))
        })
        .await
    }

    /// ORD-6: before shipment only. The event carries what was paid: the
    /// after-sales service opens the refund case of a paid order (AFS-3),
    /// finance corrects the sale, inventory releases the reservation and
    /// production stops.
    pub async fn cancel_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            let from = order.cancel(reason, now)?;
            let detail = if order.amount_paid > 0 {
                format!(
                    "{} was paid: after-sales refunds it",
                    order.money(order.amount_paid)
                )
            } else {
                "nothing was paid".to_owned()
            };
            Ok(Change::new("cancelled", Some(from))
                .because(reason)
                .detail(detail))
        })
        .await
    }

    /// ORD-15: copies a closed or finished order into a new draft.
    pub async fn copy_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.order(&OrderId::from_stored(existing)).await;
        }
        let source = self.order(order_id).await?;
        let number = self.next_number("order", "").await?;
        let now = self.now();
        let copy = source.copy_as_new(uuid::Uuid::now_v7().to_string(), number, actor, now)?;
        let transaction = self.base.database.begin_write().await?;
        orders::insert(&*transaction, &copy).await?;
        let change =
            Change::new("created", None).detail(format!("copied from order {}", source.number));
        self.note(&*transaction, &copy, actor, &change, now).await?;
        let entry = TimelineEntry::note(
            now,
            &actor.subject,
            "copied",
            format!("copied into order {}", copy.number),
        );
        timeline::append(&*transaction, &source.id, &entry).await?;
        if let Some(winner) = self.commit(transaction, key.as_ref(), &copy.id).await? {
            return self.order(&OrderId::from_stored(winner)).await;
        }
        Ok(copy)
    }
}
