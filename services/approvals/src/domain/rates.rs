//! Exchange rates into the base currency (APR-2): the platform's exact
//! decimal rates, and the rates approvals keeps with who set them.

use chrono::{DateTime, Utc};

use orderflow_platform::money::Currency;
pub use orderflow_platform::money::rates::{Rate, Rates};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRate {
    pub currency: Currency,
    pub rate: Rate,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}
