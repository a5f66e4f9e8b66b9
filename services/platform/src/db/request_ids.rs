//! The first form of request ids (`idempotency_keys`: operation and request
//! id, no caller scope, no body fingerprint), still used by the orders and
//! approvals services until they move to [`super::idempotency`], the one
//! mechanism the other services use. A repeat returns the original result;
//! the key is recorded in the same transaction as the change it guards.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, QueryFilter};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub operation: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: String,
    pub resource_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The resource a request id already produced for `operation`, if any.
pub async fn find<C: ConnectionTrait>(
    connection: &C,
    operation: &str,
    request_id: &str,
) -> Result<Option<String>, DbErr> {
    Ok(
        Entity::find_by_id((operation.to_owned(), request_id.to_owned()))
            .one(connection)
            .await?
            .map(|row| row.resource_id),
    )
}

/// Records that `request_id` produced `resource_id`. Returns `false` when the
/// key already exists (a concurrent duplicate won the race).
pub async fn record<C: ConnectionTrait>(
    connection: &C,
    operation: &str,
    request_id: &str,
    resource_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = ActiveModel {
        operation: Set(operation.to_owned()),
        request_id: Set(request_id.to_owned()),
        resource_id: Set(resource_id.to_owned()),
        created_at: Set(now),
    };
    // ON CONFLICT DO NOTHING rather than catching the violation: on
    // PostgreSQL a failed statement would abort the caller's transaction.
    let outcome = Entity::insert(row)
        .on_conflict_do_nothing_on([Column::Operation, Column::RequestId])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

/// The resources already produced by any of `request_ids`, by request id.
pub async fn find_many<C: ConnectionTrait>(
    connection: &C,
    operation: &str,
    request_ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    if request_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(Entity::find()
        .filter(Column::Operation.eq(operation))
        .filter(Column::RequestId.is_in(request_ids.iter().cloned()))
        .all(connection)
        .await?
        .into_iter()
        .map(|row| (row.request_id, row.resource_id))
        .collect())
}

/// Records several request ids at once; returns how many were new (fewer
/// than given means a concurrent call used one of them first).
pub async fn record_many<C: ConnectionTrait>(
    connection: &C,
    operation: &str,
    keys: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if keys.is_empty() {
        return Ok(0);
    }
    let rows = keys.iter().map(|(request_id, resource_id)| ActiveModel {
        operation: Set(operation.to_owned()),
        request_id: Set(request_id.clone()),
        resource_id: Set(resource_id.clone()),
        created_at: Set(now),
    });
    let outcome = Entity::insert_many(rows)
        .on_conflict_do_nothing_on([Column::Operation, Column::RequestId])
        .exec_without_returning(connection)
        .await?;
    Ok(match outcome {
        sea_orm::TryInsertResult::Inserted(rows) => rows,
        sea_orm::TryInsertResult::Empty | sea_orm::TryInsertResult::Conflicted => 0,
    })
}
