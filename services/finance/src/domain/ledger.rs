//! The sales ledger (销售明细, FIN-7) and the daily sales detail (ORD-20).
//! Entries are never changed or deleted: a return or a correction is a new,
//! negative entry (负数冲销) on the day it happens. The store has no update or
//! delete path for them, and the database refuses one.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::cost::OrderProfit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Sale,
    Return,
    Correction,
    /// Money refunded beyond what returns and corrections already took off.
    Refund,
    /// AFS-8: refunded before the goods were shelved at the overseas
    /// warehouse; reversed and booked as a return once they are.
    NegativeProfit,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Return => "return",
            Self::Correction => "correction",
            Self::Refund => "refund",
            Self::NegativeProfit => "negative_profit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Sale,
            Self::Return,
            Self::Correction,
            Self::Refund,
            Self::NegativeProfit,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub salesperson: String,
    pub customer_id: String,
    pub kind: EntryKind,
    pub currency: Currency,
    /// Signed minor units.
    pub amount: i64,
    pub entry_date: NaiveDate,
    pub offsets_entry_id: Option<String>,
    pub reference: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailState {
    Signed,
    Confirmed,
}

impl DetailState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Confirmed => "confirmed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Signed, Self::Confirmed]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// A salesperson's sales detail of a day as a `dept_manager` signed it: the
/// entries it covers are fixed at signing; entries written later go on the
/// next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesDetail {
    pub id: String,
    pub salesperson: String,
    pub entry_date: NaiveDate,
    pub state: DetailState,
    pub entry_ids: Vec<String>,
    /// Per currency, signed minor units.
    pub totals: Vec<(Currency, i64)>,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The profit confirmed per standard order, once confirmed (ORD-20).
    pub profits: Vec<OrderProfit>,
}

impl SalesDetail {
    /// ORD-20: a `dept_manager` signs the entries of `salesperson` on
    /// `entry_date` not signed yet. Nobody signs their own sales.
    pub fn sign(
        salesperson: &str,
        entry_date: NaiveDate,
        entries: &[LedgerEntry],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, FinanceError> {
        if by == salesperson {
            return Err(FinanceError::PermissionDenied(
                "a salesperson's sales detail is signed by their manager, not by themselves"
                    .to_owned(),
            ));
        }
        if entries.is_empty() {
            return Err(FinanceError::precondition(
                "NOTHING_TO_SIGN",
                format!("sales_details/{salesperson}/{entry_date}"),
                format!("{salesperson} has no unsigned entries on {entry_date}"),
            ));
        }
        Ok(Self {
            id: uuid::Uuid::now_v7().to_string(),
            salesperson: salesperson.to_owned(),
            entry_date,
            state: DetailState::Signed,
            entry_ids: entries.iter().map(|entry| entry.id.clone()).collect(),
            totals: totals(entries),
            signed_by: by.to_owned(),
            signed_at: now,
            confirmed_by: None,
            confirmed_at: None,
            profits: Vec::new(),
        })
    }

    pub fn is_confirmed(&self) -> bool {
        self.confirmed_by.is_some()
    }

    /// ORD-20: `finance` confirms payment and profit of a signed detail;
    /// the same confirmation again is a retry.
    pub fn confirm(&mut self, by: &str, now: DateTime<Utc>) -> Result<bool, FinanceError> {
        if let Some(confirmed_by) = &self.confirmed_by {
            return if confirmed_by == by {
                Ok(false)
            } else {
                Err(FinanceError::precondition(
                    "ALREADY_CONFIRMED",
                    format!("sales_details/{}", self.id),
                    format!("already confirmed by {confirmed_by}"),
                ))
            };
        }
        self.state = DetailState::Confirmed;
        self.confirmed_by = Some(by.to_owned());
        self.confirmed_at = Some(now);
        Ok(true)
    }
}

/// The sum per currency, in the order the currencies first appear.
pub fn totals(entries: &[LedgerEntry]) -> Vec<(Currency, i64)> {
    let mut totals: Vec<(Currency, i64)> = Vec::new();
    for entry in entries {
        match totals
            .iter_mut()
            .find(|(currency, _)| *currency == entry.currency)
        {
            Some((_, sum)) => *sum = sum.saturating_add(entry.amount),
            None => totals.push((entry.currency, entry.amount)),
        }
    }
    totals
}

/// What to list; every filter optional.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub salesperson: Option<String>,
    pub order_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}
