//! Payments (FIN-3): recorded as reported, counted once `finance` confirms
//! them as genuine.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

use super::FinanceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Deposit,
    Balance,
    Full,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Balance => "balance",
            Self::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Deposit, Self::Balance, Self::Full]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub kind: PaymentKind,
    pub currency: Currency,
    pub amount: i64,
    pub method: String,
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Payment {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_by.is_some()
    }

    /// FIN-3: confirmed once, by someone other than who recorded it; a
    /// second confirmation by the same person is a retry.
    pub fn confirm(&mut self, by: &str, now: DateTime<Utc>) -> Result<bool, FinanceError> {
        if let Some(confirmed_by) = &self.confirmed_by {
            return if confirmed_by == by {
                Ok(false)
            } else {
                Err(FinanceError::precondition(
                    "PAYMENT_ALREADY_CONFIRMED",
                    format!("payments/{}", self.id),
                    format!("already confirmed by {confirmed_by}"),
                ))
            };
        }
        if self.recorded_by == by {
            return Err(FinanceError::PermissionDenied(
                "a payment is confirmed by someone other than who recorded it".to_owned(),
            ));
        }
        self.confirmed_by = Some(by.to_owned());
        self.confirmed_at = Some(now);
        Ok(true)
    }
}

/// The sum of the confirmed payments in `currency`.
pub fn confirmed_total(payments: &[Payment], currency: Currency) -> i64 {
    payments
        .iter()
        .filter(|payment| payment.is_confirmed() && payment.currency == currency)
        .map(|payment| payment.amount)
        .fold(0_i64, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment() -> Payment {
        Payment {
            id: "p".to_owned(),
            order_id: "o".to_owned(),
            order_number: "n".to_owned(),
            kind: PaymentKind::Deposit,
            currency: Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            amount: 3_000_000,
            method: "bank transfer".to_owned(),
            reference: "ICBC-1".to_owned(),
            recorded_by: "tom".to_owned(),
            recorded_at: Utc::now(),
            confirmed_by: None,
            confirmed_at: None,
        }
    }

    #[test]
    fn fin_3_only_a_confirmed_payment_counts() {
        let mut p = payment();
        let currency = p.currency;
        assert_eq!(confirmed_total(std::slice::from_ref(&p), currency), 0);
        assert!(p.confirm("tom", Utc::now()).is_err(), "not by its recorder");
        assert_eq!(p.confirm("fiona", Utc::now()).ok(), Some(true));
        assert_eq!(p.confirm("fiona", Utc::now()).ok(), Some(false), "a retry");
        assert!(p.confirm("frank", Utc::now()).is_err());
        assert_eq!(confirmed_total(&[p], currency), 3_000_000);
    }
}
