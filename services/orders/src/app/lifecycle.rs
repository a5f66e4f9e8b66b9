//! An order's life before review: creation (batched, see [`super::creation`]),
//! reading, edits kept in the history (ORD-7) and submission (ORD-4).

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-1: a new order in DRAFT, idempotent by request id. Written in a
    /// batch with the other orders being created at the same moment.
    pub async fn create_order(
        &self,
        actor: &Actor,
        input: &OrderInput,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let mut new = NewOrder::parse(input, actor, self.today(), "")?;
        if let Some(store) = actor.store_scope()? {
            if new.kind != OrderKind::MadeToMeasure {
                return Err(OrderError::PermissionDenied(
                    "a store takes made-to-measure orders only (S10)".to_owned(),
                ));
            }
            new.store_code = store.to_owned();
            // The store's person takes the order: no one else is named.
            new.salesperson = actor.subject.clone();
        }
        if new.kind == OrderKind::Return && !actor.has_role(Role::Service.as_str()) {
            return Err(OrderError::PermissionDenied(
                "return orders are created by after-sales only (AFS-6)".to_owned(),
            ));
        }
        let number = self.next_number("order", "").await?;
        let order = self
            .creator
            .create(creation::CreateRequest {
                new,
                id: uuid::Uuid::now_v7().to_string(),
                number,
                actor: actor.clone(),
                key,
                trace_context: orderflow_platform::telemetry::current_context_headers(),
            })
            .await?;
        tracing::info!(order.number = %order.number, order.id = %order.id, kind = %order.kind, "order created");
        Ok(order)
    }

    pub async fn order(&self, id: &OrderId) -> Result<Order, OrderError> {
        orders::load(self.base.database.connection(), id).await
    }

    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Order>, OrderError> {
        orders::list(
            self.base.database.connection(),
            filter,
            self.now(),
            after,
            limit,
        )
        .await
    }

    pub async fn timeline(&self, id: &OrderId) -> Result<(Order, Vec<TimelineEntry>), OrderError> {
        let order = self.order(id).await?;
        let entries = timeline::of_order(self.base.database.connection(), id).await?;
        Ok((order, entries))
    }

    /// Runs `change` on the order under a row lock, records it, and makes the
    /// request id return the same order when repeated.
    pub(super) async fn change_order<F>(
        &self,
        key: Option<RequestKey>,
        order_id: &OrderId,
        actor: &Actor,
        change: F,
    ) -> Result<Order, OrderError>
    where
        F: FnOnce(&mut Order, DateTime<Utc>) -> Result<Change, OrderError>,
    {
        let key = key.map(|key| key.within(order_id));
        let transaction = self.base.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let now = self.now();
        let recorded = change(&mut order, now)?;
        self.record(&*transaction, &order, actor, recorded).await?;
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }

    /// ORD-7: edits before review, each kept in the history.
    pub async fn update_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        mask: &[String],
        update: &OrderInput,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let today = self.today();
        let key = key.map(|key| key.within(order_id));
        let transaction = self.base.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        // S10: a store's person acts on its store's orders only.
        actor.may_see(&order)?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let previous = order.editable_fields();
        let now = self.now();
        let (from, changed) = order.edit(mask, update, actor, today, now)?;
        if let Some(ship_to) = mask
            .iter()
            .any(|field| field == "ship_to")
            .then(|| update.ship_to.clone())
            .flatten()
            && ship_to.is_empty()
        {
            // An emptied ship-to falls back to the customer's address.
            if let Some(customer) = customers::find(&*transaction, &order.customer_id).await? {
                order.ship_to = customer.address;
            }
        }
        let revision = orders::Revision {
            order_id: &order.id,
            revision: order.revision,
            previous: &previous,
            changed: &changed,
            reason: reason.trim(),
            actor: &actor.subject,
            at: now,
        };
        orders::record_revision(&*transaction, &revision).await?;
        let action = if from == OrderState::Draft {
            "edited"
        } else {
            "revised"
        };
        let change = Change::new(action, Some(from))
            .because(reason)
            .detail(format!(
                "revision {}: changed {}",
                order.revision,
                if changed.is_empty() {
                    "nothing".to_owned()
                } else {
                    changed.join(", ")
                }
            ));
        self.record(&*transaction, &order, actor, change).await?;
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }

    pub async fn submit_order(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let sla = self.settings.confirmation_sla;
        let special_skus = prices::special_custom_skus(self.base.database.connection()).await?;
        self.change_order(key, order_id, actor, |order, now| {
            // S10: a store's person acts on its store's orders only.
            actor.may_see(order)?;
            order.ensure_editable_by(actor)?;
            order.ensure_marked_special_custom(&special_skus)?;
            let from = order.submit(sla, now)?;
            let due = order
                .confirmation_due_at
                .map(|due| due.to_rfc3339())
                .unwrap_or_default();
            Ok(Change::new("submitted", Some(from))
                .detail(format!("confirmation due by {due} (SLA-1)")))
        })
        .await
    }

    /// S10: the manufacturer ships the finished garment to the store.
    pub async fn ship_to_store(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        (carrier, tracking_number): (String, String),
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            let from =
                order.ship_to_store(actor.partner.as_deref(), &carrier, &tracking_number, now)?;
            Ok(Change::new("shipped", Some(from)).detail(format!(
                "the manufacturer {} shipped the garment to store {}: {carrier} {tracking_number}",
                order.manufacturer_code, order.store_code
            )))
        })
        .await
    }

    /// S10: the store received the garment.
    pub async fn confirm_store_receipt(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            // S10: a store's person acts on its store's orders only.
            actor.may_see(order)?;
            let from = order.store_received(now)?;
            Ok(Change::new("delivered", Some(from))
                .detail(format!("store {} received the garment", order.store_code)))
        })
        .await
    }

    /// S10: the customer picked the garment up, paid in full.
    pub async fn confirm_pick_up(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            // S10: a store's person acts on its store's orders only.
            actor.may_see(order)?;
            let from = order.picked_up(now)?;
            Ok(Change::new("completed", Some(from))
                .detail("the customer picked the garment up at the store".to_owned()))
        })
        .await
    }
}
