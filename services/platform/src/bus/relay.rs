//! Publishes outbox rows to JetStream.
//!
//! A batch is read oldest first, every message is sent with its event id as
//! `Nats-Msg-Id` and its stored trace context, every ack is awaited, and only
//! then are the rows deleted. A crash after publishing but before deleting
//! publishes again; JetStream's duplicate window and the consumers' inbox make
//! that harmless. On PostgreSQL the batch is locked `FOR UPDATE SKIP LOCKED`
//! so that replicas share the backlog; SQLite has one relay per database.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, message::PublishMessage};
use chrono::Utc;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::headers;
use super::outbox::{self, OutboxSignal};
use crate::db::Database;
use crate::shutdown::Shutdown;

/// Rows per batch.
const BATCH: u64 = 256;
/// How often the relay looks for rows even when nobody woke it (other
/// replicas' rows, rows left by a crash).
const POLL_INTERVAL: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How often the backlog is counted for the `orderflow.outbox.backlog` metric.
const BACKLOG_SAMPLE_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Relay {
    database: Database,
    jetstream: jetstream::Context,
    signal: OutboxSignal,
    stream: jetstream::stream::Config,
    /// The producing service (`ORDERS` → `orders`), for its metric and spans.
    service: String,
}

impl Relay {
    /// `stream` is the producing service's stream; declared before the first
    /// publish and again after any publish failure.
    pub fn new(
        database: Database,
        jetstream: jetstream::Context,
        signal: OutboxSignal,
        stream: jetstream::stream::Config,
    ) -> Self {
        Self {
            database,
            jetstream,
            signal,
            service: stream.name.to_ascii_lowercase(),
            stream,
        }
    }

    /// Runs until `shutdown` fires, then publishes what is left if it can.
    pub async fn run(self, shutdown: Shutdown) {
        let mut stream_declared = false;
        let mut backoff = Duration::from_millis(100);
        let mut backlog_sampled: Option<std::time::Instant> = None;
        loop {
            if backlog_sampled.is_none_or(|at| at.elapsed() >= BACKLOG_SAMPLE_INTERVAL) {
                self.sample_backlog().await;
                backlog_sampled = Some(std::time::Instant::now());
            }
            if !stream_declared {
                match super::ensure_stream(&self.jetstream, self.stream.clone()).await {
                    Ok(_) => stream_declared = true,
                    Err(error) => {
                        tracing::warn!(error = %format!("{error:#}"), "relay waits for NATS");
                        if self.pause(&shutdown, backoff).await {
                            return;
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                }
            }
            match self.drain().await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "outbox relay failed; retrying");
                    stream_declared = false;
                    if self.pause(&shutdown, backoff).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
            let stopping = shutdown.is_triggered()
                || tokio::select! {
                    _ = shutdown.wait() => true,
                    _ = self.signal.notified() => false,
                    _ = tokio::time::sleep(POLL_INTERVAL) => false,
                };
            if stopping {
                // One last pass, begun after the stop, for what was committed
                // while the pass before it ran.
                if let Err(error) = self.drain().await {
                    tracing::warn!(error = %format!("{error:#}"), "outbox left for the next start");
                }
                return;
            }
        }
    }

    /// Counts the rows waiting to be published (all replicas' together).
    async fn sample_backlog(&self) {
        match outbox::backlog(self.database.connection()).await {
            Ok(rows) => {
                crate::metrics::outbox_backlog(&self.service, rows);
            }
            Err(error) => tracing::debug!(%error, "cannot count the outbox backlog"),
        }
    }

    /// Sleeps for `duration`; true when shutdown fired meanwhile.
    async fn pause(&self, shutdown: &Shutdown, duration: Duration) -> bool {
        tokio::select! {
            _ = shutdown.wait() => true,
            _ = tokio::time::sleep(duration) => false,
        }
    }

    /// Publishes batches until the outbox is empty.
    pub async fn drain(&self) -> anyhow::Result<()> {
        loop {
            let published = self.publish_batch().await?;
            if published < BATCH as usize {
                return Ok(());
            }
        }
    }

    async fn publish_batch(&self) -> anyhow::Result<usize> {
        if self.database.is_postgres() {
            let transaction = self.database.connection().begin().await?;
            let rows = outbox::Entity::find()
                .order_by_asc(outbox::Column::Id)
                .limit(BATCH)
                .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                .all(&transaction)
                .await?;
            let (rows, unpublishable) = self.split_unpublishable(rows);
            let outcome = self.publish(&rows).await;
            set_aside(&transaction, &unpublishable).await?;
            self.settle(&transaction, &rows, &outcome).await?;
            transaction.commit().await?;
            outcome.into_result().map(|done| done + unpublishable.len())
        } else {
            let rows = outbox::Entity::find()
                .order_by_asc(outbox::Column::Id)
                .limit(BATCH)
                .all(self.database.connection())
                .await?;
            if rows.is_empty() {
                return Ok(0);
            }
            let (rows, unpublishable) = self.split_unpublishable(rows);
            let outcome = self.publish(&rows).await;
            let transaction = self.database.begin_write().await?;
            set_aside(&*transaction, &unpublishable).await?;
            self.settle(&*transaction, &rows, &outcome).await?;
            transaction.commit().await?;
            outcome.into_result().map(|done| done + unpublishable.len())
        }
    }

    /// D1 (issue 17): the rows that can be published, and those that never
    /// can (larger than the broker's `max_payload`), each with the reason.
    fn split_unpublishable(
        &self,
        rows: Vec<outbox::Model>,
    ) -> (Vec<outbox::Model>, Vec<(outbox::Model, String)>) {
        let limit = match self.jetstream.client().server_info().max_payload {
            0 => outbox::MAX_EVENT_BYTES,
            announced => announced,
        };
        let mut publishable = Vec::with_capacity(rows.len());
        let mut unpublishable = Vec::new();
        for row in rows {
            let size = message_size(&row);
            if size <= limit {
                publishable.push(row);
            } else {
                let reason = format!(
                    "{size} bytes with headers; the broker takes at most {limit}: it can never be published"
                );
                unpublishable.push((row, reason));
            }
        }
        (publishable, unpublishable)
    }

    /// Sends every row, then awaits every ack, in order; stops at the first
    /// failure. Rows after a failed ack may have been published too: they are
    /// sent again later with the same `Nats-Msg-Id`, which JetStream drops.
    async fn publish(&self, rows: &[outbox::Model]) -> PublishOutcome {
        let mut pending = Vec::with_capacity(rows.len());
        let mut failure = None;
        for (index, row) in rows.iter().enumerate() {
            match self.send(row).await {
                Ok(ack) => pending.push(ack),
                Err(error) => {
                    failure = Some((index, error));
                    break;
                }
            }
        }
        let mut acknowledged = 0;
        for ack in pending {
            if let Err(error) = ack.await {
                let error = anyhow::anyhow!(
                    "publish of {} not acknowledged: {error}",
                    rows[acknowledged].id
                );
                return PublishOutcome {
                    acknowledged,
                    failure: Some((acknowledged, error)),
                };
            }
            acknowledged += 1;
        }
        PublishOutcome {
            acknowledged,
            failure,
        }
    }

    async fn send(
        &self,
        row: &outbox::Model,
    ) -> anyhow::Result<jetstream::context::PublishAckFuture> {
        let stored: HashMap<String, String> =
            serde_json::from_str(&row.headers).unwrap_or_default();
        let parent = crate::telemetry::context_from_headers(&stored);
        let span = tracing::info_span!("outbox.publish", otel.kind = "producer", messaging.destination = %row.subject, messaging.message_id = %row.id, orderflow.service = %self.service);
        let _ = span.set_parent(parent);
        if let Some(order) = crate::telemetry::OrderTag::from_headers(&stored) {
            crate::telemetry::tag_span(&span, &order);
        }
        let mut message_headers = async_nats::HeaderMap::new();
        message_headers.insert(headers::MESSAGE_ID, row.id.as_str());
        message_headers.insert(headers::EVENT_TYPE, row.event_type.as_str());
        for (name, value) in &stored {
            message_headers.insert(name.as_str(), value.as_str());
        }
        let publish = PublishMessage::build()
            .payload(row.payload.clone().into())
            .headers(message_headers);
        self.jetstream
            .send_publish(row.subject.clone(), publish)
            .instrument(span)
            .await
            .with_context(|| format!("cannot publish {} ({})", row.id, row.subject))
    }

    /// Deletes the acknowledged rows and notes the failure on the first row
    /// that failed, in one transaction.
    async fn settle<C: ConnectionTrait>(
        &self,
        connection: &C,
        rows: &[outbox::Model],
        outcome: &PublishOutcome,
    ) -> Result<(), DbErr> {
        let published: Vec<String> = rows
            .iter()
            .take(outcome.acknowledged)
            .map(|row| row.id.clone())
            .collect();
        if !published.is_empty() {
            outbox::Entity::delete_many()
                .filter(outbox::Column::Id.is_in(published))
                .exec(connection)
                .await?;
        }
        if let Some((index, error)) = &outcome.failure
            && let Some(row) = rows.get(*index)
        {
            let update = outbox::ActiveModel {
                id: Set(row.id.clone()),
                attempts: Set(row.attempts.saturating_add(1)),
                last_error: Set(Some(format!("{error:#} at {}", Utc::now().to_rfc3339()))),
                ..Default::default()
            };
            outbox::Entity::update(update).exec(connection).await?;
        }
        Ok(())
    }
}

/// D1 (issue 17): moves `rows` from the outbox to `outbox_dead_letters`,
/// with an error log and a metric to alert on, so that they block nothing.
async fn set_aside<C: ConnectionTrait>(
    connection: &C,
    rows: &[(outbox::Model, String)],
) -> Result<(), DbErr> {
    for (row, reason) in rows {
        tracing::error!(event_id = %row.id, subject = %row.subject, %reason, "outbox event set aside as unpublishable");
        crate::metrics::outbox_dead_lettered(&row.subject);
        outbox::dead_letter::Entity::insert(outbox::dead_letter::ActiveModel {
            id: Set(row.id.clone()),
            subject: Set(row.subject.clone()),
            event_type: Set(row.event_type.clone()),
            payload: Set(row.payload.clone()),
            headers: Set(row.headers.clone()),
            created_at: Set(row.created_at),
            reason: Set(reason.clone()),
            dead_at: Set(Utc::now()),
        })
        .exec_without_returning(connection)
        .await?;
        outbox::Entity::delete_by_id(row.id.clone())
            .exec(connection)
            .await?;
    }
    Ok(())
}

/// What a row weighs on the wire ([`outbox::wire_size`]).
fn message_size(row: &outbox::Model) -> usize {
    let stored: HashMap<String, String> = serde_json::from_str(&row.headers).unwrap_or_default();
    outbox::wire_size(&row.id, &row.event_type, row.payload.len(), &stored)
}

/// How far a batch got: the first `acknowledged` rows are published.
struct PublishOutcome {
    acknowledged: usize,
    /// The index of the row that failed, and why.
    failure: Option<(usize, anyhow::Error)>,
}

impl PublishOutcome {
    fn into_result(self) -> anyhow::Result<usize> {
        match self.failure {
            Some((_, error)) => Err(error),
            None => Ok(self.acknowledged),
        }
    }
}
