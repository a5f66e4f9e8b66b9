//! Request ids of mutating calls (AIP-155, architecture.md §3): one rule for
//! every service. Repeating a request returns the first result; two identical
//! requests racing get the same result; the same request id with another
//! request body is refused (`INVALID_ARGUMENT` on `request_id`).
//!
//! A key is scoped by operation and caller ([`RequestKey`]) and carries a
//! fingerprint of the request body. A mutating call **claims** its key as the
//! first write of its transaction and **completes** it with the resource it
//! produced before committing, so the key and the change commit together or
//! not at all:
//!
//! ```text
//! let transaction = database.begin_write().await?;
//! if let Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
//!     return read(id);          // the first call's result
//! }
//! … the change …
//! idempotency::complete(&*transaction, key, &resource.id).await?;
//! transaction.commit().await?;
//! ```
//!
//! Racing duplicates meet at the claim: on PostgreSQL the second insert waits
//! for the first transaction and then finds its committed key; on SQLite
//! writers are serialised by the write gate. Either way the second call
//! replays the first call's resource instead of failing.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub operation: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub caller: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: String,
    pub fingerprint: String,
    pub resource_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One request's idempotency key: which operation, who called, the request
/// id the caller chose, and a fingerprint of the request body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestKey {
    operation: String,
    caller: String,
    request_id: String,
    fingerprint: String,
}

impl RequestKey {
    /// A key for a call by `caller` (the token's subject), fingerprinting the
    /// request as it came on the wire (`body`, e.g. the protobuf encoding).
    pub fn new(operation: &str, caller: &str, request_id: &str, body: &[u8]) -> Self {
        Self {
            operation: operation.to_owned(),
            caller: caller.to_owned(),
            request_id: request_id.to_owned(),
            fingerprint: format!("{:x}", Sha256::digest(body)),
        }
    }

    /// A key for a protobuf request.
    pub fn of_message(
        operation: &str,
        caller: &str,
        request_id: &str,
        message: &impl prost::Message,
    ) -> Self {
        Self::new(operation, caller, request_id, &message.encode_to_vec())
    }

    /// A key whose body is not compared and that no caller owns: an id that
    /// names the request by itself, such as a shop's order number
    /// (`channel/external id`), or a key an event consumer derives from the
    /// event it handles.
    pub fn derived(operation: &str, request_id: &str) -> Self {
        Self {
            operation: operation.to_owned(),
            caller: String::new(),
            request_id: request_id.to_owned(),
            fingerprint: String::new(),
        }
    }

    /// The same key for another operation: for a call that is recorded under
    /// a name of its own (an order's confirmation is keyed per order).
    pub fn within(&self, scope: &str) -> Self {
        Self {
            operation: format!("{}:{scope}", self.operation),
            ..self.clone()
        }
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// The request id was used before for a request with another body.
    #[error("request_id {0} was already used for a different request")]
    Reused(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No call used this key before: go ahead, then [`complete`] it.
    New,
    /// A call with this key already committed; this is its resource. Roll
    /// back and answer with it.
    Replay(String),
}

/// Claims `key` in the caller's write transaction (see the module docs).
/// `None` (a request without a request id) always claims.
pub async fn claim<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
    now: DateTime<Utc>,
) -> Result<Claim, IdempotencyError> {
    insert(connection, key, "", now).await
}

/// Inserts `key` with `resource_id` unless a committed call holds it (then
/// that call's resource).
async fn insert<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
    resource_id: &str,
    now: DateTime<Utc>,
) -> Result<Claim, IdempotencyError> {
    let Some(key) = key else {
        return Ok(Claim::New);
    };
    let row = ActiveModel {
        operation: Set(key.operation.clone()),
        caller: Set(key.caller.clone()),
        request_id: Set(key.request_id.clone()),
        fingerprint: Set(key.fingerprint.clone()),
        resource_id: Set(resource_id.to_owned()),
        created_at: Set(now),
    };
    // ON CONFLICT DO NOTHING rather than catching the violation: on
    // PostgreSQL a failed statement would abort the caller's transaction.
    let outcome = Entity::insert(row)
        .on_conflict_do_nothing_on([Column::Operation, Column::Caller, Column::RequestId])
        .exec_without_returning(connection)
        .await?;
    if matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0) {
        return Ok(Claim::New);
    }
    match find(connection, key).await? {
        Some(resource_id) => Ok(Claim::Replay(resource_id)),
        // Not reachable: the conflicting row is committed when the insert
        // returns. Claiming again is the safe answer.
        None => Err(DbErr::Custom("request key vanished while claimed".to_owned()).into()),
    }
}

/// [`claim`] for a caller that answers a repeat with the resource it names:
/// `Some(resource)` when a call with `key` committed already, `None` when the
/// key is now this call's.
pub async fn first_result<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
    now: DateTime<Utc>,
) -> Result<Option<String>, IdempotencyError> {
    Ok(match claim(connection, key, now).await? {
        Claim::New => None,
        Claim::Replay(resource) => Some(resource),
    })
}

/// Claims and completes `key` in one step, for a call that takes its row
/// locks first and records its key last (orders, approvals): `None` when the
/// key is now recorded with `resource_id`; the winner's resource when a
/// concurrent call with this key committed first (roll back and answer with
/// it).
pub async fn record<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
    resource_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, IdempotencyError> {
    // One write: the key goes in with its resource.
    match insert(connection, key, resource_id, now).await? {
        Claim::New => Ok(None),
        Claim::Replay(winner) => Ok(Some(winner)),
    }
}

/// Records the resource the claimed call produced (in the same transaction).
pub async fn complete<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
    resource_id: &str,
) -> Result<(), DbErr> {
    let Some(key) = key else {
        return Ok(());
    };
    Entity::update_many()
        .col_expr(Column::ResourceId, Expr::value(resource_id.to_owned()))
        .filter(Column::Operation.eq(&key.operation))
        .filter(Column::Caller.eq(&key.caller))
        .filter(Column::RequestId.eq(&key.request_id))
        .exec(connection)
        .await?;
    Ok(())
}

/// The resource a committed call with `key` produced, without claiming: a
/// read-only look before the work (the claim still decides).
pub async fn find<C: ConnectionTrait>(
    connection: &C,
    key: &RequestKey,
) -> Result<Option<String>, IdempotencyError> {
    let row = Entity::find_by_id((
        key.operation.clone(),
        key.caller.clone(),
        key.request_id.clone(),
    ))
    .one(connection)
    .await?;
    match row {
        None => Ok(None),
        Some(row) if !key.fingerprint.is_empty() && row.fingerprint != key.fingerprint => {
            Err(IdempotencyError::Reused(key.request_id.clone()))
        }
        Some(row) => Ok(Some(row.resource_id)),
    }
}

/// The resources already produced for any of `keys` (a batch call's), by
/// key, in one query per operation.
pub async fn find_many<C: ConnectionTrait>(
    connection: &C,
    keys: &[RequestKey],
) -> Result<std::collections::HashMap<RequestKey, String>, IdempotencyError> {
    let mut found = std::collections::HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    let rows = Entity::find()
        .filter(Column::RequestId.is_in(keys.iter().map(|key| key.request_id.clone())))
        .all(connection)
        .await?;
    for key in keys {
        let row = rows.iter().find(|row| {
            row.operation == key.operation
                && row.caller == key.caller
                && row.request_id == key.request_id
        });
        match row {
            None => {}
            Some(row) if !key.fingerprint.is_empty() && row.fingerprint != key.fingerprint => {
                return Err(IdempotencyError::Reused(key.request_id.clone()));
            }
            Some(row) => {
                found.insert(key.clone(), row.resource_id.clone());
            }
        }
    }
    Ok(found)
}

/// Records several completed keys at once; returns how many were new (fewer
/// than given means a concurrent call used one of them first).
pub async fn record_many<C: ConnectionTrait>(
    connection: &C,
    keys: &[(RequestKey, String)],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if keys.is_empty() {
        return Ok(0);
    }
    let rows = keys.iter().map(|(key, resource_id)| ActiveModel {
        operation: Set(key.operation.clone()),
        caller: Set(key.caller.clone()),
        request_id: Set(key.request_id.clone()),
        fingerprint: Set(key.fingerprint.clone()),
        resource_id: Set(resource_id.clone()),
        created_at: Set(now),
    });
    let outcome = Entity::insert_many(rows)
        .on_conflict_do_nothing_on([Column::Operation, Column::Caller, Column::RequestId])
        .exec_without_returning(connection)
        .await?;
    Ok(match outcome {
        sea_orm::TryInsertResult::Inserted(rows) => rows,
        sea_orm::TryInsertResult::Empty | sea_orm::TryInsertResult::Conflicted => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_of_the_body() {
        let first = RequestKey::new("op", "alice", "r-1", b"one");
        assert_eq!(first, RequestKey::new("op", "alice", "r-1", b"one"));
        assert_ne!(first, RequestKey::new("op", "alice", "r-1", b"two"));
        assert_eq!(first.fingerprint.len(), 64);
        assert!(RequestKey::derived("op", "shop/1").fingerprint.is_empty());
    }
}
