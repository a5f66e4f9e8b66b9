//! What finance knows of an order: kept from the orders service's events.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

/// The order kinds of domain.md §2, as far as finance tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Standard,
    Export,
    MonthlySettlement,
    FreeSample,
    ReshipZeroProfit,
    ReshipNegativeProfit,
    MaterialPrep,
    SelfStock,
    MadeToMeasure,
    Return,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Export => "export",
            Self::MonthlySettlement => "monthly_settlement",
            Self::FreeSample => "free_sample",
            Self::ReshipZeroProfit => "reship_zero_profit",
            Self::ReshipNegativeProfit => "reship_negative_profit",
            Self::MaterialPrep => "material_prep",
            Self::SelfStock => "self_stock",
            Self::MadeToMeasure => "made_to_measure",
            Self::Return => "return",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Standard,
            Self::Export,
            Self::MonthlySettlement,
            Self::FreeSample,
            Self::ReshipZeroProfit,
            Self::ReshipNegativeProfit,
            Self::MaterialPrep,
            Self::SelfStock,
            Self::MadeToMeasure,
            Self::Return,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// APR-5: released on the `gm` and `finance` sign-off of their approval
    /// chain, not on a payment.
    pub fn signed_off_by_gm_and_finance(self) -> bool {
        matches!(
            self,
            Self::MonthlySettlement
                | Self::FreeSample
                | Self::ReshipZeroProfit
                | Self::ReshipNegativeProfit
        )
    }

    /// A reship (ORD-14): it replaces an order and records who bears its
    /// cost (FIN-12).
    pub fn is_reship(self) -> bool {
        matches!(self, Self::ReshipZeroProfit | Self::ReshipNegativeProfit)
    }

    /// Nothing is sold: material preparation and production for stock.
    pub fn is_sale(self) -> bool {
        !matches!(self, Self::MaterialPrep | Self::SelfStock | Self::Return)
    }
}

/// FIN-12: who bears a reship's cost, as the order records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBearer {
    Us,
    Carrier,
    Customer,
}

impl CostBearer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Us => "us",
            Self::Carrier => "carrier",
            Self::Customer => "customer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Us, Self::Carrier, Self::Customer]
            .into_iter()
            .find(|bearer| bearer.as_str() == text)
    }
}

/// Payment terms (FIN-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    Prepaid,
    TtDeposit,
    Lc,
    Da,
    OpenAccount,
    MonthlySettlement,
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prepaid => "prepaid",
            Self::TtDeposit => "tt_deposit",
            Self::Lc => "lc",
            Self::Da => "da",
            Self::OpenAccount => "open_account",
            Self::MonthlySettlement => "monthly_settlement",
        }
    }

    /// The customer takes the goods before paying (FIN-1 applies).
    pub fn is_credit(self) -> bool {
        matches!(self, Self::Da | Self::OpenAccount | Self::MonthlySettlement)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub kind: TermKind,
    /// For `tt_deposit`: the deposit, percent of the total.
    pub deposit_percent: u8,
}

/// Where the order is in its lifecycle, as finance needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Draft, submitted, under review or approval.
    BeforePayment,
    AwaitingPayment,
    /// Released or further on (production, shipping).
    Released,
    /// Delivered to the customer; waiting for settlement (FIN-9).
    Delivered,
    Completed,
    /// Rejected, cancelled or closed.
    Ended,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforePayment => "before_payment",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Released => "released",
            Self::Delivered => "delivered",
            Self::Completed => "completed",
            Self::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::BeforePayment,
            Self::AwaitingPayment,
            Self::Released,
            Self::Delivered,
            Self::Completed,
            Self::Ended,
        ]
        .into_iter()
        .find(|stage| stage.as_str() == text)
    }

    /// The order was accepted as a sale: it passed review and approval.
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            Self::AwaitingPayment | Self::Released | Self::Completed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLine {
    pub sku: String,
    pub quantity: i64,
    /// Minor units of the order's currency.
    pub unit_price: i64,
    /// A kit's components (SKU, units per kit): a kit without a standard
    /// cost of its own costs what its components cost (ORD-20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<(String, i64)>,
}

/// A manager's confirmation of a release (FIN-1, FIN-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// An order as finance keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAccount {
    pub order_id: String,
    pub order_number: String,
    pub kind: OrderKind,
    pub customer_id: String,
    pub salesperson: String,
    /// S10: the store that took a made-to-measure order; its people record
    /// the order's payments.
    pub store_code: String,
    pub currency: Currency,
    /// Minor units.
    pub total: i64,
    pub terms: Option<Terms>,
    pub delivery_date: NaiveDate,
    pub lines: Vec<AccountLine>,
    pub stage: Stage,
    /// The order's own update time of the version kept here; an older
    /// event changes nothing.
    pub order_updated_at: DateTime<Utc>,
    pub manager_confirmation: Option<Confirmation>,
    pub gate_opened_at: Option<DateTime<Utc>>,
    /// SLA-5: when the assistant was reminded to urge the balance.
    pub balance_reminded_at: Option<DateTime<Utc>>,
    /// The blocker codes last announced on `finance.gate.blocked`.
    pub announced_blockers: Option<String>,
    /// LOG-5: when logistics reported the customer's receipt.
    pub receipt_confirmed_at: Option<DateTime<Utc>>,
    /// PRD-11: the warehousing date production planned (the latest planned
    /// completion of the order's production orders), once there is one.
    pub warehousing_date: Option<NaiveDate>,
    /// FIN-12: who bears a reship's cost (finance's registration of it).
    pub cost_bearer: Option<CostBearer>,
    /// ORD-14: the order a reship or exchange replaces (empty for others).
    pub replaces_order_id: String,
}

impl OrderAccount {
    /// SLA-5: the day the goods are expected — production's planned
    /// warehousing date once there is one, else the delivery date.
    pub fn expected_date(&self) -> NaiveDate {
        self.warehousing_date.unwrap_or(self.delivery_date)
    }

    /// Whether the order waits for its release gate: awaiting payment, the
    /// gate not opened yet.
    pub fn awaits_release(&self) -> bool {
        self.stage == Stage::AwaitingPayment && self.gate_opened_at.is_none()
    }
}

impl OrderAccount {
    /// The deposit a `tt_deposit` order needs before release, rounded up to
    /// the minor unit: a 30 % deposit of 100.01 is 30.01.
    pub fn deposit_due(&self) -> i64 {
        let percent = self
            .terms
            .map_or(0, |terms| i128::from(terms.deposit_percent));
        let total = i128::from(self.total);
        let due = (total * percent + 99) / 100;
        i64::try_from(due).unwrap_or(i64::MAX)
    }

    /// The unit price of `sku` on this order (the first line selling it).
    pub fn unit_price_of(&self, sku: &str) -> Option<i64> {
        self.lines
            .iter()
            .find(|line| line.sku == sku)
            .map(|line| line.unit_price)
    }

    /// Whether an update seen at `at` is newer than what is kept.
    pub fn is_older_than(&self, at: DateTime<Utc>) -> bool {
        self.order_updated_at < at
    }
}
