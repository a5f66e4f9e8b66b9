//! Issue 18: a consumer with lanes handles different orders' events side by
//! side and each order's events in turn (on PostgreSQL: on SQLite, one
//! writer, a consumer keeps one lane).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use orderflow_platform::bus::consumer::{
    self, Consumer, ConsumerSpec, EventHandler, HandlerError, IncomingEvent,
};
use orderflow_platform::bus::outbox::OutboxSignal;
use orderflow_platform::bus::{self, headers};
use orderflow_platform::clock;
use orderflow_platform::config::ConsumerSettings;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::telemetry::OrderTag;
use orderflow_platform::testing::{self, Backend, TestNats, eventually};
use sea_orm::DatabaseTransaction;

use super::{SERVICE, database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_handle_orders_side_by_side_and_each_orders_events_in_turn() {
    if !testing::postgres_configured() {
        eprintln!("skipped: {} is not set", testing::POSTGRES_URL_VARIABLE);
        return;
    }
    side_by_side(Backend::Postgres).await;
}

#[test]
fn a_consumer_on_sqlite_keeps_one_lane() {
    assert_eq!(consumer::lanes_on(sea_orm::DbBackend::Sqlite, LANES), 1);
    assert_eq!(
        consumer::lanes_on(sea_orm::DbBackend::Postgres, LANES),
        LANES
    );
    assert_eq!(consumer::lanes_on(sea_orm::DbBackend::Postgres, 0), 1);
}

const LANES: usize = 4;

/// Records (order, payload) as handled; the first event of `slow` waits
/// until an event of another order has been handled.
struct Handler {
    slow: String,
    handled: Arc<Mutex<Vec<(String, String)>>>,
    other_handled: Arc<tokio::sync::Notify>,
}

#[async_trait::async_trait]
impl EventHandler for Handler {
    async fn handle(
        &self,
        _transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let payload = String::from_utf8_lossy(&event.payload).into_owned();
        let (order, step) = payload.split_once(':').unwrap_or((&payload, ""));
        if order == self.slow && step == "1" {
            // In turn, the other order's event would come after this one:
            // waiting for it would time out.
            tokio::time::timeout(Duration::from_secs(10), self.other_handled.notified())
                .await
                .map_err(|_| {
                    HandlerError::Permanent("no other order was handled meanwhile".to_owned())
                })?;
        }
        self.handled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((order.to_owned(), step.to_owned()));
        if order != self.slow {
            self.other_handled.notify_one();
        }
        Ok(())
    }
}

async fn publish(nats: &TestNats, order: &str, step: u32) {
    let mut message_headers = async_nats::HeaderMap::new();
    message_headers.insert(headers::MESSAGE_ID, format!("{order}:{step}").as_str());
    let tag = OrderTag {
        id: order.to_owned(),
        number: format!("N-{order}"),
    };
    for (name, value) in tag.headers() {
        message_headers.insert(name, value);
    }
    testing::publish_message(
        nats,
        SERVICE,
        "testsvc.order.changed",
        message_headers,
        format!("{order}:{step}").into_bytes().into(),
    )
    .await;
}

async fn side_by_side(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let slow = "0190a0a0-0000-7000-8000-00000000000a".to_owned();
    // An order on another lane than the slow one.
    let other = (0..100)
        .map(|n| format!("0190a0a0-0000-7000-8000-{n:012}"))
        .find(|id| consumer::lane_of_order(id, LANES) != consumer::lane_of_order(&slow, LANES))
        .unwrap_or_else(|| panic!("every order on one lane"));
    for step in 1..=5 {
        publish(&nats, &slow, step).await;
    }
    publish(&nats, &other, 1).await;

    let handled = Arc::new(Mutex::new(Vec::new()));
    let shutdown = Shutdown::new();
    let consumer = Consumer::new(
        ConsumerSpec {
            durable_name: "testsvc-lanes".to_owned(),
            stream: bus::stream_config(SERVICE, 1),
            filter_subject: None,
            settings: ConsumerSettings {
                lanes: LANES,
                ..ConsumerSettings::default()
            },
        },
        bus::jetstream(nats.client().await),
        database.clone(),
        Arc::new(Handler {
            slow: slow.clone(),
            handled: handled.clone(),
            other_handled: Arc::new(tokio::sync::Notify::new()),
        }),
        clock::system(),
        OutboxSignal::default(),
    );
    tokio::spawn(consumer.run(shutdown.clone()));

    let handled = eventually(Duration::from_secs(20), "six events handled", || {
        let handled = handled.clone();
        async move {
            let handled = handled
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            (handled.len() == 6).then_some(handled)
        }
    })
    .await;
    assert_eq!(
        handled[0],
        (other.clone(), "1".to_owned()),
        "the other order went past the slow one"
    );
    let slow_steps: Vec<&str> = handled
        .iter()
        .filter(|(order, _)| *order == slow)
        .map(|(_, step)| step.as_str())
        .collect();
    assert_eq!(slow_steps, ["1", "2", "3", "4", "5"], "one order's in turn");
    assert!(super::dead_letters(&nats).await.is_empty());
    shutdown.trigger();
}
