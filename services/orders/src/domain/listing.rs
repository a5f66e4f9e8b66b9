//! What a list of orders is filtered by (ListOrders, ORD-10's reviewer view).

use chrono::{DateTime, Utc};

use super::order::{OrderKind, OrderState};

/// The filters of `ListOrders`.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub state: Option<OrderState>,
    pub kind: Option<OrderKind>,
    pub customer_id: Option<String>,
    pub salesperson: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub confirmation_overdue_only: bool,
    /// ORD-10: the reviewer asking, who does not see submitted orders
    /// another reviewer holds.
    pub reviewer: Option<String>,
    /// S10: a store's people see the store's orders only.
    pub store_code: Option<String>,
}

impl OrderFilter {
    /// A stable rendering, to bind page tokens to these filters.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}
