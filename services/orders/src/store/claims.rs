//! ORD-10: reviewers claim batches of submitted orders; a claimed order is
//! the claimer's until released or expired.
//!
//! A claim is a row keyed by order id: taking one is an insert that either
//! succeeds or finds the key taken (`ON CONFLICT DO NOTHING`), so two
//! reviewers — on any number of replicas — never hold the same order.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::{order, order_claim};
use crate::domain::OrderError;
use crate::domain::order::OrderState;

/// Drops the claims that have run out.
pub async fn expire<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    order_claim::Entity::delete_many()
        .filter(order_claim::Column::ExpiresAt.lte(now))
        .exec(connection)
        .await?;
    Ok(())
}

/// Submitted orders nobody holds, oldest first.
pub async fn unclaimed<C: ConnectionTrait>(
    connection: &C,
    limit: u64,
) -> Result<Vec<String>, OrderError> {
    Ok(order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::State.eq(OrderState::Submitted.as_str()))
        .filter(
            order::Column::Id.not_in_subquery(
                Query::select()
                    .column(order_claim::Column::OrderId)
                    .from(order_claim::Entity)
                    .to_owned(),
            ),
        )
        .order_by_asc(order::Column::Id)
        .limit(limit)
        .into_tuple::<String>()
        .all(connection)
        .await?)
}

/// Takes `order_id` for `reviewer`; false when someone holds it already.
pub async fn take<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    reviewer: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, OrderError> {
    let claim = order_claim::ActiveModel {
        order_id: Set(order_id.to_owned()),
        claimed_by: Set(reviewer.to_owned()),
        claimed_at: Set(now),
        expires_at: Set(expires_at),
    };
    let inserted = order_claim::Entity::insert(claim)
        .on_conflict(
            OnConflict::column(order_claim::Column::OrderId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(inserted == 1)
}

/// The orders `reviewer` holds, oldest first, with when the claims end.
pub async fn held_by<C: ConnectionTrait>(
    connection: &C,
    reviewer: &str,
    now: DateTime<Utc>,
) -> Result<Vec<order_claim::Model>, OrderError> {
    Ok(order_claim::Entity::find()
        .filter(order_claim::Column::ClaimedBy.eq(reviewer))
        .filter(order_claim::Column::ExpiresAt.gt(now))
        .order_by_asc(order_claim::Column::OrderId)
        .all(connection)
        .await?)
}

/// Who holds `order_id` now, if anyone.
pub async fn holder<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<order_claim::Model>, OrderError> {
    Ok(order_claim::Entity::find_by_id(order_id.to_owned())
        .filter(order_claim::Column::ExpiresAt.gt(now))
        .one(connection)
        .await?)
}

/// Releases `reviewer`'s claims on `order_ids` (all of them when empty);
/// returns how many.
pub async fn release<C: ConnectionTrait>(
    connection: &C,
    reviewer: &str,
    order_ids: &[String],
) -> Result<u64, OrderError> {
    let mut delete =
        order_claim::Entity::delete_many().filter(order_claim::Column::ClaimedBy.eq(reviewer));
    if !order_ids.is_empty() {
        delete = delete.filter(order_claim::Column::OrderId.is_in(order_ids.iter().cloned()));
    }
    Ok(delete.exec(connection).await?.rows_affected)
}

/// The claim on `order_id` ends (the order was reviewed).
pub async fn clear<C: ConnectionTrait>(connection: &C, order_id: &str) -> Result<(), OrderError> {
    order_claim::Entity::delete_by_id(order_id.to_owned())
        .exec(connection)
        .await?;
    Ok(())
}

/// The ids of submitted orders someone other than `reviewer` holds now: a
/// reviewer does not see them (ORD-10).
pub fn held_by_others(reviewer: &str, now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(order_claim::Column::OrderId)
        .from(order_claim::Entity)
        .and_where(order_claim::Column::ClaimedBy.ne(reviewer))
        .and_where(order_claim::Column::ExpiresAt.gt(now))
        .to_owned()
}
