//! ORD-5, ORD-8, ORD-11, ORD-20: the review that confirms an order: stock asked,
//! kits checked, prices against the list, a suspected fake order held.

use super::*;
use crate::domain::notification::{Notification, NotificationKind};
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-5: review and confirmation. Price deviations are flagged on the
    /// order even when confirmation is refused for them.
    pub async fn confirm_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        accept_price_deviation: bool,
        fake_order_reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let key = key.map(|key| key.within(order_id));
        // ORD-5: ask inventory before taking the row lock; the answer goes on
        // the timeline and does not block (shortages go to production).
        // ORD-8: kit lines are checked against their definitions first; a
        // mismatch refuses the confirmation and changes nothing.
        let (checked_lines, stock) =
            match orders::find(self.base.database.connection(), order_id).await? {
                // S10: a made-to-measure garment is never kept in stock.
                Some(order)
                    if order.state == OrderState::Submitted
                        && order.kind == OrderKind::MadeToMeasure =>
                {
                    (Some(order.lines), crate::peers::StockCheck::default())
                }
                Some(order) if order.state == OrderState::Submitted => {
                    self.stock.check_kits(&order).await?;
                    let stock = self.stock.availability(&order).await;
                    (Some(order.lines), stock)
                }
                _ => (None, crate::peers::StockCheck::default()),
            };
        let transaction = self.base.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        self.refuse_if_claimed_by_another(&*transaction, &order, actor)
            .await?;
        if order.state == OrderState::Submitted && checked_lines.as_ref() != Some(&order.lines) {
            return Err(OrderError::Conflict(
                "the order changed while it was being checked; confirm it again".to_owned(),
            ));
        }
        let skus: BTreeSet<String> = order.lines.iter().map(|line| line.sku.clone()).collect();
        let list_prices = prices::for_skus(&*transaction, order.currency, skus).await?;
        // ORD-18: the price list may have marked a SKU special custom since
        // the order was submitted.
        if order.state == OrderState::Submitted {
            order
                .ensure_marked_special_custom(&prices::special_custom_skus(&*transaction).await?)?;
        }
        let now = self.now();
        match order.review(actor, &list_prices, accept_price_deviation)? {
            Review::NeedsSupervisor { deviations } => {
                if order.flag_price_deviations(&deviations, now) {
                    let change = Change::new("flagged", None).detail(describe(&order, &deviations));
                    self.record(&*transaction, &order, actor, change).await?;
                    transaction.commit().await?;
                    self.committed();
                }
                Err(OrderError::precondition(
                    "PRICE_MISMATCH",
                    format!("orders/{order_id}"),
                    format!(
                        "{}; a sales_supervisor must confirm with accept_price_deviation",
                        describe(&order, &deviations)
                    ),
                ))
            }
            Review::Passed {
                accepted_deviations,
            } => {
                let from = order.confirm(&accepted_deviations, now)?;
                let mut details = vec![stock.detail.clone()];
                if !accepted_deviations.is_empty() {
                    details.push(format!(
                        "accepted by a sales supervisor: {}",
                        describe(&order, &accepted_deviations)
                    ));
                }
                // ORD-11: what the buyer and the seller wrote is part of the
                // review; a fake or brushing order is held for a person.
                for (label, text) in [
                    ("buyer message", &order.buyer_message),
                    ("seller note", &order.seller_note),
                ] {
                    if !text.trim().is_empty() {
                        details.push(format!("{label}: {}", text.trim()));
                    }
                }
                if let Some(why) = order.fake_order_suspicion(fake_order_reason) {
                    order.hold_as_suspected_fake(now);
                    details.push(format!(
                        "held as a suspected fake order (ORD-11): {why}; it is not released until a sales supervisor decides"
                    ));
                }
                // ORD-17: a shortage is the customer's to know.
                if stock.short {
                    let notice = Notification::about(
                        &order,
                        NotificationKind::Shortage,
                        format!(
                            "Order {}: not all of it is in stock now ({}); the rest is being made and we will confirm the delivery date.",
                            order.number, stock.lines
                        ),
                        now,
                        None,
                    );
                    self.notify_customer(&*transaction, &notice).await?;
                }
                // ORD-16: the confirmation sheet goes back to the customer.
                let sheet = self
                    .issue_confirmation_sheet(&*transaction, &order, actor)
                    .await?;
                details.push(format!(
                    "confirmation sheet {} version {} issued",
                    sheet.number, sheet.version
                ));
                details.retain(|detail| !detail.is_empty());
                let change = Change::new("confirmed", Some(from)).detail(details.join("; "));
                self.record(&*transaction, &order, actor, change).await?;
                claims::clear(&*transaction, &order.id).await?;
                sagas::start(
                    &*transaction,
                    &Saga {
                        order_id: order.id.clone(),
                        step: SagaStep::Started,
                        approval_chain: None,
                        approval_round: 0,
                        started_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                if self
                    .commit(transaction, key.as_ref(), order_id)
                    .await?
                    .is_some()
                {
                    return self.order(order_id).await;
                }
                tracing::info!(order.number = %order.number, "order confirmed");
                Ok(order)
            }
        }
    }
}
