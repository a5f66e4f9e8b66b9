//! FIN-10, FIN-6, SLA-5: receivables, the shipment gate and the periodic sweep.

use super::*;
use orderflow_platform::ids::OrderId;

impl Finance {
    pub(super) async fn receivable_of<C: ConnectionTrait>(
        &self,
        connection: &C,
        invoice: Document,
    ) -> Result<Option<Receivable>, FinanceError> {
        let Some(account) = accounts::account(connection, &invoice.order_id, false).await? else {
            return Ok(None);
        };
        let settlement = self.settlement_of(connection, &account).await?;
        Ok(Some(Receivable {
            invoice,
            salesperson: account.salesperson,
            net_sales: settlement.net_sales,
            received: settlement.received,
        }))
    }

    /// FIN-10: invoiced and not yet collected (overdue ones only, when
    /// asked), in invoice order.
    pub async fn receivables(
        &self,
        customer_id: Option<&str>,
        overdue_only: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Receivable>, FinanceError> {
        let connection = self.base.database.connection();
        let today = self.today();
        let mut found = Vec::new();
        let mut cursor = after.map(str::to_owned);
        loop {
            let batch =
                documents::invoices(connection, customer_id, false, cursor.as_deref(), 200).await?;
            let Some(last) = batch.last() else { break };
            cursor = Some(last.id.clone());
            for invoice in batch {
                let Some(receivable) = self.receivable_of(connection, invoice).await? else {
                    continue;
                };
                let wanted =
                    receivable.outstanding() > 0 && (!overdue_only || receivable.is_overdue(today));
                if wanted {
                    found.push(receivable);
                    if found.len() as u64 >= limit {
                        return Ok(found);
                    }
                }
            }
        }
        Ok(found)
    }

    /// FIN-6: whether the order may ship as far as money goes.
    pub async fn shipment_gate(&self, order_id: &OrderId) -> Result<GateView, FinanceError> {
        let connection = self.base.database.connection();
        let account = self.account_in(connection, order_id, false).await?;
        let paid = self.confirmed_paid(connection, &account).await?;
        let letter_of_credit = accounts::lc_of_order(connection, order_id).await?;
        let gate = gate::shipment(&account, paid, letter_of_credit.as_ref(), self.today());
        Ok(GateView { account, gate })
    }

    /// The periodic duties: overdue receivables announced once (FIN-10);
    /// the balance reminder a few days before the goods are expected
    /// (FIN-6, SLA-5). Returns how many of each were announced.
    pub async fn sweep(&self) -> Result<(usize, usize), FinanceError> {
        let today = self.today();
        let mut overdue = 0;
        let mut cursor: Option<String> = None;
        loop {
            let batch = documents::invoices(
                self.base.database.connection(),
                None,
                true,
                cursor.as_deref(),
                200,
            )
            .await?;
            let Some(last) = batch.last() else { break };
            cursor = Some(last.id.clone());
            for invoice in batch {
                if invoice.due_date.is_none_or(|due| due >= today) {
                    continue;
                }
                let transaction = self.base.database.begin_write().await?;
                let Some(mut locked) = documents::of_kind(
                    &*transaction,
                    &invoice.order_id,
                    DocumentKind::Commercial,
                    true,
                )
                .await?
                .filter(|locked| locked.overdue_announced_at.is_none()) else {
                    continue;
                };
                let Some(receivable) = self.receivable_of(&*transaction, locked.clone()).await?
                else {
                    continue;
                };
                if !receivable.is_overdue(today) {
                    continue;
                }
                let now = self.now();
                locked.overdue_announced_at = Some(now);
                documents::update(&*transaction, &locked).await?;
                self.base
                    .enqueue(
                        &*transaction,
                        events::receivable_overdue(&receivable, today, now),
                    )
                    .await?;
                transaction.commit().await?;
                overdue += 1;
                orderflow_platform::metrics::sla_breached("finance", "FIN-10");
            }
        }
        let mut reminded = 0;
        for account in accounts::awaiting_balance(self.base.database.connection()).await? {
            let due_from = account.expected_date()
                - chrono::Duration::days(self.settings.balance_reminder_days);
            if today < due_from {
                continue;
            }
            let transaction = self.base.database.begin_write().await?;
            let Some(mut locked) = accounts::account(&*transaction, &account.order_id, true)
                .await?
                .filter(|locked| locked.balance_reminded_at.is_none())
            else {
                continue;
            };
            let paid = self.confirmed_paid(&*transaction, &locked).await?;
            let outstanding = locked.total.saturating_sub(paid);
            if outstanding <= 0 {
                continue;
            }
            let now = self.now();
            locked.balance_reminded_at = Some(now);
            accounts::save_account(&*transaction, &locked).await?;
            self.base
                .enqueue(
                    &*transaction,
                    events::balance_reminder(&locked, outstanding, now),
                )
                .await?;
            transaction.commit().await?;
            reminded += 1;
        }
        if overdue + reminded > 0 {
            self.base.outbox.notify();
        }
        Ok((overdue, reminded))
    }
}
