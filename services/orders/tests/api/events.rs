//! The outbox, the inbox, dead letters and the trace on events, through the
//! orders service.

use std::time::Duration;

use async_nats::jetstream;
use orderflow_platform::backend_tests;
use orderflow_platform::bus::headers;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    an_order_created_while_nats_is_down_is_published_once_nats_is_back,
    a_replayed_confirmation_changes_nothing,
    an_undecodable_event_is_dead_lettered_and_the_saga_carries_on,
    the_trace_id_of_create_order_is_the_trace_of_its_event,
);

async fn an_order_created_while_nats_is_down_is_published_once_nats_is_back(backend: Backend) {
    let mut app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    app.wait_for_published("orders.customer.created", 1).await;
    app.nats.stop();
    let order = create_order(&mut sales, standard_order(&customer.id)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.nats.restart().await;
    let published = app.wait_for_published("orders.order.created", 1).await;
    assert_eq!(published.len(), 1);
    let event: pb::OrderEvent =
        prost::Message::decode(published[0].payload.as_ref()).unwrap_or_default();
    assert_eq!(event.order.map(|o| o.number), Some(order.number));
    app.quiescent().await;
    assert_eq!(
        app.published("orders.order.created").await.len(),
        1,
        "published once"
    );
}

async fn a_replayed_confirmation_changes_nothing(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    confirm(&app, &order.id).await;
    wait_for_state(&app, &order.id, pb::OrderState::AwaitingPayment).await;
    let confirmed = app.wait_for_published("orders.order.confirmed", 1).await;

    // The same event again, as an operator replaying it or a relay
    // re-publishing after the duplicate window would deliver it.
    let context = jetstream::new(app.nats.client().await);
    let mut copy_headers = confirmed[0].headers.clone();
    copy_headers.insert(headers::MESSAGE_ID, "replayed-copy");
    context
        .publish_with_headers(
            "orders.order.confirmed",
            copy_headers,
            confirmed[0].payload.clone(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_until_consumed(&app).await;
    let passes = timeline(&app, &order.id)
        .await
        .into_iter()
        .filter(|e| e.action == "approval_not_required")
        .count();
    assert_eq!(passes, 1);
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::AwaitingPayment as i32
    );
}

/// Waits until the saga consumer has acknowledged everything delivered.
async fn wait_until_consumed(app: &TestApp) {
    testing::eventually(
        Duration::from_secs(20),
        "the saga consumer to catch up",
        || async {
            let info = testing::consumer_info(&app.nats, "ORDERS", "orders-saga").await?;
            (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
        },
    )
    .await;
}

async fn an_undecodable_event_is_dead_lettered_and_the_saga_carries_on(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut poison_headers = async_nats::HeaderMap::new();
    poison_headers.insert(headers::MESSAGE_ID, "poison-1");
    testing::publish_message(
        &app.nats,
        "orders",
        "orders.order.confirmed",
        poison_headers,
        "\u{1}not protobuf\u{ff}".into(),
    )
    .await;

    let order = submitted_order(&app).await;
    confirm(&app, &order.id).await;
    wait_for_state(&app, &order.id, pb::OrderState::AwaitingPayment).await;

    let context = jetstream::new(app.nats.client().await);
    let dead = testing::eventually(Duration::from_secs(20), "the dead letter", || async {
        let stream = context.get_stream("DEADLETTER").await.ok()?;
        stream.get_raw_message(1).await.ok()
    })
    .await;
    assert_eq!(
        dead.subject.as_str(),
        "deadletter.orders-saga.orders.order.confirmed"
    );
    assert!(
        dead.headers
            .get(headers::DEAD_LETTER_REASON)
            .is_some_and(|reason| reason.as_str().contains("cannot decode")),
        "{:?}",
        dead.headers
    );
}

async fn the_trace_id_of_create_order_is_the_trace_of_its_event(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let response = sales
        .create_order(standard_order(&customer.id))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let trace_id = response
        .metadata()
        .get("x-trace-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no x-trace-id"));
    assert_eq!(trace_id.len(), 32);
    let published = app.wait_for_published("orders.order.created", 1).await;
    let traceparent = published[0]
        .headers
        .get("traceparent")
        .map(|value| value.as_str().to_owned())
        .unwrap_or_default();
    assert_eq!(
        traceparent.split('-').nth(1),
        Some(trace_id.as_str()),
        "{traceparent}"
    );

    // A caller's own trace is continued, not replaced.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let mut request = tonic::Request::new(standard_order(&customer.id));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{caller_trace}-00f067aa0ba902b7-01")
            .parse()
            .unwrap_or_else(|_| panic!("header")),
    );
    let response = sales
        .create_order(request)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(
        response
            .metadata()
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok()),
        Some(caller_trace)
    );
}
