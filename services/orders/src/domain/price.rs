//! The list price of a SKU in a currency: what confirmation compares order lines with (ORD-5).

use chrono::{DateTime, Utc};
use orderflow_platform::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPrice {
    pub sku: String,
    pub unit_price: Money,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// ORD-18: the SKU is a special custom-made product (in every currency).
    pub special_custom: bool,
}
