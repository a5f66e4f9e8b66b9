//! Aggregates stored as JSON documents: one row per aggregate, its whole
//! value in a `body` column beside the columns its queries filter on. A use
//! case reads it `FOR UPDATE` and writes it back whole in its transaction.
//!
//! A service describes each stored aggregate once ([`Document`]: its
//! entity, its row, the columns a save rewrites) and gets the reads and
//! writes every such aggregate needs from here: [`save`], [`insert_new`],
//! [`load`], [`first`], [`all`]. Its own queries build a `Select` on the
//! entity and hand it to [`first`] or [`all`].

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable, PrimaryKeyTrait,
    QuerySelect, Select, TryInsertResult,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bus::outbox::OutgoingEvent;
use crate::db::idempotency::{self, Claim, RequestKey};
use crate::error::Error;

/// `value` as the JSON text of a document body.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|error| Error::Internal(anyhow::Error::new(error).context("cannot serialise")))
}

/// A stored value that cannot be read back: a bug or a hand-edited row,
/// never the caller's fault (`INTERNAL`).
pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

/// A stored body read back; `what` names it in the error.
pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}

type Model<D> = <<D as Document>::Entity as EntityTrait>::Model;
type Column<D> = <<D as Document>::Entity as EntityTrait>::Column;

/// An aggregate stored as a JSON document in a row of [`Document::Entity`].
pub trait Document: Serialize + DeserializeOwned + Send + Sync {
    type Entity: EntityTrait;
    /// What one is called in messages: "purchase order".
    const NAME: &'static str;

    /// The row that stores the aggregate, `body` being its JSON text.
    fn row(&self, body: String) -> Model<Self>;

    /// The JSON text a row holds.
    fn body(row: &Model<Self>) -> &str;

    /// The columns a later save rewrites; the others keep the values of
    /// the first insert.
    fn changing() -> Vec<Column<Self>>;

    /// Called on every aggregate [`load`] finds: files the current span
    /// under the customer order it belongs to (architecture.md §6), where
    /// it belongs to one.
    fn loaded(&self) {}
}

fn parsed<D: Document>(row: &Model<D>) -> Result<D, Error> {
    from_json(D::NAME, D::body(row))
}

/// Inserts the aggregate, or rewrites its changing columns when its key is
/// taken.
pub async fn save<D, C>(connection: &C, document: &D) -> Result<(), Error>
where
    D: Document,
    C: ConnectionTrait,
    Model<D>: IntoActiveModel<<D::Entity as EntityTrait>::ActiveModel>,
    <D::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = D::Entity> + Send,
{
    let row = document.row(to_json(document)?);
    D::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::columns(<D::Entity as EntityTrait>::PrimaryKey::iter())
                .update_columns(D::changing())
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Inserts the aggregate unless a row already holds one of its `unique`
/// columns' values (or its key); false when one did (a redelivery, a taken
/// code).
pub async fn insert_new<D, C>(
    connection: &C,
    document: &D,
    unique: impl IntoIterator<Item = Column<D>>,
) -> Result<bool, Error>
where
    D: Document,
    C: ConnectionTrait,
    Model<D>: IntoActiveModel<<D::Entity as EntityTrait>::ActiveModel>,
    <D::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = D::Entity> + Send,
{
    let row = document.row(to_json(document)?);
    let outcome = D::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on(unique)
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, TryInsertResult::Inserted(rows) if rows > 0))
}

/// The aggregate with key `id`, locked for the transaction when
/// `for_update`.
pub async fn load<D, C>(connection: &C, id: &str, for_update: bool) -> Result<Option<D>, Error>
where
    D: Document,
    C: ConnectionTrait,
    String: Into<<<D::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let mut query = D::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    let found: Option<D> = first(connection, query).await?;
    if let Some(document) = &found {
        document.loaded();
    }
    Ok(found)
}

/// The aggregate with `fresh`'s key, locked for the transaction; when
/// there is none, `fresh` is inserted and `None` returned (the key is
/// claimed: another transaction filing the same new aggregate at the same
/// moment, such as a second replica handling another event of it, waits
/// for this commit and then finds this version, where two plain upserts
/// would leave whichever committed last, an older one possibly).
pub async fn lock_or_insert<D, C>(connection: &C, id: &str, fresh: &D) -> Result<Option<D>, Error>
where
    D: Document,
    C: ConnectionTrait,
    String: Into<<<D::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    Model<D>: IntoActiveModel<<D::Entity as EntityTrait>::ActiveModel>,
    <D::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = D::Entity> + Send,
{
    if let Some(kept) = load(connection, id, true).await? {
        return Ok(Some(kept));
    }
    let row = fresh.row(to_json(fresh)?).into_active_model();
    if crate::db::insert_if_absent::<D::Entity, _>(connection, row).await? {
        return Ok(None);
    }
    load(connection, id, true).await
}

/// The first aggregate `query` finds.
pub async fn first<D, C>(connection: &C, query: Select<D::Entity>) -> Result<Option<D>, Error>
where
    D: Document,
    C: ConnectionTrait,
{
    query
        .one(connection)
        .await?
        .map(|row| parsed(&row))
        .transpose()
}

/// Every aggregate `query` finds, in its order.
pub async fn all<D, C>(connection: &C, query: Select<D::Entity>) -> Result<Vec<D>, Error>
where
    D: Document,
    C: ConnectionTrait,
{
    query.all(connection).await?.iter().map(parsed).collect()
}

/// Where a request's change to one aggregate runs: the service's database,
/// the outbox its events go to, the request's key and the time.
pub struct ChangeContext<'a> {
    pub database: &'a crate::db::Database,
    pub outbox: &'a crate::bus::outbox::OutboxSignal,
    pub key: Option<&'a RequestKey>,
    pub now: DateTime<Utc>,
}

/// Applies `step` to the aggregate with key `id` in one write transaction,
/// once per request key: loads it `FOR UPDATE` (`NOT_FOUND` when there is
/// none), lets `step` change it, saves it, enqueues the events `events`
/// builds from the changed aggregate and what `step` returned, completes the
/// request key and commits. When a committed call already used the key,
/// nothing is done and the answer is the aggregate as it is now (the key is
/// the caller's own, so whoever repeats it was allowed the first time).
pub async fn change<D, A>(
    context: ChangeContext<'_>,
    id: &str,
    step: impl FnOnce(&mut D, DateTime<Utc>) -> Result<A, Error>,
    events: impl FnOnce(&D, A) -> Vec<OutgoingEvent>,
) -> Result<D, Error>
where
    D: Document,
    Model<D>: IntoActiveModel<<D::Entity as EntityTrait>::ActiveModel>,
    <D::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = D::Entity> + Send,
    String: Into<<<D::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let ChangeContext {
        database,
        outbox,
        key,
        now,
    } = context;
    let not_found = || Error::not_found(D::NAME, id);
    let transaction = database.begin_write().await?;
    if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
        drop(transaction);
        return load(database.connection(), id, false)
            .await?
            .ok_or_else(not_found);
    }
    let mut document: D = load(&*transaction, id, true).await?.ok_or_else(not_found)?;
    let outcome = step(&mut document, now)?;
    save(&*transaction, &document).await?;
    crate::bus::outbox::enqueue_many(&*transaction, events(&document, outcome), now).await?;
    idempotency::complete(&*transaction, key, id).await?;
    transaction.commit().await?;
    outbox.notify();
    Ok(document)
}
