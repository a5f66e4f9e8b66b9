//! ORD-20: standard costs and the profit finance confirms on a sales detail
//! (财务确认收款和利润). A standard order is released only once finance has
//! confirmed that it sells above what its goods cost us; one at or below
//! cost is a zero- or negative-profit order (APR-5, FIN-12), not a standard
//! sale.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::error::Unmet;
use orderflow_platform::money::rates::Rates;
use orderflow_platform::money::{Currency, Money};
use serde::{Deserialize, Serialize};

use super::account::OrderAccount;

/// The cost of one unit of a SKU from a business day on, as cost accounting
/// set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardCost {
    pub sku: String,
    pub unit_cost: Money,
    pub effective_from: NaiveDate,
    pub note: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

impl StandardCost {
    /// One cost per SKU and day; keys sort by SKU, then by day.
    pub fn key(&self) -> String {
        cost_key(&self.sku, self.effective_from)
    }
}

pub fn cost_key(sku: &str, effective_from: NaiveDate) -> String {
    format!("{sku}@{effective_from}")
}

/// A standard order's revenue against its standard cost, in the order's
/// currency (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderProfit {
    pub order_id: String,
    pub order_number: String,
    pub currency: Currency,
    pub revenue: i64,
    pub cost: i64,
}

impl OrderProfit {
    pub fn profit(&self) -> i64 {
        self.revenue.saturating_sub(self.cost)
    }

    /// Profit per revenue in hundredths of a percent, rounded towards zero;
    /// a sale of nothing has no margin.
    pub fn margin_basis_points(&self) -> i64 {
        if self.revenue <= 0 {
            return 0;
        }
        let margin = i128::from(self.profit()) * 10_000 / i128::from(self.revenue);
        i64::try_from(margin).unwrap_or(i64::MIN)
    }
}

/// What the profit check needs to know besides the order.
pub struct Costing<'a> {
    /// The unit cost of each SKU on the day of the sale.
    pub unit_costs: &'a HashMap<String, Money>,
    /// The company's exchange rates, for a cost in another currency than the
    /// order's; `None` when no cost needed one.
    pub rates: Option<&'a Rates>,
    /// The lowest margin a standard sale may have, in basis points; a profit
    /// must be above zero in any case.
    pub minimum_margin_basis_points: i64,
}

/// What the goods of `account` are costed by: (SKU, units) per line, a kit
/// without a cost of its own by its components.
pub fn cost_parts(
    account: &OrderAccount,
    unit_costs: &HashMap<String, Money>,
) -> Vec<(String, i64)> {
    let mut parts = Vec::new();
    for line in &account.lines {
        if line.components.is_empty() || unit_costs.contains_key(&line.sku) {
            parts.push((line.sku.clone(), line.quantity));
        } else {
            parts.extend(
                line.components
                    .iter()
                    .map(|(sku, per_kit)| (sku.clone(), per_kit.saturating_mul(line.quantity))),
            );
        }
    }
    parts
}

/// Every SKU the goods of `account` may be costed by.
pub fn costed_skus(account: &OrderAccount) -> impl Iterator<Item = &String> {
    account.lines.iter().flat_map(|line| {
        std::iter::once(&line.sku).chain(line.components.iter().map(|(sku, _)| sku))
    })
}

/// Whether a cost of `account`'s goods needs converting into its currency.
pub fn needs_rates(account: &OrderAccount, unit_costs: &HashMap<String, Money>) -> bool {
    cost_parts(account, unit_costs).iter().any(|(sku, _)| {
        unit_costs
            .get(sku)
            .is_some_and(|cost| cost.currency != account.currency)
    })
}

/// ORD-20: the profit of a standard order, or why finance cannot confirm it:
/// a SKU without a standard cost (per line or kit component that needs one),
/// a cost in a currency without a rate, or a profit at or below the minimum
/// margin. Every problem is named; the caller names each cause once.
pub fn confirm_profit(
    account: &OrderAccount,
    costing: &Costing<'_>,
) -> Result<OrderProfit, Vec<Unmet>> {
    let mut unmet: Vec<Unmet> = Vec::new();
    // What the goods cost, per currency of their standard costs.
    let mut by_currency: Vec<(Currency, i128)> = Vec::new();
    for (sku, quantity) in cost_parts(account, costing.unit_costs) {
        let Some(unit_cost) = costing.unit_costs.get(&sku) else {
            unmet.push(Unmet::new(
                "COST_UNKNOWN",
                format!("standard_costs/{sku}"),
                format!(
                    "order {} sells {sku}, which has no standard cost yet: set it \
                     (SetStandardCost) and confirm again",
                    account.order_number
                ),
            ));
            continue;
        };
        let part = i128::from(unit_cost.minor_units) * i128::from(quantity);
        match by_currency
            .iter_mut()
            .find(|(currency, _)| *currency == unit_cost.currency)
        {
            Some((_, sum)) => *sum += part,
            None => by_currency.push((unit_cost.currency, part)),
        }
    }
    // Each currency's sum converted once, rounded up: the cost is never
    // understated, so a sale confirmed "above cost" is.
    let mut cost: i128 = 0;
    for (currency, sum) in by_currency {
        let converted = if currency == account.currency {
            Some(sum)
        } else {
            i64::try_from(sum).ok().and_then(|sum| {
                costing.rates.and_then(|rates| {
                    rates
                        .convert(Money::new(currency, -sum), account.currency)
                        .map(|negated| -negated)
                })
            })
        };
        match converted {
            Some(converted) => cost += converted,
            None => unmet.push(Unmet::new(
                "EXCHANGE_RATE_MISSING",
                format!("exchange_rates/{}", currency.code()),
                format!(
                    "standard costs of order {} are in {}, the order is in {}, and no \
                     exchange rate relates them",
                    account.order_number,
                    currency.code(),
                    account.currency.code()
                ),
            )),
        }
    }
    if !unmet.is_empty() {
        return Err(unmet);
    }
    let profit = OrderProfit {
        order_id: account.order_id.clone(),
        order_number: account.order_number.clone(),
        currency: account.currency,
        revenue: account.total,
        cost: i64::try_from(cost).unwrap_or(i64::MAX),
    };
    if profit.profit() <= 0 || profit.margin_basis_points() < costing.minimum_margin_basis_points {
        return Err(vec![Unmet::new(
            "PROFIT_TOO_LOW",
            format!("orders/{}", account.order_id),
            format!(
                "order {} sells at {} against a standard cost of {}: a profit of {} ({} of \
                 the revenue) is not above the minimum of {}; a sale at or below cost is a \
                 zero- or negative-profit order, approved by the GM and finance (APR-5)",
                account.order_number,
                Money::new(account.currency, profit.revenue),
                Money::new(account.currency, profit.cost),
                Money::new(account.currency, profit.profit()),
                percent(profit.margin_basis_points()),
                percent(costing.minimum_margin_basis_points),
            ),
        )]);
    }
    Ok(profit)
}

fn percent(basis_points: i64) -> String {
    let sign = if basis_points < 0 { "-" } else { "" };
    let points = basis_points.unsigned_abs();
    format!("{sign}{}.{:02} %", points / 100, points % 100)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use orderflow_platform::money::rates::Rate;

    use super::*;
    use crate::domain::account::{AccountLine, OrderKind, Stage};

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn confirmed(result: Result<OrderProfit, Vec<Unmet>>) -> OrderProfit {
        result.unwrap_or_else(|unmet| panic!("{unmet:?}"))
    }

    fn refused(result: Result<OrderProfit, Vec<Unmet>>) -> Vec<Unmet> {
        match result {
            Ok(profit) => panic!("confirmed: {profit:?}"),
            Err(unmet) => unmet,
        }
    }

    fn cny(minor_units: i64) -> Money {
        Money::new(currency("CNY"), minor_units)
    }

    fn order(code: &str, lines: &[(&str, i64, i64)]) -> OrderAccount {
        let lines: Vec<AccountLine> = lines
            .iter()
            .map(|(sku, quantity, unit_price)| AccountLine {
                sku: (*sku).to_owned(),
                quantity: *quantity,
                unit_price: *unit_price,
                components: Vec::new(),
            })
            .collect();
        OrderAccount {
            order_id: "0190a0a0-0000-7000-8000-000000000001".to_owned(),
            order_number: "SO-1".to_owned(),
            kind: OrderKind::Standard,
            customer_id: "c".to_owned(),
            salesperson: "tom".to_owned(),
            store_code: String::new(),
            currency: currency(code),
            total: lines
                .iter()
                .map(|line| line.quantity * line.unit_price)
                .sum(),
            terms: None,
            delivery_date: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap_or_default(),
            lines,
            stage: Stage::AwaitingPayment,
            order_updated_at: Utc
                .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            manager_confirmation: None,
            gate_opened_at: None,
            balance_reminded_at: None,
            announced_blockers: None,
            receipt_confirmed_at: None,
            warehousing_date: None,
            cost_bearer: None,
            replaces_order_id: String::new(),
        }
    }

    fn costing<'a>(
        unit_costs: &'a HashMap<String, Money>,
        rates: Option<&'a Rates>,
    ) -> Costing<'a> {
        Costing {
            unit_costs,
            rates,
            minimum_margin_basis_points: 0,
        }
    }

    #[test]
    fn ord_20_the_profit_is_the_revenue_less_the_lines_standard_cost() {
        let account = order("CNY", &[("PUMP", 2, 15_000), ("SEAL", 10, 500)]);
        let costs = HashMap::from([
            ("PUMP".to_owned(), cny(10_000)),
            ("SEAL".to_owned(), cny(200)),
        ]);
        let profit = confirmed(confirm_profit(&account, &costing(&costs, None)));
        assert_eq!((profit.revenue, profit.cost), (35_000, 22_000));
        assert_eq!(profit.profit(), 13_000);
        assert_eq!(profit.margin_basis_points(), 3714);
    }

    #[test]
    fn ord_20_a_sku_without_a_standard_cost_is_named() {
        let account = order("CNY", &[("PUMP", 2, 15_000), ("SEAL", 10, 500)]);
        let costs = HashMap::from([("PUMP".to_owned(), cny(10_000))]);
        let unmet = refused(confirm_profit(&account, &costing(&costs, None)));
        assert_eq!(unmet.len(), 1);
        assert_eq!(unmet[0].kind, "COST_UNKNOWN");
        assert_eq!(unmet[0].subject, "standard_costs/SEAL");
    }

    #[test]
    fn ord_20_a_sale_at_or_below_cost_or_the_minimum_margin_is_refused() {
        let costs = HashMap::from([("PUMP".to_owned(), cny(15_000))]);
        let at_cost = order("CNY", &[("PUMP", 2, 15_000)]);
        let unmet = refused(confirm_profit(&at_cost, &costing(&costs, None)));
        assert_eq!(unmet[0].kind, "PROFIT_TOO_LOW");
        assert!(
            unmet[0].description.contains("0.00 %"),
            "{}",
            unmet[0].description
        );
        let thin = order("CNY", &[("PUMP", 2, 16_000)]);
        assert!(confirm_profit(&thin, &costing(&costs, None)).is_ok());
        let strict = Costing {
            minimum_margin_basis_points: 1000,
            ..costing(&costs, None)
        };
        let unmet = refused(confirm_profit(&thin, &strict));
        assert_eq!(unmet[0].subject, format!("orders/{}", thin.order_id));
    }

    #[test]
    fn ord_20_a_kit_without_a_cost_of_its_own_costs_what_its_components_cost() {
        let mut account = order("CNY", &[("GARDEN-SET", 2, 150_000)]);
        account.lines[0].components = vec![("PUMP".to_owned(), 1), ("SEAL".to_owned(), 2)];
        let costs = HashMap::from([
            ("PUMP".to_owned(), cny(80_000)),
            ("SEAL".to_owned(), cny(5_000)),
        ]);
        let profit = confirmed(confirm_profit(&account, &costing(&costs, None)));
        assert_eq!(profit.cost, 2 * (80_000 + 2 * 5_000));
        let own = HashMap::from([("GARDEN-SET".to_owned(), cny(100_000))]);
        assert_eq!(
            confirmed(confirm_profit(&account, &costing(&own, None))).cost,
            200_000
        );
        let unmet = refused(confirm_profit(&account, &costing(&HashMap::new(), None)));
        let subjects: Vec<&str> = unmet.iter().map(|unmet| unmet.subject.as_str()).collect();
        assert_eq!(subjects, ["standard_costs/PUMP", "standard_costs/SEAL"]);
    }

    #[test]
    fn ord_20_costs_in_another_currency_are_summed_then_converted_rounded_up() {
        // Two parts of 355.07 CNY at 7.1 CNY/USD: 100.0197 USD, so a sale at
        // 100.01 USD is below cost, though each part alone rounds down.
        let account = order("USD", &[("PUMP", 1, 5_001), ("SEAL", 1, 5_000)]);
        let costs = HashMap::from([
            ("PUMP".to_owned(), cny(35_507)),
            ("SEAL".to_owned(), cny(35_507)),
        ]);
        let mut rates = Rates::new(currency("CNY"));
        rates.rates.insert(
            currency("USD"),
            Rate::parse("7.1").unwrap_or_else(|e| panic!("{e}")),
        );
        let unmet = refused(confirm_profit(&account, &costing(&costs, Some(&rates))));
        assert_eq!(unmet[0].kind, "PROFIT_TOO_LOW", "{unmet:?}");
        assert!(
            unmet[0].description.contains("100.02 USD"),
            "{}",
            unmet[0].description
        );
    }

    #[test]
    fn ord_20_a_cost_in_another_currency_is_converted_at_the_company_rate() {
        let account = order("USD", &[("PUMP", 2, 10_000)]);
        let costs = HashMap::from([("PUMP".to_owned(), cny(35_500))]);
        assert!(needs_rates(&account, &costs));
        let unmet = refused(confirm_profit(&account, &costing(&costs, None)));
        assert_eq!(unmet[0].kind, "EXCHANGE_RATE_MISSING");
        let mut rates = Rates::new(currency("CNY"));
        rates.rates.insert(
            currency("USD"),
            Rate::parse("7.1").unwrap_or_else(|e| panic!("{e}")),
        );
        let profit = confirmed(confirm_profit(&account, &costing(&costs, Some(&rates))));
        // 2 × 355.00 CNY = 710.00 CNY = 100.00 USD.
        assert_eq!((profit.revenue, profit.cost), (20_000, 10_000));
    }
}
