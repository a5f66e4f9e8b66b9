use super::*;
use proptest::prelude::*;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// Monday 2026-12-07: the first day of every schedule here.
fn from() -> NaiveDate {
    date(2026, 12, 7)
}

fn day(offset: u64) -> NaiveDate {
    from()
        .checked_add_days(Days::new(offset))
        .unwrap_or_default()
}

fn centre(code: &str, unit: CapacityUnit, capacity: i64) -> WorkCentre {
    WorkCentre {
        code: code.to_owned(),
        name: format!("{code} centre"),
        unit,
        daily_capacity: capacity,
        days_off: Vec::new(),
        holidays: Vec::new(),
    }
}

fn units(code: &str, capacity: i64) -> WorkCentre {
    centre(code, CapacityUnit::Units, capacity)
}

fn op(seq: i32, work_centre: &str, load_per_piece: i64) -> Operation {
    Operation {
        seq,
        name: format!("Op{seq}"),
        work_centre: work_centre.to_owned(),
        outsourced: false,
        load_per_piece,
        lead_days: 0,
    }
}

fn outsourced(seq: i32, name: &str, lead_days: i64) -> Operation {
    Operation {
        seq,
        name: name.to_owned(),
        work_centre: String::new(),
        outsourced: true,
        load_per_piece: 1,
        lead_days,
    }
}

fn job(id: &str, quantity: i64, due: NaiveDate, operations: Vec<Operation>) -> Job {
    Job {
        id: id.to_owned(),
        label: format!("SO-{id} / SKU-1"),
        quantity,
        due,
        earliest_start: from(),
        operations,
    }
}

fn run(centres: &[WorkCentre], booked: &Booked, jobs: &[Job], horizon: i64) -> Schedule {
    match schedule(centres, booked, jobs, from(), horizon) {
        Ok(schedule) => schedule,
        Err(error) => panic!("schedule failed: {error}"),
    }
}

fn plan<'a>(schedule: &'a Schedule, id: &str) -> &'a JobPlan {
    match schedule.plans.iter().find(|plan| plan.job_id == id) {
        Some(plan) => plan,
        None => panic!("{id} is not planned: {:?}", schedule.unscheduled),
    }
}

/// (seq, day, pieces) of a plan's allocations.
fn booked_days(plan: &JobPlan) -> Vec<(i32, NaiveDate, i64)> {
    plan.allocations
        .iter()
        .map(|a| (a.seq, a.day, a.pieces))
        .collect()
}

fn load_of(schedule: &Schedule, code: &str, on: NaiveDate) -> i64 {
    schedule
        .load
        .get(&(code.to_owned(), on))
        .copied()
        .unwrap_or(0)
}

/// Everything PRD-3 promises about a schedule; one line per breach.
fn breaches(
    centres: &[WorkCentre],
    booked: &Booked,
    jobs: &[Job],
    horizon: i64,
    schedule: &Schedule,
) -> Vec<String> {
    let mut breaches = overbooked(centres, &schedule.load);
    let end = from() + chrono::Duration::days(horizon);
    let by_code: HashMap<&str, &WorkCentre> =
        centres.iter().map(|c| (c.code.as_str(), c)).collect();

    // Every job exactly once, planned or not.
    let mut seen: Vec<&str> = schedule
        .plans
        .iter()
        .map(|p| p.job_id.as_str())
        .chain(schedule.unscheduled.iter().map(|u| u.job_id.as_str()))
        .collect();
    seen.sort_unstable();
    let mut ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    ids.sort_unstable();
    if seen != ids {
        breaches.push(format!("jobs {ids:?} came out as {seen:?}"));
    }

    // The load is what was booked plus the planned allocations: a job
    // that was not scheduled left nothing behind.
    let mut expected = booked.clone();
    for allocation in schedule.plans.iter().flat_map(|p| &p.allocations) {
        *expected
            .entry((allocation.work_centre.clone(), allocation.day))
            .or_insert(0) += allocation.load;
    }
    if expected != schedule.load {
        breaches.push("load is not booked + allocations".to_owned());
    }

    if let Some(u) = schedule.unscheduled.iter().find(|u| u.reason.is_empty()) {
        breaches.push(format!("{} is unscheduled without a reason", u.job_id));
    }

    // EDD order.
    let keys: Vec<(NaiveDate, NaiveDate, &str)> = schedule
        .plans
        .iter()
        .filter_map(|p| jobs.iter().find(|j| j.id == p.job_id))
        .map(|j| (j.due, j.earliest_start, j.id.as_str()))
        .collect();
    if keys.windows(2).any(|w| w[0] > w[1]) {
        breaches.push(format!("plans are not earliest due date first: {keys:?}"));
    }

    for plan in &schedule.plans {
        let Some(job) = jobs.iter().find(|j| j.id == plan.job_id) else {
            breaches.push(format!("{} is not a job", plan.job_id));
            continue;
        };
        let start = job.earliest_start.max(from());
        if plan.operations.len() != job.operations.len() {
            breaches.push(format!("{}: operations missing", job.id));
            continue;
        }
        let mut previous: Option<NaiveDate> = None;
        for (op, planned) in job.operations.iter().zip(&plan.operations) {
            let mine: Vec<&Allocation> = plan
                .allocations
                .iter()
                .filter(|a| a.seq == op.seq)
                .collect();
            if op.outsourced {
                let expected_start =
                    previous.map_or(start, |finish| finish + chrono::Duration::days(1));
                if !mine.is_empty()
                    || planned.start != expected_start
                    || (planned.finish - planned.start).num_days() != op.lead_days
                {
                    breaches.push(format!("{} op {}: outsourced wrong", job.id, op.seq));
                }
            } else {
                let pieces: i64 = mine.iter().map(|a| a.pieces).sum();
                if pieces != job.quantity {
                    breaches.push(format!(
                        "{} op {}: {pieces} pieces booked for {}",
                        job.id, op.seq, job.quantity
                    ));
                }
                for a in &mine {
                    let works = by_code
                        .get(a.work_centre.as_str())
                        .is_some_and(|c| c.works_on(a.day));
                    if a.work_centre != op.work_centre
                        || a.pieces <= 0
                        || a.load != a.pieces * op.load_per_piece
                        || a.day < start
                        || a.day >= end
                        || !works
                    {
                        breaches.push(format!("{} op {}: bad allocation {a:?}", job.id, op.seq));
                    }
                }
                let first = mine.iter().map(|a| a.day).min();
                let last = mine.iter().map(|a| a.day).max();
                if first != Some(planned.start) || last != Some(planned.finish) {
                    breaches.push(format!("{} op {}: span is wrong", job.id, op.seq));
                }
            }
            // Operations in sequence: op k starts no earlier than op
            // k-1 finished.
            if previous.is_some_and(|finish| planned.start < finish) {
                breaches.push(format!("{} op {} starts too early", job.id, op.seq));
            }
            previous = Some(planned.finish);
        }
        let completion = plan.operations.last().map(|o| o.finish);
        let late = (plan.planned_completion - job.due).num_days().max(0);
        if plan.operations.first().map(|o| o.start) != Some(plan.planned_start)
            || completion != Some(plan.planned_completion)
            || plan.planned_completion >= end
            || plan.late_days != late
            || plan.late_reason.is_empty() != (late == 0)
        {
            breaches.push(format!("{}: plan summary is wrong: {plan:?}", job.id));
        }
    }
    breaches
}

fn case() -> impl Strategy<Value = (Vec<WorkCentre>, Booked, Vec<Job>, i64)> {
    let centres = prop::collection::vec(
        (
            any::<bool>(),
            1_i64..50,
            prop::collection::vec(0_u8..7, 0..4),
            prop::collection::vec(0_u64..60, 0..4),
        ),
        1..5,
    );
    let booked = prop::collection::vec((0_usize..8, 0_u64..60, 0_i64..=100), 0..40);
    let jobs = prop::collection::vec(
        (
            1_i64..200,
            0_u64..60,
            0_u64..30,
            prop::collection::vec((0_u8..10, 0_usize..8, 1_i64..60, 0_i64..6), 1..=3),
        ),
        0..25,
    );
    (centres, booked, jobs, 5_i64..60).prop_map(|(centres, booked, jobs, horizon)| {
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        let centres: Vec<WorkCentre> = centres
            .into_iter()
            .enumerate()
            .map(|(i, (minutes, capacity, off, holidays))| WorkCentre {
                code: format!("WC-{i}"),
                name: format!("Centre {i}"),
                unit: if minutes {
                    CapacityUnit::Minutes
                } else {
                    CapacityUnit::Units
                },
                daily_capacity: capacity,
                days_off: off.into_iter().map(|d| weekdays[usize::from(d)]).collect(),
                holidays: holidays.into_iter().map(day).collect(),
            })
            .collect();
        let mut load = Booked::new();
        for (pick, offset, percent) in booked {
            let centre = &centres[pick % centres.len()];
            if centre.works_on(day(offset)) {
                load.insert(
                    (centre.code.clone(), day(offset)),
                    centre.daily_capacity * percent / 100,
                );
            }
        }
        let jobs = jobs
            .into_iter()
            .enumerate()
            .map(|(i, (quantity, due, start, ops))| {
                let operations = ops
                    .into_iter()
                    .enumerate()
                    .map(|(k, (kind, pick, load, lead))| {
                        let seq = (k as i32 + 1) * 10;
                        let centre = &centres[pick % centres.len()];
                        if kind < 2 {
                            outsourced(seq, "Vendor", lead)
                        } else if centre.unit == CapacityUnit::Units {
                            op(seq, &centre.code, 1)
                        } else {
                            op(seq, &centre.code, load)
                        }
                    })
                    .collect();
                Job {
                    id: format!("PO-{i:03}"),
                    label: format!("SO-{i}"),
                    quantity,
                    due: day(due),
                    // Some start before `from`.
                    earliest_start: day(start) - chrono::Duration::days(3),
                    operations,
                }
            })
            .collect();
        (centres, load, jobs, horizon)
    })
}

proptest! {
    #[test]
    fn prd_3_never_exceeds_capacity((centres, booked, jobs, horizon) in case()) {
        let first = run(&centres, &booked, &jobs, horizon);
        let breaches = breaches(&centres, &booked, &jobs, horizon, &first);
        prop_assert!(breaches.is_empty(), "{breaches:#?}");
        // Deterministic, whatever order the jobs come in.
        let mut reversed = jobs.clone();
        reversed.reverse();
        prop_assert_eq!(&first, &run(&centres, &booked, &reversed, horizon));
    }
}

#[test]
fn prd_3_a_realistic_load_of_two_thousand_jobs_stays_within_capacity() {
    // A small deterministic generator (no rand in this crate's tests).
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let centres: Vec<WorkCentre> = (0..20)
        .map(|i| WorkCentre {
            days_off: vec![Weekday::Sun],
            holidays: vec![day(24), day(25)],
            ..if i % 2 == 0 {
                units(&format!("U-{i}"), 200 + next(400) as i64)
            } else {
                centre(
                    &format!("M-{i}"),
                    CapacityUnit::Minutes,
                    480 * (1 + next(3) as i64),
                )
            }
        })
        .collect();
    let jobs: Vec<Job> = (0..2000)
        .map(|i| {
            let operations = (0..1 + next(3))
                .map(|k| {
                    let seq = (k as i32 + 1) * 10;
                    let centre = &centres[next(20) as usize];
                    if next(10) == 0 {
                        outsourced(seq, "Plating", 1 + next(7) as i64)
                    } else if centre.unit == CapacityUnit::Units {
                        op(seq, &centre.code, 1)
                    } else {
                        op(seq, &centre.code, 1 + next(15) as i64)
                    }
                })
                .collect();
            job(
                &format!("PO-{i:04}"),
                1 + next(120) as i64,
                day(5 + next(85)),
                operations,
            )
        })
        .collect();
    let booked = Booked::new();
    let schedule = run(&centres, &booked, &jobs, 90);
    let breaches = breaches(&centres, &booked, &jobs, 90, &schedule);
    assert!(breaches.is_empty(), "{breaches:#?}");
    assert!(schedule.plans.len() > 1500, "most jobs fit");
    assert!(
        schedule.plans.iter().any(|p| p.late_days > 0),
        "some are late"
    );
}

#[test]
fn prd_3_books_day_by_day_up_to_the_daily_capacity() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[job("PO-1", 25, day(9), vec![op(10, "CNC-1", 1)])],
        30,
    );
    let plan = plan(&schedule, "PO-1");
    assert_eq!(
        booked_days(plan),
        vec![(10, day(0), 10), (10, day(1), 10), (10, day(2), 5)]
    );
    assert_eq!(
        (plan.planned_start, plan.planned_completion),
        (day(0), day(2))
    );
    assert_eq!(load_of(&schedule, "CNC-1", day(2)), 5);
    assert_eq!(schedule.load.len(), 3);
}

#[test]
fn prd_3_a_minutes_centre_takes_whole_pieces_only() {
    // 480 minutes a day, 100 minutes a piece: 4 pieces (400 minutes).
    let schedule = run(
        &[centre("ASM-1", CapacityUnit::Minutes, 480)],
        &Booked::new(),
        &[job("PO-1", 10, day(9), vec![op(10, "ASM-1", 100)])],
        30,
    );
    let plan = plan(&schedule, "PO-1");
    assert_eq!(
        booked_days(plan),
        vec![(10, day(0), 4), (10, day(1), 4), (10, day(2), 2)]
    );
    assert_eq!(load_of(&schedule, "ASM-1", day(0)), 400);
    assert_eq!(load_of(&schedule, "ASM-1", day(2)), 200);
}

#[test]
fn prd_3_books_on_top_of_approved_schedules() {
    let booked = Booked::from([(("CNC-1".to_owned(), day(0)), 8)]);
    let schedule = run(
        &[units("CNC-1", 10)],
        &booked,
        &[job("PO-1", 5, day(9), vec![op(10, "CNC-1", 1)])],
        30,
    );
    assert_eq!(
        booked_days(plan(&schedule, "PO-1")),
        vec![(10, day(0), 2), (10, day(1), 3)]
    );
    assert_eq!(load_of(&schedule, "CNC-1", day(0)), 10);
    assert_eq!(load_of(&schedule, "CNC-1", day(1)), 3);
}

#[test]
fn prd_3_the_earlier_due_job_gets_the_capacity_first() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[
            job("PO-A", 10, day(10), vec![op(10, "CNC-1", 1)]),
            job("PO-B", 10, day(3), vec![op(10, "CNC-1", 1)]),
        ],
        30,
    );
    let order: Vec<&str> = schedule.plans.iter().map(|p| p.job_id.as_str()).collect();
    assert_eq!(order, ["PO-B", "PO-A"]);
    assert_eq!(booked_days(plan(&schedule, "PO-B")), vec![(10, day(0), 10)]);
    assert_eq!(booked_days(plan(&schedule, "PO-A")), vec![(10, day(1), 10)]);
}

#[test]
fn prd_3_due_date_ties_go_by_earliest_start_then_id() {
    let mut early = job("PO-C", 10, day(10), vec![op(10, "CNC-1", 1)]);
    early.earliest_start = from() - chrono::Duration::days(5);
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[
            job("PO-B", 10, day(10), vec![op(10, "CNC-1", 1)]),
            job("PO-A", 10, day(10), vec![op(10, "CNC-1", 1)]),
            early,
        ],
        30,
    );
    let order: Vec<&str> = schedule.plans.iter().map(|p| p.job_id.as_str()).collect();
    assert_eq!(order, ["PO-C", "PO-A", "PO-B"]);
    assert_eq!(plan(&schedule, "PO-C").planned_start, day(0));
    assert_eq!(plan(&schedule, "PO-A").planned_start, day(1));
    assert_eq!(plan(&schedule, "PO-B").planned_start, day(2));
}

#[test]
fn prd_3_the_same_input_gives_the_same_schedule() {
    let centres = [units("CNC-1", 7), units("CNC-2", 5)];
    let jobs: Vec<Job> = (0..12)
        .map(|i| {
            job(
                &format!("PO-{i:02}"),
                3 + i,
                day(2 + (i as u64 % 4)),
                vec![op(10, "CNC-1", 1), op(20, "CNC-2", 1)],
            )
        })
        .collect();
    let first = run(&centres, &Booked::new(), &jobs, 40);
    assert_eq!(first, run(&centres, &Booked::new(), &jobs, 40));
    let mut shuffled = jobs.clone();
    shuffled.rotate_left(5);
    shuffled.swap(0, 3);
    assert_eq!(first, run(&centres, &Booked::new(), &shuffled, 40));
}

#[test]
fn prd_3_operations_run_in_sequence_and_may_start_the_day_the_previous_finished() {
    let schedule = run(
        &[units("CNC-1", 10), units("GRD-1", 10)],
        &Booked::new(),
        &[
            job(
                "PO-1",
                15,
                day(9),
                vec![op(10, "CNC-1", 1), op(20, "GRD-1", 1)],
            ),
            // Two operations on the same centre share its day.
            job(
                "PO-2",
                3,
                day(9),
                vec![op(10, "CNC-1", 1), op(20, "CNC-1", 1)],
            ),
        ],
        30,
    );
    assert_eq!(
        booked_days(plan(&schedule, "PO-1")),
        vec![
            (10, day(0), 10),
            (10, day(1), 5),
            (20, day(1), 10),
            (20, day(2), 5)
        ]
    );
    // CNC-1 has 5 left on day 1: op 10 takes 3, op 20 the other 2.
    assert_eq!(
        booked_days(plan(&schedule, "PO-2")),
        vec![(10, day(1), 3), (20, day(1), 2), (20, day(2), 1)]
    );
    assert_eq!(load_of(&schedule, "CNC-1", day(1)), 10);
}

#[test]
fn prd_3_an_outsourced_operation_takes_its_lead_time_and_books_nothing() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[job(
            "PO-1",
            5,
            day(9),
            vec![
                op(10, "CNC-1", 1),
                outsourced(20, "Plating", 3),
                op(30, "CNC-1", 1),
            ],
        )],
        30,
    );
    let plan = plan(&schedule, "PO-1");
    assert_eq!(
        plan.operations[1],
        OperationPlan {
            seq: 20,
            work_centre: String::new(),
            outsourced: true,
            start: day(1),
            finish: day(4),
        }
    );
    assert_eq!(booked_days(plan), vec![(10, day(0), 5), (30, day(4), 5)]);
    assert_eq!(schedule.load.len(), 2, "the vendor's days book nothing");
    assert_eq!(
        (plan.planned_start, plan.planned_completion),
        (day(0), day(4))
    );

    // First operation outsourced: it starts at the earliest start.
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[job(
            "PO-2",
            5,
            day(9),
            vec![outsourced(10, "Cutting", 2), op(20, "CNC-1", 1)],
        )],
        30,
    );
    let plan = &schedule.plans[0];
    assert_eq!(
        (plan.planned_start, plan.planned_completion),
        (day(0), day(2))
    );
    assert_eq!(booked_days(plan), vec![(20, day(2), 5)]);
}

#[test]
fn prd_3_non_working_days_and_holidays_carry_no_load() {
    let mut cnc = units("CNC-1", 10);
    cnc.days_off = vec![Weekday::Sat, Weekday::Sun];
    cnc.holidays = vec![day(2)];
    assert!(cnc.works_on(day(1)));
    assert!(!cnc.works_on(day(2)), "holiday");
    assert!(!cnc.works_on(day(5)) && !cnc.works_on(day(6)), "weekend");
    let centres = [cnc];
    let schedule = run(
        &centres,
        &Booked::new(),
        &[job("PO-1", 60, day(20), vec![op(10, "CNC-1", 1)])],
        30,
    );
    let days: Vec<NaiveDate> = plan(&schedule, "PO-1")
        .allocations
        .iter()
        .map(|a| a.day)
        .collect();
    // Mon, Tue, (Wed holiday), Thu, Fri, (weekend), Mon, Tue.
    assert_eq!(days, [day(0), day(1), day(3), day(4), day(7), day(8)]);
    for off in [day(2), day(5), day(6)] {
        assert_eq!(load_of(&schedule, "CNC-1", off), 0, "{off}");
    }
    assert!(overbooked(&centres, &schedule.load).is_empty());
}

#[test]
fn prd_3_a_piece_bigger_than_a_day_is_unscheduled_and_books_nothing() {
    let centres = [
        units("CNC-1", 10),
        centre("HT-1", CapacityUnit::Minutes, 480),
    ];
    let schedule = run(
        &centres,
        &Booked::new(),
        &[
            // Op 10 fits; op 20 cannot: its op 10 bookings are rolled back.
            job(
                "PO-1",
                10,
                day(5),
                vec![op(10, "CNC-1", 1), op(20, "HT-1", 500)],
            ),
            job("PO-2", 10, day(9), vec![op(10, "CNC-1", 1)]),
        ],
        30,
    );
    assert_eq!(schedule.unscheduled.len(), 1);
    assert_eq!(schedule.unscheduled[0].job_id, "PO-1");
    assert_eq!(
        schedule.unscheduled[0].reason,
        "operation 20 (Op20): one piece needs 500 minutes but work centre HT-1 has only 480 minutes a day"
    );
    // PO-2 gets the day PO-1 would have had.
    assert_eq!(booked_days(plan(&schedule, "PO-2")), vec![(10, day(0), 10)]);
    assert_eq!(
        schedule.load,
        Booked::from([(("CNC-1".to_owned(), day(0)), 10)])
    );
}

#[test]
fn prd_3_a_job_that_cannot_finish_within_the_horizon_is_unscheduled_and_books_nothing() {
    let booked = Booked::from([(("CNC-1".to_owned(), day(1)), 4)]);
    let schedule = run(
        &[units("CNC-1", 10)],
        &booked,
        &[
            job("PO-1", 100, day(3), vec![op(10, "CNC-1", 1)]),
            job(
                "PO-2",
                5,
                day(3),
                vec![op(10, "CNC-1", 1), outsourced(20, "Plating", 9)],
            ),
            job("PO-3", 5, day(4), vec![op(10, "CNC-1", 1)]),
        ],
        5,
    );
    let reasons: Vec<(&str, &str)> = schedule
        .unscheduled
        .iter()
        .map(|u| (u.job_id.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "PO-1",
                "cannot finish within the 5-day horizon (2026-12-07 to 2026-12-11): operation 10 (Op10) on work centre CNC-1 would still have 54 of 100 pieces to do; work centre CNC-1 is partly booked on 1 working day between 2026-12-08 and 2026-12-08 by already approved schedules"
            ),
            (
                "PO-2",
                "cannot finish within the 5-day horizon (2026-12-07 to 2026-12-11): outsourced operation 20 (Plating) with a lead time of 9 days would come back only on 2026-12-17"
            ),
        ]
    );
    // Nothing of PO-1 or PO-2 is left: PO-3 starts on the first day.
    assert_eq!(booked_days(plan(&schedule, "PO-3")), vec![(10, day(0), 5)]);
    let mut expected = booked.clone();
    expected.insert(("CNC-1".to_owned(), day(0)), 5);
    assert_eq!(schedule.load, expected);

    // An earliest start past the horizon.
    let mut later = job("PO-4", 1, day(9), vec![op(10, "CNC-1", 1)]);
    later.earliest_start = day(8);
    let schedule = run(&[units("CNC-1", 10)], &Booked::new(), &[later], 5);
    assert_eq!(
        schedule.unscheduled[0].reason,
        "it can start only on 2026-12-15, after the horizon ends on 2026-12-11"
    );
    assert!(schedule.load.is_empty());
}

#[test]
fn prd_3_late_reason_names_the_centre_booked_by_orders_due_earlier() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[
            job("PO-1", 40, day(3), vec![op(10, "CNC-1", 1)]),
            job("PO-2", 20, day(4), vec![op(10, "CNC-1", 1)]),
        ],
        30,
    );
    assert_eq!(plan(&schedule, "PO-1").late_days, 0);
    assert_eq!(plan(&schedule, "PO-1").late_reason, "");
    let late = plan(&schedule, "PO-2");
    assert_eq!((late.planned_completion, late.late_days), (day(5), 1));
    assert_eq!(
        late.late_reason,
        "late by 1 day: work centre CNC-1 is fully booked on 4 working days between 2026-12-07 and 2026-12-10 by orders due earlier"
    );
}

#[test]
fn prd_3_late_reason_names_the_centre_booked_by_approved_schedules() {
    let booked: Booked = (0..3)
        .map(|offset| (("CNC-1".to_owned(), day(offset)), 10))
        .chain([(("CNC-1".to_owned(), day(3)), 6)])
        .collect();
    let schedule = run(
        &[units("CNC-1", 10), units("GRD-1", 10)],
        &booked,
        &[job(
            "PO-1",
            10,
            day(2),
            vec![op(10, "GRD-1", 1), op(20, "CNC-1", 1)],
        )],
        30,
    );
    let late = plan(&schedule, "PO-1");
    assert_eq!(late.late_days, 2);
    assert_eq!(
        late.late_reason,
        "late by 2 days: work centre CNC-1 is fully booked on 3 working days and partly booked on 1 more between 2026-12-07 and 2026-12-10 by already approved schedules"
    );
}

#[test]
fn prd_3_late_reason_names_the_earliest_start() {
    // It can only start after its due date.
    let mut after = job("PO-1", 5, day(3), vec![op(10, "CNC-1", 1)]);
    after.earliest_start = day(5);
    // It can start before, but not early enough for its own work.
    let mut tight = job("PO-2", 30, day(5), vec![op(10, "GRD-1", 1)]);
    tight.earliest_start = day(4);
    let schedule = run(
        &[units("CNC-1", 10), units("GRD-1", 10)],
        &Booked::new(),
        &[after, tight],
        30,
    );
    assert_eq!(
        plan(&schedule, "PO-1").late_reason,
        "late by 2 days: it can start only on 2026-12-12 (after its due date)"
    );
    assert_eq!(
        plan(&schedule, "PO-2").late_reason,
        "late by 1 day: even with every work centre free it would finish on 2026-12-13 at the earliest (it can start only on 2026-12-11, operation 10 (Op10) needs 3 working days on GRD-1)"
    );
}

#[test]
fn prd_3_late_reason_names_the_outsourced_lead_time() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[job(
            "PO-1",
            5,
            day(5),
            vec![op(10, "CNC-1", 1), outsourced(20, "Plating", 10)],
        )],
        30,
    );
    assert_eq!(
        plan(&schedule, "PO-1").late_reason,
        "late by 6 days: even with every work centre free it would finish on 2026-12-18 at the earliest (operation 10 (Op10) needs 1 working day on CNC-1, outsourced operation 20 (Plating) has a lead time of 10 days)"
    );
}

#[test]
fn prd_3_late_reason_gives_both_causes_when_both_hold() {
    // PO-1 fills CNC-1 for two days; PO-2 could start only on day 1 and
    // would be a day late on its own, two with PO-1 in the way.
    let mut second = job("PO-2", 20, day(1), vec![op(10, "CNC-1", 1)]);
    second.earliest_start = day(1);
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::new(),
        &[job("PO-1", 20, day(1), vec![op(10, "CNC-1", 1)]), second],
        30,
    );
    assert_eq!(
        plan(&schedule, "PO-2").late_reason,
        "late by 2 days: even with every work centre free it would finish on 2026-12-09 at the earliest (it can start only on 2026-12-08, operation 10 (Op10) needs 2 working days on CNC-1); work centre CNC-1 is fully booked on 1 working day between 2026-12-08 and 2026-12-08 by orders due no later than 2026-12-08"
    );
}

#[test]
fn prd_3_invalid_input_is_rejected_with_a_clear_message() {
    let cnc = || units("CNC-1", 10);
    let one = |ops: Vec<Operation>| vec![job("PO-1", 5, day(5), ops)];
    let message =
        |centres: &[WorkCentre], booked: &Booked, jobs: &[Job], horizon: i64| match schedule(
            centres,
            booked,
            jobs,
            from(),
            horizon,
        ) {
            Ok(_) => panic!("accepted {jobs:?}"),
            Err(error) => error.to_string(),
        };
    let none = Booked::new();
    assert_eq!(
        message(
            &[cnc()],
            &none,
            &one(vec![op(10, "CNC-1", 1), op(20, "CNC-9", 1)]),
            30
        ),
        "jobs[PO-1].operations[20].work_centre: unknown work centre \"CNC-9\""
    );
    assert_eq!(
        message(
            &[units("CNC-1", 0)],
            &none,
            &one(vec![op(10, "CNC-1", 1)]),
            30
        ),
        "work_centres[CNC-1].daily_capacity: must be greater than 0, got 0"
    );
    assert_eq!(
        message(
            &[cnc()],
            &none,
            &[job("PO-1", 0, day(5), vec![op(10, "CNC-1", 1)])],
            30
        ),
        "jobs[PO-1].quantity: must be greater than 0, got 0"
    );
    assert_eq!(
        message(&[cnc()], &none, &one(Vec::new()), 30),
        "jobs[PO-1].operations: a job needs at least one operation"
    );
    assert_eq!(
        message(&[cnc()], &none, &one(vec![op(10, "CNC-1", 0)]), 30),
        "jobs[PO-1].operations[10].load_per_piece: must be at least 1, got 0"
    );
    assert_eq!(
        message(&[cnc()], &none, &one(vec![op(10, "", 1)]), 30),
        "jobs[PO-1].operations[10].work_centre: required for an in-house operation"
    );
    assert_eq!(
        message(
            &[cnc()],
            &none,
            &one(vec![op(20, "CNC-1", 1), op(10, "CNC-1", 1)]),
            30
        ),
        "jobs[PO-1].operations[10].seq: operations must be in increasing seq order, but 10 follows 20"
    );
    assert_eq!(
        message(
            &[cnc()],
            &none,
            &one(vec![outsourced(10, "Plating", -1)]),
            30
        ),
        "jobs[PO-1].operations[10].lead_days: must not be negative, got -1"
    );
    assert_eq!(
        message(&[cnc()], &none, &one(vec![op(10, "CNC-1", 1)]), 0),
        "horizon_days: must be 1 to 3660, got 0"
    );
    assert_eq!(
        message(&[cnc(), cnc()], &none, &one(vec![op(10, "CNC-1", 1)]), 30),
        "work_centres[CNC-1]: work centre code listed twice"
    );
    let twice = [
        job("PO-1", 5, day(5), vec![op(10, "CNC-1", 1)]),
        job("PO-1", 6, day(6), vec![op(10, "CNC-1", 1)]),
    ];
    assert_eq!(
        message(&[cnc()], &none, &twice, 30),
        "jobs[PO-1]: job id listed twice"
    );
    let negative = Booked::from([(("CNC-1".to_owned(), day(0)), -3)]);
    assert_eq!(
        message(&[cnc()], &negative, &one(vec![op(10, "CNC-1", 1)]), 30),
        "booked[CNC-1, 2026-12-07]: booked load must not be negative, got -3"
    );
    // An outsourced operation needs no work centre and no load.
    assert!(
        schedule(
            &[cnc()],
            &none,
            &one(vec![outsourced(10, "Plating", 2)]),
            from(),
            30
        )
        .is_ok()
    );
}

#[test]
fn prd_3_weekly_and_daily_plans_sum_the_allocations() {
    let schedule = run(
        &[
            units("CNC-1", 10),
            centre("ASM-1", CapacityUnit::Minutes, 100),
        ],
        &Booked::new(),
        &[
            job("PO-1", 60, day(9), vec![op(10, "CNC-1", 1)]),
            job(
                "PO-2",
                4,
                day(9),
                vec![op(10, "CNC-1", 1), op(20, "ASM-1", 30)],
            ),
        ],
        30,
    );
    // PO-1: CNC-1 days 0..5 (10 a day). PO-2: CNC-1 day 6 (Sunday, no
    // days off), ASM-1 3 pieces on day 6 and 1 on day 7.
    let line = |period_start, work_centre: &str, job_id: &str, pieces, load| PlanLine {
        period_start,
        work_centre: work_centre.to_owned(),
        job_id: job_id.to_owned(),
        pieces,
        load,
    };
    assert_eq!(
        weekly(&schedule.plans),
        [
            line(day(0), "ASM-1", "PO-2", 3, 90),
            line(day(0), "CNC-1", "PO-1", 60, 60),
            line(day(0), "CNC-1", "PO-2", 4, 4),
            line(day(7), "ASM-1", "PO-2", 1, 30),
        ]
    );
    assert_eq!(
        daily(&schedule.plans, day(6)),
        [
            line(day(6), "ASM-1", "PO-2", 3, 90),
            line(day(6), "CNC-1", "PO-2", 4, 4),
        ]
    );
    assert_eq!(
        daily(&schedule.plans, day(2)),
        [line(day(2), "CNC-1", "PO-1", 10, 10)]
    );
    assert!(daily(&schedule.plans, day(20)).is_empty());
}

#[test]
fn prd_3_overbooked_reports_excess_load_and_load_on_days_off() {
    let mut cnc = units("CNC-1", 10);
    cnc.days_off = vec![Weekday::Sun];
    let load = Booked::from([
        (("CNC-1".to_owned(), day(0)), 10),
        (("CNC-1".to_owned(), day(1)), 11),
        (("CNC-1".to_owned(), day(6)), 1),
        (("CNC-7".to_owned(), day(0)), 1),
    ]);
    assert_eq!(
        overbooked(&[cnc], &load),
        [
            "CNC-1 on 2026-12-08: load 11 exceeds the daily capacity of 10 pieces",
            "CNC-1 on 2026-12-13 (Sun): load 1 on a non-working day",
            "CNC-7 on 2026-12-07: load 1 on an unknown work centre",
        ]
    );
}

#[test]
fn prd_3_a_schedule_round_trips_through_json() {
    let schedule = run(
        &[units("CNC-1", 10)],
        &Booked::from([(("CNC-1".to_owned(), day(0)), 3)]),
        &[job("PO-1", 25, day(1), vec![op(10, "CNC-1", 1)])],
        30,
    );
    let json = serde_json::to_value(&schedule).unwrap_or_default();
    assert_eq!(
        json["load"][0],
        serde_json::json!({"work_centre": "CNC-1", "day": "2026-12-07", "load": 10})
    );
    let back: Option<Schedule> = serde_json::from_value(json).ok();
    assert_eq!(back, Some(schedule));
}

#[test]
fn capacity_unit_reads_and_writes_its_name() {
    for unit in [CapacityUnit::Units, CapacityUnit::Minutes] {
        assert_eq!(CapacityUnit::parse(unit.as_str()), Some(unit));
        assert_eq!(
            serde_json::to_string(&unit).unwrap_or_default(),
            format!("\"{}\"", unit.as_str())
        );
    }
    assert_eq!(
        CapacityUnit::parse(" Minutes "),
        Some(CapacityUnit::Minutes)
    );
    assert_eq!(CapacityUnit::parse("hours"), None);
}
