//! What finance keeps of the orders service's events: the order's account,
//! its sale entry and the correction of a cancelled one (FIN-7).

use super::*;

impl Finance {
    /// Keeps finance's account of an order up to date from the orders
    /// service's events; an older version than the one kept changes
    /// nothing, even when two replicas handle two events of a new order at
    /// the same moment (the durable consumer shares its messages among
    /// them, so they can come in any order). An order accepted as a sale
    /// gets its sale entry (once); one cancelled after that gets the
    /// negative entry (FIN-7).
    pub async fn sync_order<C: ConnectionTrait>(
        &self,
        connection: &C,
        mut incoming: OrderAccount,
        actor: &str,
    ) -> Result<(), FinanceError> {
        let existing = match accounts::account(connection, &incoming.order_id, true).await? {
            Some(existing) => Some(existing),
            // First sight of the order, claimed by the insert: a replica
            // filing another version beside this one waits for this commit.
            None if accounts::insert_account_if_absent(connection, &incoming).await? => None,
            None => accounts::account(connection, &incoming.order_id, true).await?,
        };
        if let Some(existing) = &existing {
            if !existing.is_older_than(incoming.order_updated_at) {
                return Ok(());
            }
            incoming.manager_confirmation = existing.manager_confirmation.clone();
            incoming.gate_opened_at = existing.gate_opened_at;
            incoming.balance_reminded_at = existing.balance_reminded_at;
            incoming.announced_blockers = existing.announced_blockers.clone();
            incoming.receipt_confirmed_at = existing.receipt_confirmed_at;
            incoming.warehousing_date = existing.warehousing_date;
        }
        accounts::save_account(connection, &incoming).await?;
        let now = self.now();
        if incoming.stage.is_accepted() && incoming.kind.is_sale() && incoming.total != 0 {
            let entry = LedgerEntry {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: incoming.order_id.clone(),
                order_number: incoming.order_number.clone(),
                salesperson: incoming.salesperson.clone(),
                customer_id: incoming.customer_id.clone(),
                kind: EntryKind::Sale,
                currency: incoming.currency,
                amount: incoming.total,
                entry_date: self.day_of(incoming.order_updated_at),
                offsets_entry_id: None,
                reference: format!("orders/{}", incoming.order_id),
                note: format!("{} order accepted", incoming.kind.as_str()),
                created_at: now,
            };
            if ledger::append(connection, &sale_key(&incoming.order_id), &entry).await? {
                self.base
                    .enqueue(connection, events::ledger_entry(&entry, actor, now))
                    .await?;
            }
        }
        if incoming.stage == Stage::Ended
            && let Some(sale) =
                ledger::entry_by_key(connection, &sale_key(&incoming.order_id)).await?
        {
            // What is left of the sale: refunds executed before the
            // cancellation already took their part off (FIN-7, AFS-3).
            let filter = EntryFilter {
                order_id: Some(incoming.order_id.clone()),
                ..EntryFilter::default()
            };
            let left = ledger::entries(connection, &filter, None, None)
                .await?
                .iter()
                .filter(|entry| entry.currency == sale.currency)
                .fold(0_i64, |sum, entry| sum.saturating_add(entry.amount));
            let entry = (left > 0).then(|| LedgerEntry {
                id: uuid::Uuid::now_v7().to_string(),
                kind: EntryKind::Correction,
                amount: left.saturating_neg(),
                entry_date: self.day_of(incoming.order_updated_at),
                offsets_entry_id: Some(sale.id.clone()),
                reference: format!("orders/{}", incoming.order_id),
                note: "order cancelled after it was accepted".to_owned(),
                created_at: now,
                ..sale
            });
            let key = format!("cancel:{}", incoming.order_id);
            if let Some(entry) = entry
                && ledger::append(connection, &key, &entry).await?
            {
                self.base
                    .enqueue(connection, events::ledger_entry(&entry, actor, now))
                    .await?;
            }
        }
        self.open_if_waiting(connection, &mut incoming, actor)
            .await?;
        self.final_invoice_if_due(connection, &incoming).await?;
        Ok(())
    }
}
