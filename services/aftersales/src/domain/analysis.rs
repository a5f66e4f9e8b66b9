//! Return analysis (AFS-9): cases counted by reason, product or month over
//! a period, with the return rate = units returned ÷ units shipped.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::case::Case;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Reason,
    Product,
    Month,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub key: String,
    pub cases: i64,
    pub returned_units: i64,
    pub shipped_units: i64,
    pub return_rate_bps: i64,
}

impl Row {
    fn rate(mut self) -> Self {
        self.return_rate_bps = if self.shipped_units > 0 {
            self.returned_units.saturating_mul(10_000) / self.shipped_units
        } else {
            0
        };
        self
    }
}

/// A line shipped in the period, on its (business) day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipped {
    pub sku: String,
    pub quantity: i64,
    pub day: NaiveDate,
}

fn entry(rows: &mut BTreeMap<String, Row>, key: String) -> &mut Row {
    rows.entry(key.clone()).or_insert_with(|| Row {
        key,
        ..Row::default()
    })
}

fn month(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// `cases` are the period's cases with the (business) day each was opened.
/// Only returns and exchanges that were not rejected count.
pub fn analyse(
    cases: &[(Case, NaiveDate)],
    shipped: &[Shipped],
    dimension: Dimension,
) -> (Vec<Row>, Row) {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut total = Row {
        key: "total".to_owned(),
        ..Row::default()
    };
    for (case, day) in cases
        .iter()
        .filter(|(case, _)| case.kind.takes_goods_back() && case.state.counts())
    {
        total.cases += 1;
        match dimension {
            Dimension::Reason | Dimension::Month => {
                let key = if dimension == Dimension::Reason {
                    case.reason.as_str().to_owned()
                } else {
                    month(*day)
                };
                let row = entry(&mut rows, key);
                row.cases += 1;
                for line in &case.lines {
                    row.returned_units += line.quantity;
                }
            }
            Dimension::Product => {
                let mut seen = Vec::new();
                for line in &case.lines {
                    let row = entry(&mut rows, line.sku.clone());
                    row.returned_units += line.quantity;
                    if !seen.contains(&line.sku) {
                        row.cases += 1;
                        seen.push(line.sku.clone());
                    }
                }
            }
        }
        total.returned_units += case.lines.iter().map(|line| line.quantity).sum::<i64>();
    }
    let shipped_total: i64 = shipped.iter().map(|line| line.quantity).sum();
    total.shipped_units = shipped_total;
    match dimension {
        Dimension::Reason => {
            for row in rows.values_mut() {
                row.shipped_units = shipped_total;
            }
        }
        Dimension::Product => {
            for line in shipped {
                entry(&mut rows, line.sku.clone()).shipped_units += line.quantity;
            }
        }
        Dimension::Month => {
            for line in shipped {
                entry(&mut rows, month(line.day)).shipped_units += line.quantity;
            }
        }
    }
    (rows.into_values().map(Row::rate).collect(), total.rate())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{Kind, Reason, State};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    /// A case with `lines`, from the domain's JSON form (the fields that
    /// matter here set, the rest as a new case has them).
    fn case(kind: Kind, reason: Reason, state: State, lines: &[(&str, i64)]) -> Case {
        let value = serde_json::json!({
            "id": uuid::Uuid::now_v7().to_string(), "number": "AS1", "kind": kind,
            "state": state, "order_id": "o", "order_number": "1", "customer_id": "c",
            "channel": "", "currency": "CNY", "reason": reason, "description": "",
            "evidence": [], "requested_amount": null, "after_shipment": true,
            "freight_payer": "us", "pickup": null, "inspected": [],
            "goods_received_at": null, "refund_amount": null, "refund_id": null,
            "refunded": false, "replacement_order_id": null, "price_difference": null,
            "rejection_reason": "", "refund_due_at": null, "refund_overdue": false,
            "history": [], "created_by": "c", "created_at": "2027-01-11T01:00:00Z",
            "updated_at": "2027-01-11T01:00:00Z",
            "lines": lines.iter().map(|(sku, quantity)| serde_json::json!({
                "sku": sku, "quantity": quantity, "unit_price": 100, "tags_attached": true,
                "packaging_intact": true, "replacement_sku": "", "size": "", "style": "",
                "colour": ""
            })).collect::<Vec<_>>(),
        });
        serde_json::from_value(value).unwrap_or_else(|error| panic!("{error}"))
    }

    fn shipped(sku: &str, quantity: i64, on: &str) -> Shipped {
        Shipped {
            sku: sku.to_owned(),
            quantity,
            day: day(on),
        }
    }

    #[test]
    fn afs_9_counts_and_rates_by_reason_product_and_month() {
        let cases = [
            (
                case(
                    Kind::Return,
                    Reason::Quality,
                    State::Closed,
                    &[("PUMP", 2), ("SEAL", 1)],
                ),
                day("2027-01-12"),
            ),
            (
                case(
                    Kind::Exchange,
                    Reason::SizeOrFit,
                    State::Submitted,
                    &[("PUMP", 1)],
                ),
                day("2027-02-03"),
            ),
            // Rejected and refund-only cases do not count.
            (
                case(
                    Kind::Return,
                    Reason::Quality,
                    State::Rejected,
                    &[("PUMP", 5)],
                ),
                day("2027-01-12"),
            ),
            (
                case(Kind::Refund, Reason::OurFault, State::Closed, &[]),
                day("2027-01-12"),
            ),
        ];
        let out = [
            shipped("PUMP", 30, "2027-01-05"),
            shipped("PUMP", 10, "2027-02-01"),
            shipped("SEAL", 10, "2027-01-05"),
        ];
        let (by_reason, total) = analyse(&cases, &out, Dimension::Reason);
        assert_eq!(total.cases, 2);
        assert_eq!(total.returned_units, 4);
        assert_eq!(total.shipped_units, 50);
        assert_eq!(total.return_rate_bps, 800);
        let keys: Vec<(&str, i64, i64)> = by_reason
            .iter()
            .map(|row| (row.key.as_str(), row.returned_units, row.return_rate_bps))
            .collect();
        assert_eq!(keys, [("quality", 3, 600), ("size_or_fit", 1, 200)]);

        let (by_product, _) = analyse(&cases, &out, Dimension::Product);
        let keys: Vec<(&str, i64, i64, i64, i64)> = by_product
            .iter()
            .map(|row| {
                (
                    row.key.as_str(),
                    row.cases,
                    row.returned_units,
                    row.shipped_units,
                    row.return_rate_bps,
                )
            })
            .collect();
        assert_eq!(keys, [("PUMP", 2, 3, 40, 750), ("SEAL", 1, 1, 10, 1000)]);

        let (by_month, _) = analyse(&cases, &out, Dimension::Month);
        let keys: Vec<(&str, i64, i64)> = by_month
            .iter()
            .map(|row| (row.key.as_str(), row.returned_units, row.shipped_units))
            .collect();
        assert_eq!(keys, [("2027-01", 3, 40), ("2027-02", 1, 10)]);
    }
}
