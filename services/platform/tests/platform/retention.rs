//! Issue 18: retention keeps the inbox and the callers' request ids bounded,
//! and idempotency holds inside the retention window.

use std::time::Duration;

use chrono::{DateTime, Utc};
use orderflow_platform::backend_tests;
use orderflow_platform::bus::consumer::inbox;
use orderflow_platform::clock::{ManualClock, SharedClock};
use orderflow_platform::config::ServiceConfig;
use orderflow_platform::db::Database;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::db::retention::{self, Retention};
use orderflow_platform::service::ServiceRuntime;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, TestNats, eventually};
use sea_orm::{EntityTrait, PaginatorTrait};

use super::{TestMigrator, database};

backend_tests!(
    retention_keeps_the_bookkeeping_bounded_and_replays_inside_the_window,
    a_running_service_sweeps_old_bookkeeping_away,
);

async fn counts(database: &Database) -> (u64, u64) {
    let inbox = inbox::Entity::find()
        .count(database.connection())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys = idempotency::Entity::find()
        .count(database.connection())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (inbox, keys)
}

fn caller_key(hour: i64, index: i64) -> RequestKey {
    RequestKey::new(
        "CreateThing",
        "alice",
        &format!("request-{hour}-{index}"),
        format!("body {hour} {index}").as_bytes(),
    )
}

/// One simulated hour of traffic: `per_hour` events handled and calls made,
/// and one business fact recorded under a derived key.
async fn traffic(database: &Database, hour: i64, per_hour: i64, now: DateTime<Utc>) {
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for index in 0..per_hour {
        let event = format!("event-{hour}-{index}");
        let first = inbox::record(&*transaction, "test-consumer", &event, "x.y", now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(first);
        let key = caller_key(hour, index);
        let claim = idempotency::claim(&*transaction, Some(&key), now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claim, Claim::New);
        idempotency::complete(&*transaction, Some(&key), &format!("thing-{hour}-{index}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let fact = RequestKey::derived("ShopOrderImported", &format!("shop/{hour}"));
    idempotency::claim(&*transaction, Some(&fact), now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    transaction.commit().await.unwrap_or_else(|e| panic!("{e}"));
}

async fn retention_keeps_the_bookkeeping_bounded_and_replays_inside_the_window(backend: Backend) {
    let (_test_database, database) = database(backend).await;
    let retention = Retention {
        inbox: chrono::Duration::hours(48),
        request_ids: chrono::Duration::hours(24),
        sweep_every: Duration::from_secs(3600),
    };
    let start = Utc::now();
    let per_hour = 7;
    let hours = 24 * 5;
    let mut largest = (0, 0);
    for hour in 0..hours {
        let now = start + chrono::Duration::hours(hour);
        traffic(&database, hour, per_hour, now).await;
        retention::prune(&database, &retention, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (inbox_rows, keys) = counts(&database).await;
        largest = (largest.0.max(inbox_rows), largest.1.max(keys));
    }
    // Bounded: at most the window's hours (plus the current one) of rows,
    // whatever the run's length; derived keys (business facts) all stay.
    let window = |hours: i64| (hours as u64 + 1) * per_hour as u64;
    assert!(largest.0 <= window(48), "inbox grew to {}", largest.0);
    assert!(
        largest.1 <= window(24) + hours as u64,
        "request keys grew to {}",
        largest.1
    );
    let (inbox_rows, keys) = counts(&database).await;
    assert_eq!(inbox_rows, window(48));
    assert_eq!(keys, window(24) + hours as u64);

    let now = start + chrono::Duration::hours(hours - 1);
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Inside the windows: a redelivered event is still recognised, a
    // repeated request id still replays its first result.
    let redelivered = format!("event-{}-3", hours - 48);
    let handled_again = inbox::record(&*transaction, "test-consumer", &redelivered, "x.y", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !handled_again,
        "an event inside the inbox window was taken as new"
    );
    let repeated = caller_key(hours - 24, 2);
    let claim = idempotency::claim(&*transaction, Some(&repeated), now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claim, Claim::Replay(format!("thing-{}-2", hours - 24)));
    // The oldest business fact is still there.
    let fact = RequestKey::derived("ShopOrderImported", "shop/0");
    assert!(
        idempotency::find(&*transaction, &fact)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some()
    );
    // Outside: the key is free again.
    let expired = caller_key(0, 2);
    let claim = idempotency::claim(&*transaction, Some(&expired), now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claim, Claim::New);
    drop(transaction);
}

async fn a_running_service_sweeps_old_bookkeeping_away(backend: Backend) {
    let (test_database, database) = database(backend).await;
    let nats = TestNats::start().await;
    let now = Utc::now();
    let old = now - chrono::Duration::days(40);
    let transaction = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (event, at) in [("old", old), ("recent", now)] {
        inbox::record(&*transaction, "test-consumer", event, "x.y", at)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let old_call = RequestKey::new("CreateThing", "alice", "old", b"old");
    idempotency::claim(&*transaction, Some(&old_call), old)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    transaction.commit().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts(&database).await, (2, 1));

    let env =
        testing::service_env(&test_database.url, &nats.url()).with("RETENTION_SWEEP_SECS", "1");
    let config = ServiceConfig::from_env(super::SERVICE, 0, &env).unwrap_or_else(|e| panic!("{e}"));
    let clock: SharedClock = ManualClock::new(now);
    let runtime = ServiceRuntime::start::<TestMigrator>(config, clock, Shutdown::new())
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    eventually(
        Duration::from_secs(20),
        "the old rows swept away",
        || async { (counts(&database).await == (1, 0)).then_some(()) },
    )
    .await;
    drop(runtime);
}
