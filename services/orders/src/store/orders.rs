//! Orders, their revisions, and the lists operators read.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};

use super::entities::{order, order_revision};
use super::{corrupt, json, parse_json};
use crate::domain::OrderError;
pub use crate::domain::listing::OrderFilter;
use crate::domain::order::{CostBearer, EditableFields, Order, OrderKind, OrderState, Replaced};
use orderflow_platform::db::query::newest_first;
use orderflow_platform::money::Currency;

fn to_model(order: &Order) -> Result<order::Model, OrderError> {
    Ok(order::Model {
        id: order.id.clone(),
        number: order.number.clone(),
        kind: order.kind.as_str().to_owned(),
        state: order.state.as_str().to_owned(),
        customer_id: order.customer_id.clone(),
        salesperson: order.salesperson.clone(),
        currency: order.currency.code().to_owned(),
        lines: json(&order.lines)?,
        total: order.total,
        requested_delivery_date: order.requested_delivery_date.to_string(),
        payment_terms: json(&order.payment_terms)?,
        ship_to: json(&order.ship_to)?,
        buyer_message: order.buyer_message.clone(),
        seller_note: order.seller_note.clone(),
        special_requirements: order.special_requirements.clone(),
        special_custom: order.special_custom,
        custom_review_due_at: order.custom_review_due_at,
        replaces_order_id: order.replaces_order_id.clone(),
        copied_from_order_id: order.copied_from_order_id.clone(),
        merged_from_order_ids: json(&order.merged_from_order_ids)?,
        merged_into_order_id: order.merged_into_order_id.clone(),
        quotation_id: order.quotation_id.clone(),
        customer_po_number: order.customer_po_number.clone(),
        cost_bearer: order.cost_bearer.map(|bearer| bearer.as_str().to_owned()),
        export_contract: json(&order.export_contract)?,
        revision: order.revision,
        flags: json(&order.flags)?,
        submitted_at: order.submitted_at,
        confirmation_due_at: order.confirmation_due_at,
        confirmation_overdue: order.confirmation_overdue,
        amount_paid: order.amount_paid,
        approval_request_id: order.approval_request_id.clone(),
        carrier_code: order.carrier_code.clone(),
        tracking_number: order.tracking_number.clone(),
        channel: order.channel.clone(),
        store_code: order.store_code.clone(),
        manufacturer_code: order.manufacturer_code.clone(),
        created_at: order.created_at,
        updated_at: order.updated_at,
        created_by: order.created_by.clone(),
    })
}

pub(crate) fn from_model(model: order::Model) -> Result<Order, OrderError> {
    Ok(Order {
        kind: OrderKind::parse(&model.kind).ok_or_else(|| corrupt("order kind", &model.kind))?,
        state: OrderState::parse(&model.state)
            .ok_or_else(|| corrupt("order state", &model.state))?,
        currency: Currency::parse(&model.currency).map_err(|error| corrupt("currency", error))?,
        lines: parse_json("order lines", &model.lines)?,
        requested_delivery_date: NaiveDate::parse_from_str(
            &model.requested_delivery_date,
            "%Y-%m-%d",
        )
        .map_err(|error| corrupt("delivery date", error))?,
        payment_terms: parse_json("payment terms", &model.payment_terms)?,
        ship_to: parse_json("ship-to address", &model.ship_to)?,
        cost_bearer: match &model.cost_bearer {
            Some(text) => {
                Some(CostBearer::parse(text).ok_or_else(|| corrupt("cost bearer", text))?)
            }
            None => None,
        },
        export_contract: parse_json("export contract", &model.export_contract)?,
        flags: parse_json("flags", &model.flags)?,
        merged_from_order_ids: parse_json("merged orders", &model.merged_from_order_ids)?,
        merged_into_order_id: model.merged_into_order_id,
        id: model.id,
        number: model.number,
        customer_id: model.customer_id,
        salesperson: model.salesperson,
        total: model.total,
        buyer_message: model.buyer_message,
        seller_note: model.seller_note,
        special_requirements: model.special_requirements,
        special_custom: model.special_custom,
        custom_review_due_at: model.custom_review_due_at,
        replaces_order_id: model.replaces_order_id,
        copied_from_order_id: model.copied_from_order_id,
        quotation_id: model.quotation_id,
        customer_po_number: model.customer_po_number,
        revision: model.revision,
        submitted_at: model.submitted_at,
        confirmation_due_at: model.confirmation_due_at,
        confirmation_overdue: model.confirmation_overdue,
        amount_paid: model.amount_paid,
        approval_request_id: model.approval_request_id,
        carrier_code: model.carrier_code,
        tracking_number: model.tracking_number,
        channel: model.channel,
        store_code: model.store_code,
        manufacturer_code: model.manufacturer_code,
        created_at: model.created_at,
        updated_at: model.updated_at,
        created_by: model.created_by,
    })
}

pub async fn insert<C: ConnectionTrait>(connection: &C, order: &Order) -> Result<(), OrderError> {
    let model = to_model(order)?;
    order::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Inserts several orders with one statement.
pub async fn insert_many<C: ConnectionTrait>(
    connection: &C,
    orders: &[Order],
) -> Result<(), OrderError> {
    if orders.is_empty() {
        return Ok(());
    }
    let models = orders
        .iter()
        .map(|order| to_model(order).map(IntoActiveModel::into_active_model))
        .collect::<Result<Vec<_>, _>>()?;
    order::Entity::insert_many(models)
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Which of `ids` are orders.
pub async fn replaced<C: ConnectionTrait>(
    connection: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, Replaced>, OrderError> {
    let ids: Vec<String> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::CustomerId)
        .column(order::Column::State)
        .filter(order::Column::Id.is_in(ids))
        .into_tuple::<(String, String, String)>()
        .all(connection)
        .await?
        .into_iter()
        .map(|(id, customer_id, state)| {
            let state = OrderState::parse(&state).ok_or_else(|| corrupt("order state", &state))?;
            Ok((id, Replaced { customer_id, state }))
        })
        .collect()
}

/// Writes every column of the order back.
pub async fn update<C: ConnectionTrait>(connection: &C, order: &Order) -> Result<(), OrderError> {
    let active = to_model(order)?.into_active_model().reset_all();
    order::Entity::update(active).exec(connection).await?;
    Ok(())
}

/// Files the current span under the order it reads (architecture.md §6).
fn tagged(order: Order) -> Order {
    orderflow_platform::telemetry::tag_order(&order.id, &order.number);
    order
}

pub async fn find<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Order>, OrderError> {
    Ok(order::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
        .map(from_model)
        .transpose()?
        .map(tagged))
}

/// Loads the order and locks its row until the transaction ends
/// (PostgreSQL; SQLite writers are serialised anyway).
pub async fn load_for_update<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Order, OrderError> {
    order::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
        .map(from_model)
        .transpose()?
        .map(tagged)
        .ok_or_else(|| OrderError::not_found("order", id))
}

pub async fn load<C: ConnectionTrait>(connection: &C, id: &str) -> Result<Order, OrderError> {
    find(connection, id)
        .await?
        .ok_or_else(|| OrderError::not_found("order", id))
}

/// Newest first; `after` is the id of the last order of the previous page.
pub async fn list<C: ConnectionTrait>(
    connection: &C,
    filter: &OrderFilter,
    now: DateTime<Utc>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Order>, OrderError> {
    let mut query = order::Entity::find();
    if let Some(state) = filter.state {
        query = query.filter(order::Column::State.eq(state.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(order::Column::Kind.eq(kind.as_str()));
    }
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(order::Column::CustomerId.eq(customer_id.as_str()));
    }
    if let Some(store) = &filter.store_code {
        query = query.filter(order::Column::StoreCode.eq(store.as_str()));
    }
    if let Some(salesperson) = &filter.salesperson {
        query = query.filter(order::Column::Salesperson.eq(salesperson.as_str()));
    }
    if let Some(after) = filter.created_after {
        query = query.filter(order::Column::CreatedAt.gte(after));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(order::Column::CreatedAt.lt(before));
    }
    if filter.confirmation_overdue_only {
        query = query.filter(order::Column::ConfirmationOverdue.eq(true));
    }
    if let Some(reviewer) = &filter.reviewer {
        query = query.filter(
            sea_orm::Condition::any()
                .add(order::Column::State.ne(OrderState::Submitted.as_str()))
                .add(
                    order::Column::Id.not_in_subquery(super::claims::held_by_others(reviewer, now)),
                ),
        );
    }
    newest_first(connection, query, order::Column::Id, after, limit)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

/// Submitted orders whose confirmation is due by `now` and not yet marked
/// overdue (SLA-1).
pub async fn due_for_confirmation<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<String>, OrderError> {
    Ok(order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::State.eq(OrderState::Submitted.as_str()))
        .filter(order::Column::ConfirmationOverdue.eq(false))
        .filter(order::Column::ConfirmationDueAt.lte(now))
        .limit(limit)
        .into_tuple::<String>()
        .all(connection)
        .await?)
}

/// SLA-2: submitted special custom orders whose review is due and not
/// yet flagged (the flag check is the domain's).
pub async fn due_for_custom_review<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<String>, OrderError> {
    Ok(order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::State.eq(OrderState::Submitted.as_str()))
        .filter(order::Column::CustomReviewDueAt.lte(now))
        .limit(limit)
        .into_tuple::<String>()
        .all(connection)
        .await?)
}

/// One edit of an order, with the fields it replaced (ORD-7).
#[derive(Debug)]
pub struct Revision<'a> {
    pub order_id: &'a str,
    pub revision: i32,
    pub previous: &'a EditableFields,
    pub changed: &'a [&'a str],
    pub reason: &'a str,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

/// Keeps the fields an edit replaced.
pub async fn record_revision<C: ConnectionTrait>(
    connection: &C,
    revision: &Revision<'_>,
) -> Result<(), OrderError> {
    let row = order_revision::ActiveModel {
        order_id: Set(revision.order_id.to_owned()),
        revision: Set(revision.revision),
        previous: Set(json(revision.previous)?),
        changed_fields: Set(json(revision.changed)?),
        reason: Set(revision.reason.to_owned()),
        actor: Set(revision.actor.to_owned()),
        at: Set(revision.at),
    };
    order_revision::Entity::insert(row)
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// How many revisions an order has kept.
pub async fn revision_count<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<u64, OrderError> {
    Ok(order_revision::Entity::find()
        .filter(order_revision::Column::OrderId.eq(order_id))
        .count(connection)
        .await?)
}
