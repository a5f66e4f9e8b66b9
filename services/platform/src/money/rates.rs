//! Exchange rates into a base currency, as exact decimals (no floating
//! point): a threshold of 500,000.00 CNY applies to a USD order through its
//! rate (APR-2); quotes in several currencies are compared in one (PRC-3).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Currency, Money};

/// Units of the base currency per unit of a currency, e.g. 7.1234 as
/// `mantissa = 71234, scale = 4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub mantissa: i64,
    pub scale: u32,
}

impl Rate {
    /// A positive decimal such as "7.1234" (at most 12 decimals).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let valid = !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && fraction.chars().all(|c| c.is_ascii_digit())
            && fraction.len() <= 12;
        if !valid {
            return Err("must be a positive decimal such as 7.1234".to_owned());
        }
        let digits = format!("{whole}{fraction}");
        let mantissa: i64 = digits
            .parse()
            .map_err(|_| "has too many digits".to_owned())?;
        if mantissa == 0 {
            return Err("must be greater than zero".to_owned());
        }
        Ok(Self {
            mantissa,
            scale: u32::try_from(fraction.len()).unwrap_or(12),
        })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scale = 10i64.pow(self.scale);
        if self.scale == 0 {
            write!(formatter, "{}", self.mantissa)
        } else {
            write!(
                formatter,
                "{}.{:0width$}",
                self.mantissa / scale,
                self.mantissa % scale,
                width = self.scale as usize
            )
        }
    }
}

/// The rates known now, by currency, into `base`.
#[derive(Debug, Clone)]
pub struct Rates {
    pub base: Currency,
    pub rates: HashMap<Currency, Rate>,
}

impl Rates {
    pub fn new(base: Currency) -> Self {
        Self {
            base,
            rates: HashMap::new(),
        }
    }

    /// `amount` in `target`'s currency (rounded down), or `None` without a
    /// rate for either side.
    pub fn convert(&self, amount: Money, target: Currency) -> Option<i128> {
        if amount.currency == target {
            return Some(i128::from(amount.minor_units));
        }
        let in_base = self.to_base(amount)?;
        if target == self.base {
            return Some(in_base);
        }
        // base → target: divide by target's rate.
        let rate = self.rates.get(&target)?;
        let numerator = in_base * 10i128.pow(rate.scale) * 10i128.pow(target.exponent());
        let denominator = i128::from(rate.mantissa) * 10i128.pow(self.base.exponent());
        Some(numerator.div_euclid(denominator))
    }

    fn to_base(&self, amount: Money) -> Option<i128> {
        if amount.currency == self.base {
            return Some(i128::from(amount.minor_units));
        }
        let rate = self.rates.get(&amount.currency)?;
        let numerator = i128::from(amount.minor_units)
            * i128::from(rate.mantissa)
            * 10i128.pow(self.base.exponent());
        let denominator = 10i128.pow(rate.scale) * 10i128.pow(amount.currency.exponent());
        Some(numerator.div_euclid(denominator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rates_are_exact_decimals() {
        let rate = Rate::parse("7.1234").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rate,
            Rate {
                mantissa: 71234,
                scale: 4
            }
        );
        assert_eq!(rate.to_string(), "7.1234");
        assert!(Rate::parse("0").is_err());
        assert!(Rate::parse("-1.2").is_err());
        assert!(Rate::parse("1e3").is_err());
    }

    #[test]
    fn apr_2_amounts_convert_into_the_base_currency() {
        let mut rates = Rates::new(currency("CNY"));
        rates.rates.insert(
            currency("USD"),
            Rate {
                mantissa: 70,
                scale: 1,
            },
        );
        rates.rates.insert(
            currency("JPY"),
            Rate {
                mantissa: 5,
                scale: 2,
            },
        );
        // 80,000.00 USD at 7.0 = 560,000.00 CNY
        assert_eq!(
            rates.convert(Money::new(currency("USD"), 8_000_000), currency("CNY")),
            Some(56_000_000)
        );
        // 1,000,000 JPY (no minor units) at 0.05 = 50,000.00 CNY
        assert_eq!(
            rates.convert(Money::new(currency("JPY"), 1_000_000), currency("CNY")),
            Some(5_000_000)
        );
        // CNY → USD
        assert_eq!(
            rates.convert(Money::new(currency("CNY"), 700), currency("USD")),
            Some(100)
        );
        assert_eq!(
            rates.convert(Money::new(currency("EUR"), 100), currency("CNY")),
            None
        );
    }
}
