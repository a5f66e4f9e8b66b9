//! Why a planned job is late, and why a job could not be planned (PRD-3):
//! sentences for the planner and the sales assistant.

use super::*;

impl Planner<'_> {
    /// PRD-3: why a planned job finishes after its due date. What the job
    /// needs on its own (earliest start, outsourced lead times, its own work
    /// on free centres) comes first, then the centres that other work held
    /// it back on.
    pub(super) fn late_reason(
        &self,
        job: &Prepared<'_>,
        placement: &Placement,
        late_days: i64,
    ) -> String {
        let mut causes = Vec::new();
        let ideal = self.place(job, true).ok();
        let ideal_finish = ideal.as_ref().map_or(i64::MAX, |p| p.finish() as i64);
        if ideal_finish > job.due {
            let start = Self::start_date(job);
            if job.start > job.due {
                causes.push(format!("it can start only on {start} (after its due date)"));
            } else if let Some(ideal) = &ideal {
                let mut parts = Vec::new();
                if job.start > 0 {
                    parts.push(format!("it can start only on {start}"));
                }
                for (op_index, step) in job.ops.iter().enumerate() {
                    let op = step.op;
                    match step.kind {
                        StepKind::Outsourced { lead_days } => parts.push(format!(
                            "outsourced operation {} ({}) has a lead time of {}",
                            op.seq,
                            op.name,
                            plural(lead_days, "day")
                        )),
                        StepKind::InHouse { centre, .. } => {
                            let mut days: Vec<usize> = ideal
                                .allocations
                                .iter()
                                .filter(|a| a.0 == op_index)
                                .map(|a| a.2)
                                .collect();
                            days.dedup();
                            parts.push(format!(
                                "operation {} ({}) needs {} on {}",
                                op.seq,
                                op.name,
                                plural(days.len() as i64, "working day"),
                                self.centres[centre].code
                            ));
                        }
                    }
                }
                causes.push(format!(
                    "even with every work centre free it would finish on {} at the earliest ({})",
                    self.dates[ideal.finish()],
                    parts.join(", ")
                ));
            }
        }
        if placement.finish() as i64 > ideal_finish || ideal.is_none() {
            causes.extend(self.block_clauses(job, &placement.blocks));
        }
        if causes.is_empty() {
            causes.push(format!(
                "it is planned to complete on {}, after its due date {}",
                self.dates[placement.finish()],
                job.job.due
            ));
        }
        format!(
            "late by {}: {}",
            plural(late_days, "day"),
            causes.join("; ")
        )
    }

    pub(super) fn block_clauses(&self, job: &Prepared<'_>, blocks: &[Block]) -> Vec<String> {
        let mut blocks: Vec<&Block> = blocks.iter().collect();
        // Most days held back first; the sort is stable (operation order).
        blocks.sort_by_key(|b| std::cmp::Reverse(b.full + b.partial));
        blocks
            .into_iter()
            .map(|b| {
                let days = match (b.full, b.partial) {
                    (full, 0) => format!("fully booked on {}", plural(full, "working day")),
                    (0, partial) => format!("partly booked on {}", plural(partial, "working day")),
                    (full, partial) => format!(
                        "fully booked on {} and partly booked on {partial} more",
                        plural(full, "working day")
                    ),
                };
                let orders = if b.latest_due.is_some_and(|due| due >= job.job.due) {
                    format!("orders due no later than {}", job.job.due)
                } else {
                    "orders due earlier".to_owned()
                };
                let by = match (b.by_booked, b.by_orders) {
                    (true, false) => "already approved schedules".to_owned(),
                    (true, true) => format!("already approved schedules and {orders}"),
                    _ => orders,
                };
                format!(
                    "work centre {} is {days} between {} and {} by {by}",
                    self.centres[b.centre].code, self.dates[b.first], self.dates[b.last]
                )
            })
            .collect()
    }

    pub(super) fn unscheduled_reason(&self, job: &Prepared<'_>, failed: &Failed) -> String {
        let last = self.dates[self.horizon - 1];
        let within = format!(
            "cannot finish within the {}-day horizon ({} to {last})",
            self.horizon, self.from
        );
        match failed.failure {
            Failure::StartsAfterHorizon => format!(
                "it can start only on {}, after the horizon ends on {last}",
                Self::start_date(job)
            ),
            Failure::PieceTooLarge {
                op,
                centre,
                load_per_piece,
            } => {
                let step = &job.ops[op];
                let centre = &self.centres[centre];
                format!(
                    "operation {} ({}): one piece needs {} but work centre {} has only {} a day",
                    step.op.seq,
                    step.op.name,
                    centre.unit.amount(load_per_piece),
                    centre.code,
                    centre.unit.amount(centre.daily_capacity)
                )
            }
            Failure::InHouseBeyondHorizon { op, left } => {
                let step = &job.ops[op];
                let mut reason = format!(
                    "{within}: operation {} ({}) on work centre {} would still have {left} of {} pieces to do",
                    step.op.seq, step.op.name, step.op.work_centre, job.job.quantity
                );
                // Where other work held it back.
                let clauses = self.block_clauses(job, &failed.blocks);
                if !clauses.is_empty() {
                    reason.push_str("; ");
                    reason.push_str(&clauses.join("; "));
                }
                reason
            }
            Failure::OutsourcedBeyondHorizon { op, finish } => {
                let step = &job.ops[op];
                let back = match self.date(finish) {
                    Some(day) => format!("only on {day}"),
                    None => format!("after {last}"),
                };
                format!(
                    "{within}: outsourced operation {} ({}) with a lead time of {} would come back {back}",
                    step.op.seq,
                    step.op.name,
                    plural(step.op.lead_days.max(0), "day")
                )
            }
        }
    }
}

pub(super) fn plural(count: i64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
