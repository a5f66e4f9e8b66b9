//! Money: an ISO 4217 currency and an amount in integer minor units
//! (architecture.md §3, FIN-11). No floating point anywhere near it.

pub mod rates;

use std::fmt;

use iso_currency::Currency as IsoCurrency;
use serde::{Deserialize, Serialize};

/// A known ISO 4217 currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(IsoCurrency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, String> {
        let code = code.trim();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err("must be an ISO 4217 code such as CNY or USD".to_owned());
        }
        IsoCurrency::from_code(code)
            .map(Self)
            .ok_or_else(|| format!("{code} is not an ISO 4217 currency"))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point (2 for CNY, 0 for JPY).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }
}

impl TryFrom<String> for Currency {
    type Error = String;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// An amount of one currency in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub currency: Currency,
    pub minor_units: i64,
}

impl Money {
    pub fn new(currency: Currency, minor_units: i64) -> Self {
        Self {
            currency,
            minor_units,
        }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(currency, 0)
    }

    /// `self × quantity`, or `None` on overflow.
    pub fn times(self, quantity: i64) -> Option<Self> {
        self.minor_units
            .checked_mul(quantity)
            .map(|minor_units| Self::new(self.currency, minor_units))
    }

    /// `self + other` in the same currency, or `None` on overflow or a
    /// currency mismatch.
    pub fn plus(self, other: Self) -> Option<Self> {
        if self.currency != other.currency {
            return None;
        }
        self.minor_units
            .checked_add(other.minor_units)
            .map(|minor_units| Self::new(self.currency, minor_units))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = self.currency.exponent();
        let sign = if self.minor_units < 0 { "-" } else { "" };
        let magnitude = self.minor_units.unsigned_abs();
        if exponent == 0 {
            return write!(formatter, "{sign}{magnitude} {}", self.currency);
        }
        let scale = 10u64.pow(exponent);
        write!(
            formatter,
            "{sign}{}.{:0width$} {}",
            magnitude / scale,
            magnitude % scale,
            self.currency,
            width = exponent as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn fin_11_money_is_minor_units_of_a_known_currency() {
        assert!(Currency::parse("XYZ").is_err());
        assert!(Currency::parse("cny").is_err());
        let price = Money::new(cny(), 123_456);
        assert_eq!(price.to_string(), "1234.56 CNY");
        assert_eq!(Money::new(cny(), -5).to_string(), "-0.05 CNY");
        let jpy = Currency::parse("JPY").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Money::new(jpy, 1500).to_string(), "1500 JPY");
    }

    #[test]
    fn arithmetic_refuses_overflow_and_mixed_currencies() {
        let usd = Currency::parse("USD").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Money::new(cny(), i64::MAX).times(2), None);
        assert_eq!(Money::new(cny(), 1).plus(Money::new(usd, 1)), None);
        assert_eq!(
            Money::new(cny(), 250).times(4).map(|m| m.minor_units),
            Some(1000)
        );
    }
}
