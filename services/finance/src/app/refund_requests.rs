//! FIN-8 and APR-6: refunds requested, approved by the GM, executed once.

use super::*;
use orderflow_platform::ids::OrderId;

impl Finance {
    /// FIN-8: a refund is requested with its reason and handling; the
    /// approval request is filed with the approvals service from the
    /// `finance.refund.requested` event (retried while approvals is down).
    pub async fn request_refund(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewRefund,
    ) -> Result<Refund, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(id) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return self.refund(&id).await;
        }
        let account = self.account_in(&*transaction, &new.order_id, true).await?;
        if new.amount.currency != account.currency {
            return Err(FinanceError::invalid(
                "amount.currency_code",
                format!("the order is in {}; refund in it", account.currency),
            ));
        }
        let now = self.now();
        if new.goods_received_at.is_some_and(|received| received > now) {
            return Err(FinanceError::invalid(
                "goods_received_time",
                "must not be in the future",
            ));
        }
        let paid = self.confirmed_paid(&*transaction, &account).await?;
        let existing = refunds::of_order(&*transaction, &account.order_id, None, None).await?;
        let left = refund::refundable(paid, &existing);
        if new.amount.minor_units > left {
            return Err(FinanceError::precondition(
                "REFUND_EXCEEDS_PAID",
                format!("orders/{}", account.order_id),
                format!(
                    "{} asked, {} paid and not yet refunded",
                    new.amount,
                    Money::new(account.currency, left.max(0))
                ),
            ));
        }
        let refund = Refund {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: account.order_id.clone(),
            order_number: account.order_number.clone(),
            currency: account.currency,
            amount: new.amount.minor_units,
            reason: new.reason,
            handling: new.handling,
            method: new.method,
            state: RefundState::AwaitingApproval,
            requested_by: actor.subject.clone(),
            requested_at: now,
            approval_request_id: None,
            decided_by: None,
            rejection_reason: String::new(),
            executed_by: None,
            executed_at: None,
            execution_reference: String::new(),
            reference: new.reference,
            goods_received_at: new.goods_received_at,
            goods_pending: new.goods_pending,
        };
        refunds::insert(&*transaction, &refund).await?;
        idempotency::complete(&*transaction, key, &refund.id).await?;
        self.base
            .enqueue(
                &*transaction,
                events::refund(&refund, "refund.requested", &actor.subject, now),
            )
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(refund)
    }

    pub async fn refund(&self, id: &str) -> Result<Refund, FinanceError> {
        refunds::get(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("refund", id))
    }

    pub async fn refunds(
        &self,
        order_id: &OrderId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Refund>, FinanceError> {
        refunds::of_order(
            self.base.database.connection(),
            order_id,
            after,
            Some(limit),
        )
        .await
    }

    /// The refund whose approval request is to be filed, locked; `None`
    /// when it is filed already or no longer waits.
    pub async fn refund_to_file<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
    ) -> Result<Option<Refund>, FinanceError> {
        Ok(refunds::get(connection, id, true).await?.filter(|refund| {
            refund.approval_request_id.is_none() && refund.state == RefundState::AwaitingApproval
        }))
    }

    pub async fn approval_filed<C: ConnectionTrait>(
        &self,
        connection: &C,
        mut refund: Refund,
        approval_request_id: &str,
    ) -> Result<(), FinanceError> {
        refund.approval_request_id = Some(approval_request_id.to_owned());
        refunds::update(connection, &refund).await
    }

    /// The approvals service decided a refund's request. Granted only with an
    /// approved `gm` step (APR-6); a redelivered decision changes nothing.
    pub async fn approval_decided<C: ConnectionTrait>(
        &self,
        connection: &C,
        refund_id: &str,
        decision: Result<bool, &str>,
        by: &str,
    ) -> Result<(), FinanceError> {
        let Some(mut refund) = refunds::get(connection, refund_id, true).await? else {
            tracing::warn!(refund.id = %refund_id, "an approval for a refund finance does not know");
            return Ok(());
        };
        let (changed, subject) = match decision {
            Ok(gm_approved) => match refund.approve(by, gm_approved) {
                Ok(changed) => (changed, "refund.approved"),
                Err(error) => {
                    tracing::warn!(refund.id = %refund_id, %error, "approval not accepted");
                    return Ok(());
                }
            },
            Err(reason) => (refund.reject(by, reason), "refund.rejected"),
        };
        if changed {
            refunds::update(connection, &refund).await?;
            let now = self.now();
            self.base
                .enqueue(connection, events::refund(&refund, subject, by, now))
                .await?;
        }
        Ok(())
    }

    /// FIN-8: `finance` executes an approved refund, once. What returns and
    /// corrections have not already taken off the order's sales becomes a
    /// negative ledger entry (FIN-7); the announcement carries the order
    /// number, the reason and the handling.
    pub async fn execute_refund(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        refund_id: &str,
        reference: &str,
    ) -> Result<Refund, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return self.refund(refund_id).await;
        }
        let mut refund = refunds::get(&*transaction, refund_id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("refund", refund_id))?;
        // The order's account is locked while the entry is worked out from
        // the ledger, as the cancellation's correction does (FIN-7).
        self.account_in(&*transaction, &refund.order_id, true)
            .await?;
        let now = self.now();
        if !refund.execute(&actor.subject, reference, now)? {
            return Ok(refund);
        }
        refunds::update(&*transaction, &refund).await?;
        idempotency::complete(&*transaction, key, &refund.id).await?;
        if let Some(entry) = self.refund_entry(&*transaction, &refund, now).await? {
            self.base
                .enqueue(
                    &*transaction,
                    events::ledger_entry(&entry, &actor.subject, now),
                )
                .await?;
        }
        self.base
            .enqueue(
                &*transaction,
                events::refund(&refund, "refund.executed", &actor.subject, now),
            )
            .await?;
        self.settle_if_due(&*transaction, &refund.order_id, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        tracing::info!(order.number = %refund.order_number, refund.id = %refund.id, "refund executed");
        Ok(refund)
    }

    pub(super) async fn refund_entry<C: ConnectionTrait>(
        &self,
        connection: &C,
        refund: &Refund,
        now: DateTime<Utc>,
    ) -> Result<Option<LedgerEntry>, FinanceError> {
        let Some(sale) = ledger::entry_by_key(connection, &sale_key(&refund.order_id)).await?
        else {
            return Ok(None);
        };
        let filter = EntryFilter {
            order_id: Some(refund.order_id.clone()),
            ..EntryFilter::default()
        };
        let entries = ledger::entries(connection, &filter, None, None).await?;
        let taken_off = entries
            .iter()
            .filter(|entry| entry.kind != EntryKind::Sale && entry.currency == refund.currency)
            .fold(0_i64, |sum, entry| sum.saturating_sub(entry.amount));
        let refunded = refunds::of_order(connection, &refund.order_id, None, None)
            .await?
            .iter()
            .filter(|other| other.state == RefundState::Executed || other.id == refund.id)
            .fold(0_i64, |sum, other| sum.saturating_add(other.amount));
        let uncovered = refunded.saturating_sub(taken_off);
        if uncovered <= 0 {
            return Ok(None);
        }
        // AFS-6: a return's refund is the return's negative entry, for the
        // agreed value, on the day the goods came back (FIN-7).
        // AFS-8: refunded before the goods were shelved overseas: a
        // negative profit until they are.
        let (kind, entry_date, note) = match refund.goods_received_at {
            Some(received) => (
                EntryKind::Return,
                self.day_of(received),
                format!("goods returned: {}", refund.handling),
            ),
            None if refund.goods_pending => (
                EntryKind::NegativeProfit,
                self.day_of(now),
                format!(
                    "refunded before the goods were shelved: {}",
                    refund.handling
                ),
            ),
            None => (
                EntryKind::Refund,
                self.day_of(now),
                format!("refund: {}", refund.reason),
            ),
        };
        let entry = LedgerEntry {
            id: uuid::Uuid::now_v7().to_string(),
            kind,
            amount: uncovered.saturating_neg(),
            entry_date,
            offsets_entry_id: Some(sale.id.clone()),
            reference: if refund.reference.is_empty() {
                format!("refunds/{}", refund.id)
            } else {
                refund.reference.clone()
            },
            note,
            created_at: now,
            ..sale
        };
        ledger::append(connection, &format!("refund:{}", refund.id), &entry).await?;
        Ok(Some(entry))
    }

    /// The refund an after-sales case asked for, by its reference.
    pub async fn refund_of_case<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &str,
        case_id: &str,
    ) -> Result<Option<String>, FinanceError> {
        let reference = format!("aftersales/cases/{case_id}");
        Ok(refunds::of_order(connection, order_id, None, None)
            .await?
            .into_iter()
            .find(|refund| refund.reference == reference)
            .map(|refund| refund.id))
    }

    /// AFS-8: after-sales reports the goods of a refund shelved at the
    /// overseas warehouse. An executed refund's NEGATIVE_PROFIT entry is
    /// reversed (a CORRECTION) and the same amount booked as the return
    /// (the negative of the original record), both dated the shelving day;
    /// a refund not executed yet becomes a return's refund. A repeated
    /// report changes nothing.
    pub async fn goods_shelved<C: ConnectionTrait>(
        &self,
        connection: &C,
        refund_id: &str,
        shelved_at: DateTime<Utc>,
        actor: &str,
    ) -> Result<(), FinanceError> {
        let Some(mut refund) = refunds::get(connection, refund_id, true).await? else {
            tracing::warn!(refund.id = %refund_id, "goods shelved for a refund finance does not know");
            return Ok(());
        };
        if !refund.goods_pending {
            return Ok(());
        }
        refund.goods_pending = false;
        refund.goods_received_at = Some(shelved_at);
        refunds::update(connection, &refund).await?;
        self.account_in(connection, &refund.order_id, true).await?;
        if refund.state != RefundState::Executed {
            return Ok(());
        }
        let Some(loss) = ledger::entry_by_key(connection, &format!("refund:{}", refund.id)).await?
        else {
            return Ok(());
        };
        if loss.kind != EntryKind::NegativeProfit {
            return Ok(());
        }
        let now = self.now();
        let day = self.day_of(shelved_at);
        let sale = ledger::entry_by_key(connection, &sale_key(&refund.order_id)).await?;
        let reversal = LedgerEntry {
            id: uuid::Uuid::now_v7().to_string(),
            kind: EntryKind::Correction,
            amount: loss.amount.saturating_neg(),
            entry_date: day,
            offsets_entry_id: Some(loss.id.clone()),
            note: "goods shelved at the overseas warehouse: the loss reversed".to_owned(),
            created_at: now,
            ..loss.clone()
        };
        let returned = LedgerEntry {
            id: uuid::Uuid::now_v7().to_string(),
            kind: EntryKind::Return,
            entry_date: day,
            offsets_entry_id: sale.map(|sale| sale.id).or(loss.offsets_entry_id.clone()),
            note: format!(
                "goods shelved at the overseas warehouse: {}",
                refund.handling
            ),
            created_at: now,
            ..loss
        };
        for (key, entry) in [
            (format!("shelved:{}:reversal", refund.id), reversal),
            (format!("shelved:{}:return", refund.id), returned),
        ] {
            if ledger::append(connection, &key, &entry).await? {
                self.base
                    .enqueue(connection, events::ledger_entry(&entry, actor, now))
                    .await?;
            }
        }
        Ok(())
    }
}
