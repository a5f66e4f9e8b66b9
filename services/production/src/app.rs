//! The use cases of the production service: one write transaction each,
//! with the change and its events. Calls to inventory happen before the
//! transaction opens.
//!
//! - here: demand (PRD-1), the engineering stage (PRD-10), BOMs and
//!   material requirements (PRD-2), SLA-3;
//! - [`scheduling`]: work centres, the master schedule and plans (PRD-3,
//!   PRD-11);
//! - [`execution`]: material issue, first article, output, inspections and
//!   lots (PRD-4, PRD-5);
//! - [`preparation`]: pre-shipment inspections (PRD-6), tooling (PRD-7),
//!   outsourced returns (PRD-8);
//! - [`closing`]: summaries (PRD-9) and closing (PRD-12).

pub mod closing;
pub mod execution;
pub mod preparation;
pub mod scheduling;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::base::AppBase;
use orderflow_platform::bus::outbox::OutgoingEvent;
use orderflow_platform::db::document::{self};
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::ids::OrderId;
use sea_orm::ConnectionTrait;

use crate::domain::bom::{self, Bom, Draft};
use crate::domain::order::{
    Demand, Engineering, InspectionDays, MaterialLine, OrderFact, PreShipmentKind, ProductionOrder,
    ProductionOrderId, Review, ReviewMeeting, State,
};
use crate::domain::{Actor, ProductionError};
use crate::events;
use crate::peers;
use crate::store::records;
pub use crate::store::records::Overdue;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub time_zone: Tz,
    /// SLA-3: a released order is scheduled within this.
    pub schedule_sla: Duration,
    /// PRD-6: how many days before delivery each inspection is booked by.
    pub inspection_days: InspectionDays,
}

#[derive(Debug, Clone)]
pub struct Production {
    base: AppBase,
    inventory: peers::Inventory,
    settings: Settings,
}

/// What the review meeting recorded (PRD-10, PRD-6).
#[derive(Debug, Clone)]
pub struct Minutes {
    /// When it was held (now if not said).
    pub held_at: Option<DateTime<Utc>>,
    pub attendees: Vec<String>,
    pub conclusions: String,
    /// The pre-shipment inspections the contract asks for beyond our QC.
    pub inspections: Vec<PreShipmentKind>,
}

/// A short line of a released order (from inventory's reservation).
#[derive(Debug, Clone)]
pub struct ShortLine {
    pub sku: String,
    pub quantity: i64,
}

/// One step of a production order's life, as a use case applies it: the
/// change (refused as a whole when the domain refuses) and the events it
/// publishes.
type Step<'a> = Box<
    dyn FnOnce(&mut ProductionOrder, DateTime<Utc>) -> Result<Vec<OutgoingEvent>, ProductionError>
        + Send
        + 'a,
>;

impl Production {
    pub fn new(base: AppBase, inventory: peers::Inventory, settings: Settings) -> Self {
        Self {
            base,
            inventory,
            settings,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.base.today(&self.settings.time_zone)
    }

    /// Applies `step` to the production order in one transaction, once per
    /// request key: a repeated request returns the order as it is now.
    async fn change(
        &self,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        step: Step<'_>,
    ) -> Result<ProductionOrder, ProductionError> {
        document::change(self.base.change(key), id, step, |_, events| events).await
    }

    /// [`Self::change`] for a step that publishes nothing (what the step
    /// returns besides is not needed: the answer is the order).
    async fn update<T>(
        &self,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        step: impl FnOnce(&mut ProductionOrder, DateTime<Utc>) -> Result<T, ProductionError>
        + Send
        + 'static,
    ) -> Result<ProductionOrder, ProductionError> {
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                step(order, now)?;
                Ok(Vec::new())
            }),
        )
        .await
    }

    pub async fn production_order(
        &self,
        id: &ProductionOrderId,
    ) -> Result<ProductionOrder, ProductionError> {
        records::order(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| ProductionError::not_found("production order", id.as_str()))
    }

    pub async fn list(
        &self,
        order_id: Option<&OrderId>,
        states: &[State],
        overdue: Overdue,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ProductionOrder>, ProductionError> {
        records::list_orders(
            self.base.database.connection(),
            order_id.map(OrderId::as_str),
            states,
            overdue,
            after,
            limit,
        )
        .await
    }

    // -------------------------------------------------------------- demand

    /// PRD-1: what production keeps of a released order; a self-stock order
    /// (released only after the GM approved it, APR-7) becomes production
    /// orders for all of its lines. Production orders made before the
    /// release was seen get the delivery date now.
    pub async fn order_released<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        fact: OrderFact,
        lines: &[ShortLine],
    ) -> Result<usize, ProductionError> {
        let now = self.now();
        // Claimed first: on PostgreSQL the row lock orders this against a
        // shortage or a cancellation of the same order handled at the same
        // time. A cancellation is final: a release handled after it (two
        // replicas share the consumer) revives nothing and demands nothing.
        if records::claim_fact(connection, &fact, now).await?.cancelled {
            return Ok(0);
        }
        records::save_fact(connection, &fact, now).await?;
        for mut order in records::orders_of(connection, &fact.order_id, true).await? {
            let missing_date = order.demand.due_date.is_none() && fact.due_date.is_some();
            let missing_kind = order.demand.order_kind.is_empty();
            if missing_date || missing_kind {
                order.demand.due_date = order.demand.due_date.or(fact.due_date);
                order.demand.order_kind = fact.order_kind.clone();
                order.date_inspections(self.settings.inspection_days);
                order.updated_at = now;
                records::save_order(connection, &order).await?;
            }
        }
        if fact.order_kind != "self_stock" {
            return Ok(0);
        }
        self.demand(connection, actor, &fact, lines).await
    }

    /// PRD-1: a production order for each short line of a released order;
    /// nothing twice for a redelivered shortage, nothing for a cancelled
    /// order.
    pub async fn stock_short<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        order_number: &str,
        warehouse: &str,
        lines: &[ShortLine],
    ) -> Result<usize, ProductionError> {
        records::touch_fact(
            connection,
            order_id.as_str(),
            order_number,
            warehouse,
            self.now(),
        )
        .await?;
        let Some(fact) = records::fact(connection, order_id.as_str()).await? else {
            return Ok(0);
        };
        if fact.cancelled {
            return Ok(0);
        }
        self.demand(connection, actor, &fact, lines).await
    }

    async fn demand<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        fact: &OrderFact,
        lines: &[ShortLine],
    ) -> Result<usize, ProductionError> {
        let now = self.now();
        let mut created = 0;
        for line in lines.iter().filter(|line| line.quantity > 0) {
            let order = ProductionOrder::new(
                Demand {
                    order_id: OrderId::from_stored(fact.order_id.clone()),
                    order_number: fact.order_number.clone(),
                    order_kind: fact.order_kind.clone(),
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    due_date: fact.due_date,
                    warehouse: if fact.warehouse.is_empty() {
                        "FG".to_owned()
                    } else {
                        fact.warehouse.clone()
                    },
                },
                now + self.settings.schedule_sla,
                now,
            );
            if !records::insert_order(connection, &order).await? {
                continue;
            }
            created += 1;
            let detail = format!(
                "production order for {} {} (to {}), to be scheduled by {}",
                order.demand.quantity,
                order.demand.sku,
                order.demand.warehouse,
                order.schedule_due_at.format("%Y-%m-%d %H:%M UTC")
            );
            self.base
                .enqueue(
                    connection,
                    events::order(&order, "order.created", None, detail, actor, now),
                )
                .await?;
            tracing::info!(order.number = %order.demand.order_number, sku = %order.demand.sku, "production order created");
        }
        Ok(created)
    }

    /// ORD-6: a cancelled order stops its unfinished production orders; the
    /// materials issued to them go back (inventory books the return from
    /// `production.order.cancelled`).
    pub async fn order_cancelled<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        order_number: &str,
        reason: &str,
    ) -> Result<usize, ProductionError> {
        let now = self.now();
        let mut fact = records::fact(connection, order_id.as_str())
            .await?
            .unwrap_or(OrderFact {
                order_id: order_id.to_string(),
                order_number: order_number.to_owned(),
                order_kind: String::new(),
                due_date: None,
                warehouse: String::new(),
                cancelled: true,
            });
        fact.cancelled = true;
        records::save_fact(connection, &fact, now).await?;
        let mut stopped = 0;
        for mut order in records::orders_of(connection, order_id.as_str(), true).await? {
            let Some(issued) = order.cancel(reason, now) else {
                continue;
            };
            records::save_order(connection, &order).await?;
            let returned: Vec<String> = issued
                .iter()
                .map(|(sku, quantity)| format!("{sku} {quantity}"))
                .collect();
            let detail = if returned.is_empty() {
                format!("production of {} stopped: {reason}", order.demand.sku)
            } else {
                format!(
                    "production of {} stopped: {reason}; materials back to the warehouse: {}",
                    order.demand.sku,
                    returned.join(", ")
                )
            };
            self.base
                .enqueue(
                    connection,
                    events::order(&order, "order.cancelled", None, detail, actor, now),
                )
                .await?;
            stopped += 1;
        }
        Ok(stopped)
    }

    // --------------------------------------------------------- engineering

    /// PRD-10: the order review meeting; PRD-6: the inspections it
    /// recorded are planned.
    pub async fn record_review_meeting(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        minutes: Minutes,
    ) -> Result<ProductionOrder, ProductionError> {
        let recorded_by = actor.subject.clone();
        let days = self.settings.inspection_days;
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.record_review_meeting(
                    ReviewMeeting {
                        held_at: minutes.held_at.unwrap_or(now),
                        attendees: minutes.attendees,
                        conclusions: minutes.conclusions,
                        recorded_by,
                    },
                    now,
                )?;
                order.plan_inspections(&minutes.inspections, days);
                Ok(Vec::new())
            }),
        )
        .await
    }

    /// PRD-10: the engineering documents, naming a BOM version that exists.
    pub async fn submit_engineering(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        drawings: Vec<String>,
        process_sheet: String,
        bom_version: i32,
    ) -> Result<ProductionOrder, ProductionError> {
        let order = self.production_order(id).await?;
        if records::bom(
            self.base.database.connection(),
            &order.demand.sku,
            bom_version,
        )
        .await?
        .is_none()
        {
            return Err(ProductionError::invalid(
                "bom_version",
                format!(
                    "{} has no BOM version {bom_version}; define it first",
                    order.demand.sku
                ),
            ));
        }
        let prepared_by = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.submit_engineering(
                Engineering {
                    drawings,
                    process_sheet,
                    bom_version,
                    prepared_by,
                    submitted_at: now,
                    status: Review::Submitted,
                    reviewed_by: String::new(),
                    review_comment: String::new(),
                    reviewed_at: None,
                },
                now,
            )
        })
        .await
    }

    /// PRD-10: approved, the order may be scheduled; rejected, engineering
    /// submits again.
    pub async fn review_engineering(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        approve: bool,
        comment: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let reviewer = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.review_engineering(approve, &reviewer, &comment, now)?;
                if !approve {
                    return Ok(Vec::new());
                }
                let detail = format!(
                    "engineering documents for {} approved (BOM version {})",
                    order.demand.sku,
                    order.approved_bom_version().unwrap_or_default()
                );
                Ok(vec![events::order(
                    order,
                    "order.engineering_approved",
                    None,
                    detail,
                    &reviewer,
                    now,
                )])
            }),
        )
        .await
    }

    // ---------------------------------------------------------------- BOMs

    /// PRD-2: a new version of a product's BOM. Refused when it would
    /// contain itself, or names a work centre that does not exist.
    pub async fn define_bom(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        draft: Draft,
    ) -> Result<Bom, ProductionError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(resource) = idempotency::claim(&*transaction, key, self.now()).await? {
            drop(transaction);
            let (sku, version) = resource.rsplit_once('@').unwrap_or((&resource, "0"));
            return self.bom(sku, version.parse().unwrap_or(0)).await;
        }
        let latest = records::latest_boms(&*transaction).await?;
        if let Some(path) = bom::cycle(&draft, &latest) {
            return Err(ProductionError::invalid(
                "components",
                format!("the BOM would contain itself: {path}"),
            ));
        }
        let centres = records::work_centres(&*transaction).await?;
        let mut unknown = Vec::new();
        for (index, operation) in draft.operations.iter().enumerate() {
            if !operation.outsourced
                && !centres
                    .iter()
                    .any(|centre| centre.code == operation.work_centre)
            {
                unknown.push(orderflow_platform::FieldViolation::new(
                    format!("operations[{index}].work_centre"),
                    format!("no work centre {}", operation.work_centre),
                ));
            }
        }
        if !unknown.is_empty() {
            return Err(ProductionError::InvalidInput(unknown));
        }
        let version = latest.get(&draft.sku).map_or(1, |bom| bom.version + 1);
        let bom = draft.into_bom(version, &actor.subject, self.now());
        if !records::insert_bom(&*transaction, &bom).await? {
            return Err(ProductionError::Conflict(format!(
                "{} version {version} was defined at the same time; define it again",
                bom.sku
            )));
        }
        idempotency::complete(&*transaction, key, &format!("{}@{version}", bom.sku)).await?;
        transaction.commit().await?;
        Ok(bom)
    }

    pub async fn bom(&self, sku: &str, version: i32) -> Result<Bom, ProductionError> {
        records::bom(self.base.database.connection(), sku, version)
            .await?
            .ok_or_else(|| {
                let which = if version > 0 {
                    format!("{sku}@{version}")
                } else {
                    sku.to_owned()
                };
                ProductionError::not_found("BOM", which)
            })
    }

    /// PRD-2: material requirements = BOM (the version engineering
    /// approved) × quantity − what the materials warehouse has; what is
    /// short goes to procurement (`production.materials.short`).
    pub async fn plan_materials(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
    ) -> Result<ProductionOrder, ProductionError> {
        let order = self.production_order(id).await?;
        let Some(version) = order.approved_bom_version() else {
            return Err(ProductionError::precondition(
                "ENGINEERING_NOT_APPROVED",
                format!("production_orders/{id}"),
                "materials are planned from the BOM version engineering approved (PRD-10)",
            ));
        };
        let connection = self.base.database.connection();
        let bom = self.bom(&order.demand.sku, version).await?;
        let latest = records::latest_boms(connection).await?;
        let needs = bom::requirements(&bom, order.demand.quantity, &latest)?;
        let available = self.inventory.available(&needs).await?;
        let planner = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                let lines = requirement_lines(order, &needs, &available);
                order.plan_materials(lines, now)?;
                if order.materials.iter().all(|line| line.short == 0) {
                    return Ok(Vec::new());
                }
                let need_by = order
                    .planned_start
                    .or(order.demand.due_date)
                    .map(|day| day.to_string())
                    .unwrap_or_default();
                Ok(vec![events::materials_short(
                    order, &need_by, &planner, now,
                )])
            }),
        )
        .await
    }

    // --------------------------------------------------------------- SLA-3

    /// SLA-3: production orders not scheduled in time, and PRD-6:
    /// pre-shipment inspections not booked by their day — each flagged and
    /// announced once (list, event, metric). Returns how many.
    pub async fn sweep(&self) -> Result<usize, ProductionError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let mut flagged = 0;
        for mut order in records::schedule_overdue(&*transaction, now, 500).await? {
            if !order.flag_schedule_overdue(now) {
                continue;
            }
            records::save_order(&*transaction, &order).await?;
            let detail = format!(
                "SLA-3 missed: {} not scheduled by {}",
                order.demand.sku,
                order.schedule_due_at.format("%Y-%m-%d %H:%M UTC")
            );
            self.base
                .enqueue(
                    &*transaction,
                    events::order(
                        &order,
                        "order.schedule_overdue",
                        None,
                        detail,
                        "production",
                        now,
                    ),
                )
                .await?;
            orderflow_platform::metrics::sla_breached("production", "SLA-3");
            flagged += 1;
        }
        let today = self.today();
        for mut order in records::inspections_due(&*transaction, today, 500).await? {
            let kinds = order.flag_unbooked_inspections(today, now);
            if kinds.is_empty() {
                continue;
            }
            records::save_order(&*transaction, &order).await?;
            let names: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
            let detail = format!(
                "PRD-6: the {} pre-shipment inspection of {} is not booked by its day",
                names.join(", "),
                order.demand.sku
            );
            self.base
                .enqueue(
                    &*transaction,
                    events::order(
                        &order,
                        "inspection.overdue",
                        None,
                        detail,
                        "production",
                        now,
                    ),
                )
                .await?;
            orderflow_platform::metrics::sla_breached("production", "PRD-6");
            flagged += 1;
        }
        transaction.commit().await?;
        if flagged > 0 {
            self.base.outbox.notify();
        }
        Ok(flagged)
    }
}

/// PRD-2: each material's gross need, what the warehouse has and what is
/// short of what is still to issue.
fn requirement_lines(
    order: &ProductionOrder,
    needs: &BTreeMap<String, i64>,
    available: &BTreeMap<String, i64>,
) -> Vec<MaterialLine> {
    needs
        .iter()
        .map(|(sku, required)| {
            let issued = order
                .materials
                .iter()
                .find(|line| &line.sku == sku)
                .map_or(0, |line| line.issued);
            let available = available.get(sku).copied().unwrap_or(0);
            MaterialLine {
                sku: sku.clone(),
                required: *required,
                available,
                short: (required - issued - available).max(0),
                issued,
            }
        })
        .collect()
}
