//! Production orders, order facts, BOMs, work centres and schedules.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::{bom, order_fact, production_order, schedule, work_centre};
use super::json;
use crate::domain::ProductionError;
use crate::domain::bom::Bom;
use crate::domain::order::{OrderFact, ProductionOrder, State};
use crate::domain::plan::{MasterSchedule, ScheduleState};
use crate::domain::schedule::WorkCentre;
use orderflow_platform::db::document::{self, Document};

// ------------------------------------------------------ production orders

impl Document for ProductionOrder {
    type Entity = production_order::Entity;
    const NAME: &'static str = "production order";

    fn row(&self, body: String) -> production_order::Model {
        production_order::Model {
            id: self.id.to_string(),
            order_id: self.demand.order_id.to_string(),
            sku: self.demand.sku.clone(),
            state: self.state.as_str().to_owned(),
            schedule_due_at: self.schedule_due_at,
            schedule_overdue: self.schedule_overdue,
            inspection_due: self.next_booking_due().map(|day| day.to_string()),
            inspection_overdue: self.inspection_overdue(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            body,
        }
    }

    fn body(row: &production_order::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<production_order::Column> {
        use production_order::Column;
        vec![
            Column::State,
            Column::ScheduleDueAt,
            Column::ScheduleOverdue,
            Column::InspectionDue,
            Column::InspectionOverdue,
            Column::UpdatedAt,
            Column::Body,
        ]
    }

    /// Files the current span under the customer order (architecture.md §6).
    fn loaded(&self) {
        orderflow_platform::telemetry::tag_order(
            self.demand.order_id.as_ref(),
            &self.demand.order_number,
        );
    }
}

/// False when the order already has a production order for that SKU.
pub async fn insert_order<C: ConnectionTrait>(
    connection: &C,
    order: &ProductionOrder,
) -> Result<bool, ProductionError> {
    use production_order::Column;
    document::insert_new(connection, order, [Column::OrderId, Column::Sku]).await
}

pub async fn save_order<C: ConnectionTrait>(
    connection: &C,
    order: &ProductionOrder,
) -> Result<(), ProductionError> {
    document::save(connection, order).await
}

pub async fn order<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<ProductionOrder>, ProductionError> {
    document::load(connection, id, for_update).await
}

/// The production orders of one customer order, oldest first.
pub async fn orders_of<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Vec<ProductionOrder>, ProductionError> {
    let mut query = production_order::Entity::find()
        .filter(production_order::Column::OrderId.eq(order_id))
        .order_by_asc(production_order::Column::Id);
    if for_update {
        query = query.lock_exclusive();
    }
    document::all(connection, query).await
}

/// A page of production orders after `after` (an id), oldest first.
pub async fn list_orders<C: ConnectionTrait>(
    connection: &C,
    order_id: Option<&str>,
    states: &[State],
    overdue: Overdue,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<ProductionOrder>, ProductionError> {
    let mut query = production_order::Entity::find().order_by_asc(production_order::Column::Id);
    if let Some(order_id) = order_id {
        query = query.filter(production_order::Column::OrderId.eq(order_id));
    }
    if !states.is_empty() {
        query = query.filter(
            production_order::Column::State.is_in(states.iter().map(|state| state.as_str())),
        );
    }
    match overdue {
        Overdue::Any => {}
        Overdue::Schedule => {
            query = query.filter(production_order::Column::ScheduleOverdue.eq(true));
        }
        Overdue::Inspection => {
            query = query.filter(production_order::Column::InspectionOverdue.eq(true));
        }
    }
    if let Some(after) = after {
        query = query.filter(production_order::Column::Id.gt(after));
    }
    document::all(connection, query.limit(limit)).await
}

/// Which missed target a listing is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    Any,
    /// SLA-3: not scheduled in time.
    Schedule,
    /// PRD-6: a pre-shipment inspection not booked by its day.
    Inspection,
}

/// PRD-6: production orders with an inspection to book before `today`, not
/// yet flagged.
pub async fn inspections_due<C: ConnectionTrait>(
    connection: &C,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<ProductionOrder>, ProductionError> {
    let query = production_order::Entity::find()
        .filter(production_order::Column::InspectionDue.lt(today.to_string()))
        .order_by_asc(production_order::Column::InspectionDue)
        .limit(limit)
        .lock_exclusive();
    document::all(connection, query).await
}

/// SLA-3: unscheduled production orders past their time, not yet flagged.
pub async fn schedule_overdue<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<ProductionOrder>, ProductionError> {
    let query = production_order::Entity::find()
        .filter(
            production_order::Column::State
                .is_in([State::Engineering.as_str(), State::Ready.as_str()]),
        )
        .filter(production_order::Column::ScheduleOverdue.eq(false))
        .filter(production_order::Column::ScheduleDueAt.lte(now))
        .order_by_asc(production_order::Column::ScheduleDueAt)
        .limit(limit)
        .lock_exclusive();
    document::all(connection, query).await
}

// ------------------------------------------------------------ order facts

/// What the orders service reported of an order (the warehouse is
/// inventory's, set by [`touch_fact`]).
pub async fn save_fact<C: ConnectionTrait>(
    connection: &C,
    fact: &OrderFact,
    now: DateTime<Utc>,
) -> Result<(), ProductionError> {
    order_fact::Entity::insert(fact_model(fact, now).into_active_model())
        .on_conflict(
            OnConflict::column(order_fact::Column::OrderId)
                .update_columns([
                    order_fact::Column::OrderNumber,
                    order_fact::Column::OrderKind,
                    order_fact::Column::DueDate,
                    order_fact::Column::Cancelled,
                    order_fact::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// The order's kept fact, locked until the transaction ends (PostgreSQL);
/// `fact` is filed first when there is none. The insert claims the order,
/// so a cancellation handled beside this at the same moment is applied
/// before or after it, never lost under it.
pub async fn claim_fact<C: ConnectionTrait>(
    connection: &C,
    fact: &OrderFact,
    now: DateTime<Utc>,
) -> Result<OrderFact, ProductionError> {
    orderflow_platform::db::insert_if_absent::<order_fact::Entity, _>(
        connection,
        fact_model(fact, now).into_active_model(),
    )
    .await?;
    order_fact::Entity::find_by_id(fact.order_id.clone())
        .lock_exclusive()
        .one(connection)
        .await?
        .map(fact_from)
        .ok_or_else(|| {
            ProductionError::Internal(anyhow::anyhow!(
                "the fact of order {} is gone",
                fact.order_id
            ))
        })
}

fn fact_model(fact: &OrderFact, now: DateTime<Utc>) -> order_fact::Model {
    order_fact::Model {
        order_id: fact.order_id.clone(),
        order_number: fact.order_number.clone(),
        order_kind: fact.order_kind.clone(),
        due_date: fact.due_date.map(|day| day.to_string()),
        warehouse: fact.warehouse.clone(),
        cancelled: fact.cancelled,
        updated_at: now,
    }
}

fn fact_from(model: order_fact::Model) -> OrderFact {
    OrderFact {
        order_id: model.order_id,
        order_number: model.order_number,
        order_kind: model.order_kind,
        due_date: model
            .due_date
            .and_then(|day| NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()),
        warehouse: model.warehouse,
        cancelled: model.cancelled,
    }
}

/// Records that the order exists with its number and warehouse, keeping
/// what the orders service reported (kind, delivery date, cancellation).
/// On PostgreSQL the row stays locked until the transaction ends, so a
/// release and a shortage of one order are applied one after the other.
pub async fn touch_fact<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    order_number: &str,
    warehouse: &str,
    now: DateTime<Utc>,
) -> Result<(), ProductionError> {
    let model = order_fact::Model {
        order_id: order_id.to_owned(),
        order_number: order_number.to_owned(),
        order_kind: String::new(),
        due_date: None,
        warehouse: warehouse.to_owned(),
        cancelled: false,
        updated_at: now,
    };
    order_fact::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(order_fact::Column::OrderId)
                .update_columns([
                    order_fact::Column::OrderNumber,
                    order_fact::Column::Warehouse,
                    order_fact::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn fact<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Option<OrderFact>, ProductionError> {
    Ok(order_fact::Entity::find_by_id(order_id.to_owned())
        .one(connection)
        .await?
        .map(fact_from))
}

// ------------------------------------------------------------------- BOMs

impl Document for Bom {
    type Entity = bom::Entity;
    const NAME: &'static str = "BOM";

    fn row(&self, body: String) -> bom::Model {
        bom::Model {
            sku: self.sku.clone(),
            version: self.version,
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &bom::Model) -> &str {
        &row.body
    }

    /// A version, once defined, never changes.
    fn changing() -> Vec<bom::Column> {
        Vec::new()
    }
}

/// False when that version exists (another definition won the race).
pub async fn insert_bom<C: ConnectionTrait>(
    connection: &C,
    bom: &Bom,
) -> Result<bool, ProductionError> {
    document::insert_new(connection, bom, [bom::Column::Sku, bom::Column::Version]).await
}

/// One version, or the latest with `version` 0.
pub async fn bom<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    version: i32,
) -> Result<Option<Bom>, ProductionError> {
    let mut query = bom::Entity::find().filter(bom::Column::Sku.eq(sku));
    if version > 0 {
        query = query.filter(bom::Column::Version.eq(version));
    }
    document::first(connection, query.order_by_desc(bom::Column::Version)).await
}

/// The latest version of every BOM: what sub-assemblies explode through.
pub async fn latest_boms<C: ConnectionTrait>(
    connection: &C,
) -> Result<HashMap<String, Bom>, ProductionError> {
    let query = bom::Entity::find()
        .order_by_asc(bom::Column::Sku)
        .order_by_asc(bom::Column::Version);
    let all: Vec<Bom> = document::all(connection, query).await?;
    // Later versions overwrite earlier ones.
    Ok(all.into_iter().map(|bom| (bom.sku.clone(), bom)).collect())
}

// ----------------------------------------------------------- work centres

pub async fn save_work_centre<C: ConnectionTrait>(
    connection: &C,
    centre: &WorkCentre,
    now: DateTime<Utc>,
) -> Result<(), ProductionError> {
    let model = work_centre::Model {
        code: centre.code.clone(),
        updated_at: now,
        body: json(centre)?,
    };
    work_centre::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(work_centre::Column::Code)
                .update_columns([work_centre::Column::UpdatedAt, work_centre::Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn work_centres<C: ConnectionTrait>(
    connection: &C,
) -> Result<Vec<WorkCentre>, ProductionError> {
    let query = work_centre::Entity::find().order_by_asc(work_centre::Column::Code);
    query
        .all(connection)
        .await?
        .iter()
        .map(|row| document::from_json("work centre", &row.body))
        .collect()
}

// -------------------------------------------------------------- schedules

impl Document for MasterSchedule {
    type Entity = schedule::Entity;
    const NAME: &'static str = "schedule";

    fn row(&self, body: String) -> schedule::Model {
        schedule::Model {
            id: self.id.to_string(),
            state: self.state.as_str().to_owned(),
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &schedule::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<schedule::Column> {
        vec![schedule::Column::State, schedule::Column::Body]
    }
}

pub async fn insert_schedule<C: ConnectionTrait>(
    connection: &C,
    schedule: &MasterSchedule,
) -> Result<(), ProductionError> {
    schedule::Entity::insert(schedule.row(json(schedule)?).into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn save_schedule<C: ConnectionTrait>(
    connection: &C,
    schedule: &MasterSchedule,
) -> Result<(), ProductionError> {
    document::save(connection, schedule).await
}

pub async fn schedule<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<MasterSchedule>, ProductionError> {
    document::load(connection, id, for_update).await
}

/// Schedules in `state`, oldest first.
pub async fn schedules_in<C: ConnectionTrait>(
    connection: &C,
    state: ScheduleState,
) -> Result<Vec<MasterSchedule>, ProductionError> {
    let query = schedule::Entity::find()
        .filter(schedule::Column::State.eq(state.as_str()))
        .order_by_asc(schedule::Column::CreatedAt)
        .order_by_asc(schedule::Column::Id);
    document::all(connection, query).await
}
