//! FIN-5, FIN-1, ORD-20, APR-5: the production release gate of an order,
//! evaluated whenever something it depends on changes and opened once.

use super::*;
use orderflow_platform::ids::OrderId;

impl Finance {
    /// What the customer may still draw on credit in the order's currency,
    /// besides this order (FIN-1): the limit less the unpaid part of their
    /// other credit orders already released or cleared for release.
    pub(super) async fn credit_room<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<CreditRoom, FinanceError> {
        let Some(rating) = accounts::rating(connection, &account.customer_id).await? else {
            return Ok(CreditRoom { available: None });
        };
        if rating.currency != account.currency {
            return Ok(CreditRoom { available: None });
        }
        let used = self
            .credit_used(connection, &rating, Some(&account.order_id))
            .await?;
        Ok(CreditRoom {
            available: Some(rating.available(used)),
        })
    }

    /// The unpaid part of the rated customer's credit orders already
    /// released or cleared for release, in the limit's currency.
    pub(super) async fn credit_used<C: ConnectionTrait>(
        &self,
        connection: &C,
        rating: &CreditRating,
        except_order: Option<&str>,
    ) -> Result<i64, FinanceError> {
        let counted: Vec<OrderAccount> = accounts::credit_accounts(connection, &rating.customer_id)
            .await?
            .into_iter()
            .filter(|other| {
                other.gate_opened_at.is_some()
                    && Some(other.order_id.as_str()) != except_order
                    && rating.currency == other.currency
            })
            .collect();
        let order_ids: Vec<&str> = counted
            .iter()
            .map(|other| other.order_id.as_str())
            .collect();
        let payments = accounts::payments_of_orders(connection, &order_ids).await?;
        Ok(counted.iter().fold(0_i64, |used, other| {
            let paid = payments.get(&other.order_id).map_or(0, |payments| {
                payment::confirmed_total(payments, other.currency)
            });
            used.saturating_add(other.total.saturating_sub(paid).max(0))
        }))
    }

    /// FIN-3: what was paid for the order and confirmed, in its currency.
    pub(super) async fn confirmed_paid<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<i64, FinanceError> {
        Ok(payment::confirmed_total(
            &accounts::payments(connection, &account.order_id, None, None).await?,
            account.currency,
        ))
    }

    pub(super) async fn evaluate_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<Gate, FinanceError> {
        let confirmed_paid = self.confirmed_paid(connection, account).await?;
        let letter_of_credit = accounts::lc_of_order(connection, &account.order_id).await?;
        let sales_detail_confirmed =
            match ledger::entry_by_key(connection, &sale_key(&account.order_id)).await? {
                Some(entry) => ledger::entry_confirmed(connection, &entry.id).await?,
                None => false,
            };
        let credit = match account.terms {
            Some(terms) if terms.kind.is_credit() => self.credit_room(connection, account).await?,
            _ => CreditRoom { available: None },
        };
        let facts = Facts {
            confirmed_paid,
            letter_of_credit: letter_of_credit.as_ref(),
            sales_detail_confirmed,
            credit,
            lc_lead_days: self.settings.lc_lead_days,
        };
        Ok(gate::evaluate(account, &facts))
    }

    /// Opens the gate of an order waiting for payment when nothing blocks
    /// it any more: once, announcing `finance.gate.opened` for the orders
    /// service to release the order. While it is closed, each new set of
    /// reasons is announced on `finance.gate.blocked` (the order's timeline
    /// shows why it waits, e.g. a credit hold, FIN-1).
    pub(super) async fn open_if_ready<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &mut OrderAccount,
        actor: &str,
    ) -> Result<Gate, FinanceError> {
        let gate = self.evaluate_in(connection, account).await?;
        if account.awaits_release() && gate.is_open() {
            let now = self.now();
            account.gate_opened_at = Some(now);
            accounts::save_account(connection, account).await?;
            self.base
                .enqueue(connection, events::gate_opened(account, &gate, actor, now))
                .await?;
            tracing::info!(order.number = %account.order_number, rule = %gate.rule, "release gate opened");
        } else if account.awaits_release() {
            let codes: Vec<&str> = gate.blockers.iter().map(|b| b.code.as_str()).collect();
            let codes = Some(codes.join(","));
            if account.announced_blockers != codes {
                account.announced_blockers = codes;
                accounts::save_account(connection, account).await?;
                self.base
                    .enqueue(
                        connection,
                        events::gate_event(account, &gate, "gate.blocked", actor, self.now()),
                    )
                    .await?;
            }
        }
        Ok(gate)
    }

    /// [`Self::open_if_ready`] for the callers that only want the gate
    /// opened: an order that does not wait for its gate is not evaluated
    /// (four reads, on every order event, payment and letter of credit).
    pub(super) async fn open_if_waiting<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &mut OrderAccount,
        actor: &str,
    ) -> Result<(), FinanceError> {
        if account.awaits_release() {
            self.open_if_ready(connection, account, actor).await?;
        }
        Ok(())
    }

    pub(super) async fn open_waiting<C: ConnectionTrait>(
        &self,
        connection: &C,
        waiting: Vec<OrderAccount>,
        actor: &str,
    ) -> Result<(), FinanceError> {
        for account in waiting {
            // Locked afresh: the list was read without locks.
            if let Some(mut locked) = accounts::account(connection, &account.order_id, true).await?
            {
                self.open_if_waiting(connection, &mut locked, actor).await?;
            }
        }
        Ok(())
    }

    pub async fn release_gate(&self, order_id: &OrderId) -> Result<GateView, FinanceError> {
        let connection = self.base.database.connection();
        let account = self.account_in(connection, order_id, false).await?;
        let gate = self.evaluate_in(connection, &account).await?;
        Ok(GateView { account, gate })
    }

    /// FIN-5 / FIN-1: a `dept_manager` confirms the release of a D/A or
    /// open-account order, or of a credit order over the limit.
    pub async fn confirm_release(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
        note: &str,
    ) -> Result<GateView, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return self.release_gate(order_id).await;
        }
        let mut account = self.account_in(&*transaction, order_id, true).await?;
        let subject = format!("orders/{order_id}");
        if account.gate_opened_at.is_some() {
            return Err(FinanceError::precondition(
                "GATE_ALREADY_OPEN",
                subject,
                "the release gate of this order is open already",
            ));
        }
        if account.salesperson == actor.subject {
            return Err(FinanceError::PermissionDenied(
                "a release is confirmed by a manager, not by the order's salesperson".to_owned(),
            ));
        }
        let gate = self.evaluate_in(&*transaction, &account).await?;
        let liftable = gate.blockers.iter().any(|blocker| {
            matches!(
                blocker.code.as_str(),
                "MANAGER_CONFIRMATION" | "CREDIT_LIMIT"
            )
        });
        if !liftable && account.manager_confirmation.is_none() {
            return Err(FinanceError::precondition(
                "NOTHING_TO_CONFIRM",
                subject,
                format!(
                    "the gate ({}) does not wait for a manager's confirmation",
                    gate.rule
                ),
            ));
        }
        if account.manager_confirmation.is_none() {
            account.manager_confirmation = Some(Confirmation {
                by: actor.subject.clone(),
                at: self.now(),
                note: note.to_owned(),
            });
            accounts::save_account(&*transaction, &account).await?;
        }
        idempotency::complete(&*transaction, key, order_id).await?;
        let gate = self
            .open_if_ready(&*transaction, &mut account, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(GateView { account, gate })
    }
}
