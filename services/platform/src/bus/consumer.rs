//! Durable pull consumers with an inbox.
//!
//! One durable consumer per (consuming service, stream), shared by all
//! replicas. For each message: open a transaction, record
//! `(consumer, event id)` in the inbox, run the handler in the same
//! transaction, commit, ack. A duplicate inbox key means "already done": ack
//! and move on. A handler failure is retried with back-off (`-NAK` with a
//! delay) until `max_deliver`; a message that still fails, or one that can
//! never succeed (it does not decode), is copied to the dead-letter stream and
//! terminated, so it never blocks the consumer. A peer or database that is
//! away is waited for as long as it is away; an event ahead of its order
//! (`HandlerError::Waiting`) is retried beyond `max_deliver` until it has
//! waited `max_wait`, then dead-lettered as stuck. After NATS restarts or any
//! consumer error, a watchdog declares the stream and consumer again and goes
//! on.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::headers;
use super::outbox::OutboxSignal;
use crate::clock::SharedClock;
use crate::config::ConsumerSettings;
use crate::db::Database;
use crate::shutdown::Shutdown;

/// The inbox: one row per handled event and consumer.
pub mod inbox {
    use super::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: String,
        pub subject: String,
        pub handled_at: DateTime<Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Records the event for `consumer`; false when it was already handled.
    pub async fn record<C: ConnectionTrait>(
        connection: &C,
        consumer: &str,
        event_id: &str,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let row = ActiveModel {
            consumer: Set(consumer.to_owned()),
            event_id: Set(event_id.to_owned()),
            subject: Set(subject.to_owned()),
            handled_at: Set(now),
        };
        let outcome = Entity::insert(row)
            .on_conflict_do_nothing_on([Column::Consumer, Column::EventId])
            .exec_without_returning(connection)
            .await?;
        Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
    }
}

/// An event as a handler sees it.
#[derive(Debug, Clone)]
pub struct IncomingEvent {
    pub event_id: String,
    pub subject: String,
    pub event_type: Option<String>,
    pub payload: Bytes,
    /// 1 on the first delivery.
    pub delivery: i64,
}

impl IncomingEvent {
    /// Decodes the payload; a payload that does not decode is permanent.
    pub fn decode<M: prost::Message + Default>(&self) -> Result<M, HandlerError> {
        M::decode(self.payload.as_ref()).map_err(|error| {
            HandlerError::Permanent(format!("cannot decode {}: {error}", self.subject))
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Retrying cannot help (undecodable, violates an invariant): dead-letter now.
    #[error("{0}")]
    Permanent(String),
    /// Might succeed later (database busy, a bug being fixed): retried with
    /// back-off, dead-lettered after `max_deliver` deliveries.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
    /// A dependency is down (a peer service, the network): retried with
    /// back-off for as long as it takes, never dead-lettered, so that
    /// nothing is lost while a peer restarts.
    #[error("unavailable: {0}")]
    Unavailable(anyhow::Error),
    /// The event overtook the one it follows (issue 17: a report handled
    /// before the step it reports on was applied by a replica beside):
    /// retried with back-off while the order catches up, however many
    /// deliveries that takes; dead-lettered only once it has waited
    /// `max_wait` (24 h by default), as stuck.
    #[error("waiting: {0}")]
    Waiting(anyhow::Error),
}

impl HandlerError {
    /// A typed value ([`OrderId`](crate::ids::OrderId), …) from the field
    /// `name` of an event; a malformed one is permanent, since no
    /// redelivery can mend what the producer wrote.
    pub fn parse<T: crate::ids::Parse>(name: &str, raw: &str) -> Result<T, Self> {
        T::parse(raw).map_err(|problem| Self::Permanent(format!("event field {name} {problem}")))
    }

    /// A failed call to a peer service: waited for while the peer is away
    /// (unavailable, too slow, overloaded), retried with back-off when the
    /// peer may succeed later (aborted, internal), permanent otherwise (the
    /// peer refused the request itself).
    pub fn from_peer(what: &str, status: &tonic::Status) -> Self {
        use tonic::Code;
        let message = format!("{what}: {:?} {}", status.code(), status.message());
        match status.code() {
            Code::Unavailable
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Cancelled => Self::Unavailable(anyhow::anyhow!(message)),
            Code::Aborted | Code::Internal | Code::Unknown => {
                Self::Transient(anyhow::anyhow!(message))
            }
            _ => Self::Permanent(message),
        }
    }
}

impl From<DbErr> for HandlerError {
    /// D2 (issue 17): a database that cannot be reached is waited for as
    /// long as the outage lasts (never dead-lettered); an event too large to
    /// publish is dead-lettered at once; other database errors are retried,
    /// then dead-lettered.
    fn from(error: DbErr) -> Self {
        if let Some(reason) = super::outbox::too_large(&error) {
            // An event too large to publish stays too large: no retry helps.
            Self::Permanent(reason.to_owned())
        } else if crate::db::is_unavailable(&error) {
            Self::Unavailable(anyhow::Error::new(error))
        } else {
            Self::Transient(anyhow::Error::new(error))
        }
    }
}

impl From<crate::error::Error> for HandlerError {
    /// A use case's failure inside a consumer: `UNAVAILABLE` (the database
    /// or a peer is away) and an event ahead of its order are waited for;
    /// invalid input (the event's data, or an event too large to publish)
    /// stays invalid and is dead-lettered at once; anything else is
    /// retried, then dead-lettered.
    fn from(error: crate::error::Error) -> Self {
        match error {
            crate::error::Error::Unavailable(_) => Self::Unavailable(anyhow::Error::new(error)),
            crate::error::Error::InvalidInput(_) => Self::Permanent(error.to_string()),
            ahead if ahead.is_ahead_of_order() => Self::Waiting(anyhow::Error::new(ahead)),
            other => Self::Transient(anyhow::Error::new(other)),
        }
    }
}

/// What a consumer does with each event, inside the inbox transaction.
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Whether the handler acts on `event` at all. One it does not act on is
    /// acknowledged at once, without a transaction or an inbox row (issue 18:
    /// a consumer of a whole stream acting on a few subjects no longer pays a
    /// database commit for each of the others). Skipping is idempotent, so a
    /// redelivery is skipped again.
    fn acts_on(&self, _event: &IncomingEvent) -> bool {
        true
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError>;
}

/// Which events a consumer reads.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Durable name, shared by all replicas: `<service>-<purpose>`.
    pub durable_name: String,
    /// The producing service's stream config (declared if missing).
    pub stream: jetstream::stream::Config,
    /// One subject filter, or `None` for the whole stream.
    pub filter_subject: Option<String>,
    pub settings: ConsumerSettings,
}

impl ConsumerSpec {
    /// The durable consumer `durable_name` on the stream of the service
    /// `producer` (`orders`, `finance`, …), for `filter_subject` or the whole
    /// stream; `replicas` as the service declares its streams.
    pub fn on(
        durable_name: &str,
        producer: &str,
        filter_subject: Option<&str>,
        replicas: usize,
        settings: ConsumerSettings,
    ) -> Self {
        Self {
            durable_name: durable_name.to_owned(),
            stream: crate::bus::stream_config(producer, replicas),
            filter_subject: filter_subject.map(str::to_owned),
            settings,
        }
    }
}

/// A durable consumer as a service declares it: its name, the service whose
/// stream it reads (`orders`, `finance`, …) and the subjects it wants (the
/// whole stream when `None`). [`Self::spec`] adds what the deployment sets:
/// the streams' replicas and the consumer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    pub durable_name: &'static str,
    pub producer: &'static str,
    pub filter_subject: Option<&'static str>,
}

impl Subscription {
    pub const fn new(
        durable_name: &'static str,
        producer: &'static str,
        filter_subject: Option<&'static str>,
    ) -> Self {
        Self {
            durable_name,
            producer,
            filter_subject,
        }
    }

    pub fn spec(self, replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
        ConsumerSpec::on(
            self.durable_name,
            self.producer,
            self.filter_subject,
            replicas,
            settings,
        )
    }
}

/// Runs a consumer until shutdown.
pub struct Consumer {
    spec: ConsumerSpec,
    jetstream: jetstream::Context,
    database: Database,
    handler: Arc<dyn EventHandler>,
    clock: SharedClock,
    outbox_signal: OutboxSignal,
    dead_letter_replicas: usize,
    service: &'static str,
    /// Told once when the consumer is first declared.
    declared: Option<crate::service::Declared>,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Consumer")
            .field("durable_name", &self.spec.durable_name)
            .finish_non_exhaustive()
    }
}

enum Outcome {
    Ack,
    /// Acknowledged without handling: the handler does not act on it.
    Skipped,
    Retry(Duration),
    DeadLetter(String),
}

impl Outcome {
    /// The `orderflow.outcome` of the handling metric.
    fn name(&self) -> &'static str {
        match self {
            Self::Ack => "ack",
            Self::Skipped => "skipped",
            Self::Retry(_) => "retry",
            Self::DeadLetter(_) => "dead_letter",
        }
    }
}

impl Consumer {
    pub fn new(
        spec: ConsumerSpec,
        jetstream: jetstream::Context,
        database: Database,
        handler: Arc<dyn EventHandler>,
        clock: SharedClock,
        outbox_signal: OutboxSignal,
    ) -> Self {
        let dead_letter_replicas = spec.stream.num_replicas;
        Self {
            spec,
            jetstream,
            database,
            handler,
            clock,
            outbox_signal,
            dead_letter_replicas,
            service: "",
            declared: None,
        }
    }

    /// Counts this consumer in `declared` once it is first declared.
    pub fn announcing(mut self, declared: crate::service::Declared) -> Self {
        self.declared = Some(declared);
        self
    }

    /// The service that consumes (its spans' `orderflow.service`).
    pub fn of_service(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    pub async fn run(mut self, shutdown: Shutdown) {
        let mut declared = self.declared.take();
        let consumer = Arc::new(self);
        let mut backoff = Duration::from_millis(200);
        while !shutdown.is_triggered() {
            match consumer.consume(&shutdown, &mut declared).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(consumer = %consumer.spec.durable_name, error = %format!("{error:#}"), "consumer interrupted; declaring it again");
                    tokio::select! {
                        _ = shutdown.wait() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    async fn declare(&self) -> anyhow::Result<jetstream::consumer::Consumer<pull::Config>> {
        super::ensure_stream(&self.jetstream, self.spec.stream.clone()).await?;
        super::ensure_stream(
            &self.jetstream,
            super::dead_letter_stream_config(self.dead_letter_replicas),
        )
        .await?;
        let stream = self.jetstream.get_stream(&self.spec.stream.name).await?;
        let config = pull::Config {
            durable_name: Some(self.spec.durable_name.clone()),
            description: Some(format!("durable consumer {}", self.spec.durable_name)),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: self.spec.settings.ack_wait,
            // Unlimited on the server: the consumer decides when a failing
            // message is dead-lettered, and a peer outage never is.
            max_deliver: -1,
            filter_subject: self.spec.filter_subject.clone().unwrap_or_default(),
            max_ack_pending: 1000,
            ..Default::default()
        };
        Ok(stream
            .get_or_create_consumer(&self.spec.durable_name, config)
            .await?)
    }

    /// Returns `Ok` on shutdown, `Err` when the consumer must be declared again.
    async fn consume(
        self: &Arc<Self>,
        shutdown: &Shutdown,
        declared: &mut Option<crate::service::Declared>,
    ) -> anyhow::Result<()> {
        let consumer = self.declare().await?;
        if let Some(declared) = declared.take() {
            declared.one_more();
        }
        let mut messages = consumer
            .stream()
            .max_messages_per_batch(64)
            .heartbeat(Duration::from_secs(5))
            .expires(Duration::from_secs(30))
            .messages()
            .await?;
        let mut lanes = Lanes::new(self, shutdown);
        let ended = loop {
            let next = tokio::select! {
                _ = shutdown.wait() => break Ok(()),
                next = messages.next() => next,
            };
            match next {
                None => break Err(anyhow::anyhow!("message stream ended")),
                Some(Err(error)) => {
                    use jetstream::consumer::pull::MessagesErrorKind;
                    match error.kind() {
                        MessagesErrorKind::MissingHeartbeat
                        | MessagesErrorKind::ConsumerDeleted
                        | MessagesErrorKind::NoResponders => {
                            break Err(anyhow::anyhow!("{error}"));
                        }
                        _ => {
                            tracing::debug!(consumer = %self.spec.durable_name, %error, "transient consumer error")
                        }
                    }
                }
                Some(Ok(message)) => lanes.process(message).await,
            }
        };
        lanes.finish().await;
        ended
    }

    async fn process(&self, message: jetstream::Message) {
        let started = std::time::Instant::now();
        let (delivery, stream_sequence) = match message.info() {
            Ok(info) => {
                crate::metrics::consumer_lag(
                    &self.spec.durable_name,
                    &self.spec.stream.name,
                    info.pending,
                );
                (info.delivered, info.stream_sequence)
            }
            Err(_) => (1, 0),
        };
        let header = |name: &str| {
            message
                .headers
                .as_ref()
                .and_then(|headers| headers.get(name))
                .map(|value| value.as_str().to_owned())
        };
        let event = IncomingEvent {
            event_id: header(headers::MESSAGE_ID)
                .unwrap_or_else(|| format!("{}:{stream_sequence}", self.spec.stream.name)),
            subject: message.subject.to_string(),
            event_type: header(headers::EVENT_TYPE),
            payload: message.payload.clone(),
            delivery,
        };
        let span = tracing::info_span!(
            "event",
            otel.name = %format!("{} {}", self.spec.durable_name, event.subject),
            otel.kind = "consumer",
            messaging.system = "nats",
            messaging.destination = %event.subject,
            messaging.message_id = %event.event_id,
            messaging.consumer = %self.spec.durable_name,
            orderflow.service = self.service,
            delivery,
        );
        let _ = span.set_parent(crate::telemetry::extract_from_nats(
            message.headers.as_ref(),
        ));
        if let Some(order) = crate::telemetry::OrderTag::from_nats(message.headers.as_ref()) {
            crate::telemetry::tag_span(&span, &order);
        }
        let outcome = if self.handler.acts_on(&event) {
            self.handle(&event).instrument(span.clone()).await
        } else {
            Outcome::Skipped
        };
        match &outcome {
            Outcome::Ack | Outcome::Skipped => {}
            Outcome::Retry(delay) => span.set_status(opentelemetry::trace::Status::error(format!(
                "retried in {delay:?}"
            ))),
            Outcome::DeadLetter(reason) => {
                span.set_status(opentelemetry::trace::Status::error(reason.clone()))
            }
        }
        crate::metrics::event_handled(
            &self.spec.durable_name,
            &event.subject,
            outcome.name(),
            started.elapsed(),
        );
        // The acknowledgement runs in the event's span too, instrumented
        // rather than entered: an entered guard held across an `.await`
        // leaves the span current on whatever thread the task left, where
        // another task may clone it after it closed (a tracing panic).
        self.settle(&message, &event, outcome, delivery)
            .instrument(span)
            .await;
    }

    /// Acknowledges, retries or dead-letters the message as `outcome` says.
    async fn settle(
        &self,
        message: &jetstream::Message,
        event: &IncomingEvent,
        outcome: Outcome,
        delivery: i64,
    ) {
        let ack = match outcome {
            Outcome::Ack | Outcome::Skipped => message.ack().await,
            Outcome::Retry(delay) => message.ack_with(AckKind::Nak(Some(delay))).await,
            Outcome::DeadLetter(reason) => match self.dead_letter(message, event, &reason).await {
                Ok(()) => {
                    tracing::error!(event_id = %event.event_id, subject = %event.subject, reason = %reason, "event dead-lettered");
                    message.ack_with(AckKind::Term).await
                }
                Err(error) => {
                    tracing::error!(event_id = %event.event_id, error = %format!("{error:#}"), "cannot dead-letter; will retry");
                    message
                        .ack_with(AckKind::Nak(Some(self.delay_after(delivery))))
                        .await
                }
            },
        };
        if let Err(error) = ack {
            // The message comes back after ack_wait; the inbox makes that safe.
            tracing::warn!(event_id = %event.event_id, %error, "ack failed");
        }
    }

    async fn handle(&self, event: &IncomingEvent) -> Outcome {
        match self.handle_in_transaction(event).await {
            Ok(()) => Outcome::Ack,
            Err(HandlerError::Permanent(reason)) => Outcome::DeadLetter(reason),
            Err(HandlerError::Unavailable(error)) => {
                tracing::warn!(event_id = %event.event_id, delivery = event.delivery, error = %format!("{error:#}"), "a dependency is unavailable; will retry");
                Outcome::Retry(self.delay_after(event.delivery))
            }
            Err(HandlerError::Waiting(error)) => {
                let reason = format!("{error:#}");
                let waited = self.waited(event.delivery);
                if waited >= self.spec.settings.max_wait {
                    Outcome::DeadLetter(format!(
                        "waited {} s for what it follows, in vain: {reason}",
                        waited.as_secs()
                    ))
                } else {
                    tracing::info!(event_id = %event.event_id, delivery = event.delivery, error = %reason, "ahead of the order; will retry");
                    Outcome::Retry(self.delay_after(event.delivery))
                }
            }
            Err(HandlerError::Transient(error)) => {
                let reason = format!("{error:#}");
                if event.delivery >= self.spec.settings.max_deliver {
                    Outcome::DeadLetter(format!("failed {} times: {reason}", event.delivery))
                } else {
                    tracing::warn!(event_id = %event.event_id, delivery = event.delivery, error = %reason, "handler failed; will retry");
                    Outcome::Retry(self.delay_after(event.delivery))
                }
            }
        }
    }

    async fn handle_in_transaction(&self, event: &IncomingEvent) -> Result<(), HandlerError> {
        let transaction = self.database.begin_write().await?;
        let first_time = inbox::record(
            &*transaction,
            &self.spec.durable_name,
            &event.event_id,
            &event.subject,
            self.clock.now(),
        )
        .await?;
        if !first_time {
            tracing::debug!(event_id = %event.event_id, "already handled");
            return Ok(());
        }
        let (handled, written) =
            crate::bus::outbox::counting_writes(self.handler.handle(&transaction, event)).await;
        handled?;
        transaction.commit().await?;
        // The relay is woken when the handler wrote events of its own.
        if written > 0 {
            self.outbox_signal.notify();
        }
        Ok(())
    }

    /// The redelivery delays an event has waited out before its
    /// `delivery`-th delivery.
    fn waited(&self, delivery: i64) -> Duration {
        let backoff = &self.spec.settings.backoff;
        let retries = usize::try_from(delivery.saturating_sub(1)).unwrap_or(0);
        let listed: Duration = backoff.iter().take(retries).sum();
        let beyond = u32::try_from(retries.saturating_sub(backoff.len())).unwrap_or(u32::MAX);
        let last = backoff.last().copied().unwrap_or(Duration::from_secs(1));
        listed.saturating_add(last.saturating_mul(beyond))
    }

    fn delay_after(&self, delivery: i64) -> Duration {
        let backoff = &self.spec.settings.backoff;
        let index = usize::try_from(delivery.saturating_sub(1)).unwrap_or(0);
        backoff
            .get(index)
            .or(backoff.last())
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }

    async fn dead_letter(
        &self,
        message: &jetstream::Message,
        event: &IncomingEvent,
        reason: &str,
    ) -> anyhow::Result<()> {
        let mut dead_headers = message.headers.clone().unwrap_or_default();
        dead_headers.insert(
            headers::MESSAGE_ID,
            format!("{}:{}", self.spec.durable_name, event.event_id).as_str(),
        );
        dead_headers.insert(
            headers::DEAD_LETTER_REASON,
            sanitize_header(reason).as_str(),
        );
        dead_headers.insert(
            headers::DEAD_LETTER_CONSUMER,
            self.spec.durable_name.as_str(),
        );
        dead_headers.insert(headers::DEAD_LETTER_SUBJECT, event.subject.as_str());
        dead_headers.insert(
            headers::DEAD_LETTER_DELIVERIES,
            event.delivery.to_string().as_str(),
        );
        let subject = format!(
            "{}.{}.{}",
            super::DEAD_LETTER_PREFIX,
            self.spec.durable_name,
            event.subject
        );
        self.jetstream
            .publish_with_headers(subject, dead_headers, event.payload.clone())
            .await?
            .await?;
        Ok(())
    }
}

/// Where a consumer's messages are handled (issue 18): in turn, with one
/// lane; with more, on that many tasks, each message on the lane of the
/// order it is about (its order tag), so that one order's events are
/// handled in the order they came while other orders' go on beside them.
/// Events about no order share lane 0. Two replicas of a service already
/// handle one consumer's messages side by side, so no handler may rely on
/// more than this: lanes keep each order's events in turn within a
/// process, which replicas do not.
struct Lanes {
    consumer: Arc<Consumer>,
    senders: Vec<tokio::sync::mpsc::Sender<jetstream::Message>>,
    tasks: tokio::task::JoinSet<()>,
}

impl Lanes {
    /// Messages a lane holds before the consumer waits for it.
    const DEPTH: usize = 16;

    fn new(consumer: &Arc<Consumer>, shutdown: &Shutdown) -> Self {
        let mut senders = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        let count = lanes_on(consumer.database.backend(), consumer.spec.settings.lanes);
        if count > 1 {
            for _ in 0..count {
                let (sender, mut receiver) = tokio::sync::mpsc::channel(Self::DEPTH);
                let (consumer, shutdown) = (consumer.clone(), shutdown.clone());
                tasks.spawn(async move {
                    // After the shutdown, what is still queued is left
                    // unacknowledged: it is delivered again later.
                    while let Some(message) = receiver.recv().await {
                        if shutdown.is_triggered() {
                            break;
                        }
                        consumer.process(message).await;
                    }
                });
                senders.push(sender);
            }
        }
        Self {
            consumer: consumer.clone(),
            senders,
            tasks,
        }
    }

    async fn process(&mut self, message: jetstream::Message) {
        if self.senders.is_empty() {
            return self.consumer.process(message).await;
        }
        let lane = lane_of(message.headers.as_ref(), self.senders.len());
        if let Err(returned) = self.senders[lane].send(message).await {
            // The lane has ended (only at shutdown): handled here instead.
            self.consumer.process(returned.0).await;
        }
    }

    /// Waits for the messages the lanes are handling.
    async fn finish(mut self) {
        self.senders.clear();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// How many lanes a consumer runs on `backend` when `configured`: one on
/// SQLite, whose one writer (transactions take the lock at `BEGIN`) would
/// make lanes wait for each other's transactions and add nothing.
pub fn lanes_on(backend: sea_orm::DbBackend, configured: usize) -> usize {
    match backend {
        sea_orm::DbBackend::Sqlite => 1,
        _ => configured.max(1),
    }
}

/// The lane of a message: its order's, lane 0 for a message about none.
fn lane_of(headers: Option<&async_nats::HeaderMap>, lanes: usize) -> usize {
    crate::telemetry::OrderTag::from_nats(headers)
        .map_or(0, |order| lane_of_order(&order.id, lanes))
}

/// The lane, of `lanes`, that handles the events of the order `order_id`.
pub fn lane_of_order(order_id: &str, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    order_id.hash(&mut hasher);
    usize::try_from(hasher.finish() % lanes.max(1) as u64).unwrap_or(0)
}

/// Header values cannot hold line breaks.
fn sanitize_header(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(1024)
        .collect()
}
