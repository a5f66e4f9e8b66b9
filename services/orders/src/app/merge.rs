//! ORD-9: orders to one recipient merged before review.

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-9: merges orders not yet reviewed that go to the identical
    /// recipient into a new order; the sources are closed, pointing at it.
    /// The sources are locked in id order, so concurrent merges of
    /// overlapping sets cannot deadlock; one of them finds the other's
    /// sources closed.
    pub async fn merge_orders(
        &self,
        actor: &Actor,
        order_ids: &[String],
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.order(&OrderId::from_stored(existing)).await;
        }
        let number = self.next_number("order", "").await?;
        let transaction = self.base.database.begin_write().await?;
        let mut locking: Vec<&String> = order_ids.iter().collect();
        locking.sort();
        let mut locked = std::collections::HashMap::new();
        let now = self.now();
        // ORD-10: a reviewer who merges orders they claimed keeps the merged
        // one (until the latest of those claims ends): a colleague does not
        // pick it up meanwhile.
        let mut claimed_until = None;
        for id in locking {
            let order = orders::load_for_update(&*transaction, id).await?;
            order.ensure_editable_by(actor)?;
            if let Some(claim) = claims::holder(&*transaction, id, now).await?
                && claim.claimed_by == actor.subject
            {
                claimed_until = claimed_until.max(Some(claim.expires_at));
            }
            self.ensure_not_claimed_by_another(&*transaction, &order, actor)
                .await?;
            locked.insert(id.clone(), order);
        }
        let mut sources: Vec<Order> = order_ids
            .iter()
            .filter_map(|id| locked.remove(id))
            .collect();
        let merged = Order::merge(
            &sources,
            uuid::Uuid::now_v7().to_string(),
            number,
            actor,
            now,
        )?;
        let source_numbers = sources
            .iter()
            .map(|order| order.number.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        orders::insert(&*transaction, &merged).await?;
        if let Some(expires_at) = claimed_until {
            claims::take(&*transaction, &merged.id, &actor.subject, now, expires_at).await?;
        }
        let change = Change::new("merged", None).detail(format!(
            "merged from orders {source_numbers} (ORD-9); the carrier is chosen for this order's address (LOG-1)"
        ));
        self.note(&*transaction, &merged, actor, &change, now)
            .await?;
        for source in &mut sources {
            let from = source.close_as_merged(&merged, now)?;
            let change = Change::new("closed", Some(from))
                .because(&format!("merged into order {}", merged.number));
            self.record(&*transaction, source, actor, change).await?;
        }
        if let Some(winner) = self.commit(transaction, key.as_ref(), &merged.id).await? {
            return self.order(&OrderId::from_stored(winner)).await;
        }
        Ok(merged)
    }
}
