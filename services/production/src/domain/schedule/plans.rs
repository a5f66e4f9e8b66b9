//! The weekly and daily plans derived from a schedule, and the check that a
//! load fits the work centres (PRD-3).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Booked, JobPlan, WorkCentre};

/// One line of a weekly or daily plan: what one job does on one work centre
/// in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLine {
    /// The ISO week's Monday (weekly) or the day (daily).
    pub period_start: NaiveDate,
    pub work_centre: String,
    pub job_id: String,
    pub pieces: i64,
    pub load: i64,
}

/// Weekly plan: the plans' allocations summed per (ISO week Monday, work
/// centre, job). Ordered by week, then work centre, then the plans' order
/// (the scheduling priority). Pieces of different operations of one job on
/// the same centre add up.
pub fn weekly(plans: &[JobPlan]) -> Vec<PlanLine> {
    lines(plans, |day| {
        Some(
            day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
                .unwrap_or(day),
        )
    })
}

/// Daily plan: the allocations of `day`, summed per (work centre, job).
/// Ordered by work centre, then the plans' order (the scheduling priority).
pub fn daily(plans: &[JobPlan], day: NaiveDate) -> Vec<PlanLine> {
    lines(plans, |allocated| (allocated == day).then_some(day))
}

fn lines(plans: &[JobPlan], period: impl Fn(NaiveDate) -> Option<NaiveDate>) -> Vec<PlanLine> {
    let mut lines: BTreeMap<(NaiveDate, &str, usize), PlanLine> = BTreeMap::new();
    for (index, plan) in plans.iter().enumerate() {
        for allocation in &plan.allocations {
            let Some(period_start) = period(allocation.day) else {
                continue;
            };
            let line = lines
                .entry((period_start, allocation.work_centre.as_str(), index))
                .or_insert_with(|| PlanLine {
                    period_start,
                    work_centre: allocation.work_centre.clone(),
                    job_id: plan.job_id.clone(),
                    pieces: 0,
                    load: 0,
                });
            line.pieces += allocation.pieces;
            line.load += allocation.load;
        }
    }
    lines.into_values().collect()
}

/// Checks a load map against capacities: one line per (centre, day) whose
/// load exceeds the centre's daily capacity, falls on a day the centre does
/// not work, is negative, or is on a centre not in `centres`. Empty when
/// the load is feasible.
pub fn overbooked(centres: &[WorkCentre], load: &Booked) -> Vec<String> {
    let by_code: HashMap<&str, &WorkCentre> = centres
        .iter()
        .map(|centre| (centre.code.as_str(), centre))
        .collect();
    let mut problems = Vec::new();
    for ((code, day), &amount) in load {
        if amount == 0 {
            continue;
        }
        let Some(centre) = by_code.get(code.as_str()) else {
            problems.push(format!(
                "{code} on {day}: load {amount} on an unknown work centre"
            ));
            continue;
        };
        if amount < 0 {
            problems.push(format!("{code} on {day}: negative load {amount}"));
        }
        if !centre.works_on(*day) {
            problems.push(format!(
                "{code} on {day} ({}): load {amount} on a non-working day",
                day.weekday()
            ));
        }
        if amount > centre.daily_capacity {
            problems.push(format!(
                "{code} on {day}: load {amount} exceeds the daily capacity of {}",
                centre.unit.amount(centre.daily_capacity)
            ));
        }
    }
    problems
}
