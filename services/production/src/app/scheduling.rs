//! Work centres, the master schedule and the weekly and daily plans
//! (PRD-3, PRD-11).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};

use super::Production;
use crate::domain::order::{OutsourcedOperation, ProductionOrder, State};
use crate::domain::plan::{MasterSchedule, ScheduleId, ScheduleState};
use crate::domain::schedule::{self, Booked, Job, JobPlan, PlanLine, WorkCentre};
use crate::domain::{Actor, ProductionError};
use crate::events;
use crate::store::records;

/// How far ahead a schedule looks unless asked otherwise.
pub const DEFAULT_HORIZON_DAYS: i64 = 90;

/// Daily or weekly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Daily(NaiveDate),
    Weekly,
}

impl Production {
    /// PRD-3: a work centre's capacity and calendar, created or replaced.
    pub async fn define_work_centre(
        &self,
        key: Option<&RequestKey>,
        centre: WorkCentre,
    ) -> Result<WorkCentre, ProductionError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(code) = idempotency::claim(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self
                .work_centres()
                .await?
                .into_iter()
                .find(|centre| centre.code == code)
                .ok_or_else(|| ProductionError::not_found("work centre", code));
        }
        records::save_work_centre(&*transaction, &centre, self.now()).await?;
        idempotency::complete(&*transaction, key, &centre.code).await?;
        transaction.commit().await?;
        Ok(centre)
    }

    pub async fn work_centres(&self) -> Result<Vec<WorkCentre>, ProductionError> {
        records::work_centres(self.base.database.connection()).await
    }

    /// What approved schedules already book, from `from` on, for production
    /// orders that are still to be made.
    async fn booked(&self, from: NaiveDate) -> Result<(Booked, String), ProductionError> {
        let connection = self.base.database.connection();
        let approved = records::schedules_in(connection, ScheduleState::Approved).await?;
        let mut booked = Booked::new();
        let mut live: HashMap<String, bool> = HashMap::new();
        for plan in approved.iter().flat_map(|schedule| &schedule.plans) {
            let running = match live.get(&plan.job_id) {
                Some(running) => *running,
                None => {
                    let running = records::order(connection, &plan.job_id, false)
                        .await?
                        .is_some_and(|order| {
                            matches!(order.state, State::Scheduled | State::InProgress)
                        });
                    live.insert(plan.job_id.clone(), running);
                    running
                }
            };
            if !running {
                continue;
            }
            for allocation in plan.allocations.iter().filter(|a| a.day >= from) {
                *booked
                    .entry((allocation.work_centre.clone(), allocation.day))
                    .or_default() += allocation.load;
            }
        }
        let latest = approved
            .last()
            .map(|schedule| schedule.id.to_string())
            .unwrap_or_default();
        Ok((booked, latest))
    }

    /// PRD-3: the master schedule of every engineering-approved production
    /// order not yet scheduled, earliest due date first, on top of what
    /// approved schedules book, never beyond a work centre's capacity. A
    /// draft (earlier drafts are superseded) until approved.
    pub async fn propose_schedule(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        from: Option<NaiveDate>,
        horizon_days: Option<i64>,
    ) -> Result<MasterSchedule, ProductionError> {
        let connection = self.base.database.connection();
        let from = from.unwrap_or_else(|| self.today()).max(self.today());
        let horizon_days = horizon_days.unwrap_or(DEFAULT_HORIZON_DAYS);
        let centres = self.work_centres().await?;
        let (booked, based_on) = self.booked(from).await?;
        let ready = records::list_orders(
            connection,
            None,
            &[State::Ready],
            records::Overdue::Any,
            None,
            10_000,
        )
        .await?;
        let mut jobs = Vec::with_capacity(ready.len());
        let mut unscheduled = Vec::new();
        for order in &ready {
            match self.job(order, from).await {
                Ok(job) => jobs.push(job),
                Err(reason) => unscheduled.push(schedule::Unscheduled {
                    job_id: order.id.to_string(),
                    reason,
                }),
            }
        }
        let mut outcome = schedule::schedule(&centres, &booked, &jobs, from, horizon_days)
            .map_err(|error| ProductionError::invalid("schedule", error.to_string()))?;
        unscheduled.append(&mut outcome.unscheduled);
        let draft = MasterSchedule {
            id: ScheduleId::new(),
            state: ScheduleState::Draft,
            from,
            horizon_days,
            plans: outcome.plans,
            unscheduled,
            based_on,
            proposed_by: actor.subject.clone(),
            approved_by: String::new(),
            created_at: self.now(),
            approved_at: None,
        };
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self.schedule(&id).await;
        }
        for mut earlier in records::schedules_in(&*transaction, ScheduleState::Draft).await? {
            earlier.state = ScheduleState::Superseded;
            records::save_schedule(&*transaction, &earlier).await?;
        }
        records::insert_schedule(&*transaction, &draft).await?;
        idempotency::complete(&*transaction, key, &draft.id).await?;
        transaction.commit().await?;
        tracing::info!(
            schedule = %draft.id,
            planned = draft.plans.len(),
            unscheduled = draft.unscheduled.len(),
            "master schedule proposed"
        );
        Ok(draft)
    }

    /// The scheduler's job for a production order: its routing from the
    /// BOM version engineering approved; an order without one cannot be
    /// scheduled, and the reason says why.
    async fn job(&self, order: &ProductionOrder, from: NaiveDate) -> Result<Job, String> {
        let version = order.approved_bom_version().unwrap_or_default();
        let bom = records::bom(self.base.database.connection(), &order.demand.sku, version)
            .await
            .map_err(|error| format!("its BOM cannot be read: {error}"))?
            .ok_or_else(|| format!("{} has no BOM version {version}", order.demand.sku))?;
        if bom.operations.is_empty() {
            return Err(format!(
                "{} version {version} has no routing (operations) to schedule",
                order.demand.sku
            ));
        }
        Ok(Job {
            id: order.id.to_string(),
            label: format!("{} {}", order.demand.order_number, order.demand.sku),
            quantity: order.demand.quantity,
            // An order without a delivery date yields to those with one.
            due: order
                .demand
                .due_date
                .unwrap_or_else(|| from + chrono::Duration::days(3650)),
            earliest_start: from,
            operations: bom.operations,
        })
    }

    pub async fn schedule(&self, id: &str) -> Result<MasterSchedule, ProductionError> {
        records::schedule(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| ProductionError::not_found("schedule", id))
    }

    /// The production orders a schedule plans, by id.
    pub async fn scheduled_orders(
        &self,
        schedule: &MasterSchedule,
    ) -> Result<HashMap<String, ProductionOrder>, ProductionError> {
        let mut orders = HashMap::new();
        for plan in &schedule.plans {
            if let Some(order) =
                records::order(self.base.database.connection(), &plan.job_id, false).await?
            {
                orders.insert(plan.job_id.clone(), order);
            }
        }
        Ok(orders)
    }

    /// PRD-3, PRD-11: `production_manager` approves a draft; its production
    /// orders are scheduled and the planned completion date goes to the
    /// order's timeline. A draft proposed before another approval is stale
    /// (its bookings did not count that one) and must be proposed again.
    pub async fn approve_schedule(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ScheduleId,
    ) -> Result<MasterSchedule, ProductionError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.schedule(id).await;
        }
        let mut draft = records::schedule(&*transaction, id, true)
            .await?
            .ok_or_else(|| ProductionError::not_found("schedule", id.as_str()))?;
        let subject = format!("schedules/{id}");
        if draft.state != ScheduleState::Draft {
            return Err(ProductionError::precondition(
                "SCHEDULE_NOT_DRAFT",
                subject,
                format!("the schedule is {}, not a draft", draft.state.as_str()),
            ));
        }
        let latest = records::schedules_in(&*transaction, ScheduleState::Approved)
            .await?
            .last()
            .map(|schedule| schedule.id.to_string())
            .unwrap_or_default();
        if latest != draft.based_on {
            return Err(ProductionError::precondition(
                "SCHEDULE_STALE",
                subject,
                "another schedule was approved since this one was proposed; propose again",
            ));
        }
        let mut kept = Vec::with_capacity(draft.plans.len());
        for plan in std::mem::take(&mut draft.plans) {
            let Some(mut order) = records::order(&*transaction, &plan.job_id, true).await? else {
                continue;
            };
            // Cancelled since the proposal: its capacity stays free.
            if order.state != State::Ready {
                continue;
            }
            order.schedule(
                &draft.id,
                plan.planned_start,
                plan.planned_completion,
                &plan.late_reason,
                now,
            )?;
            // PRD-8: the outsourced operations go to procurement.
            let names = self.operation_names(&*transaction, &order).await?;
            for operation in plan.operations.iter().filter(|op| op.outsourced) {
                let outsourced = OutsourcedOperation {
                    seq: operation.seq,
                    name: names.get(&operation.seq).cloned().unwrap_or_default(),
                    quantity: order.demand.quantity,
                    send_date: operation.start,
                    return_date: operation.finish,
                    passed: None,
                    inspector: String::new(),
                    note: String::new(),
                };
                self.base
                    .enqueue(
                        &*transaction,
                        events::outsourcing(&order, &outsourced, &actor.subject, now),
                    )
                    .await?;
                order.outsourced.push(outsourced);
            }
            records::save_order(&*transaction, &order).await?;
            self.base
                .enqueue(
                    &*transaction,
                    events::order(
                        &order,
                        "order.scheduled",
                        None,
                        scheduled_detail(&order, &plan),
                        &actor.subject,
                        now,
                    ),
                )
                .await?;
            kept.push(plan);
        }
        draft.plans = kept;
        draft.state = ScheduleState::Approved;
        draft.approved_by = actor.subject.clone();
        draft.approved_at = Some(now);
        records::save_schedule(&*transaction, &draft).await?;
        idempotency::complete(&*transaction, key, id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(draft)
    }

    /// The names of the operations of the production order's routing.
    async fn operation_names<C: sea_orm::ConnectionTrait>(
        &self,
        connection: &C,
        order: &ProductionOrder,
    ) -> Result<HashMap<i32, String>, ProductionError> {
        let version = order.approved_bom_version().unwrap_or_default();
        Ok(records::bom(connection, &order.demand.sku, version)
            .await?
            .map(|bom| {
                bom.operations
                    .into_iter()
                    .map(|operation| (operation.seq, operation.name))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The approved plan of each production order, by id.
    pub(crate) async fn approved_plans(&self) -> Result<HashMap<String, JobPlan>, ProductionError> {
        let mut plans = HashMap::new();
        for schedule in
            records::schedules_in(self.base.database.connection(), ScheduleState::Approved).await?
        {
            for plan in schedule.plans {
                plans.insert(plan.job_id.clone(), plan);
            }
        }
        Ok(plans)
    }

    /// PRD-3: the weekly plan (per week and work centre) or one day's plan,
    /// from the approved schedules of orders still to be made.
    pub async fn plan(&self, period: Period) -> Result<Vec<PlanLine>, ProductionError> {
        let connection = self.base.database.connection();
        let mut plans: BTreeMap<String, JobPlan> = BTreeMap::new();
        for schedule in records::schedules_in(connection, ScheduleState::Approved).await? {
            for plan in schedule.plans {
                plans.insert(plan.job_id.clone(), plan);
            }
        }
        let mut live = Vec::with_capacity(plans.len());
        for (id, plan) in plans {
            let order = records::order(connection, &id, false).await?;
            if order
                .is_some_and(|order| matches!(order.state, State::Scheduled | State::InProgress))
            {
                live.push(plan);
            }
        }
        Ok(match period {
            Period::Weekly => schedule::weekly(&live),
            Period::Daily(day) => schedule::daily(&live, day),
        })
    }
}

/// PRD-11: the sentence the sales assistant reads on the order's timeline.
fn scheduled_detail(order: &ProductionOrder, plan: &JobPlan) -> String {
    let mut detail = format!(
        "scheduled: {} {} from {}, planned completion {}",
        order.demand.quantity, order.demand.sku, plan.planned_start, plan.planned_completion
    );
    if !plan.late_reason.is_empty() {
        detail.push_str(&format!(" ({})", plan.late_reason));
    }
    detail
}
