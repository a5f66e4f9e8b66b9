//! The use cases of the finance service: one write transaction each, with
//! the change, the release gate it may open and its events.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::base::AppBase;
use orderflow_platform::db::idempotency::{self, RequestKey};
use orderflow_platform::ids::OrderId;
use orderflow_platform::money::Money;
use sea_orm::ConnectionTrait;

use crate::domain::account::{Confirmation, OrderAccount, Stage};
use crate::domain::credit::CreditRating;
pub use crate::domain::credit::CreditStatus;
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

mod costs;
mod credit;
mod invoices;
mod letters_of_credit;
mod orders;
mod payments;
mod receivables;
mod refund_requests;
mod release_gate;
mod sales_ledger;

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
    /// ORD-20: the lowest margin finance confirms on a standard order, in
    /// basis points (a profit must be above zero in any case).
    pub minimum_margin_basis_points: i64,
}

#[derive(Debug, Clone)]
pub struct Finance {
    base: AppBase,
    settings: Settings,
    /// ORD-20: the exchange rates for a standard cost in another currency
    /// than its order's.
    rates: Option<std::sync::Arc<dyn RateSource>>,
}

pub use costs::{NewStandardCost, RateSource};

/// An order's gate as `GetReleaseGate` shows it.
#[derive(Debug, Clone)]
pub struct GateView {
    pub account: OrderAccount,
    pub gate: Gate,
}

/// A payment to record, validated.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub order_id: OrderId,
    pub kind: PaymentKind,
    pub amount: Money,
    pub method: String,
    pub reference: String,
}

/// A refund to request, validated.
#[derive(Debug, Clone)]
pub struct NewRefund {
    pub order_id: OrderId,
    pub amount: Money,
    pub reason: String,
    pub handling: String,
    pub method: RefundMethod,
    pub reference: String,
    /// A return's refund: when its goods came back.
    pub goods_received_at: Option<DateTime<Utc>>,
    /// AFS-8: the goods are at the overseas warehouse, not shelved yet.
    pub goods_pending: bool,
}

fn sale_key(order_id: &str) -> String {
    format!("sale:{order_id}")
}

impl Finance {
    pub fn new(base: AppBase, settings: Settings) -> Self {
        Self {
            base,
            settings,
            rates: None,
        }
    }

    /// Reads exchange rates from `source` (ORD-20's costs in another currency).
    pub fn with_rates(mut self, source: impl RateSource + 'static) -> Self {
        self.rates = Some(std::sync::Arc::new(source));
        self
    }

    /// Now, to the microsecond, as the databases keep it.
    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    /// The business day of `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.settings.time_zone).date_naive()
    }

    pub fn today(&self) -> NaiveDate {
        self.day_of(self.now())
    }

    /// Files the current span under the order finance knows by this id
    /// (reading its account tags the span; architecture.md §6). A listing
    /// that found nothing still names the order it was asked about.
    pub async fn tag_order(&self, order_id: &str) {
        orderflow_platform::telemetry::tag_order(order_id, "");
        if let Err(error) =
            accounts::account(self.base.database.connection(), order_id, false).await
        {
            tracing::debug!(%error, "no order number for the span");
        }
    }

    async fn account_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &str,
        for_update: bool,
    ) -> Result<OrderAccount, FinanceError> {
        accounts::account(connection, order_id, for_update)
            .await?
            .ok_or_else(|| not_known(order_id))
    }
}

/// Issue 17: an order finance has no account for may not have reached it yet.
pub(crate) fn not_known(order_id: &str) -> FinanceError {
    FinanceError::order_not_known("finance", order_id, "its creation")
}
