//! Cases, order facts and case numbers.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};

use super::entities::{case, complaint, order_facts};
use crate::domain::AfterSalesError;
use crate::domain::case::{Case, State};
use crate::domain::complaint::{Complaint, ComplaintState};
use crate::domain::facts::OrderFacts;
use orderflow_platform::db::document::{self, Document};

// ----------------------------------------------------------------- cases

impl Document for Case {
    type Entity = case::Entity;
    const NAME: &'static str = "case";

    fn row(&self, body: String) -> case::Model {
        case::Model {
            id: self.id.to_string(),
            number: self.number.clone(),
            order_id: self.order_id.clone(),
            state: self.state.as_str().to_owned(),
            refund_due_at: self.refund_due_at,
            refund_overdue: self.refund_overdue,
            created_at: self.created_at,
            updated_at: self.updated_at,
            body,
        }
    }

    fn body(row: &case::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<case::Column> {
        use case::Column;
        vec![
            Column::State,
            Column::RefundDueAt,
            Column::RefundOverdue,
            Column::UpdatedAt,
            Column::Body,
        ]
    }

    /// Files the current span under the case's order (architecture.md §6).
    fn loaded(&self) {
        orderflow_platform::telemetry::tag_order(&self.order_id, &self.order_number);
    }
}

pub async fn save_case<C: ConnectionTrait>(
    connection: &C,
    case: &Case,
) -> Result<(), AfterSalesError> {
    document::save(connection, case).await
}

pub async fn case<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Case>, AfterSalesError> {
    document::load(connection, id, for_update).await
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
    document::all(connection, query).await
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
    document::all(connection, query.limit(limit)).await
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
    document::all(connection, query).await
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
    document::all(connection, query).await
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

impl Document for OrderFacts {
    type Entity = order_facts::Entity;
    const NAME: &'static str = "order facts";

    fn row(&self, body: String) -> order_facts::Model {
        order_facts::Model {
            order_id: self.order_id.clone(),
            customer_id: self.customer_id.clone(),
            as_of: self.as_of,
            shipped_at: self.shipped_at,
            body,
        }
    }

    fn body(row: &order_facts::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<order_facts::Column> {
        use order_facts::Column;
        vec![
            Column::CustomerId,
            Column::AsOf,
            Column::ShippedAt,
            Column::Body,
        ]
    }
}

pub async fn facts<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Option<OrderFacts>, AfterSalesError> {
    document::load(connection, order_id, for_update).await
}

/// The facts kept of `fresh`'s order, locked; `None` when there were none
/// and `fresh` is now filed ([`document::lock_or_insert`]).
pub async fn facts_or_insert<C: ConnectionTrait>(
    connection: &C,
    fresh: &OrderFacts,
) -> Result<Option<OrderFacts>, AfterSalesError> {
    document::lock_or_insert(connection, &fresh.order_id, fresh).await
}

pub async fn save_facts<C: ConnectionTrait>(
    connection: &C,
    facts: &OrderFacts,
) -> Result<(), AfterSalesError> {
    document::save(connection, facts).await
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
    document::all(connection, query).await
}

/// AFS-9: the orders shipped in [from, to).
pub async fn shipped_between<C: ConnectionTrait>(
    connection: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<OrderFacts>, AfterSalesError> {
    let query = order_facts::Entity::find()
        .filter(order_facts::Column::ShippedAt.gte(from))
        .filter(order_facts::Column::ShippedAt.lt(to));
    document::all(connection, query).await
}

// ------------------------------------------------------------ complaints

impl Document for Complaint {
    type Entity = complaint::Entity;
    const NAME: &'static str = "complaint";

    fn row(&self, body: String) -> complaint::Model {
        complaint::Model {
            id: self.id.to_string(),
            state: self.state.as_str().to_owned(),
            overdue: self.overdue,
            due_at: self.due_at,
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &complaint::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<complaint::Column> {
        use complaint::Column;
        vec![Column::State, Column::Overdue, Column::Body]
    }
}

pub async fn save_complaint<C: ConnectionTrait>(
    connection: &C,
    complaint: &Complaint,
) -> Result<(), AfterSalesError> {
    document::save(connection, complaint).await
}

pub async fn complaint<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Complaint>, AfterSalesError> {
    document::load(connection, id, for_update).await
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
    document::all(connection, query.limit(limit)).await
}

/// AFS-10: unanswered complaints past their due time not yet flagged.
pub async fn complaints_past_due<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Complaint>, AfterSalesError> {
    let query = complaint::Entity::find()
        .filter(complaint::Column::Overdue.eq(false))
        .filter(complaint::Column::DueAt.lt(now))
        .filter(complaint::Column::State.ne(ComplaintState::Answered.as_str()))
        .order_by_asc(complaint::Column::DueAt)
        .limit(limit)
        .lock_exclusive();
    document::all(connection, query).await
}
