//! Cases, order facts and case numbers.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use super::entities::{case, complaint, order_facts};
use super::{json, parse_json};
use crate::domain::AfterSalesError;
use crate::domain::case::{Case, State};
use crate::domain::complaint::{Complaint, ComplaintState};
use crate::domain::facts::OrderFacts;

// ----------------------------------------------------------------- cases

fn case_model(case: &Case) -> Result<case::Model, AfterSalesError> {
    Ok(case::Model {
        id: case.id.to_string(),
        number: case.number.clone(),
        order_id: case.order_id.clone(),
        state: case.state.as_str().to_owned(),
        refund_due_at: case.refund_due_at,
        refund_overdue: case.refund_overdue,
        created_at: case.created_at,
        updated_at: case.updated_at,
        body: json(case)?,
    })
}

pub async fn save_case<C: ConnectionTrait>(
    connection: &C,
    case: &Case,
) -> Result<(), AfterSalesError> {
    use case::Column;
    case::Entity::insert(case_model(case)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([
                    Column::State,
                    Column::RefundDueAt,
                    Column::RefundOverdue,
                    Column::UpdatedAt,
                    Column::Body,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

fn parse_all(models: Vec<case::Model>) -> Result<Vec<Case>, AfterSalesError> {
    models
        .into_iter()
        .map(|model| parse_json("case", &model.body))
        .collect()
}

pub async fn case<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Case>, AfterSalesError> {
    let mut query = case::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    let case: Option<Case> = query
        .one(connection)
        .await?
        .map(|model| parse_json("case", &model.body))
        .transpose()?;
    if let Some(case) = &case {
        // Files the current span under the case's order (architecture.md §6).
        orderflow_platform::telemetry::tag_order(&case.order_id, &case.order_number);
    }
    Ok(case)
}

/// The cases of an order, oldest first.
pub async fn cases_of_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Vec<Case>, AfterSalesError> {
    let mut query = case::Entity::find()
        .filter(case::Column::OrderId.eq(order_id))
        .order_by_asc(case::Column::Id);
    if for_update {
        query = query.lock_exclusive();
    }
    parse_all(query.all(connection).await?)
}

pub async fn cases<C: ConnectionTrait>(
    connection: &C,
    order_id: Option<&str>,
    state: Option<State>,
    overdue_only: bool,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Case>, AfterSalesError> {
    let mut query = case::Entity::find().order_by_asc(case::Column::Id);
    if let Some(order_id) = order_id {
        query = query.filter(case::Column::OrderId.eq(order_id));
    }
    if let Some(state) = state {
        query = query.filter(case::Column::State.eq(state.as_str()));
    }
    if overdue_only {
        query = query.filter(case::Column::RefundOverdue.eq(true));
    }
    if let Some(after) = after {
        query = query.filter(case::Column::Id.gt(after));
    }
    parse_all(query.limit(limit).all(connection).await?)
}

/// SLA-7: refunds past their due time not yet flagged, locked.
pub async fn refunds_past_due<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Case>, AfterSalesError> {
    let query = case::Entity::find()
        .filter(case::Column::RefundOverdue.eq(false))
        .filter(case::Column::RefundDueAt.lt(now))
        .filter(case::Column::State.eq(State::Refunding.as_str()))
        .order_by_asc(case::Column::RefundDueAt)
        .limit(limit)
        .lock_exclusive();
    parse_all(query.all(connection).await?)
}

/// The cases in `state`, locked, oldest first (at most `limit`).
pub async fn cases_in_state<C: ConnectionTrait>(
    connection: &C,
    state: State,
    limit: u64,
) -> Result<Vec<Case>, AfterSalesError> {
    let query = case::Entity::find()
        .filter(case::Column::State.eq(state.as_str()))
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .lock_exclusive();
    parse_all(query.all(connection).await?)
}

/// The next case number of `day` (1, 2, …), in the caller's transaction.
pub async fn next_case_number<C: ConnectionTrait>(
    connection: &C,
    day: NaiveDate,
) -> Result<i64, AfterSalesError> {
    let backend = connection.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO case_numbers (day, last) VALUES ($1, 1) \
                 ON CONFLICT (day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last"
            }
            _ => {
                "INSERT INTO case_numbers (day, last) VALUES (?, 1) \
                 ON CONFLICT (day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last"
            }
        },
        [day.to_string().into()],
    );
    let row = connection
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| AfterSalesError::Internal(anyhow::anyhow!("no case number returned")))?;
    Ok(row.try_get::<i64>("", "last")?)
}

// ----------------------------------------------------------- order facts

pub async fn facts<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Option<OrderFacts>, AfterSalesError> {
    let mut query = order_facts::Entity::find_by_id(order_id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| parse_json("order facts", &model.body))
        .transpose()
}

pub async fn save_facts<C: ConnectionTrait>(
    connection: &C,
    facts: &OrderFacts,
) -> Result<(), AfterSalesError> {
    use order_facts::Column;
    let model = order_facts::Model {
        order_id: facts.order_id.clone(),
        customer_id: facts.customer_id.clone(),
        as_of: facts.as_of,
        shipped_at: facts.shipped_at,
        body: json(facts)?,
    };
    order_facts::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(Column::OrderId)
                .update_columns([
                    Column::CustomerId,
                    Column::AsOf,
                    Column::ShippedAt,
                    Column::Body,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// AFS-9: the cases opened in [from, to).
pub async fn cases_opened_between<C: ConnectionTrait>(
    connection: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Case>, AfterSalesError> {
    let query = case::Entity::find()
        .filter(case::Column::CreatedAt.gte(from))
        .filter(case::Column::CreatedAt.lt(to))
        .order_by_asc(case::Column::CreatedAt);
    parse_all(query.all(connection).await?)
}

/// AFS-9: the orders shipped in [from, to).
pub async fn shipped_between<C: ConnectionTrait>(
    connection: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<OrderFacts>, AfterSalesError> {
    order_facts::Entity::find()
        .filter(order_facts::Column::ShippedAt.gte(from))
        .filter(order_facts::Column::ShippedAt.lt(to))
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("order facts", &model.body))
        .collect()
}

// ------------------------------------------------------------ complaints

fn complaint_model(complaint: &Complaint) -> Result<complaint::Model, AfterSalesError> {
    Ok(complaint::Model {
        id: complaint.id.to_string(),
        state: complaint.state.as_str().to_owned(),
        overdue: complaint.overdue,
        due_at: complaint.due_at,
        created_at: complaint.created_at,
        body: json(complaint)?,
    })
}

pub async fn save_complaint<C: ConnectionTrait>(
    connection: &C,
    complaint: &Complaint,
) -> Result<(), AfterSalesError> {
    use complaint::Column;
    complaint::Entity::insert(complaint_model(complaint)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::State, Column::Overdue, Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn complaint<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Complaint>, AfterSalesError> {
    let mut query = complaint::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| parse_json("complaint", &model.body))
        .transpose()
}

pub async fn complaints<C: ConnectionTrait>(
    connection: &C,
    state: Option<ComplaintState>,
    overdue_only: bool,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Complaint>, AfterSalesError> {
    let mut query = complaint::Entity::find().order_by_asc(complaint::Column::Id);
    if let Some(state) = state {
        query = query.filter(complaint::Column::State.eq(state.as_str()));
    }
    if overdue_only {
        query = query.filter(complaint::Column::Overdue.eq(true));
    }
    if let Some(after) = after {
        query = query.filter(complaint::Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("complaint", &model.body))
        .collect()
}

/// AFS-10: unanswered complaints past their due time not yet flagged.
pub async fn complaints_past_due<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Complaint>, AfterSalesError> {
    complaint::Entity::find()
        .filter(complaint::Column::Overdue.eq(false))
        .filter(complaint::Column::DueAt.lt(now))
        .filter(complaint::Column::State.ne(ComplaintState::Answered.as_str()))
        .order_by_asc(complaint::Column::DueAt)
        .limit(limit)
        .lock_exclusive()
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("complaint", &model.body))
        .collect()
}
