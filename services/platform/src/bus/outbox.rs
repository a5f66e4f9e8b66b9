//! The transactional outbox: [`enqueue`] writes an event in the caller's
//! transaction; after the commit, [`OutboxSignal::notify`] wakes the relay.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use tokio::sync::Notify;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// The event id (UUIDv7, so ids sort by creation); `Nats-Msg-Id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub subject: String,
    pub event_type: String,
    pub payload: Vec<u8>,
    /// JSON object: `traceparent`, `tracestate`.
    #[sea_orm(column_type = "Text")]
    pub headers: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new event id: UUIDv7, time-ordered.
pub fn new_event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// An event to publish once the transaction commits.
#[derive(Debug, Clone)]
pub struct OutgoingEvent {
    pub id: String,
    /// `<service>.<aggregate>.<event>`, e.g. `orders.order.submitted`.
    pub subject: String,
    /// The protobuf message's full name, e.g. `orderflow.orders.v1.OrderEvent`.
    pub event_type: String,
    pub payload: Vec<u8>,
    /// W3C trace context (`traceparent`, `tracestate`) of the operation that
    /// caused the event; published as headers.
    pub trace_context: HashMap<String, String>,
}

impl OutgoingEvent {
    /// An event caused by the operation of the current span.
    pub fn new<M: prost::Message + prost::Name>(id: String, subject: String, message: &M) -> Self {
        Self {
            id,
            subject,
            event_type: M::full_name(),
            payload: message.encode_to_vec(),
            trace_context: crate::telemetry::current_context_headers(),
        }
    }

    /// The same event, caused by the operation whose trace context is given
    /// (for work done on behalf of a caller in another task).
    pub fn caused_by(mut self, trace_context: HashMap<String, String>) -> Self {
        let order: Vec<(String, String)> =
            crate::telemetry::OrderTag::from_headers(&self.trace_context)
                .map(|order| {
                    order
                        .headers()
                        .map(|(name, value)| (name.to_owned(), value.to_owned()))
                        .collect()
                })
                .unwrap_or_default();
        self.trace_context = trace_context;
        for (name, value) in order {
            self.trace_context.entry(name).or_insert(value);
        }
        self
    }

    /// The event is about this order: its publish span and the spans of
    /// everyone who handles it are filed under the order (architecture.md §6).
    pub fn about_order(mut self, id: &str, number: &str) -> Self {
        let tag = crate::telemetry::OrderTag {
            id: id.to_owned(),
            number: number.to_owned(),
        };
        for (name, value) in tag.headers() {
            self.trace_context.insert(name.to_owned(), value.to_owned());
        }
        self
    }
}

/// The most an event may weigh on the wire, headers included: NATS's
/// default `max_payload`, which every deployment keeps
/// (`deploy/nats/nats.conf`, both overlays). Issue 17: [`enqueue`] refuses a
/// heavier event in the writer's transaction, so a request that would
/// produce one is refused and changes nothing, and no accepted request can
/// leave the relay an event it can never publish. The relay still sets such
/// a row aside should a broker be configured below this.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// What an event weighs on the wire: payload, headers (the trace context,
/// `Nats-Msg-Id`, the event type) and their framing.
pub fn wire_size<'a>(
    id: &str,
    event_type: &str,
    payload: usize,
    headers: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> usize {
    let headers: usize = headers
        .into_iter()
        .map(|(name, value)| name.len() + value.len() + 4)
        .sum();
    payload + headers + id.len() + event_type.len() + 64
}

/// The marker of [`enqueue`]'s refusal of an event over [`MAX_EVENT_BYTES`].
const TOO_LARGE: &str = "event over the broker's limit";

/// [`enqueue`]'s refusal of an event too large to ever publish (the request
/// that caused it is the caller's fault): what it says, or `None` for any
/// other error.
pub fn too_large(error: &DbErr) -> Option<&str> {
    match error {
        DbErr::Custom(message) if message.starts_with(TOO_LARGE) => Some(message),
        _ => None,
    }
}

fn checked_size(event: &OutgoingEvent) -> Result<(), DbErr> {
    let size = wire_size(
        &event.id,
        &event.event_type,
        event.payload.len(),
        &event.trace_context,
    );
    if size > MAX_EVENT_BYTES {
        return Err(DbErr::Custom(format!(
            "{TOO_LARGE}: {} would weigh {size} bytes; the broker takes at most {MAX_EVENT_BYTES}",
            event.subject
        )));
    }
    Ok(())
}

fn row(event: OutgoingEvent, now: DateTime<Utc>) -> ActiveModel {
    let headers = serde_json::to_string(&event.trace_context).unwrap_or_else(|_| "{}".to_owned());
    ActiveModel {
        id: Set(event.id),
        subject: Set(event.subject),
        event_type: Set(event.event_type),
        payload: Set(event.payload),
        headers: Set(headers),
        created_at: Set(now),
        attempts: Set(0),
        last_error: Set(None),
    }
}

tokio::task_local! {
    /// Outbox rows written by the task inside [`counting_writes`].
    static WRITTEN: std::cell::Cell<u64>;
}

/// Runs `work` and says how many outbox rows it wrote (committed or not).
/// A consumer wakes the relay only when its handler wrote events: most
/// handled events write none, and every needless wake costs the relay a
/// transaction that finds nothing.
pub(crate) async fn counting_writes<F: std::future::Future>(work: F) -> (F::Output, u64) {
    WRITTEN
        .scope(std::cell::Cell::new(0), async {
            let output = work.await;
            (output, WRITTEN.with(std::cell::Cell::get))
        })
        .await
}

fn count_written(rows: usize) {
    // Outside `counting_writes` nobody is counting.
    let _ = WRITTEN.try_with(|written| written.set(written.get() + rows as u64));
}

/// Writes `event` to the outbox in the caller's transaction; refuses one over
/// [`MAX_EVENT_BYTES`] ([`too_large`]), so the transaction rolls back.
pub async fn enqueue<C: ConnectionTrait>(
    connection: &C,
    event: OutgoingEvent,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    checked_size(&event)?;
    count_written(1);
    Entity::insert(row(event, now))
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Writes several events with one statement.
pub async fn enqueue_many<C: ConnectionTrait>(
    connection: &C,
    events: Vec<OutgoingEvent>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    for event in &events {
        checked_size(event)?;
    }
    count_written(events.len());
    Entity::insert_many(events.into_iter().map(|event| row(event, now)))
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Wakes the relay after a commit that wrote outbox rows.
#[derive(Debug, Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    pub fn notify(&self) {
        self.0.notify_one();
    }

    pub async fn notified(&self) {
        self.0.notified().await;
    }
}

/// Rows not yet published: the backlog operators watch.
pub async fn backlog<C: ConnectionTrait>(connection: &C) -> Result<u64, DbErr> {
    Entity::find().count(connection).await
}

/// Events the relay set aside because they can never be published (D1,
/// issue 17): the row as it was, why, and when.
pub mod dead_letter {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_dead_letters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub subject: String,
        pub event_type: String,
        pub payload: Vec<u8>,
        #[sea_orm(column_type = "Text")]
        pub headers: String,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub dead_at: DateTime<Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The events set aside as unpublishable, oldest first.
pub async fn dead_letters<C: ConnectionTrait>(
    connection: &C,
) -> Result<Vec<dead_letter::Model>, DbErr> {
    dead_letter::Entity::find()
        .order_by_asc(dead_letter::Column::Id)
        .all(connection)
        .await
}
