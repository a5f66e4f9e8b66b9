//! FIN-9: proforma, commercial and final invoices; the settlement.

use super::*;
use chrono::NaiveDate;
use orderflow_platform::ids::OrderId;

impl Finance {
    /// Net sales after returns and refunds (the order's ledger), and what was
    /// received net of refunds.
    pub(super) async fn settlement_of<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<Settlement, FinanceError> {
        let filter = EntryFilter {
            order_id: Some(account.order_id.clone()),
            ..EntryFilter::default()
        };
        let net_sales = ledger::entries(connection, &filter, None, None)
            .await?
            .iter()
            .filter(|entry| entry.currency == account.currency)
            .fold(0_i64, |sum, entry| sum.saturating_add(entry.amount));
        let paid = self.confirmed_paid(connection, account).await?;
        let refunded = refunds::of_order(connection, &account.order_id, None, None)
            .await?
            .iter()
            .filter(|refund| refund.state == RefundState::Executed)
            .fold(0_i64, |sum, refund| sum.saturating_add(refund.amount));
        Ok(Settlement {
            net_sales,
            received: paid.saturating_sub(refunded),
        })
    }

    /// FIN-9: an invoice of `kind` for the order, once; issuing again
    /// returns it. The final invoice records the settlement.
    pub async fn issue_document(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        kind: DocumentKind,
        order_id: &OrderId,
        due_date: Option<NaiveDate>,
        note: &str,
    ) -> Result<Document, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(id) = idempotency::first_result(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self
                .documents(order_id)
                .await?
                .into_iter()
                .find(|document| document.id == id)
                .ok_or_else(|| FinanceError::not_found("document", id));
        }
        let account = self.account_in(&*transaction, order_id, true).await?;
        let document = self
            .issue_in(
                &*transaction,
                &actor.subject,
                kind,
                &account,
                due_date,
                note,
            )
            .await?;
        idempotency::complete(&*transaction, key, &document.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(document)
    }

    /// Issues (or returns) the document of `kind` for the locked account.
    pub(super) async fn issue_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        kind: DocumentKind,
        account: &OrderAccount,
        due_date: Option<NaiveDate>,
        note: &str,
    ) -> Result<Document, FinanceError> {
        let order_id = account.order_id.as_str();
        if let Some(existing) = documents::of_kind(connection, order_id, kind, false).await? {
            return Ok(existing);
        }
        kind.may_issue(account)?;
        let now = self.now();
        let today = self.day_of(now);
        let due_date = match kind {
            DocumentKind::Commercial => Some(due_date.unwrap_or_else(|| {
                today + chrono::Duration::days(self.settings.receivable_term_days)
            })),
            _ => None,
        };
        if let Some(due) = due_date
            && due < today
        {
            return Err(FinanceError::invalid(
                "due_date",
                "must not be before the issue date",
            ));
        }
        let mut document = Document::issue(kind, account, today, due_date, actor, now, note);
        if kind == DocumentKind::Final {
            document.settlement = Some(self.settlement_of(connection, account).await?);
        }
        if !documents::insert(connection, &document).await? {
            return documents::of_kind(connection, order_id, kind, false)
                .await?
                .ok_or_else(|| FinanceError::not_found("document", order_id));
        }
        self.base
            .enqueue(
                connection,
                events::document(&document, "document.issued", actor, now),
            )
            .await?;
        if kind == DocumentKind::Final {
            self.settle_if_due(connection, order_id, actor).await?;
            document = documents::of_kind(connection, order_id, kind, false)
                .await?
                .unwrap_or(document);
        }
        Ok(document)
    }

    /// LOG-5 → FIN-9: once the customer's receipt is confirmed and the order
    /// is delivered, finance issues the final invoice itself (the
    /// settlement); whichever of the two reports comes second triggers it.
    pub async fn receipt_confirmed<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
    ) -> Result<(), FinanceError> {
        let Some(mut account) = accounts::account(connection, order_id, true).await? else {
            tracing::warn!(order.id = %order_id, "a receipt for an order finance does not know");
            return Ok(());
        };
        if account.receipt_confirmed_at.is_none() {
            account.receipt_confirmed_at = Some(self.now());
            accounts::save_account(connection, &account).await?;
        }
        self.final_invoice_if_due(connection, &account).await
    }

    /// PRD-11: production planned the goods' completion; the balance
    /// reminder (SLA-5) counts from the latest planned date of the order's
    /// production orders from now on.
    pub async fn warehousing_planned<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
        planned: NaiveDate,
    ) -> Result<(), FinanceError> {
        let Some(mut account) = accounts::account(connection, order_id, true).await? else {
            tracing::warn!(order.id = %order_id, "a production plan for an order finance does not know");
            return Ok(());
        };
        if account
            .warehousing_date
            .is_some_and(|known| known >= planned)
        {
            return Ok(());
        }
        account.warehousing_date = Some(planned);
        accounts::save_account(connection, &account).await
    }

    pub(super) async fn final_invoice_if_due<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<(), FinanceError> {
        let due = account.receipt_confirmed_at.is_some()
            && matches!(account.stage, Stage::Delivered | Stage::Completed);
        if due {
            self.issue_in(
                connection,
                "finance:settlement",
                DocumentKind::Final,
                account,
                None,
                "issued on the confirmed receipt",
            )
            .await?;
        }
        Ok(())
    }

    /// FIN-9: once the final invoice is out and nothing is left to pay, the
    /// order is settled (once): `finance.order.settled`.
    pub(super) async fn settle_if_due<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &str,
        actor: &str,
    ) -> Result<(), FinanceError> {
        let Some(mut invoice) =
            documents::of_kind(connection, order_id, DocumentKind::Final, true).await?
        else {
            return Ok(());
        };
        if invoice.settled_at.is_some() {
            return Ok(());
        }
        let Some(account) = accounts::account(connection, order_id, false).await? else {
            return Ok(());
        };
        let settlement = self.settlement_of(connection, &account).await?;
        invoice.settlement = Some(settlement);
        let now = self.now();
        if settlement.is_settled() {
            invoice.settled_at = Some(now);
        }
        documents::update(connection, &invoice).await?;
        if settlement.is_settled() {
            self.base
                .enqueue(
                    connection,
                    events::document(&invoice, "order.settled", actor, now),
                )
                .await?;
            tracing::info!(order.number = %invoice.order_number, "order settled");
        }
        Ok(())
    }

    pub async fn documents(&self, order_id: &OrderId) -> Result<Vec<Document>, FinanceError> {
        documents::of_order(self.base.database.connection(), order_id).await
    }
}
