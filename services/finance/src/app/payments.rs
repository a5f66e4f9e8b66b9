//! FIN-3: payments recorded, then confirmed by finance.

use super::*;
use orderflow_platform::ids::OrderId;

impl Finance {
    pub async fn record_payment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewPayment,
    ) -> Result<Payment, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(id) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return self.payment(&id).await;
        }
        let account = self.account_in(&*transaction, &new.order_id, false).await?;
        // S10: a store's people record their own store's orders' payments
        // (another store's order is not there for them).
        if let Some(store) = actor
            .partner_scope()
            .map_err(FinanceError::PermissionDenied)?
            && store != account.store_code
        {
            return Err(FinanceError::not_found("order", new.order_id.as_str()));
        }
        if new.amount.currency != account.currency {
            return Err(FinanceError::invalid(
                "amount.currency_code",
                format!(
                    "the order is in {}; record the payment in it",
                    account.currency
                ),
            ));
        }
        if account.stage == Stage::Ended {
            return Err(FinanceError::precondition(
                "ORDER_ENDED",
                format!("orders/{}", account.order_id),
                "the order was rejected, cancelled or closed",
            ));
        }
        let now = self.now();
        let payment = Payment {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: account.order_id.clone(),
            order_number: account.order_number.clone(),
            kind: new.kind,
            currency: new.amount.currency,
            amount: new.amount.minor_units,
            method: new.method,
            reference: new.reference,
            recorded_by: actor.subject.clone(),
            recorded_at: now,
            confirmed_by: None,
            confirmed_at: None,
        };
        accounts::insert_payment(&*transaction, &payment).await?;
        idempotency::complete(&*transaction, key, &payment.id).await?;
        self.base
            .enqueue(
                &*transaction,
                events::payment(&payment, "payment.recorded", &actor.subject, now),
            )
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(payment)
    }

    /// FIN-3: `finance` confirms a payment as genuine; it counts from then
    /// on, which may open the order's gate.
    pub async fn confirm_payment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        payment_id: &str,
    ) -> Result<Payment, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return self.payment(payment_id).await;
        }
        idempotency::complete(&*transaction, key, payment_id).await?;
        let mut payment = accounts::payment(&*transaction, payment_id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("payment", payment_id))?;
        let now = self.now();
        if !payment.confirm(&actor.subject, now)? {
            return Ok(payment);
        }
        accounts::confirm_payment(&*transaction, &payment).await?;
        self.base
            .enqueue(
                &*transaction,
                events::payment(&payment, "payment.confirmed", &actor.subject, now),
            )
            .await?;
        if let Some(mut account) = accounts::account(&*transaction, &payment.order_id, true).await?
        {
            self.open_if_waiting(&*transaction, &mut account, &actor.subject)
                .await?;
        }
        self.settle_if_due(&*transaction, &payment.order_id, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(payment)
    }

    pub async fn payment(&self, id: &str) -> Result<Payment, FinanceError> {
        accounts::payment(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("payment", id))
    }

    pub async fn payments(
        &self,
        order_id: &OrderId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Payment>, FinanceError> {
        accounts::payments(
            self.base.database.connection(),
            order_id,
            after,
            Some(limit),
        )
        .await
    }
}
