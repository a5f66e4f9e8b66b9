//! FIN-5 and ORD-11: release when finance's gate opens, and the supervisor's
//! decision on an order held as a suspected fake.

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    /// FIN-5: AWAITING_PAYMENT → RELEASED in `connection`'s transaction; the
    /// saga goes on to reserve the stock.
    pub async fn release_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &mut Order,
        actor: &Actor,
        change: impl FnOnce(OrderState) -> Change,
    ) -> Result<(), OrderError> {
        let now = self.now();
        let from = order.release(now)?;
        self.record(connection, order, actor, change(from)).await?;
        if let Some(mut saga) = sagas::load_for_update(connection, &order.id).await? {
            saga.step = SagaStep::Released;
            saga.updated_at = now;
            sagas::save(connection, &saga).await?;
        }
        tracing::info!(order.number = %order.number, "order released");
        Ok(())
    }

    /// ORD-11: a sales supervisor decides on an order held as a suspected
    /// fake: genuine — the hold ends, and the order is released at once if
    /// its payment gate opened meanwhile; fake — the order is cancelled.
    pub async fn decide_held_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        genuine: bool,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let key = key.map(|key| key.within(order_id));
        let transaction = self.base.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let now = self.now();
        if genuine {
            if order.clear_hold(reason, now)? {
                self.release_in(&*transaction, &mut order, actor, |from| {
                    Change::new("released", Some(from))
                        .because(reason)
                        .detail("judged genuine by a sales supervisor after its release gate had opened (ORD-11)".to_owned())
                })
                .await?;
            } else {
                let change = Change::new("hold_cleared", None)
                    .because(reason)
                    .detail("judged genuine by a sales supervisor (ORD-11); released when its payment gate opens".to_owned());
                self.record(&*transaction, &order, actor, change).await?;
            }
        } else {
            if !order.is_held() {
                return Err(OrderError::precondition(
                    "NOT_HELD",
                    format!("orders/{order_id}"),
                    format!(
                        "order {} is not held as a suspected fake order",
                        order.number
                    ),
                ));
            }
            let from = order.cancel(reason, now)?;
            let change = Change::new("cancelled", Some(from))
                .because(reason)
                .detail("judged a fake order by a sales supervisor (ORD-11)".to_owned());
            self.record(&*transaction, &order, actor, change).await?;
        }
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }
}
