//! Work centres and the finite-capacity scheduler (PRD-3).
//!
//! A forward scheduler, earliest due date first: each production order (a
//! [`Job`]) books its operations, in sequence, on the work centres' daily
//! capacity (pieces on a [`CapacityUnit::Units`] centre, minutes on a
//! [`CapacityUnit::Minutes`] one), day by day, never more than a centre has
//! on any day and nothing on its days off or holidays. An outsourced
//! operation (外协) books nothing here: the vendor takes its lead time in
//! calendar days.
//!
//! A job that is late says why ([`JobPlan::late_reason`]): a work centre
//! fully booked by orders due earlier (or by approved schedules), an
//! earliest start after the due date, an outsourced lead time. A job that
//! cannot be booked at all (one piece needs more than a centre's day, or it
//! cannot finish within the horizon) books nothing and is listed in
//! [`Schedule::unscheduled`] with the reason.
//!
//! Everything here is plain, deterministic Rust: the same input gives the
//! same schedule.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The longest horizon [`schedule`] accepts, in days (about ten years).
pub const MAX_HORIZON_DAYS: i64 = 3_660;

/// What a work centre's daily capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    /// Pieces a day.
    Units,
    /// Minutes a day.
    Minutes,
}

impl CapacityUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Units => "units",
            Self::Minutes => "minutes",
        }
    }

    /// `"units"` or `"minutes"` (surrounding blanks and case ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("units") {
            Some(Self::Units)
        } else if text.eq_ignore_ascii_case("minutes") {
            Some(Self::Minutes)
        } else {
            None
        }
    }

    /// An amount in this unit, for explanations: "480 minutes", "1 piece".
    fn amount(self, amount: i64) -> String {
        match self {
            Self::Units => plural(amount, "piece"),
            Self::Minutes => plural(amount, "minute"),
        }
    }
}

impl fmt::Display for CapacityUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCentre {
    pub code: String,
    pub name: String,
    pub unit: CapacityUnit,
    /// Per working day: pieces (Units) or minutes (Minutes). > 0.
    pub daily_capacity: i64,
    /// Weekly days off, e.g. Sunday.
    pub days_off: Vec<Weekday>,
    /// Non-working dates (holidays).
    pub holidays: Vec<NaiveDate>,
}

impl WorkCentre {
    /// Whether the centre works on `day`: not a weekly day off, not a holiday.
    pub fn works_on(&self, day: NaiveDate) -> bool {
        !self.days_off.contains(&day.weekday()) && !self.holidays.contains(&day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub seq: i32,
    pub name: String,
    /// The in-house work centre; empty when outsourced.
    pub work_centre: String,
    /// Outsourced (外协): done by a vendor in `lead_days` calendar days, uses
    /// no capacity here.
    pub outsourced: bool,
    /// Capacity one piece takes on the work centre: 1 for a Units centre,
    /// minutes per piece for a Minutes centre. >= 1 (in-house operations).
    pub load_per_piece: i64,
    /// Outsourced operations: the vendor's lead time in calendar days (>= 0).
    pub lead_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The production order id.
    pub id: String,
    /// E.g. order number + SKU, for explanations.
    pub label: String,
    /// > 0.
    pub quantity: i64,
    pub due: NaiveDate,
    pub earliest_start: NaiveDate,
    /// In increasing `seq` order, at least one.
    pub operations: Vec<Operation>,
}

/// Capacity already committed by approved schedules: (work centre code, day)
/// -> load used.
pub type Booked = BTreeMap<(String, NaiveDate), i64>;

/// Pieces of one operation of one job on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub job_id: String,
    pub seq: i32,
    pub work_centre: String,
    pub day: NaiveDate,
    pub pieces: i64,
    /// `pieces * load_per_piece`, in the centre's unit.
    pub load: i64,
}

/// When one operation of a planned job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationPlan {
    pub seq: i32,
    /// Empty when outsourced.
    pub work_centre: String,
    pub outsourced: bool,
    /// In-house: the first day with pieces booked. Outsourced: the day the
    /// vendor starts (the day after the previous operation finished).
    pub start: NaiveDate,
    /// In-house: the last day with pieces booked. Outsourced: `start` plus
    /// the lead time.
    pub finish: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPlan {
    pub job_id: String,
    pub planned_start: NaiveDate,
    pub planned_completion: NaiveDate,
    pub due: NaiveDate,
    /// planned_completion - due in days when positive, else 0.
    pub late_days: i64,
    /// Empty when on time; otherwise a human sentence naming the cause, e.g.
    /// "late by 3 days: work centre CNC-1 is fully booked on 12 working days
    /// between 2026-12-01 and 2026-12-16 by orders due earlier".
    pub late_reason: String,
    /// Per operation, then per day.
    pub allocations: Vec<Allocation>,
    /// One per operation, in `seq` order.
    pub operations: Vec<OperationPlan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unscheduled {
    pub job_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub from: NaiveDate,
    pub horizon_days: i64,
    /// In scheduling order (earliest due date first).
    pub plans: Vec<JobPlan>,
    /// In scheduling order too.
    pub unscheduled: Vec<Unscheduled>,
    /// The resulting load per (centre, day), including `booked`. As a list
    /// of entries in serde (see [`booked_entries`]).
    #[serde(with = "booked_entries")]
    pub load: Booked,
}

pub mod booked_entries;

/// Structurally invalid input to [`schedule`]. Each message names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("horizon_days: must be 1 to {MAX_HORIZON_DAYS}, got {0}")]
    InvalidHorizon(i64),
    #[error("horizon_days: {horizon_days} days from {from} runs past the last supported date")]
    HorizonOutOfRange { from: NaiveDate, horizon_days: i64 },
    #[error("work_centres[{index}].code: must not be empty")]
    EmptyWorkCentreCode { index: usize },
    #[error("work_centres[{code}]: work centre code listed twice")]
    DuplicateWorkCentre { code: String },
    #[error("work_centres[{code}].daily_capacity: must be greater than 0, got {capacity}")]
    InvalidCapacity { code: String, capacity: i64 },
    #[error("booked[{work_centre}, {day}]: booked load must not be negative, got {load}")]
    NegativeBooked {
        work_centre: String,
        day: NaiveDate,
        load: i64,
    },
    #[error("jobs[{index}].id: must not be empty")]
    EmptyJobId { index: usize },
    #[error("jobs[{job}]: job id listed twice")]
    DuplicateJob { job: String },
    #[error("jobs[{job}].quantity: must be greater than 0, got {quantity}")]
    InvalidQuantity { job: String, quantity: i64 },
    #[error("jobs[{job}].operations: a job needs at least one operation")]
    NoOperations { job: String },
    #[error(
        "jobs[{job}].operations[{seq}].seq: operations must be in increasing seq order, but {seq} follows {previous}"
    )]
    OperationsOutOfOrder {
        job: String,
        seq: i32,
        previous: i32,
    },
    #[error("jobs[{job}].operations[{seq}].work_centre: required for an in-house operation")]
    MissingWorkCentre { job: String, seq: i32 },
    #[error("jobs[{job}].operations[{seq}].work_centre: unknown work centre \"{work_centre}\"")]
    UnknownWorkCentre {
        job: String,
        seq: i32,
        work_centre: String,
    },
    #[error("jobs[{job}].operations[{seq}].load_per_piece: must be at least 1, got {load}")]
    InvalidLoadPerPiece { job: String, seq: i32, load: i64 },
    #[error("jobs[{job}].operations[{seq}].lead_days: must not be negative, got {lead_days}")]
    NegativeLeadDays {
        job: String,
        seq: i32,
        lead_days: i64,
    },
}

/// Schedules `jobs` earliest due date first (ties: earliest_start, then id)
/// from `from` over `horizon_days` days (`from` up to and including
/// `from + horizon_days - 1`), on top of `booked`.
///
/// `booked` entries for centres not in `centres` or days outside the
/// horizon are carried into [`Schedule::load`] untouched.
pub fn schedule(
    centres: &[WorkCentre],
    booked: &Booked,
    jobs: &[Job],
    from: NaiveDate,
    horizon_days: i64,
) -> Result<Schedule, ScheduleError> {
    let mut planner = Planner::new(centres, booked, from, horizon_days)?;
    let mut prepared = jobs
        .iter()
        .enumerate()
        .map(|(index, job)| planner.prepare(index, job))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids = HashSet::with_capacity(jobs.len());
    for job in &prepared {
        if !ids.insert(job.job.id.as_str()) {
            return Err(ScheduleError::DuplicateJob {
                job: job.job.id.clone(),
            });
        }
    }
    // EDD; ties by earliest start, then id (unique, so the order is total).
    prepared.sort_by(|a, b| {
        (a.job.due, a.job.earliest_start, &a.job.id).cmp(&(
            b.job.due,
            b.job.earliest_start,
            &b.job.id,
        ))
    });

    let mut plans = Vec::new();
    let mut unscheduled = Vec::new();
    for job in &prepared {
        match planner.place(job, false) {
            Ok(placement) => {
                planner.commit(job, &placement);
                plans.push(planner.plan(job, &placement));
            }
            Err(failed) => unscheduled.push(Unscheduled {
                job_id: job.job.id.clone(),
                reason: planner.unscheduled_reason(job, &failed),
            }),
        }
    }

    Ok(Schedule {
        from,
        horizon_days,
        plans,
        unscheduled,
        load: planner.into_load(booked),
    })
}

// ---------------------------------------------------------------------------
// The planner: the load per centre and day offset in flat vectors
// (`centre * horizon + offset`), `Booked` only at the edges.

struct Planner<'a> {
    centres: &'a [WorkCentre],
    index: HashMap<&'a str, usize>,
    from: NaiveDate,
    horizon: usize,
    /// The date of each day offset.
    dates: Vec<NaiveDate>,
    working: Vec<bool>,
    /// Load from `booked`.
    base: Vec<i64>,
    /// Load from `booked` plus the jobs committed so far.
    load: Vec<i64>,
    /// The latest due date of the committed jobs booked on the cell.
    last_due: Vec<Option<NaiveDate>>,
}

/// A validated job.
struct Prepared<'a> {
    job: &'a Job,
    /// max(earliest_start, from) as a day offset; may be past the horizon.
    start: i64,
    /// The due date as a day offset; may be negative.
    due: i64,
    from: NaiveDate,
    ops: Vec<Step<'a>>,
}

struct Step<'a> {
    op: &'a Operation,
    kind: StepKind,
}

#[derive(Clone, Copy)]
enum StepKind {
    InHouse { centre: usize, load_per_piece: i64 },
    Outsourced { lead_days: i64 },
}

/// A job's tentative booking; nothing is written until [`Planner::commit`].
struct Placement {
    /// (operation index, centre, day offset, pieces, load), per operation
    /// then per day.
    allocations: Vec<(usize, usize, usize, i64, i64)>,
    /// (start, finish) day offsets per operation.
    spans: Vec<(usize, usize)>,
    /// Where other work held the job back.
    blocks: Vec<Block>,
}

impl Placement {
    fn start(&self) -> usize {
        self.spans.first().map_or(0, |span| span.0)
    }

    fn finish(&self) -> usize {
        self.spans.last().map_or(0, |span| span.1)
    }
}

struct Failed {
    failure: Failure,
    /// Where other work held the job back before it failed.
    blocks: Vec<Block>,
}

enum Failure {
    StartsAfterHorizon,
    PieceTooLarge {
        op: usize,
        centre: usize,
        load_per_piece: i64,
    },
    InHouseBeyondHorizon {
        op: usize,
        left: i64,
    },
    OutsourcedBeyondHorizon {
        op: usize,
        finish: i64,
    },
}

/// Days on which a centre gave the job less than it could have had alone.
struct Block {
    centre: usize,
    /// Working days with no room for a single piece.
    full: i64,
    /// Working days with room for some, not all it could use.
    partial: i64,
    first: usize,
    last: usize,
    by_booked: bool,
    by_orders: bool,
    latest_due: Option<NaiveDate>,
}

impl<'a> Planner<'a> {
    fn new(
        centres: &'a [WorkCentre],
        booked: &Booked,
        from: NaiveDate,
        horizon_days: i64,
    ) -> Result<Self, ScheduleError> {
        if !(1..=MAX_HORIZON_DAYS).contains(&horizon_days) {
            return Err(ScheduleError::InvalidHorizon(horizon_days));
        }
        let horizon = horizon_days as usize;
        if from.checked_add_days(Days::new(horizon as u64)).is_none() {
            return Err(ScheduleError::HorizonOutOfRange { from, horizon_days });
        }
        let dates: Vec<NaiveDate> = from.iter_days().take(horizon).collect();

        let mut index = HashMap::with_capacity(centres.len());
        for (position, centre) in centres.iter().enumerate() {
            if centre.code.is_empty() {
                return Err(ScheduleError::EmptyWorkCentreCode { index: position });
            }
            if centre.daily_capacity <= 0 {
                return Err(ScheduleError::InvalidCapacity {
                    code: centre.code.clone(),
                    capacity: centre.daily_capacity,
                });
            }
            if index.insert(centre.code.as_str(), position).is_some() {
                return Err(ScheduleError::DuplicateWorkCentre {
                    code: centre.code.clone(),
                });
            }
        }

        let mut working = Vec::with_capacity(centres.len() * horizon);
        for centre in centres {
            let holidays: HashSet<NaiveDate> = centre.holidays.iter().copied().collect();
            working.extend(
                dates.iter().map(|day| {
                    !centre.days_off.contains(&day.weekday()) && !holidays.contains(day)
                }),
            );
        }

        let mut base = vec![0_i64; centres.len() * horizon];
        for ((code, day), &amount) in booked {
            if amount < 0 {
                return Err(ScheduleError::NegativeBooked {
                    work_centre: code.clone(),
                    day: *day,
                    load: amount,
                });
            }
            let offset = (*day - from).num_days();
            if let Some(&centre) = index.get(code.as_str())
                && (0..horizon_days).contains(&offset)
            {
                base[centre * horizon + offset as usize] = amount;
            }
        }

        Ok(Self {
            centres,
            index,
            from,
            horizon,
            dates,
            working,
            load: base.clone(),
            base,
            last_due: vec![None; centres.len() * horizon],
        })
    }

    fn prepare(&self, position: usize, job: &'a Job) -> Result<Prepared<'a>, ScheduleError> {
        let id = &job.id;
        if id.is_empty() {
            return Err(ScheduleError::EmptyJobId { index: position });
        }
        if job.quantity <= 0 {
            return Err(ScheduleError::InvalidQuantity {
                job: id.clone(),
                quantity: job.quantity,
            });
        }
        if job.operations.is_empty() {
            return Err(ScheduleError::NoOperations { job: id.clone() });
        }
        let mut ops = Vec::with_capacity(job.operations.len());
        let mut previous: Option<i32> = None;
        for op in &job.operations {
            if let Some(previous) = previous
                && op.seq <= previous
            {
                return Err(ScheduleError::OperationsOutOfOrder {
                    job: id.clone(),
                    seq: op.seq,
                    previous,
                });
            }
            previous = Some(op.seq);
            let kind = if op.outsourced {
                if op.lead_days < 0 {
                    return Err(ScheduleError::NegativeLeadDays {
                        job: id.clone(),
                        seq: op.seq,
                        lead_days: op.lead_days,
                    });
                }
                StepKind::Outsourced {
                    lead_days: op.lead_days,
                }
            } else {
                if op.work_centre.is_empty() {
                    return Err(ScheduleError::MissingWorkCentre {
                        job: id.clone(),
                        seq: op.seq,
                    });
                }
                let Some(&centre) = self.index.get(op.work_centre.as_str()) else {
                    return Err(ScheduleError::UnknownWorkCentre {
                        job: id.clone(),
                        seq: op.seq,
                        work_centre: op.work_centre.clone(),
                    });
                };
                if op.load_per_piece < 1 {
                    return Err(ScheduleError::InvalidLoadPerPiece {
                        job: id.clone(),
                        seq: op.seq,
                        load: op.load_per_piece,
                    });
                }
                StepKind::InHouse {
                    centre,
                    load_per_piece: op.load_per_piece,
                }
            };
            ops.push(Step { op, kind });
        }
        Ok(Prepared {
            job,
            start: (job.earliest_start - self.from).num_days().max(0),
            due: (job.due - self.from).num_days(),
            from: self.from,
            ops,
        })
    }

    /// Books `job` tentatively: on the current load, or, when `ideal`, on
    /// empty work centres (what the job needs on its own).
    fn place(&self, job: &Prepared<'_>, ideal: bool) -> Result<Placement, Failed> {
        let horizon = self.horizon as i64;
        let mut placement = Placement {
            allocations: Vec::new(),
            spans: Vec::with_capacity(job.ops.len()),
            blocks: Vec::new(),
        };
        if job.start >= horizon {
            return Err(Failed {
                failure: Failure::StartsAfterHorizon,
                blocks: Vec::new(),
            });
        }
        // The day the previous operation finished (`None` for the first).
        let mut previous: Option<usize> = None;
        for (op_index, step) in job.ops.iter().enumerate() {
            match step.kind {
                StepKind::Outsourced { lead_days } => {
                    let start = previous.map_or(job.start, |finish| finish as i64 + 1);
                    let finish = start.saturating_add(lead_days);
                    if finish >= horizon {
                        return Err(Failed {
                            failure: Failure::OutsourcedBeyondHorizon {
                                op: op_index,
                                finish,
                            },
                            blocks: placement.blocks,
                        });
                    }
                    placement.spans.push((start as usize, finish as usize));
                    previous = Some(finish as usize);
                }
                StepKind::InHouse {
                    centre,
                    load_per_piece,
                } => {
                    let capacity = self.centres[centre].daily_capacity;
                    if load_per_piece > capacity {
                        return Err(Failed {
                            failure: Failure::PieceTooLarge {
                                op: op_index,
                                centre,
                                load_per_piece,
                            },
                            blocks: placement.blocks,
                        });
                    }
                    let cursor = previous
                        .map_or(job.start as usize, |finish| finish.max(job.start as usize));
                    // Only the cursor day can hold load of this job's own
                    // earlier operations: they all finished by then.
                    let own: i64 = placement
                        .allocations
                        .iter()
                        .filter(|a| a.1 == centre && a.2 == cursor)
                        .map(|a| a.4)
                        .sum();
                    let row = centre * self.horizon;
                    let mut left = job.job.quantity;
                    let mut first = None;
                    let mut last = cursor;
                    let mut day = cursor;
                    while left > 0 {
                        if day >= self.horizon {
                            return Err(Failed {
                                failure: Failure::InHouseBeyondHorizon { op: op_index, left },
                                blocks: placement.blocks,
                            });
                        }
                        let cell = row + day;
                        if self.working[cell] {
                            let own = if day == cursor { own } else { 0 };
                            let others = if ideal { 0 } else { self.load[cell] };
                            let free = capacity.saturating_sub(own).saturating_sub(others);
                            let pieces = left.min(free.max(0) / load_per_piece);
                            if !ideal {
                                let alone = left.min((capacity - own).max(0) / load_per_piece);
                                if pieces < alone {
                                    self.note_block(&mut placement.blocks, centre, day, pieces);
                                }
                            }
                            if pieces > 0 {
                                placement.allocations.push((
                                    op_index,
                                    centre,
                                    day,
                                    pieces,
                                    pieces * load_per_piece,
                                ));
                                first.get_or_insert(day);
                                last = day;
                                left -= pieces;
                            }
                        }
                        day += 1;
                    }
                    placement.spans.push((first.unwrap_or(cursor), last));
                    previous = Some(last);
                }
            }
        }
        Ok(placement)
    }

    fn note_block(&self, blocks: &mut Vec<Block>, centre: usize, day: usize, pieces: i64) {
        let cell = centre * self.horizon + day;
        let index = match blocks.iter().position(|b| b.centre == centre) {
            Some(index) => index,
            None => {
                blocks.push(Block {
                    centre,
                    full: 0,
                    partial: 0,
                    first: day,
                    last: day,
                    by_booked: false,
                    by_orders: false,
                    latest_due: None,
                });
                blocks.len() - 1
            }
        };
        let block = &mut blocks[index];
        if pieces == 0 {
            block.full += 1;
        } else {
            block.partial += 1;
        }
        block.first = block.first.min(day);
        block.last = block.last.max(day);
        block.by_booked |= self.base[cell] > 0;
        block.by_orders |= self.load[cell] > self.base[cell];
        block.latest_due = block.latest_due.max(self.last_due[cell]);
    }

    fn commit(&mut self, job: &Prepared<'_>, placement: &Placement) {
        for &(_, centre, day, _, load) in &placement.allocations {
            let cell = centre * self.horizon + day;
            self.load[cell] += load;
            self.last_due[cell] = self.last_due[cell].max(Some(job.job.due));
        }
    }

    fn plan(&self, job: &Prepared<'_>, placement: &Placement) -> JobPlan {
        let planned_completion = self.dates[placement.finish()];
        let late_days = (planned_completion - job.job.due).num_days().max(0);
        let late_reason = if late_days > 0 {
            self.late_reason(job, placement, late_days)
        } else {
            String::new()
        };
        JobPlan {
            job_id: job.job.id.clone(),
            planned_start: self.dates[placement.start()],
            planned_completion,
            due: job.job.due,
            late_days,
            late_reason,
            allocations: placement
                .allocations
                .iter()
                .map(|&(op, centre, day, pieces, load)| Allocation {
                    job_id: job.job.id.clone(),
                    seq: job.ops[op].op.seq,
                    work_centre: self.centres[centre].code.clone(),
                    day: self.dates[day],
                    pieces,
                    load,
                })
                .collect(),
            operations: job
                .ops
                .iter()
                .zip(&placement.spans)
                .map(|(step, &(start, finish))| OperationPlan {
                    seq: step.op.seq,
                    work_centre: match step.kind {
                        StepKind::InHouse { centre, .. } => self.centres[centre].code.clone(),
                        StepKind::Outsourced { .. } => String::new(),
                    },
                    outsourced: matches!(step.kind, StepKind::Outsourced { .. }),
                    start: self.dates[start],
                    finish: self.dates[finish],
                })
                .collect(),
        }
    }

    /// The date of a day offset (past the horizon too).
    fn date(&self, offset: i64) -> Option<NaiveDate> {
        u64::try_from(offset)
            .ok()
            .and_then(|offset| self.from.checked_add_days(Days::new(offset)))
    }

    /// The date a job can start on (max(earliest_start, from)).
    fn start_date(job: &Prepared<'_>) -> NaiveDate {
        job.job.earliest_start.max(job.from)
    }

    fn into_load(self, booked: &Booked) -> Booked {
        let mut load = booked.clone();
        for (centre, wc) in self.centres.iter().enumerate() {
            let row = centre * self.horizon;
            for day in 0..self.horizon {
                let added = self.load[row + day] - self.base[row + day];
                if added > 0 {
                    *load.entry((wc.code.clone(), self.dates[day])).or_insert(0) += added;
                }
            }
        }
        load
    }
}

mod explain;
use explain::plural;
mod plans;

pub use plans::{PlanLine, daily, overbooked, weekly};

#[cfg(test)]
mod tests;
