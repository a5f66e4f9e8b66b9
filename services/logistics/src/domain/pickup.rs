//! Return pick-ups for after-sales (LOG-7).

use chrono::{DateTime, NaiveDate, Utc};

use super::shipment::Address;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pickup {
    pub id: String,
    pub order_id: String,
    pub reference: String,
    pub address: Address,
    pub pickup_date: NaiveDate,
    pub carrier_code: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}
