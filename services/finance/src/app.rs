//! The use cases of the finance service: one write transaction each, with
//! the change, the release gate it may open and its events.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::bus::outbox::{self, OutboxSignal, OutgoingEvent};
use orderflow_platform::clock::SharedClock;
use orderflow_platform::db::Database;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::money::Money;
use sea_orm::ConnectionTrait;

use crate::domain::account::{Confirmation, OrderAccount, Stage};
use crate::domain::credit::CreditRating;
use crate::domain::document::{Document, DocumentKind, Receivable, Settlement};
use crate::domain::gate::{self, CreditRoom, Facts, Gate};
use crate::domain::lc::{LcState, LcTerms, LetterOfCredit};
use crate::domain::ledger::{EntryKind, LedgerEntry, SalesDetail};
use crate::domain::payment::{self, Payment, PaymentKind};
use crate::domain::refund::{self, Refund, RefundMethod, RefundState};
use crate::domain::{Actor, FinanceError};
use crate::events;
use crate::store::ledger::{self, EntryFilter};
use crate::store::refunds;
use crate::store::{accounts, documents};

/// The settings the use cases need.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Business days (ledger dates, L/C review days) are days here.
    pub time_zone: Tz,
    /// FIN-5: an L/C reviewed fewer days than this before delivery is flagged.
    pub lc_lead_days: i64,
    /// FIN-10: a commercial invoice is due this many days after issue
    /// unless it says otherwise.
    pub receivable_term_days: i64,
    /// FIN-6 / SLA-5: the balance reminder goes out this many days before
    /// the goods are expected.
    pub balance_reminder_days: i64,
}

#[derive(Debug, Clone)]
pub struct Finance {
    database: Database,
    clock: SharedClock,
    outbox: OutboxSignal,
    settings: Settings,
}

/// An order's gate as `GetReleaseGate` shows it.
#[derive(Debug, Clone)]
pub struct GateView {
    pub account: OrderAccount,
    pub gate: Gate,
}

/// The credit a customer has, uses and has left (FIN-1).
#[derive(Debug, Clone)]
pub struct CreditStatus {
    pub customer_id: String,
    pub rating: Option<CreditRating>,
    pub used: i64,
}

/// A payment to record, validated.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub order_id: String,
    pub kind: PaymentKind,
    pub amount: Money,
    pub method: String,
    pub reference: String,
}

/// A refund to request, validated.
#[derive(Debug, Clone)]
pub struct NewRefund {
    pub order_id: String,
    pub amount: Money,
    pub reason: String,
    pub handling: String,
    pub method: RefundMethod,
}

/// Goods received back for an order (a return's stock movement).
#[derive(Debug, Clone)]
pub struct ReturnedGoods {
    /// Makes the entry once: the stock movement's id.
    pub movement_id: String,
    /// The order, by id or number.
    pub order_reference: String,
    pub sku: String,
    pub quantity: i64,
    pub received_at: DateTime<Utc>,
    pub note: String,
}

fn sale_key(order_id: &str) -> String {
    format!("sale:{order_id}")
}

impl Finance {
    pub fn new(
        database: Database,
        clock: SharedClock,
        outbox: OutboxSignal,
        settings: Settings,
    ) -> Self {
        Self {
            database,
            clock,
            outbox,
            settings,
        }
    }

    /// Now, to the microsecond, as the databases keep it.
    pub fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// The business day of `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.settings.time_zone).date_naive()
    }

    pub fn today(&self) -> NaiveDate {
        self.day_of(self.now())
    }

    async fn enqueue<C: ConnectionTrait>(
        &self,
        connection: &C,
        event: OutgoingEvent,
    ) -> Result<(), FinanceError> {
        outbox::enqueue(connection, event, self.now()).await?;
        Ok(())
    }

    /// Claims the request's key as the first write of `connection`'s
    /// transaction: `Some(resource)` when a call with this key committed
    /// already (answer with that resource), `None` to go ahead.
    async fn claim<C: ConnectionTrait>(
        &self,
        connection: &C,
        key: Option<&RequestKey>,
    ) -> Result<Option<String>, FinanceError> {
        Ok(
            match idempotency::claim(connection, key, self.now()).await? {
                Claim::New => None,
                Claim::Replay(resource) => Some(resource),
            },
        )
    }

    async fn account_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &str,
        for_update: bool,
    ) -> Result<OrderAccount, FinanceError> {
        accounts::account(connection, order_id, for_update)
            .await?
            .ok_or_else(|| FinanceError::not_found("order", order_id))
    }

    // ------------------------------------------------------------ the gate

    /// What the customer may still draw on credit in the order's currency,
    /// besides this order (FIN-1): the limit less the unpaid part of their
    /// other credit orders already released or cleared for release.
    async fn credit_room<C: ConnectionTrait>(
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
    async fn credit_used<C: ConnectionTrait>(
        &self,
        connection: &C,
        rating: &CreditRating,
        except_order: Option<&str>,
    ) -> Result<i64, FinanceError> {
        let mut used = 0_i64;
        for other in accounts::credit_accounts(connection, &rating.customer_id).await? {
            let counts = other.gate_opened_at.is_some()
                && Some(other.order_id.as_str()) != except_order
                && rating.currency == other.currency;
            if counts {
                let paid = self.confirmed_paid(connection, &other).await?;
                used = used.saturating_add(other.total.saturating_sub(paid).max(0));
            }
        }
        Ok(used)
    }

    /// FIN-3: what was paid for the order and confirmed, in its currency.
    async fn confirmed_paid<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &OrderAccount,
    ) -> Result<i64, FinanceError> {
        Ok(payment::confirmed_total(
            &accounts::payments(connection, &account.order_id, None, None).await?,
            account.currency,
        ))
    }

    async fn evaluate_in<C: ConnectionTrait>(
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
    async fn open_if_ready<C: ConnectionTrait>(
        &self,
        connection: &C,
        account: &mut OrderAccount,
        actor: &str,
    ) -> Result<Gate, FinanceError> {
        let gate = self.evaluate_in(connection, account).await?;
        if account.stage == Stage::AwaitingPayment
            && account.gate_opened_at.is_none()
            && gate.is_open()
        {
            let now = self.now();
            account.gate_opened_at = Some(now);
            accounts::save_account(connection, account).await?;
            self.enqueue(connection, events::gate_opened(account, &gate, actor, now))
                .await?;
            tracing::info!(order.number = %account.order_number, rule = %gate.rule, "release gate opened");
        } else if account.stage == Stage::AwaitingPayment && account.gate_opened_at.is_none() {
            let codes: Vec<&str> = gate.blockers.iter().map(|b| b.code.as_str()).collect();
            let codes = Some(codes.join(","));
            if account.announced_blockers != codes {
                account.announced_blockers = codes;
                accounts::save_account(connection, account).await?;
                self.enqueue(
                    connection,
                    events::gate_event(account, &gate, "gate.blocked", actor, self.now()),
                )
                .await?;
            }
        }
        Ok(gate)
    }

    async fn open_waiting<C: ConnectionTrait>(
        &self,
        connection: &C,
        waiting: Vec<OrderAccount>,
        actor: &str,
    ) -> Result<(), FinanceError> {
        for account in waiting {
            // Locked afresh: the list was read without locks.
            if let Some(mut locked) = accounts::account(connection, &account.order_id, true).await?
            {
                self.open_if_ready(connection, &mut locked, actor).await?;
            }
        }
        Ok(())
    }

    pub async fn release_gate(&self, order_id: &str) -> Result<GateView, FinanceError> {
        let connection = self.database.connection();
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
        order_id: &str,
        note: &str,
    ) -> Result<GateView, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
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
        self.outbox.notify();
        Ok(GateView { account, gate })
    }

    // ------------------------------------------------------- from orders

    /// Keeps finance's account of an order up to date from the orders
    /// service's events; an older version than the one kept changes
    /// nothing. An order accepted as a sale gets its sale entry (once); one
    /// cancelled after that gets the negative entry (FIN-7).
    pub async fn sync_order<C: ConnectionTrait>(
        &self,
        connection: &C,
        mut incoming: OrderAccount,
        actor: &str,
    ) -> Result<(), FinanceError> {
        let existing = accounts::account(connection, &incoming.order_id, true).await?;
        if let Some(existing) = &existing {
            if !existing.is_older_than(incoming.order_updated_at) {
                return Ok(());
            }
            incoming.manager_confirmation = existing.manager_confirmation.clone();
            incoming.gate_opened_at = existing.gate_opened_at;
            incoming.balance_reminded_at = existing.balance_reminded_at;
            incoming.announced_blockers = existing.announced_blockers.clone();
            incoming.receipt_confirmed_at = existing.receipt_confirmed_at;
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
                self.enqueue(connection, events::ledger_entry(&entry, actor, now))
                    .await?;
            }
        }
        if incoming.stage == Stage::Ended
            && let Some(sale) =
                ledger::entry_by_key(connection, &sale_key(&incoming.order_id)).await?
        {
            let entry = LedgerEntry {
                id: uuid::Uuid::now_v7().to_string(),
                kind: EntryKind::Correction,
                amount: sale.amount.saturating_neg(),
                entry_date: self.day_of(incoming.order_updated_at),
                offsets_entry_id: Some(sale.id.clone()),
                reference: format!("orders/{}", incoming.order_id),
                note: "order cancelled after it was accepted".to_owned(),
                created_at: now,
                ..sale
            };
            let key = format!("cancel:{}", incoming.order_id);
            if ledger::append(connection, &key, &entry).await? {
                self.enqueue(connection, events::ledger_entry(&entry, actor, now))
                    .await?;
            }
        }
        self.open_if_ready(connection, &mut incoming, actor).await?;
        self.final_invoice_if_due(connection, &incoming).await?;
        Ok(())
    }

    /// FIN-7: goods received back are the negative of what they were sold
    /// for, dated the day of receipt; the sale entry stays as it was.
    /// Goods that cannot be matched to an order's line are left to a
    /// manual correction (logged).
    pub async fn record_return<C: ConnectionTrait>(
        &self,
        connection: &C,
        goods: &ReturnedGoods,
        actor: &str,
    ) -> Result<Option<LedgerEntry>, FinanceError> {
        let Some(account) =
            accounts::account_by_reference(connection, &goods.order_reference).await?
        else {
            tracing::warn!(reference = %goods.order_reference, "returned goods for no known order: no ledger entry");
            return Ok(None);
        };
        let Some(unit_price) = account.unit_price_of(&goods.sku) else {
            tracing::warn!(order.number = %account.order_number, sku = %goods.sku, "returned goods the order did not sell: no ledger entry");
            return Ok(None);
        };
        let sale = ledger::entry_by_key(connection, &sale_key(&account.order_id)).await?;
        let amount = unit_price
            .checked_mul(goods.quantity)
            .and_then(i64::checked_neg)
            .ok_or_else(|| {
                FinanceError::Internal(anyhow::anyhow!(
                    "the value of {} × {} overflows",
                    goods.quantity,
                    goods.sku
                ))
            })?;
        let now = self.now();
        let entry = LedgerEntry {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: account.order_id.clone(),
            order_number: account.order_number.clone(),
            salesperson: account.salesperson.clone(),
            customer_id: account.customer_id.clone(),
            kind: EntryKind::Return,
            currency: account.currency,
            amount,
            entry_date: self.day_of(goods.received_at),
            offsets_entry_id: sale.map(|sale| sale.id),
            reference: format!("inventory/movements/{}", goods.movement_id),
            note: format!(
                "{} × {} received back. {}",
                goods.quantity, goods.sku, goods.note
            )
            .trim()
            .to_owned(),
            created_at: now,
        };
        let key = format!("return:{}", goods.movement_id);
        if !ledger::append(connection, &key, &entry).await? {
            return ledger::entry_by_key(connection, &key).await;
        }
        self.enqueue(connection, events::ledger_entry(&entry, actor, now))
            .await?;
        Ok(Some(entry))
    }

    // ------------------------------------------------------------- credit

    pub async fn rate_customer(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        rating: CreditRating,
    ) -> Result<CreditStatus, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
            drop(transaction);
            return self.credit_status(&rating.customer_id).await;
        }
        idempotency::complete(&*transaction, key, &rating.customer_id).await?;
        accounts::save_rating(&*transaction, &rating).await?;
        let waiting =
            accounts::waiting_accounts(&*transaction, Some(&rating.customer_id), None).await?;
        self.open_waiting(&*transaction, waiting, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.outbox.notify();
        self.credit_status(&rating.customer_id).await
    }

    pub async fn credit_status(&self, customer_id: &str) -> Result<CreditStatus, FinanceError> {
        let connection = self.database.connection();
        let rating = accounts::rating(connection, customer_id).await?;
        let used = match &rating {
            Some(rating) => self.credit_used(connection, rating, None).await?,
            None => 0,
        };
        Ok(CreditStatus {
            customer_id: customer_id.to_owned(),
            rating,
            used,
        })
    }

    // ----------------------------------------------------------- payments

    pub async fn record_payment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewPayment,
    ) -> Result<Payment, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if let Some(id) = self.claim(&*transaction, key).await? {
            return self.payment(&id).await;
        }
        let account = self.account_in(&*transaction, &new.order_id, false).await?;
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
        self.enqueue(
            &*transaction,
            events::payment(&payment, "payment.recorded", &actor.subject, now),
        )
        .await?;
        transaction.commit().await?;
        self.outbox.notify();
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
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
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
        self.enqueue(
            &*transaction,
            events::payment(&payment, "payment.confirmed", &actor.subject, now),
        )
        .await?;
        if let Some(mut account) = accounts::account(&*transaction, &payment.order_id, true).await?
        {
            self.open_if_ready(&*transaction, &mut account, &actor.subject)
                .await?;
        }
        self.settle_if_due(&*transaction, &payment.order_id, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.outbox.notify();
        Ok(payment)
    }

    pub async fn payment(&self, id: &str) -> Result<Payment, FinanceError> {
        accounts::payment(self.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("payment", id))
    }

    pub async fn payments(
        &self,
        order_id: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Payment>, FinanceError> {
        accounts::payments(self.database.connection(), order_id, after, Some(limit)).await
    }

    // -------------------------------------------------- letters of credit

    pub async fn register_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &str,
        terms: LcTerms,
        received_date: Option<NaiveDate>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
            return self.lc_of_order(order_id).await;
        }
        let mut account = self.account_in(&*transaction, order_id, true).await?;
        if !account
            .terms
            .is_some_and(|terms| terms.kind == crate::domain::account::TermKind::Lc)
        {
            return Err(FinanceError::precondition(
                "NOT_LC_TERMS",
                format!("orders/{order_id}"),
                "the order's payment terms are not a letter of credit",
            ));
        }
        let now = self.now();
        let lc = LetterOfCredit::register(
            order_id,
            &account.order_number,
            terms,
            received_date.unwrap_or_else(|| self.today()),
            now,
        );
        if !accounts::insert_lc(&*transaction, &lc).await? {
            return Err(FinanceError::AlreadyExists {
                resource: "letter of credit for order",
                id: order_id.to_owned(),
            });
        }
        idempotency::complete(&*transaction, key, &lc.id).await?;
        self.enqueue(
            &*transaction,
            events::letter_of_credit(&lc, "lc.registered", &actor.subject, now),
        )
        .await?;
        self.open_if_ready(&*transaction, &mut account, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.outbox.notify();
        Ok(lc)
    }

    pub async fn lc_of_order(&self, order_id: &str) -> Result<LetterOfCredit, FinanceError> {
        accounts::lc_of_order(self.database.connection(), order_id)
            .await?
            .ok_or_else(|| FinanceError::not_found("letter of credit for order", order_id))
    }

    /// Applies `change` to the L/C under a row lock, announces it on
    /// `finance.<subject>` (or `lc.accepted` once both reviews are clean)
    /// and re-evaluates the order's gate.
    async fn change_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        subject: &str,
        change: impl FnOnce(&mut LetterOfCredit, DateTime<Utc>, NaiveDate) -> Result<(), FinanceError>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
            return accounts::lc(&*transaction, lc_id, false)
                .await?
                .ok_or_else(|| FinanceError::not_found("letter of credit", lc_id));
        }
        let mut lc = accounts::lc(&*transaction, lc_id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("letter of credit", lc_id))?;
        let now = self.now();
        change(&mut lc, now, self.day_of(now))?;
        accounts::update_lc(&*transaction, &lc).await?;
        idempotency::complete(&*transaction, key, &lc.id).await?;
        let subject = if lc.state == LcState::Accepted {
            "lc.accepted"
        } else {
            subject
        };
        self.enqueue(
            &*transaction,
            events::letter_of_credit(&lc, subject, &actor.subject, now),
        )
        .await?;
        if let Some(mut account) = accounts::account(&*transaction, &lc.order_id, true).await? {
            self.open_if_ready(&*transaction, &mut account, &actor.subject)
                .await?;
        }
        transaction.commit().await?;
        self.outbox.notify();
        Ok(lc)
    }

    pub async fn review_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        discrepancies: Vec<String>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let roles: Vec<String> = actor.roles.iter().cloned().collect();
        self.change_lc(actor, key, lc_id, "lc.reviewed", |lc, now, today| {
            lc.review(&actor.subject, &roles, discrepancies, now, today)
        })
        .await
    }

    pub async fn request_amendment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        reasons: Vec<String>,
    ) -> Result<LetterOfCredit, FinanceError> {
        self.change_lc(actor, key, lc_id, "lc.amendment_requested", |lc, now, _| {
            lc.request_amendment(reasons, now)
        })
        .await
    }

    pub async fn record_amendment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        terms: LcTerms,
    ) -> Result<LetterOfCredit, FinanceError> {
        self.change_lc(actor, key, lc_id, "lc.amended", |lc, now, _| {
            lc.record_amendment(terms, now)
        })
        .await
    }

    // ------------------------------------------------------------- ledger

    pub async fn ledger_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<LedgerEntry>, FinanceError> {
        ledger::entries(self.database.connection(), filter, after, Some(limit)).await
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
        let transaction = self.database.begin_write().await?;
        if let Some(id) = self.claim(&*transaction, key).await? {
            return self.sales_detail(&id).await;
        }
        let entries = ledger::unsigned_entries(&*transaction, salesperson, day).await?;
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

    /// ORD-20: `finance` confirms a signed sales detail; the standard orders
    /// on it may be released now.
    pub async fn confirm_sales_detail(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &str,
    ) -> Result<SalesDetail, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
            return self.sales_detail(id).await;
        }
        idempotency::complete(&*transaction, key, id).await?;
        let mut detail = ledger::detail(&*transaction, id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("sales detail", id))?;
        if !detail.confirm(&actor.subject, self.now())? {
            return Ok(detail);
        }
        ledger::confirm_detail(&*transaction, &detail).await?;
        let filter = EntryFilter {
            salesperson: Some(detail.salesperson.clone()),
            from: Some(detail.entry_date),
            to: Some(detail.entry_date),
            ..EntryFilter::default()
        };
        let order_ids: Vec<String> = ledger::entries(&*transaction, &filter, None, None)
            .await?
            .into_iter()
            .filter(|entry| detail.entry_ids.contains(&entry.id))
            .map(|entry| entry.order_id)
            .collect();
        let waiting = accounts::waiting_accounts(&*transaction, None, Some(order_ids)).await?;
        self.open_waiting(&*transaction, waiting, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.outbox.notify();
        Ok(detail)
    }

    pub async fn sales_detail(&self, id: &str) -> Result<SalesDetail, FinanceError> {
        ledger::detail(self.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("sales detail", id))
    }

    pub async fn sales_details(
        &self,
        salesperson: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SalesDetail>, FinanceError> {
        ledger::details(self.database.connection(), salesperson, after, limit).await
    }

    // ------------------------------------------------------------ refunds

    /// FIN-8: a refund is requested with its reason and handling; the
    /// approval request is filed with the approvals service from the
    /// `finance.refund.requested` event (retried while approvals is down).
    pub async fn request_refund(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewRefund,
    ) -> Result<Refund, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if let Some(id) = self.claim(&*transaction, key).await? {
            return self.refund(&id).await;
        }
        let account = self.account_in(&*transaction, &new.order_id, true).await?;
        if new.amount.currency != account.currency {
            return Err(FinanceError::invalid(
                "amount.currency_code",
                format!("the order is in {}; refund in it", account.currency),
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
        let now = self.now();
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
        };
        refunds::insert(&*transaction, &refund).await?;
        idempotency::complete(&*transaction, key, &refund.id).await?;
        self.enqueue(
            &*transaction,
            events::refund(&refund, "refund.requested", &actor.subject, now),
        )
        .await?;
        transaction.commit().await?;
        self.outbox.notify();
        Ok(refund)
    }

    pub async fn refund(&self, id: &str) -> Result<Refund, FinanceError> {
        refunds::get(self.database.connection(), id, false)
            .await?
            .ok_or_else(|| FinanceError::not_found("refund", id))
    }

    pub async fn refunds(
        &self,
        order_id: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Refund>, FinanceError> {
        refunds::of_order(self.database.connection(), order_id, after, Some(limit)).await
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
            self.enqueue(connection, events::refund(&refund, subject, by, now))
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
        let transaction = self.database.begin_write().await?;
        if self.claim(&*transaction, key).await?.is_some() {
            return self.refund(refund_id).await;
        }
        let mut refund = refunds::get(&*transaction, refund_id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("refund", refund_id))?;
        let now = self.now();
        if !refund.execute(&actor.subject, reference, now)? {
            return Ok(refund);
        }
        refunds::update(&*transaction, &refund).await?;
        idempotency::complete(&*transaction, key, &refund.id).await?;
        if let Some(entry) = self.refund_entry(&*transaction, &refund, now).await? {
            self.enqueue(
                &*transaction,
                events::ledger_entry(&entry, &actor.subject, now),
            )
            .await?;
        }
        self.enqueue(
            &*transaction,
            events::refund(&refund, "refund.executed", &actor.subject, now),
        )
        .await?;
        self.settle_if_due(&*transaction, &refund.order_id, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.outbox.notify();
        tracing::info!(order.number = %refund.order_number, refund.id = %refund.id, "refund executed");
        Ok(refund)
    }

    async fn refund_entry<C: ConnectionTrait>(
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
        let entry = LedgerEntry {
            id: uuid::Uuid::now_v7().to_string(),
            kind: EntryKind::Refund,
            amount: uncovered.saturating_neg(),
            entry_date: self.day_of(now),
            offsets_entry_id: Some(sale.id.clone()),
            reference: format!("refunds/{}", refund.id),
            note: format!("refund: {}", refund.reason),
            created_at: now,
            ..sale
        };
        ledger::append(connection, &format!("refund:{}", refund.id), &entry).await?;
        Ok(Some(entry))
    }

    // ------------------------------------------- documents & receivables

    /// Net sales after returns and refunds (the order's ledger), and what was
    /// received net of refunds.
    async fn settlement_of<C: ConnectionTrait>(
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
        order_id: &str,
        due_date: Option<NaiveDate>,
        note: &str,
    ) -> Result<Document, FinanceError> {
        let transaction = self.database.begin_write().await?;
        if let Some(id) = self.claim(&*transaction, key).await? {
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
        self.outbox.notify();
        Ok(document)
    }

    /// Issues (or returns) the document of `kind` for the locked account.
    async fn issue_in<C: ConnectionTrait>(
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
        self.enqueue(
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
        order_id: &str,
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

    async fn final_invoice_if_due<C: ConnectionTrait>(
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
    async fn settle_if_due<C: ConnectionTrait>(
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
            self.enqueue(
                connection,
                events::document(&invoice, "order.settled", actor, now),
            )
            .await?;
            tracing::info!(order.number = %invoice.order_number, "order settled");
        }
        Ok(())
    }

    pub async fn documents(&self, order_id: &str) -> Result<Vec<Document>, FinanceError> {
        documents::of_order(self.database.connection(), order_id).await
    }

    async fn receivable_of<C: ConnectionTrait>(
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
        let connection = self.database.connection();
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
    pub async fn shipment_gate(&self, order_id: &str) -> Result<GateView, FinanceError> {
        let connection = self.database.connection();
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
                self.database.connection(),
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
                let transaction = self.database.begin_write().await?;
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
                self.enqueue(
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
        for account in accounts::awaiting_balance(self.database.connection()).await? {
            let due_from =
                account.delivery_date - chrono::Duration::days(self.settings.balance_reminder_days);
            if today < due_from {
                continue;
            }
            let transaction = self.database.begin_write().await?;
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
            self.enqueue(
                &*transaction,
                events::balance_reminder(&locked, outstanding, now),
            )
            .await?;
            transaction.commit().await?;
            reminded += 1;
        }
        if overdue + reminded > 0 {
            self.outbox.notify();
        }
        Ok((overdue, reminded))
    }
}
