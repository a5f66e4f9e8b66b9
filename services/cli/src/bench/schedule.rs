//! `orderflow bench schedule`: the scheduler (PRD-3) on a generated load —
//! by default 2,000 production orders over 20 work centres for 90 days —
//! timed in-process, and the result checked: no work centre is booked past
//! its capacity or on a day off. Run it in release:
//! `cargo run --release --bin orderflow -- bench schedule`.

use std::time::Instant;

use anyhow::{Context, anyhow, bail, ensure};
use chrono::{Days, NaiveDate, Weekday};
use orderflow_production::domain::schedule::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(clap::Args, Debug)]
pub struct ScheduleArgs {
    /// Production orders to schedule.
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Work centres.
    #[arg(long, default_value_t = 20)]
    centres: usize,
    /// Days of the horizon.
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// Seed of the generated load (the same seed, the same load).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

pub fn run(args: ScheduleArgs) -> anyhow::Result<()> {
    println!(
        "{}",
        measure(args.orders, args.centres, args.days, args.seed)?
    );
    Ok(())
}

/// Builds the load from `seed`, schedules it, checks that no work centre is
/// booked past its capacity or on a day off, and reports the counts and the
/// time `schedule` took.
pub fn measure(jobs: usize, centres: usize, days: i64, seed: u64) -> anyhow::Result<String> {
    ensure!(centres > 0, "at least one work centre");
    ensure!(days > 0, "at least one day");
    let mut rng = StdRng::seed_from_u64(seed);
    // A Monday.
    let from = NaiveDate::from_ymd_opt(2026, 1, 5).context("the start date")?;
    let day = |offset: i64| -> anyhow::Result<NaiveDate> {
        u64::try_from(offset)
            .ok()
            .and_then(|offset| from.checked_add_days(Days::new(offset)))
            .ok_or_else(|| anyhow!("day {offset} is out of range"))
    };

    // Half count pieces, half minutes; Sundays off; two holidays a third of
    // the way in.
    let holidays = vec![day(days / 3)?, day(days / 3 + 1)?];
    let work_centres: Vec<WorkCentre> = (0..centres)
        .map(|i| {
            let (unit, daily_capacity) = if i % 2 == 0 {
                (CapacityUnit::Units, rng.random_range(200..=600))
            } else {
                (CapacityUnit::Minutes, 480 * rng.random_range(1..=3))
            };
            WorkCentre {
                code: format!("WC-{i:02}"),
                name: format!("Work centre {i}"),
                unit,
                daily_capacity,
                days_off: vec![Weekday::Sun],
                holidays: holidays.clone(),
            }
        })
        .collect();

    // A fifth of the centre-days already carry up to half their capacity
    // from approved schedules.
    let mut booked = Booked::new();
    for centre in &work_centres {
        for offset in 0..days {
            let date = day(offset)?;
            if centre.works_on(date) && rng.random_bool(0.2) {
                let load = rng.random_range(0..=centre.daily_capacity / 2);
                booked.insert((centre.code.clone(), date), load);
            }
        }
    }

    // 1 to 3 operations, one in ten outsourced; due dates over the horizon;
    // one in five cannot start before a later day.
    let due_from = (days / 10).min(days - 1);
    let orders: Vec<Job> = (0..jobs)
        .map(|i| -> anyhow::Result<Job> {
            let operations = (0..rng.random_range(1..=3))
                .map(|k| {
                    let seq = (k + 1) * 10;
                    if rng.random_bool(0.1) {
                        return Operation {
                            seq,
                            name: "Plating".to_owned(),
                            work_centre: String::new(),
                            outsourced: true,
                            load_per_piece: 1,
                            lead_days: rng.random_range(1..=7),
                        };
                    }
                    let centre = &work_centres[rng.random_range(0..work_centres.len())];
                    Operation {
                        seq,
                        name: format!("Operation {seq}"),
                        work_centre: centre.code.clone(),
                        outsourced: false,
                        load_per_piece: match centre.unit {
                            CapacityUnit::Units => 1,
                            CapacityUnit::Minutes => rng.random_range(1..=15),
                        },
                        lead_days: 0,
                    }
                })
                .collect();
            let due = day(rng.random_range(due_from..days))?;
            let earliest_start = if rng.random_bool(0.2) {
                day(rng.random_range(0..=due_from))?
            } else {
                from
            };
            Ok(Job {
                id: format!("PO-{i:05}"),
                label: format!("SO-{i:05} / SKU-{}", i % 97),
                quantity: rng.random_range(1..=120),
                due,
                earliest_start,
                operations,
            })
        })
        .collect::<anyhow::Result<_>>()?;

    let started = Instant::now();
    let planned = schedule(&work_centres, &booked, &orders, from, days)?;
    let elapsed = started.elapsed();

    let problems = overbooked(&work_centres, &planned.load);
    if let Some(first) = problems.first() {
        bail!(
            "PRD-3 broken: {} (centre, day) loads over capacity or on days off, e.g. {first}",
            problems.len()
        );
    }
    let late = planned
        .plans
        .iter()
        .filter(|plan| plan.late_days > 0)
        .count();
    Ok(format!(
        "{jobs} jobs on {centres} work centres over {days} days (seed {seed}): {} scheduled, {} unscheduled, {late} late; schedule took {:.1} ms",
        planned.plans.len(),
        planned.unscheduled.len(),
        elapsed.as_secs_f64() * 1000.0
    ))
}
