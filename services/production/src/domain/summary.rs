//! PRD-9: summaries — output against the plan, yield, material used against
//! the BOM — for one production order and for a period.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::order::ProductionOrder;
use super::schedule::JobPlan;

/// One day of a production order: planned pieces (of its last in-house
/// operation) against what was reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayOutput {
    pub day: Option<NaiveDate>,
    pub planned: i64,
    pub good: i64,
    pub scrap: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialUse {
    pub sku: String,
    pub bom_quantity: i64,
    pub issued: i64,
}

impl MaterialUse {
    pub fn variance(&self) -> i64 {
        self.issued - self.bom_quantity
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub planned: i64,
    pub good: i64,
    pub scrap: i64,
    pub passed: i64,
    pub days: Vec<DayOutput>,
    pub materials: Vec<MaterialUse>,
}

/// good / (good + scrap) in basis points; 10000 when nothing was made yet.
pub fn yield_bps(good: i64, scrap: i64) -> i32 {
    let made = i128::from(good) + i128::from(scrap);
    if made <= 0 {
        return 10_000;
    }
    i32::try_from(i128::from(good) * 10_000 / made).unwrap_or(10_000)
}

/// The pieces `plan` books per day on the job's last in-house operation:
/// what finishes that day.
fn planned_per_day(plan: Option<&JobPlan>) -> BTreeMap<NaiveDate, i64> {
    let mut per_day = BTreeMap::new();
    let Some(plan) = plan else {
        return per_day;
    };
    let Some(last) = plan.allocations.iter().map(|a| a.seq).max() else {
        return per_day;
    };
    for allocation in plan.allocations.iter().filter(|a| a.seq == last) {
        *per_day.entry(allocation.day).or_insert(0) += allocation.pieces;
    }
    per_day
}

/// PRD-9: one production order against its approved plan.
pub fn of_order(order: &ProductionOrder, plan: Option<&JobPlan>) -> Summary {
    let mut days: BTreeMap<NaiveDate, DayOutput> = BTreeMap::new();
    for (day, planned) in planned_per_day(plan) {
        days.entry(day).or_default().planned += planned;
    }
    for output in &order.outputs {
        let entry = days.entry(output.day).or_default();
        entry.good += output.good;
        entry.scrap += output.scrap;
    }
    Summary {
        planned: order.demand.quantity,
        good: order.good(),
        scrap: order.scrap(),
        passed: order.passed(),
        days: days
            .into_iter()
            .map(|(day, mut output)| {
                output.day = Some(day);
                output
            })
            .collect(),
        materials: order
            .materials
            .iter()
            .map(|line| MaterialUse {
                sku: line.sku.clone(),
                bom_quantity: line.required,
                issued: line.issued,
            })
            .collect(),
    }
}

/// One SKU's output in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub planned: i64,
    pub good: i64,
    pub scrap: i64,
}

/// PRD-9: a period (`from` to `to`, both included): planned pieces per the
/// approved plans, good and scrap reported, in all and per SKU.
pub fn of_period(
    orders: &[(ProductionOrder, Option<JobPlan>)],
    from: NaiveDate,
    to: NaiveDate,
) -> (Output, BTreeMap<String, Output>) {
    let within = |day: &NaiveDate| (from..=to).contains(day);
    let mut total = Output::default();
    let mut per_sku: BTreeMap<String, Output> = BTreeMap::new();
    for (order, plan) in orders {
        let mut output = Output::default();
        for (day, planned) in planned_per_day(plan.as_ref()) {
            if within(&day) {
                output.planned += planned;
            }
        }
        for report in order.outputs.iter().filter(|report| within(&report.day)) {
            output.good += report.good;
            output.scrap += report.scrap;
        }
        if output == Output::default() {
            continue;
        }
        let sku = per_sku.entry(order.demand.sku.clone()).or_default();
        for (sum, part) in [(&mut total, &output), (sku, &output)] {
            sum.planned += part.planned;
            sum.good += part.good;
            sum.scrap += part.scrap;
        }
    }
    (total, per_sku)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prd_9_yield_is_good_over_all_made() {
        assert_eq!(yield_bps(29, 1), 9_666);
        assert_eq!(yield_bps(30, 0), 10_000);
        assert_eq!(yield_bps(0, 0), 10_000);
        assert_eq!(yield_bps(0, 5), 0);
    }
}
