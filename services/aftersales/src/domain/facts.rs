//! What after-sales knows of an order: kept from the orders service's
//! events (`orders.order.>`), so that a request is checked against the
//! order without asking the orders service.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

/// Where the order is, as after-sales sees it (AFS-1, AFS-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not shipped yet: a request cancels it (AFS-3).
    BeforeShipment,
    /// On its way: nothing can be returned before it arrives.
    InTransit,
    /// Delivered (or completed): returns within the window (AFS-1).
    Delivered,
    /// Cancelled, closed or rejected.
    Ended,
}

impl Stage {
    /// The stage of an orders-service state name (`OrderState` without the
    /// prefix, lower case).
    pub fn of_state(state: &str) -> Self {
        match state {
            "shipped" => Self::InTransit,
            "delivered" | "completed" => Self::Delivered,
            "cancelled" | "closed" | "rejected" => Self::Ended,
            _ => Self::BeforeShipment,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactLine {
    pub sku: String,
    pub quantity: i64,
    pub unit_price: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub order_id: String,
    pub number: String,
    pub customer_id: String,
    /// The order kind's name, e.g. `standard`.
    pub kind: String,
    /// The orders service's state name, e.g. `delivered`.
    pub state: String,
    pub stage: Stage,
    /// The shop channel of an imported order (ORD-10); empty otherwise.
    pub channel: String,
    pub currency: Currency,
    pub lines: Vec<FactLine>,
    pub total: i64,
    pub amount_paid: i64,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The time of the last event applied: an older one changes nothing.
    pub as_of: DateTime<Utc>,
}

impl OrderFacts {
    /// How many of `sku` the order sold (its lines summed).
    pub fn sold(&self, sku: &str) -> i64 {
        self.lines
            .iter()
            .filter(|line| line.sku == sku)
            .map(|line| line.quantity)
            .sum()
    }

    /// The unit price of `sku` on the order (the first line of it).
    pub fn unit_price(&self, sku: &str) -> Option<i64> {
        self.lines
            .iter()
            .find(|line| line.sku == sku)
            .map(|line| line.unit_price)
    }

    /// Applies a newer view of the order; false (nothing changed) when
    /// `incoming` is older than what is kept. The shipping and delivery
    /// times are kept once known.
    pub fn update(&mut self, incoming: OrderFacts) -> bool {
        if incoming.as_of < self.as_of {
            return false;
        }
        let shipped_at = self.shipped_at.or(incoming.shipped_at);
        let delivered_at = self.delivered_at.or(incoming.delivered_at);
        *self = OrderFacts {
            shipped_at,
            delivered_at,
            ..incoming
        };
        true
    }
}
