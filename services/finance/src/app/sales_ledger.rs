//! FIN-7 and ORD-20: the sales ledger and the sales details signed and confirmed.

use super::*;

impl Finance {
    pub async fn ledger_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<LedgerEntry>, FinanceError> {
        ledger::entries(self.base.database.connection(), filter, after, Some(limit)).await
    }

    /// ORD-20: a `dept_manager` signs what `salesperson` sold on `day` and
    /// is not on a sales detail yet.
    pub async fn sign_sales_detail(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        salesperson: &str,
        day: NaiveDate,
    ) -> Result<SalesDetail, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(id) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return self.sales_detail(&id).await;
        }
        let entries = ledger::unsigned_entries(&*transaction, salesperson, day).await?;
        tag_orders(&entries);
        let detail = SalesDetail::sign(salesperson, day, &entries, &actor.subject, self.now())?;
        if !ledger::insert_detail(&*transaction, &detail).await? {
            return Err(FinanceError::precondition(
                "SIGNED_MEANWHILE",
                format!("sales_details/{salesperson}/{day}"),
                "some of these entries were signed by someone else meanwhile; sign again",
            ));
        }
        idempotency::complete(&*transaction, key, &detail.id).await?;
        transaction.commit().await?;
        Ok(detail)
    }

    /// ORD-20: `finance` confirms a signed sales detail, payment and profit:
    /// each standard order on it must sell above its standard cost. The
    /// standard orders on it may be released now.
    pub async fn confirm_sales_detail(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &str,
    ) -> Result<SalesDetail, FinanceError> {
        // The profit is worked out before the write transaction: it may ask
        // the approvals service for exchange rates, and no lock is held
        // meanwhile. What it reads is fixed once the detail is signed (its
        // entries, their orders' lines) or dated (the day's costs).
        let read = self.base.database.connection();
        let signed = ledger::detail(read, id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("sales detail", id))?;
        let profits = if signed.is_confirmed() {
            Vec::new()
        } else {
            let entries = detail_entries(read, &signed).await?;
            self.confirm_profits(read, &signed, &entries).await?
        };

        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return self.sales_detail(id).await;
        }
        idempotency::complete(&*transaction, key, id).await?;
        let mut detail = ledger::detail(&*transaction, id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("sales detail", id))?;
        let entries = detail_entries(&*transaction, &detail).await?;
        tag_orders(&entries);
        if !detail.is_confirmed() {
            detail.profits = profits;
        }
        if !detail.confirm(&actor.subject, self.now())? {
            return Ok(detail);
        }
        ledger::confirm_detail(&*transaction, &detail).await?;
        let order_ids: Vec<String> = entries.into_iter().map(|entry| entry.order_id).collect();
        let waiting = accounts::waiting_accounts(&*transaction, None, Some(order_ids)).await?;
        self.open_waiting(&*transaction, waiting, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(detail)
    }

    pub async fn sales_detail(&self, id: &str) -> Result<SalesDetail, FinanceError> {
        ledger::detail(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("sales detail", id))
    }

    pub async fn sales_details(
        &self,
        salesperson: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SalesDetail>, FinanceError> {
        ledger::details(self.base.database.connection(), salesperson, after, limit).await
    }
}

/// Files the current span under the orders a sales detail covers: the first
/// one's number is the span's `order.number` (architecture.md §6).
fn tag_orders(entries: &[LedgerEntry]) {
    for entry in entries {
        orderflow_platform::telemetry::tag_order(&entry.order_id, &entry.order_number);
    }
}

/// The ledger entries a sales detail covers (fixed when it was signed).
async fn detail_entries<C: ConnectionTrait>(
    connection: &C,
    detail: &SalesDetail,
) -> Result<Vec<LedgerEntry>, FinanceError> {
    let filter = EntryFilter {
        salesperson: Some(detail.salesperson.clone()),
        from: Some(detail.entry_date),
        to: Some(detail.entry_date),
        ..EntryFilter::default()
    };
    Ok(ledger::entries(connection, &filter, None, None)
        .await?
        .into_iter()
        .filter(|entry| detail.entry_ids.contains(&entry.id))
        .collect())
}
