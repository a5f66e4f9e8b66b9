//! The values a case is made of: its kind, states, reasons, lines, what
//! the inspection found, the pick-up and the history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Return,
    Exchange,
    Refund,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Return => "return",
            Self::Exchange => "exchange",
            Self::Refund => "refund",
        }
    }

    /// Whether goods come back.
    pub fn takes_goods_back(self) -> bool {
        matches!(self, Self::Return | Self::Exchange)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Submitted,
    InformationRequested,
    Rejected,
    Approved,
    Cancelling,
    PickupScheduled,
    /// Goods back and nothing to refund: an exchange waits for its
    /// replacement order.
    Inspected,
    Refunding,
    RefundRejected,
    Closed,
}

impl State {
    pub const ALL: [State; 10] = [
        Self::Submitted,
        Self::InformationRequested,
        Self::Rejected,
        Self::Approved,
        Self::Cancelling,
        Self::PickupScheduled,
        Self::Inspected,
        Self::Refunding,
        Self::RefundRejected,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InformationRequested => "information_requested",
            Self::Rejected => "rejected",
            Self::Approved => "approved",
            Self::Cancelling => "cancelling",
            Self::PickupScheduled => "pickup_scheduled",
            Self::Inspected => "inspected",
            Self::Refunding => "refunding",
            Self::RefundRejected => "refund_rejected",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether the case still counts against the order's quantities and
    /// money (everything but a rejected request).
    pub fn counts(self) -> bool {
        self != Self::Rejected
    }
}

/// Why the goods come back (AFS-1); decides the freight payer (AFS-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Quality,
    OurFault,
    DamagedInTransit,
    ChangedMind,
    SizeOrFit,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Self::Quality,
        Self::OurFault,
        Self::DamagedInTransit,
        Self::ChangedMind,
        Self::SizeOrFit,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quality => "quality",
            Self::OurFault => "our_fault",
            Self::DamagedInTransit => "damaged_in_transit",
            Self::ChangedMind => "changed_mind",
            Self::SizeOrFit => "size_or_fit",
            Self::Other => "other",
        }
    }

    /// A quality problem or our own (or our carrier's) fault.
    pub fn is_ours(self) -> bool {
        matches!(
            self,
            Self::Quality | Self::OurFault | Self::DamagedInTransit
        )
    }

    /// AFS-4: the return freight is the customer's unless the cause is ours.
    pub fn freight_payer(self) -> FreightPayer {
        if self.is_ours() {
            FreightPayer::Us
        } else {
            FreightPayer::Customer
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreightPayer {
    Customer,
    Us,
}

impl FreightPayer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Us => "us",
        }
    }
}

/// How the return freight is paid; cash on delivery is never accepted
/// (AFS-4), so it is not a value here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreightPayment {
    SenderPrepaid,
    OurAccount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Complete,
    Damaged,
}

/// A line the customer sends back (AFS-1, AFS-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: i64,
    /// The order's unit price, filled in from the order.
    pub unit_price: i64,
    pub tags_attached: bool,
    pub packaging_intact: bool,
    /// Exchange: what the customer wants instead (empty: the same SKU).
    pub replacement_sku: String,
    pub size: String,
    pub style: String,
    pub colour: String,
}

impl Line {
    pub fn value(&self) -> Option<i64> {
        self.unit_price.checked_mul(self.quantity)
    }
}

/// The inspection's finding for one line (AFS-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspected {
    pub sku: String,
    pub quantity: i64,
    pub condition: Condition,
    /// What it is worth back, in minor units.
    pub agreed_value: i64,
    pub restocked: bool,
    pub note: String,
}

/// An inspection's line as given, before it is checked against the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub sku: String,
    pub quantity: i64,
    pub condition: Condition,
    /// Required for damaged goods; for complete goods it must be the full
    /// value or absent.
    pub agreed_value: Option<i64>,
    pub restocked: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    pub pickup_id: String,
    pub pickup_date: NaiveDate,
    pub carrier_code: String,
    /// Where logistics collects.
    pub address: Address,
    pub freight_payer: FreightPayer,
    pub freight_payment: FreightPayment,
}

pub use orderflow_platform::address::Address;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}
