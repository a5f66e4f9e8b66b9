//! ORD-17: customers' notifications: those waiting for the notifier, and
//! each customer's message log.
//!
//! A sender takes a waiting notification by a conditional update of its
//! claim (`claimed_until`): only one sender — on any replica — wins it, so
//! a message is not sent twice by two senders. A sender that dies between
//! the send and its record leaves the claim to run out, and the message is
//! sent again: at least once, never silently dropped.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::corrupt;
use super::entities::customer_notification as row;
use crate::domain::OrderError;
use crate::domain::notification::{Notification, NotificationKind};
use orderflow_platform::db::query::newest_first;

fn model(notification: &Notification) -> row::Model {
    row::Model {
        id: notification.id.clone(),
        customer_id: notification.customer_id.clone(),
        order_id: notification.order_id.clone(),
        order_number: notification.order_number.clone(),
        kind: notification.kind.as_str().to_owned(),
        recipient: notification.recipient.clone(),
        text: notification.text.clone(),
        created_at: notification.created_at,
        due_at: notification.due_at,
        sent_at: notification.sent_at,
        attempts: i32::try_from(notification.attempts).unwrap_or(i32::MAX),
        last_error: notification.last_error.clone(),
        claimed_until: None,
    }
}

fn from_model(model: row::Model) -> Result<Notification, OrderError> {
    Ok(Notification {
        kind: NotificationKind::parse(&model.kind)
            .ok_or_else(|| corrupt("notification kind", &model.kind))?,
        id: model.id,
        customer_id: model.customer_id,
        order_id: model.order_id,
        order_number: model.order_number,
        recipient: model.recipient,
        text: model.text,
        created_at: model.created_at,
        due_at: model.due_at,
        sent_at: model.sent_at,
        attempts: u32::try_from(model.attempts).unwrap_or(0),
        last_error: model.last_error,
    })
}

pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    notification: &Notification,
) -> Result<(), OrderError> {
    row::Entity::insert(model(notification).into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Whether the last thing the customer was told of this kind about the
/// order is exactly this: a report repeated with no news tells nothing new
/// (a date that changes and comes back is news each time).
pub async fn already_told<C: ConnectionTrait>(
    connection: &C,
    notification: &Notification,
) -> Result<bool, OrderError> {
    let last = row::Entity::find()
        .filter(row::Column::OrderId.eq(notification.order_id.as_str()))
        .filter(row::Column::Kind.eq(notification.kind.as_str()))
        .order_by_desc(row::Column::Id)
        .one(connection)
        .await?;
    Ok(last.is_some_and(|last| last.text == notification.text))
}

/// Up to `limit` notifications not yet sent and held by no sender, oldest
/// first.
pub async fn waiting<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Notification>, OrderError> {
    row::Entity::find()
        .filter(row::Column::SentAt.is_null())
        .filter(
            Condition::any()
                .add(row::Column::ClaimedUntil.is_null())
                .add(row::Column::ClaimedUntil.lt(now)),
        )
        .order_by_asc(row::Column::CreatedAt)
        .order_by_asc(row::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

/// Takes `id` for a sender until `until`; false when it was sent or
/// another sender holds it.
pub async fn claim<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, OrderError> {
    let taken = row::Entity::update_many()
        .col_expr(row::Column::ClaimedUntil, Expr::value(until))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::SentAt.is_null())
        .filter(
            Condition::any()
                .add(row::Column::ClaimedUntil.is_null())
                .add(row::Column::ClaimedUntil.lt(now)),
        )
        .exec(connection)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Writes what the send did (sent, or one more failure) and lets go of the
/// claim.
pub async fn record<C: ConnectionTrait>(
    connection: &C,
    notification: &Notification,
) -> Result<(), OrderError> {
    row::ActiveModel {
        id: Set(notification.id.clone()),
        sent_at: Set(notification.sent_at),
        attempts: Set(i32::try_from(notification.attempts).unwrap_or(i32::MAX)),
        last_error: Set(notification.last_error.clone()),
        claimed_until: Set(None),
        ..Default::default()
    }
    .update(connection)
    .await?;
    Ok(())
}

/// The customer's message log (of one order when given), newest first;
/// `after` is the id of the last message of the previous page.
pub async fn of_customer<C: ConnectionTrait>(
    connection: &C,
    customer_id: &str,
    order_id: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Notification>, OrderError> {
    let mut query = row::Entity::find().filter(row::Column::CustomerId.eq(customer_id));
    if let Some(order_id) = order_id {
        query = query.filter(row::Column::OrderId.eq(order_id));
    }
    newest_first(connection, query, row::Column::Id, after, limit)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}
