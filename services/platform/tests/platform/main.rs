//! The platform against a real NATS server and real databases: outbox and
//! relay, inbox, dead letters, trace context, migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::jetstream;
use orderflow_platform::backend_tests;
use orderflow_platform::bus::consumer::{
    Consumer, ConsumerSpec, EventHandler, HandlerError, IncomingEvent,
};
use orderflow_platform::bus::outbox::{self, OutboxSignal, OutgoingEvent};
use orderflow_platform::bus::relay::Relay;
use orderflow_platform::bus::{self, headers};
use orderflow_platform::clock;
use orderflow_platform::config::ConsumerSettings;
use orderflow_platform::db::Database;
use orderflow_platform::db::migrations::Schema;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, TestDatabase, TestNats, eventually};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};
use sea_orm_migration::prelude::*;

mod lanes;
mod nats_security;
mod retention;

struct TestMigrator;

fn effects_table() -> Schema {
    Schema::new("m0001_test_effects").tables(|| {
        vec![
            Table::create()
                .table("effects")
                .col(ColumnDef::new("id").string().not_null().primary_key())
                .col(ColumnDef::new("subject").string().not_null())
                .to_owned(),
        ]
    })
}

impl MigratorTrait for TestMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(effects_table()));
        migrations
    }
}

/// The next release's migrations: this one's and one more (an expand step:
/// a new table and a new nullable column the old binary ignores).
struct NextMigrator;

fn labels_table() -> Schema {
    Schema::new("m0002_test_labels")
        .alter(|| {
            vec![
                Table::alter()
                    .table("effects")
                    .add_column(ColumnDef::new("label").string().null())
                    .to_owned(),
            ]
        })
        .tables(|| {
            vec![
                Table::create()
                    .table("labels")
                    .col(ColumnDef::new("id").string().not_null().primary_key())
                    .to_owned(),
            ]
        })
}

impl MigratorTrait for NextMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = TestMigrator::migrations();
        migrations.push(Box::new(labels_table()));
        migrations
    }
}

/// Another line of releases: a migration the next release does not have.
struct OtherMigrator;

fn other_step() -> Schema {
    Schema::new("m0002_test_other")
}

impl MigratorTrait for OtherMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = TestMigrator::migrations();
        migrations.push(Box::new(other_step()));
        migrations
    }
}

const SERVICE: &str = "testsvc";

async fn database(backend: Backend) -> (TestDatabase, Database) {
    orderflow_platform::telemetry::init_for_tests();
    let test_database = TestDatabase::create(backend).await;
    let database = test_database.connect().await;
    database
        .migrate::<TestMigrator>(SERVICE, true)
        .await
        .unwrap_or_else(|error| panic!("{error:#}"));
    (test_database, database)
}

fn event(subject: &str, payload: &[u8]) -> OutgoingEvent {
    OutgoingEvent {
        id: outbox::new_event_id(),
        subject: subject.to_owned(),
        event_type: "test.Event".to_owned(),
        payload: payload.to_vec(),
        trace_context: orderflow_platform::telemetry::current_context_headers(),
    }
}

async fn enqueue(database: &Database, subject: &str, payload: &[u8]) -> String {
    let event = event(subject, payload);
    let id = event.id.clone();
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    outbox::enqueue(&*transaction, event, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    transaction.commit().await.unwrap_or_else(|e| panic!("{e}"));
    id
}

/// A row past [`outbox::enqueue`]'s size check, as one written for a broker
/// configured below the default limit would be.
async fn enqueue_unchecked(database: &Database, subject: &str, payload: &[u8]) -> String {
    use sea_orm::ActiveValue::Set;
    use sea_orm::EntityTrait;
    let id = outbox::new_event_id();
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(id.clone()),
        subject: Set(subject.to_owned()),
        event_type: Set("test.Event".to_owned()),
        payload: Set(payload.to_vec()),
        headers: Set("{}".to_owned()),
        created_at: Set(chrono::Utc::now()),
        attempts: Set(0),
        last_error: Set(None),
    })
    .exec_without_returning(database.connection())
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    id
}

fn start_relay(
    database: &Database,
    client: async_nats::Client,
    signal: &OutboxSignal,
    shutdown: &Shutdown,
) {
    let relay = Relay::new(
        database.clone(),
        bus::jetstream(client),
        signal.clone(),
        bus::stream_config(SERVICE, 1),
    );
    tokio::spawn(relay.run(shutdown.clone()));
}

async fn stream_messages(nats: &TestNats) -> u64 {
    let context = jetstream::new(nats.client().await);
    match context.get_stream(bus::stream_name(SERVICE)).await {
        Ok(mut stream) => stream
            .info()
            .await
            .map(|info| info.state.messages)
            .unwrap_or(0),
        Err(_) => 0,
    }
}

async fn backlog(database: &Database) -> u64 {
    outbox::backlog(database.connection())
        .await
        .unwrap_or(u64::MAX)
}

backend_tests!(
    d1_an_event_too_large_to_publish_is_set_aside_and_blocks_nothing,
    d1_an_event_over_the_broker_limit_is_refused_in_the_writers_transaction,
    d3_a_database_that_cannot_be_reached_is_unavailable_not_internal,
    d2_d3_a_database_refusing_connections_is_waited_for_not_internal_nor_dead_lettered,
    d5_a_nul_character_the_store_cannot_keep_is_invalid_argument_not_internal,
    an_event_written_while_nats_is_down_is_published_once_it_is_back,
    the_relay_publishes_each_row_with_its_event_id_and_trace_context,
    a_redelivered_event_is_handled_once,
    the_relay_is_woken_only_by_a_handler_that_wrote_events,
    an_event_the_handler_does_not_act_on_is_acknowledged_without_a_transaction,
    a_consumer_carries_on_after_nats_restarts,
    an_undecodable_event_is_dead_lettered_and_does_not_block_the_consumer,
    a_handler_that_keeps_failing_ends_in_the_dead_letter_stream,
    an_event_ahead_of_its_order_for_longer_than_max_wait_is_dead_lettered,
    a_dead_letter_replayed_after_its_fix_is_handled_once_and_leaves_the_list,
    an_unavailable_peer_is_waited_for_beyond_max_deliver,
    migrations_run_twice_and_concurrently_without_harm,
    a_binary_serves_on_the_schema_of_the_next_release_and_refuses_one_too_old,
);

async fn an_event_written_while_nats_is_down_is_published_once_it_is_back(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let mut nats = TestNats::start().await;
    let client = bus::connect(&nats.url(), "test")
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    nats.stop();

    let shutdown = Shutdown::new();
    let signal = OutboxSignal::default();
    start_relay(&database, client, &signal, &shutdown);
    let id = enqueue(&database, "testsvc.thing.happened", b"while down").await;
    signal.notify();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        backlog(&database).await,
        1,
        "nothing can be published while NATS is down"
    );

    nats.restart().await;
    eventually(Duration::from_secs(30), "the outbox to drain", || async {
        (backlog(&database).await == 0).then_some(())
    })
    .await;
    assert_eq!(stream_messages(&nats).await, 1);
    let context = jetstream::new(nats.client().await);
    let mut stream = context
        .get_stream(bus::stream_name(SERVICE))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let message = stream
        .get_raw_message(1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(message.payload.as_ref(), b"while down");
    assert_eq!(
        message
            .headers
            .get(headers::MESSAGE_ID)
            .map(|v| v.as_str().to_owned()),
        Some(id)
    );
    let _ = stream.info().await;
    shutdown.trigger();
}

async fn the_relay_publishes_each_row_with_its_event_id_and_trace_context(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let shutdown = Shutdown::new();
    let signal = OutboxSignal::default();
    start_relay(&database, nats.client().await, &signal, &shutdown);

    let span = tracing::info_span!("a business operation");
    let expected_trace = orderflow_platform::telemetry::trace_id_of(&span)
        .unwrap_or_else(|| panic!("the test span has no trace id"));
    let mut ids = Vec::new();
    {
        use tracing::Instrument;
        for n in 0..300 {
            let id = enqueue(
                &database,
                "testsvc.thing.counted",
                format!("{n}").as_bytes(),
            )
            .instrument(span.clone())
            .await;
            ids.push(id);
        }
    }
    signal.notify();
    eventually(Duration::from_secs(30), "300 events published", || async {
        (stream_messages(&nats).await == 300).then_some(())
    })
    .await;
    // The rows go once their batch is acknowledged: a moment after the
    // stream has them.
    eventually(Duration::from_secs(10), "an empty outbox", || async {
        (backlog(&database).await == 0).then_some(())
    })
    .await;

    let context = jetstream::new(nats.client().await);
    let stream = context
        .get_stream(bus::stream_name(SERVICE))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (sequence, expected_id) in [(1u64, &ids[0]), (300, &ids[299])] {
        let message = stream
            .get_raw_message(sequence)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            message.headers.get(headers::MESSAGE_ID).map(|v| v.as_str()),
            Some(expected_id.as_str()),
            "rows are published oldest first"
        );
        let traceparent = message
            .headers
            .get("traceparent")
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default();
        assert_eq!(
            traceparent.split('-').nth(1),
            Some(expected_trace.as_str()),
            "the event carries the trace of the operation that wrote it"
        );
        assert_eq!(
            message.headers.get(headers::EVENT_TYPE).map(|v| v.as_str()),
            Some("test.Event")
        );
    }
    shutdown.trigger();
}

/// Records each event in `effects`, in the inbox transaction.
struct RecordingHandler {
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl EventHandler for RecordingHandler {
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        event.payload.as_ref() != b"not for me"
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        if event.payload.as_ref() == b"poison" {
            return Err(HandlerError::Permanent("cannot decode poison".to_owned()));
        }
        if event.payload.as_ref() == b"fails until fixed" && !fixed(&event.event_id) {
            return Err(HandlerError::Permanent("not fixed yet".to_owned()));
        }
        if event.payload.as_ref() == b"always fails" {
            return Err(HandlerError::Transient(anyhow::anyhow!(
                "downstream is down"
            )));
        }
        if event.payload.as_ref() == b"ahead for good" {
            return Err(orderflow_platform::error::Error::ahead_of_order(
                "0190a0a0-0000-7000-8000-000000000002",
                "dispatched reported for an order that never gets ready",
            )
            .into());
        }
        // Away for five deliveries (max_deliver is 3), then back.
        if event.delivery < 6 {
            if event.payload.as_ref() == b"peer down for a while" {
                return Err(HandlerError::from_peer(
                    "the peer",
                    &tonic::Status::unavailable("restarting"),
                ));
            }
            if event.payload.as_ref() == b"database down for a while" {
                return Err(
                    DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout).into(),
                );
            }
            if event.payload.as_ref() == b"ahead of its order" {
                return Err(orderflow_platform::error::Error::ahead_of_order(
                    "0190a0a0-0000-7000-8000-000000000001",
                    "delivered reported while the order is RELEASED",
                )
                .into());
            }
        }
        if event.payload.as_ref() == b"answers with an event" {
            let answer = crate::event("testsvc.thing.answered", b"answer");
            outbox::enqueue(transaction, answer, chrono::Utc::now()).await?;
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        transaction
            .execute_raw(Statement::from_sql_and_values(
                transaction.get_database_backend(),
                match transaction.get_database_backend() {
                    sea_orm::DbBackend::Postgres => {
                        "INSERT INTO effects (id, subject) VALUES ($1, $2)"
                    }
                    _ => "INSERT INTO effects (id, subject) VALUES (?, ?)",
                },
                [event.event_id.clone().into(), event.subject.clone().into()],
            ))
            .await?;
        Ok(())
    }
}

async fn effects(database: &Database) -> usize {
    database
        .connection()
        .query_all_raw(Statement::from_string(
            database.backend(),
            "SELECT id FROM effects",
        ))
        .await
        .map(|rows| rows.len())
        .unwrap_or(usize::MAX)
}

fn consumer_settings() -> ConsumerSettings {
    ConsumerSettings {
        max_deliver: 3,
        ack_wait: Duration::from_secs(2),
        backoff: vec![Duration::from_millis(100)],
        max_wait: Duration::from_secs(2),
        lanes: 1,
    }
}

/// Starts the test consumer; returns the signal it wakes the relay with.
fn start_consumer(
    database: &Database,
    client: async_nats::Client,
    handler: RecordingHandler,
    shutdown: &Shutdown,
) -> OutboxSignal {
    let signal = OutboxSignal::default();
    let consumer = Consumer::new(
        ConsumerSpec {
            durable_name: "testsvc-recorder".to_owned(),
            stream: bus::stream_config(SERVICE, 1),
            filter_subject: None,
            settings: consumer_settings(),
        },
        bus::jetstream(client),
        database.clone(),
        Arc::new(handler),
        clock::system(),
        signal.clone(),
    );
    tokio::spawn(consumer.run(shutdown.clone()));
    signal
}

async fn publish(nats: &TestNats, id: &str, payload: &'static [u8]) {
    let mut message_headers = async_nats::HeaderMap::new();
    message_headers.insert(headers::MESSAGE_ID, id);
    testing::publish_message(
        nats,
        SERVICE,
        "testsvc.thing.happened",
        message_headers,
        payload.into(),
    )
    .await;
}

/// The test service's stream with a duplicate window of 100 ms.
async fn short_window_stream(nats: &TestNats) -> jetstream::Context {
    let context = jetstream::new(nats.client().await);
    let mut config = bus::stream_config(SERVICE, 1);
    config.duplicate_window = Duration::from_millis(100);
    bus::ensure_stream(&context, config)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    context
}

/// Waits until the test consumer has acknowledged the stream up to `sequence`.
async fn acknowledged_through(context: &jetstream::Context, sequence: u64) {
    eventually(
        Duration::from_secs(20),
        "the messages acknowledged",
        || async {
            let mut consumer: jetstream::consumer::PullConsumer = context
                .get_consumer_from_stream("testsvc-recorder", bus::stream_name(SERVICE))
                .await
                .ok()?;
            let info = consumer.info().await.ok()?;
            (info.ack_floor.stream_sequence == sequence && info.num_ack_pending == 0).then_some(())
        },
    )
    .await;
}

/// The relay is woken after a handler that wrote events, not after one that
/// wrote none (a wake costs the relay a transaction; issue 18).
async fn the_relay_is_woken_only_by_a_handler_that_wrote_events(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let context = short_window_stream(&nats).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new();
    let signal = start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: calls.clone(),
        },
        &shutdown,
    );
    // A stored wake completes at once; none leaves it pending.
    let woken = || tokio::time::timeout(Duration::ZERO, signal.notified());

    publish(&nats, "event-1", b"payload").await;
    acknowledged_through(&context, 1).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        woken().await.is_err(),
        "a handler that wrote no event woke the relay"
    );

    publish(&nats, "event-2", b"answers with an event").await;
    acknowledged_through(&context, 2).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        woken().await.is_ok(),
        "a handler that wrote an event did not wake the relay"
    );
    assert_eq!(outbox::backlog(database.connection()).await.ok(), Some(1));
    shutdown.trigger();
}

async fn a_redelivered_event_is_handled_once(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    // A stream whose duplicate window has passed: the same event published
    // again (a relay that crashed between publishing and deleting its row,
    // restarted later) is stored twice and delivered twice.
    let context = short_window_stream(&nats).await;
    publish(&nats, "event-1", b"payload").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    publish(&nats, "event-1", b"payload").await;
    publish(&nats, "event-2", b"payload").await;

    let calls = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new();
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: calls.clone(),
        },
        &shutdown,
    );
    acknowledged_through(&context, 3).await;
    assert_eq!(effects(&database).await, 2, "event-1 had its effect once");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the handler never saw the copy"
    );
    assert!(dead_letters(&nats).await.is_empty());
    shutdown.trigger();
}

/// Issue 18: an event the handler does not act on is acknowledged without
/// being handled and without an inbox row (no transaction, no commit); the
/// events after it are handled as ever.
async fn an_event_the_handler_does_not_act_on_is_acknowledged_without_a_transaction(
    backend: Backend,
) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let context = short_window_stream(&nats).await;
    publish(&nats, "event-1", b"not for me").await;
    publish(&nats, "event-2", b"payload").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new();
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: calls.clone(),
        },
        &shutdown,
    );
    acknowledged_through(&context, 2).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "only event-2 was handled");
    assert_eq!(effects(&database).await, 1);
    let inbox = database
        .connection()
        .query_all_raw(Statement::from_string(
            database.backend(),
            "SELECT event_id FROM inbox",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inbox.len(), 1, "no inbox row for the skipped event");
    assert!(dead_letters(&nats).await.is_empty());
    shutdown.trigger();
}

async fn a_consumer_carries_on_after_nats_restarts(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let mut nats = TestNats::start().await;
    let client = bus::connect(&nats.url(), "test")
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let shutdown = Shutdown::new();
    start_consumer(
        &database,
        client,
        RecordingHandler {
            calls: Arc::new(AtomicUsize::new(0)),
        },
        &shutdown,
    );
    publish(&nats, "before", b"payload").await;
    eventually(
        Duration::from_secs(20),
        "the event before the restart",
        || async { (effects(&database).await == 1).then_some(()) },
    )
    .await;
    nats.restart().await;
    publish(&nats, "after", b"payload").await;
    eventually(
        Duration::from_secs(40),
        "the event after the restart",
        || async { (effects(&database).await == 2).then_some(()) },
    )
    .await;
    shutdown.trigger();
}

async fn dead_letters(nats: &TestNats) -> Vec<async_nats::jetstream::message::StreamMessage> {
    let context = jetstream::new(nats.client().await);
    let Ok(stream) = context.get_stream(bus::DEAD_LETTER_STREAM).await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut sequence = 1;
    while let Ok(message) = stream.get_raw_message(sequence).await {
        found.push(message);
        sequence += 1;
    }
    found
}

async fn an_undecodable_event_is_dead_lettered_and_does_not_block_the_consumer(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new();
    publish(&nats, "poison-1", b"poison").await;
    publish(&nats, "good-1", b"fine").await;
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: calls.clone(),
        },
        &shutdown,
    );
    eventually(
        Duration::from_secs(20),
        "the good event behind the poison one",
        || async { (effects(&database).await == 1).then_some(()) },
    )
    .await;
    let letters = eventually(Duration::from_secs(20), "the dead letter", || async {
        let letters = dead_letters(&nats).await;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(letter.payload.as_ref(), b"poison");
    assert_eq!(
        letter.subject.as_str(),
        "deadletter.testsvc-recorder.testsvc.thing.happened"
    );
    let reason = letter
        .headers
        .get(headers::DEAD_LETTER_REASON)
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    assert!(reason.contains("cannot decode"), "reason: {reason}");
    shutdown.trigger();
}

/// The events whose handling has been "fixed" (a deployed correction).
static FIXED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn fixed(event_id: &str) -> bool {
    FIXED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .any(|id| id == event_id)
}

/// Issue 17: `orderflow dlq` — a dead letter is listed with its consumer,
/// subject, event id and reason; replayed after the fix, the consumer handles
/// it once and it leaves the list; replaying it again finds nothing.
async fn a_dead_letter_replayed_after_its_fix_is_handled_once_and_leaves_the_list(
    backend: Backend,
) {
    use orderflow_platform::bus::dead_letters::{self, Replayed};
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    // A short duplicate window, so that the replay need not wait two minutes.
    let context = short_window_stream(&nats).await;
    let event_id = format!("broken-{backend:?}");
    publish(&nats, &event_id, b"fails until fixed").await;
    let shutdown = Shutdown::new();
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: Arc::new(AtomicUsize::new(0)),
        },
        &shutdown,
    );
    let letters = eventually(Duration::from_secs(30), "the dead letter", || async {
        let letters = dead_letters::list(&context).await.ok()?;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = letters[0].clone();
    assert_eq!(letter.consumer, "testsvc-recorder");
    assert_eq!(letter.subject, "testsvc.thing.happened");
    assert_eq!(letter.event_id, event_id);
    assert!(letter.reason.contains("not fixed yet"), "{letter:?}");
    assert_eq!(effects(&database).await, 0);

    FIXED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(event_id.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let replayed = dead_letters::replay(&context, letter.sequence)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(replayed, Replayed::Published(letter.clone()));
    eventually(
        Duration::from_secs(20),
        "the replayed event handled",
        || async { (effects(&database).await == 1).then_some(()) },
    )
    .await;
    assert!(
        dead_letters::list(&context)
            .await
            .is_ok_and(|letters| letters.is_empty())
    );
    let again = dead_letters::replay(&context, letter.sequence)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(again, Replayed::NotFound);
    // Published again by hand (a replay that crashed before deleting): the
    // consumer's inbox knows the event.
    publish(&nats, &event_id, b"fails until fixed").await;
    testing::quiescent(&nats, &[], &[]).await;
    assert_eq!(effects(&database).await, 1, "handled once");
    shutdown.trigger();
}

async fn a_handler_that_keeps_failing_ends_in_the_dead_letter_stream(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let shutdown = Shutdown::new();
    publish(&nats, "failing-1", b"always fails").await;
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: Arc::new(AtomicUsize::new(0)),
        },
        &shutdown,
    );
    let letters = eventually(Duration::from_secs(30), "the dead letter", || async {
        let letters = dead_letters(&nats).await;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    let deliveries = letters[0]
        .headers
        .get(headers::DEAD_LETTER_DELIVERIES)
        .map(|v| v.as_str().to_owned());
    assert_eq!(
        deliveries.as_deref(),
        Some("3"),
        "max_deliver attempts first"
    );
    assert_eq!(effects(&database).await, 0);
    shutdown.trigger();
}

/// An unavailable peer and (D2, issue 17) a database that cannot be
/// reached are waited for as long as it takes, never dead-lettered; (issue
/// 17) a report ahead of its order waits beyond max_deliver too (up to
/// max_wait, see below).
async fn an_unavailable_peer_is_waited_for_beyond_max_deliver(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let shutdown = Shutdown::new();
    publish(&nats, "waits-1", b"peer down for a while").await;
    publish(&nats, "waits-2", b"database down for a while").await;
    publish(&nats, "waits-3", b"ahead of its order").await;
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: Arc::new(AtomicUsize::new(0)),
        },
        &shutdown,
    );
    eventually(
        Duration::from_secs(30),
        "the three events handled on their sixth delivery",
        || async { (effects(&database).await == 3).then_some(()) },
    )
    .await;
    assert!(
        dead_letters(&nats).await.is_empty(),
        "max_deliver is 3, yet nothing was dead-lettered"
    );
    shutdown.trigger();
}

/// Issue 17: an event ahead of its order waits beyond max_deliver, but not
/// for ever: once its redelivery delays add up to max_wait it is
/// dead-lettered as stuck, with the reason.
async fn an_event_ahead_of_its_order_for_longer_than_max_wait_is_dead_lettered(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let shutdown = Shutdown::new();
    publish(&nats, "stuck-1", b"ahead for good").await;
    start_consumer(
        &database,
        nats.client().await,
        RecordingHandler {
            calls: Arc::new(AtomicUsize::new(0)),
        },
        &shutdown,
    );
    let context = bus::jetstream(nats.client().await);
    let letter = eventually(Duration::from_secs(30), "the dead letter", || async {
        orderflow_platform::bus::dead_letters::list(&context)
            .await
            .ok()?
            .into_iter()
            .next()
    })
    .await;
    let deliveries: i64 = letter.deliveries.parse().unwrap_or(0);
    // 100 ms apart, max_wait 2 s: about twenty deliveries, far beyond
    // max_deliver (3).
    assert!(
        deliveries > 20,
        "dead-lettered after {deliveries} deliveries"
    );
    assert!(
        letter.reason.contains("waited") && letter.reason.contains("never gets ready"),
        "{letter:?}"
    );
    assert_eq!(effects(&database).await, 0);
    shutdown.trigger();
}

async fn migrations_run_twice_and_concurrently_without_harm(backend: Backend) {
    orderflow_platform::telemetry::init_for_tests();
    let test_database = TestDatabase::create(backend).await;
    let first = test_database.connect().await;
    let second = test_database.connect().await;
    let (a, b) = tokio::join!(
        first.migrate::<TestMigrator>(SERVICE, true),
        second.migrate::<TestMigrator>(SERVICE, true)
    );
    a.unwrap_or_else(|e| panic!("{e:#}"));
    b.unwrap_or_else(|e| panic!("{e:#}"));
    first
        .migrate::<TestMigrator>(SERVICE, true)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(backlog(&first).await, 0);
}

#[tokio::test]
async fn the_stream_is_declared_once_and_left_alone() {
    let nats = TestNats::start().await;
    let context = jetstream::new(nats.client().await);
    let mut first = bus::ensure_stream(&context, bus::stream_config(SERVICE, 1))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let mut again = bus::ensure_stream(&context, bus::stream_config(SERVICE, 1))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let first_info = first.info().await.map(|i| i.created).ok();
    let again_info = again.info().await.map(|i| i.created).ok();
    assert_eq!(first_info, again_info);
    let subjects = again
        .info()
        .await
        .map(|i| i.config.subjects.clone())
        .unwrap_or_default();
    assert_eq!(subjects, vec!["testsvc.>".to_owned()]);
}

async fn a_binary_serves_on_the_schema_of_the_next_release_and_refuses_one_too_old(
    backend: Backend,
) {
    orderflow_platform::telemetry::init_for_tests();
    // Too old: a fresh database and a pod that may not migrate.
    let fresh = TestDatabase::create(backend).await;
    let refused = fresh
        .connect()
        .await
        .migrate::<TestMigrator>(SERVICE, false)
        .await
        .err()
        .map(|error| format!("{error:#}"))
        .unwrap_or_default();
    assert!(
        refused.contains("older than this binary needs"),
        "{refused}"
    );

    // The next release migrates (its migration step)…
    let test_database = TestDatabase::create(backend).await;
    let database = test_database.connect().await;
    let next = database
        .migrate::<NextMigrator>(SERVICE, true)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(next.unknown.is_empty());
    // …then it is rolled back: this release's binary starts on that schema,
    // with or without leave to migrate, and writes and reads as before.
    for apply in [false, true] {
        let state = database
            .migrate::<TestMigrator>(SERVICE, apply)
            .await
            .unwrap_or_else(|e| panic!("a rollback is refused: {e:#}"));
        assert!(state.pending.is_empty());
        assert_eq!(state.unknown, ["m0002_test_labels"]);
    }
    database
        .connection()
        .execute_unprepared("INSERT INTO effects (id, subject) VALUES ('e-1', 'after rollback')")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(effects(&database).await, 1);

    // A database from another line of releases is refused.
    let mixed = database
        .migrate::<OtherMigrator>(SERVICE, true)
        .await
        .err()
        .map(|error| format!("{error:#}"))
        .unwrap_or_default();
    assert!(mixed.contains("another line of releases"), "{mixed}");
}

async fn d3_a_database_that_cannot_be_reached_is_unavailable_not_internal(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let connection = database.connection().clone();
    database.close().await;
    let error = connection
        .execute_unprepared("SELECT 1")
        .await
        .err()
        .unwrap_or_else(|| panic!("a closed pool answered"));
    assert!(orderflow_platform::db::is_unavailable(&error), "{error:?}");
    let status = tonic::Status::from(orderflow_platform::error::Error::from(error));
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
}

/// The fault suite found this one: a PostgreSQL database that refuses
/// connections for a while (`ALLOW_CONNECTIONS false`, its sessions
/// terminated: an operator's maintenance, a fail-over) answered every call
/// INTERNAL and dead-lettered events after five tries, because the refusal
/// (SQLSTATE 55000 on connecting) was not taken for an outage.
async fn d2_d3_a_database_refusing_connections_is_waited_for_not_internal_nor_dead_lettered(
    backend: Backend,
) {
    if backend != Backend::Postgres {
        return; // SQLite has no server to refuse.
    }
    let (test_database, database) = database(backend).await;
    let name = test_database
        .url
        .rsplit_once('/')
        .map(|(_, name)| name.to_owned())
        .unwrap_or_else(|| panic!("no database name in {}", test_database.url));
    let admin_url =
        std::env::var(testing::POSTGRES_URL_VARIABLE).unwrap_or_else(|error| panic!("{error}"));
    let admin = Database::connect(&admin_url, 1)
        .await
        .unwrap_or_else(|error| panic!("{error:#}"));
    let refuse = |allow: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allow}");
    admin
        .execute_unprepared(&refuse(false))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let mut errors = Vec::new();
    for _ in 0..3 {
        if let Err(error) = database.connection().execute_unprepared("SELECT 1").await {
            errors.push(error);
        }
    }
    admin
        .execute_unprepared(&refuse(true))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(!errors.is_empty(), "a refusing database answered");
    for error in errors {
        assert!(orderflow_platform::db::is_unavailable(&error), "{error:?}");
        assert!(
            matches!(HandlerError::from(error), HandlerError::Unavailable(_)),
            "a consumer would dead-letter during the outage"
        );
    }
    let error = database
        .connection()
        .execute_unprepared("SELECT 1")
        .await
        .err();
    // Once admitted again, the pool reconnects (a first call may still meet
    // a terminated connection).
    if let Some(error) = error {
        assert!(orderflow_platform::db::is_unavailable(&error), "{error:?}");
        database
            .connection()
            .execute_unprepared("SELECT 1")
            .await
            .unwrap_or_else(|error| panic!("not back: {error}"));
    }
}

async fn d5_a_nul_character_the_store_cannot_keep_is_invalid_argument_not_internal(
    backend: Backend,
) {
    let (_test_database, database) = database(backend).await;
    let connection = database.connection();
    let result = connection
        .execute_raw(Statement::from_sql_and_values(
            connection.get_database_backend(),
            match connection.get_database_backend() {
                sea_orm::DbBackend::Postgres => "INSERT INTO effects (id, subject) VALUES ($1, $2)",
                _ => "INSERT INTO effects (id, subject) VALUES (?, ?)",
            },
            ["nul-1".into(), "a\0b".into()],
        ))
        .await;
    match backend {
        // PostgreSQL cannot keep a NUL in text: the request's fault.
        Backend::Postgres => {
            let error = result
                .err()
                .unwrap_or_else(|| panic!("PostgreSQL stored a NUL"));
            let status = tonic::Status::from(orderflow_platform::error::Error::from(error));
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
            assert_eq!(effects(&database).await, 0);
        }
        Backend::Sqlite => {
            result.unwrap_or_else(|error| panic!("{error}"));
        }
    }
}

async fn d1_an_event_too_large_to_publish_is_set_aside_and_blocks_nothing(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let shutdown = Shutdown::new();
    let before = enqueue(&database, "testsvc.thing.happened", b"before").await;
    // Over NATS's 1 MiB max_payload: no retry can ever publish it.
    let huge = enqueue_unchecked(&database, "testsvc.thing.happened", &vec![b'x'; 2 << 20]).await;
    let after = enqueue(&database, "testsvc.thing.happened", b"after").await;
    let signal = OutboxSignal::default();
    start_relay(&database, nats.client().await, &signal, &shutdown);
    eventually(
        Duration::from_secs(30),
        "the two others published",
        || async {
            (stream_messages(&nats).await == 2 && backlog(&database).await == 0).then_some(())
        },
    )
    .await;
    let set_aside = outbox::dead_letters(database.connection())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set_aside.len(), 1);
    assert_eq!(set_aside[0].id, huge);
    assert_eq!(set_aside[0].payload.len(), 2 << 20, "kept as it was");
    assert!(
        set_aside[0].reason.contains("can never be published"),
        "{}",
        set_aside[0].reason
    );
    // The later event went out too: nothing queues behind the big one.
    let context = jetstream::new(nats.client().await);
    let stream = context
        .get_stream(bus::stream_name(SERVICE))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ids = Vec::new();
    for sequence in 1..=2 {
        let message = stream
            .get_raw_message(sequence)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(
            message
                .headers
                .get(headers::MESSAGE_ID)
                .map(|id| id.as_str().to_owned())
                .unwrap_or_default(),
        );
    }
    assert_eq!(ids, [before, after]);
    shutdown.trigger();
}

/// Issue 17: the outbox refuses, in the writer's transaction, an event the
/// broker could never carry, so the request that would cause it is refused
/// (`INVALID_ARGUMENT` on `request`) and leaves nothing behind; an event
/// just under the limit is written as usual.
async fn d1_an_event_over_the_broker_limit_is_refused_in_the_writers_transaction(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let subject = "testsvc.thing.happened";
    let over = vec![b'x'; outbox::MAX_EVENT_BYTES];
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    outbox::enqueue(&*transaction, event(subject, b"first"), chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = outbox::enqueue(&*transaction, event(subject, &over), chrono::Utc::now())
        .await
        .err()
        .unwrap_or_else(|| panic!("an event over the limit was written"));
    assert!(outbox::too_large(&refused).is_some(), "{refused}");
    let status = tonic::Status::from(orderflow_platform::error::Error::from(refused));
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(testing::violated_fields(&status), ["request"]);
    assert!(status.message().contains("too large"), "{status:?}");
    drop(transaction);
    assert_eq!(backlog(&database).await, 0, "the transaction left nothing");

    // Several at once: one too large refuses them all.
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let many = outbox::enqueue_many(
        &*transaction,
        vec![event(subject, b"small"), event(subject, &over)],
        chrono::Utc::now(),
    )
    .await;
    assert!(
        many.as_ref().err().and_then(outbox::too_large).is_some(),
        "{many:?}"
    );
    drop(transaction);
    assert_eq!(backlog(&database).await, 0);

    // Just under the limit, headers included: written.
    enqueue(
        &database,
        subject,
        &vec![b'x'; outbox::MAX_EVENT_BYTES - 4096],
    )
    .await;
    assert_eq!(backlog(&database).await, 1);
}
