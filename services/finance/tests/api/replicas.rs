//! Two replicas of finance share the `finance-orders` consumer, so two
//! events of one order can be handled at the same moment, in any order. The
//! fault suite found an order stuck for good in AWAITING_PAYMENT that way:
//! after a NATS outage the backlog came in a burst, one replica filed the
//! order's `approval_not_required` version while the other filed its older
//! `confirmed` one, both meeting the order for the first time; the older
//! one committed last, the account went back to "before payment", and no
//! later payment or sales detail opened its gate.

use orderflow_finance::app::{Finance, Settings};
use orderflow_finance::consumers::account_of;
use orderflow_platform::backend_tests;
use orderflow_platform::base::AppBase;
use orderflow_platform::bus::outbox::OutboxSignal;
use orderflow_platform::clock::ManualClock;
use orderflow_platform::ids::{OrderId, Parse as _};
use orderflow_platform::testing::{Backend, TestDatabase};
use orderflow_proto::orders::v1 as orders;

use crate::support::{OrderSpec, moved, start_time};

backend_tests!(an_older_version_of_a_new_order_filed_beside_a_newer_one_never_wins);

async fn an_older_version_of_a_new_order_filed_beside_a_newer_one_never_wins(backend: Backend) {
    if backend != Backend::Postgres {
        return; // SQLite lets one writer in at a time: no two replicas race.
    }
    let test_database = TestDatabase::create(backend).await;
    let database = test_database.connect().await;
    database
        .migrate::<orderflow_finance::store::Migrator>("finance", true)
        .await
        .unwrap_or_else(|error| panic!("{error:#}"));
    let finance = Finance::new(
        AppBase::new(
            database.clone(),
            ManualClock::new(start_time()),
            OutboxSignal::default(),
        ),
        Settings {
            time_zone: chrono_tz::Asia::Shanghai,
            lc_lead_days: 30,
            receivable_term_days: 90,
            balance_reminder_days: 7,
            minimum_margin_basis_points: 0,
        },
    );
    let spec = OrderSpec::new(
        orders::OrderKind::Standard,
        Some((orders::PaymentTermKind::Prepaid, 0)),
    );
    let confirmed = spec.order();
    let awaiting = moved(&confirmed, orders::OrderState::AwaitingPayment);
    let account = |order: &orders::Order| account_of(order).unwrap_or_else(|e| panic!("{e}"));

    // Replica one files the newer version and has not committed yet...
    let first = database
        .begin_write()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    finance
        .sync_order(&*first, account(&awaiting), "orders")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // ...when replica two files the older one.
    let racer = {
        let finance = finance.clone();
        let database = database.clone();
        let older = account(&confirmed);
        tokio::spawn(async move {
            let second = database.begin_write().await?;
            finance
                .sync_order(&*second, older, "orders")
                .await
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
            second.commit().await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    first.commit().await.unwrap_or_else(|e| panic!("{e}"));
    racer
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));

    let order_id = OrderId::parse(&awaiting.id).unwrap_or_else(|e| panic!("{e}"));
    let view = finance
        .release_gate(&order_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        view.account.stage,
        orderflow_finance::domain::account::Stage::AwaitingPayment,
        "the older version overwrote the newer one"
    );
}
