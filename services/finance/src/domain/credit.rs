//! Customer credit (客户信誉评定, FIN-1): a rating and a limit; open credit
//! orders use it up until they are paid.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Currency;
use orderflow_platform::validation::Violations;

/// The ratings, best first; `D` allows no credit.
pub const RATINGS: [&str; 4] = ["A", "B", "C", "D"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRating {
    pub customer_id: String,
    pub rating: String,
    pub currency: Currency,
    /// Minor units; 0 for rating `D`.
    pub limit: i64,
    pub note: String,
    pub rated_by: String,
    pub rated_at: DateTime<Utc>,
}

/// A rating as given.
#[derive(Debug, Clone, Default)]
pub struct RatingInput {
    pub customer_id: String,
    pub rating: String,
    pub currency_code: String,
    pub limit: i64,
    pub note: String,
}

impl CreditRating {
    pub fn parse(
        input: &RatingInput,
        by: &str,
        now: DateTime<Utc>,
        violations: &mut Violations,
    ) -> Option<Self> {
        let customer_id = violations.required_id("customer_id", &input.customer_id);
        let limit = input.limit;
        let rating = input.rating.trim().to_uppercase();
        if !RATINGS.contains(&rating.as_str()) {
            violations.add("rating", format!("must be one of {}", RATINGS.join(", ")));
        }
        let currency = match Currency::parse(&input.currency_code) {
            Ok(currency) => Some(currency),
            Err(problem) => {
                violations.add("credit_limit.currency_code", problem);
                None
            }
        };
        if limit < 0 {
            violations.add("credit_limit.minor_units", "must not be negative");
        } else if rating == "D" && limit != 0 {
            violations.add(
                "credit_limit.minor_units",
                "rating D allows no credit: must be zero",
            );
        }
        let note = violations.optional("note", &input.note, 1000);
        Some(Self {
            customer_id,
            rating,
            currency: currency?,
            limit,
            note,
            rated_by: by.to_owned(),
            rated_at: now,
        })
    }

    /// What is left after `used`, in the limit's currency.
    pub fn available(&self, used: i64) -> i64 {
        self.limit.saturating_sub(used)
    }
}

/// The credit a customer has, uses and has left (FIN-1).
#[derive(Debug, Clone)]
pub struct CreditStatus {
    pub customer_id: String,
    pub rating: Option<CreditRating>,
    pub used: i64,
}
