//! ORD-10: shop-channel orders imported once, and reviewers' claims on the
//! orders they review.

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-10: a submitted order another reviewer holds is theirs to review.
    /// Reviewing it ends the claim (the caller's or an expired one), in the
    /// review's transaction.
    pub(super) async fn ensure_not_claimed_by_another<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
    ) -> Result<(), OrderError> {
        self.refuse_if_claimed_by_another(connection, order, actor)
            .await?;
        claims::clear(connection, &order.id).await
    }

    /// ORD-10: the check alone, for a use case that writes in its own
    /// transaction later (a claim left on a reviewed order is ignored and
    /// expires).
    pub(super) async fn refuse_if_claimed_by_another<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
    ) -> Result<(), OrderError> {
        if order.state != OrderState::Submitted {
            return Ok(());
        }
        if let Some(claim) = claims::holder(connection, &order.id, self.now()).await?
            && claim.claimed_by != actor.subject
        {
            return Err(OrderError::precondition(
                "CLAIMED",
                format!("orders/{}", order.id),
                format!(
                    "order {} is claimed by {} until {}",
                    order.number,
                    claim.claimed_by,
                    claim.expires_at.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }

    /// ORD-10: claims up to `count` (the configured batch when `None`)
    /// submitted orders nobody holds, oldest first, for `actor` until the
    /// claim expires; returns every order `actor` holds now, with the time
    /// their claims end.
    pub async fn claim_orders(
        &self,
        actor: &Actor,
        count: Option<u32>,
    ) -> Result<Vec<(Order, DateTime<Utc>)>, OrderError> {
        let wanted = u64::from(count.unwrap_or(self.settings.claim_batch_size));
        let now = self.now();
        let expires_at = now + self.settings.claim_ttl;
        let transaction = self.base.database.begin_write().await?;
        claims::expire(&*transaction, now).await?;
        transaction.commit().await?;
        let connection = self.base.database.connection();
        let mut taken = 0;
        // Another reviewer may take some of these first: look again until
        // enough are taken or none are left.
        while taken < wanted {
            let candidates = claims::unclaimed(connection, wanted - taken).await?;
            if candidates.is_empty() {
                break;
            }
            for order_id in candidates {
                let transaction = self.base.database.begin_write().await?;
                if claims::take(&*transaction, &order_id, &actor.subject, now, expires_at).await? {
                    taken += 1;
                }
                transaction.commit().await?;
            }
        }
        let mut held = Vec::new();
        for claim in claims::held_by(connection, &actor.subject, now).await? {
            let order = self.order(&OrderId::from_stored(claim.order_id)).await?;
            if order.state == OrderState::Submitted {
                held.push((order, claim.expires_at));
            }
        }
        Ok(held)
    }

    /// ORD-10: orders from a shop channel, de-duplicated by (channel,
    /// external id): a new one is created and submitted for review; one
    /// imported before is returned as it is now. Every item is validated
    /// first (fields named `orders[i].order.…`), so bad input creates none.
    pub async fn import_channel_orders(
        &self,
        actor: &Actor,
        channel: &str,
        items: &[(String, OrderInput)],
    ) -> Result<Vec<(Order, bool)>, OrderError> {
        let mut violations = Vec::new();
        for (index, (_, input)) in items.iter().enumerate() {
            let prefix = format!("orders[{index}].order.");
            let checked = match NewOrder::parse(input, actor, self.today(), "") {
                Ok(new) => creation::referenced(self.base.database.connection(), &new)
                    .await
                    .map(|_| ()),
                Err(error) => Err(error),
            };
            match checked {
                Ok(()) => {}
                Err(OrderError::InvalidInput(found)) => {
                    violations.extend(found.into_iter().map(|violation| {
                        orderflow_platform::FieldViolation::new(
                            format!("{prefix}{}", violation.field),
                            violation.description,
                        )
                    }));
                }
                Err(other) => return Err(other),
            }
        }
        if !violations.is_empty() {
            return Err(OrderError::InvalidInput(violations));
        }
        let mut imported = Vec::with_capacity(items.len());
        for (external_id, input) in items {
            // The shop's order number is the request id: whoever imports it.
            let key = RequestKey::derived(
                creation::OPERATION,
                &format!("channel:{channel}:{external_id}"),
            );
            let duplicate = self.replayed(Some(&key)).await?.is_some();
            let input = OrderInput {
                channel: channel.to_owned(),
                ..input.clone()
            };
            let mut order = self.create_order(actor, &input, Some(key)).await?;
            if order.state == OrderState::Draft {
                let submit = RequestKey::derived("SubmitOrder", "channel-import");
                order = self
                    .submit_order(actor, &OrderId::from_stored(order.id), Some(submit))
                    .await?;
            }
            if !duplicate {
                tracing::info!(order.number = %order.number, %channel, %external_id, "channel order imported");
            }
            imported.push((order, duplicate));
        }
        Ok(imported)
    }

    /// ORD-10: gives back `actor`'s claims on `order_ids` (all when empty).
    pub async fn release_claims(
        &self,
        actor: &Actor,
        order_ids: &[String],
    ) -> Result<u64, OrderError> {
        let transaction = self.base.database.begin_write().await?;
        let released = claims::release(&*transaction, &actor.subject, order_ids).await?;
        transaction.commit().await?;
        Ok(released)
    }
}
