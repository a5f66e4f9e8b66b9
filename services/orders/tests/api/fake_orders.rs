//! ORD-11: buyer messages and seller notes at review; a fake or brushing
//! order (刷单) is held for a person and never released automatically.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;
use prost::Message;

use crate::support::*;

backend_tests!(
    ord_11_a_seller_note_naming_brushing_holds_the_order_until_a_supervisor_releases_it,
    ord_11_a_reviewer_holds_an_order_and_a_supervisor_cancels_it_as_fake,
);

/// A submitted standard order with these notes, confirmed by the assistant
/// with `fake_order_reason`; the saga takes it to AWAITING_PAYMENT.
async fn confirmed(
    app: &TestApp,
    customer: &pb::Customer,
    buyer_message: &str,
    seller_note: &str,
    fake_order_reason: &str,
) -> pb::Order {
    let mut request = standard_order(&customer.id);
    request.buyer_message = buyer_message.to_owned();
    request.seller_note = seller_note.to_owned();
    let order = create_and_submit(app, request).await;
    app.assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            fake_order_reason: fake_order_reason.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("confirm: {status:?}"));
    wait_for_state(app, &order.id, pb::OrderState::AwaitingPayment).await
}

/// Finance reporting the order's release gate open.
pub(crate) async fn gate_opened(app: &TestApp, order: &pb::Order) {
    let message = finance::GateEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        occur_time: order.update_time,
        actor: "finance".to_owned(),
        gate: Some(finance::ReleaseGate {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            open: true,
            rule: "prepaid".to_owned(),
            awaiting_payment: true,
            ..Default::default()
        }),
    };
    testing::publish_event(
        &app.nats,
        "finance",
        "finance.gate.opened",
        message.encode_to_vec(),
    )
    .await;
}

fn decision(order: &pb::Order, genuine: bool, reason: &str) -> pb::DecideHeldOrderRequest {
    pb::DecideHeldOrderRequest {
        request_id: String::new(),
        order_id: order.id.clone(),
        genuine,
        reason: reason.to_owned(),
    }
}

async fn entries(app: &TestApp, order: &pb::Order, action: &str) -> Vec<pb::TimelineEntry> {
    timeline(app, &order.id)
        .await
        .into_iter()
        .filter(|entry| entry.action == action)
        .collect()
}

async fn ord_11_a_seller_note_naming_brushing_holds_the_order_until_a_supervisor_releases_it(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let held = confirmed(
        &app,
        &customer,
        "please ship fast",
        "刷单 - empty parcel",
        "",
    )
    .await;
    let genuine = confirmed(&app, &customer, "", "", "").await;

    // The review showed both notes and held the order.
    let review = entries(&app, &held, "confirmed").await;
    assert_eq!(review.len(), 1);
    for expected in [
        "buyer message: please ship fast",
        "seller note: 刷单 - empty parcel",
        "held as a suspected fake order (ORD-11)",
    ] {
        assert!(
            review[0].detail.contains(expected),
            "{:?}",
            review[0].detail
        );
    }
    assert!(held.flags.contains(&"suspected_fake".to_owned()));
    assert!(!genuine.flags.contains(&"suspected_fake".to_owned()));

    // The gate opens for both (twice for the held one): only the genuine
    // order is released; the held one waits, with one note on its timeline.
    gate_opened(&app, &genuine).await;
    gate_opened(&app, &held).await;
    gate_opened(&app, &held).await;
    wait_for_state(&app, &genuine.id, pb::OrderState::Released).await;
    testing::eventually(
        std::time::Duration::from_secs(20),
        "the held order's release_held note",
        || async {
            let flags = get_order(&app, &held.id).await.flags;
            flags.contains(&"release_held".to_owned()).then_some(())
        },
    )
    .await;
    assert_eq!(entries(&app, &held, "release_held").await.len(), 1);
    assert_eq!(
        get_order(&app, &held.id).await.state,
        pb::OrderState::AwaitingPayment as i32
    );

    // Only a sales supervisor decides, and says why.
    let denied = app
        .assistant()
        .await
        .decide_held_order(decision(&held, true, "looks fine"))
        .await
        .err()
        .unwrap_or_else(|| panic!("an assistant released a held order"));
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let mut supervisor = app.orders_as("sam", &["sales_supervisor"]).await;
    let status = supervisor
        .decide_held_order(decision(&held, true, " "))
        .await
        .err()
        .unwrap_or_else(|| panic!("a decision without a reason"));
    assert_eq!(violated_fields(&status), vec!["reason".to_owned()]);
    let not_held = supervisor
        .decide_held_order(decision(&genuine, true, "fine"))
        .await
        .err()
        .unwrap_or_else(|| panic!("a decision on an order that is not held"));
    assert_eq!(not_held.code(), tonic::Code::FailedPrecondition);

    let released = supervisor
        .decide_held_order(decision(
            &held,
            true,
            "the shop owner vouches for the buyer",
        ))
        .await
        .unwrap_or_else(|status| panic!("decide: {status:?}"))
        .into_inner();
    assert_eq!(released.state, pb::OrderState::Released as i32);
    assert!(released.flags.contains(&"hold_cleared".to_owned()));
    let entry = entries(&app, &held, "released").await;
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].actor, "sam");
    assert_eq!(entry[0].reason, "the shop owner vouches for the buyer");
    app.wait_for_published("orders.order.released", 2).await;
}

async fn ord_11_a_reviewer_holds_an_order_and_a_supervisor_cancels_it_as_fake(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let held = confirmed(
        &app,
        &customer,
        "",
        "",
        "the same buyer placed 40 orders in five minutes",
    )
    .await;
    let review = entries(&app, &held, "confirmed").await;
    assert!(
        review[0]
            .detail
            .contains("the same buyer placed 40 orders in five minutes"),
        "{:?}",
        review[0].detail
    );

    let mut supervisor = app.orders_as("sam", &["sales_supervisor"]).await;
    let cancelled = supervisor
        .decide_held_order(decision(&held, false, "a brushing order"))
        .await
        .unwrap_or_else(|status| panic!("decide: {status:?}"))
        .into_inner();
    assert_eq!(cancelled.state, pb::OrderState::Cancelled as i32);
    let entry = entries(&app, &held, "cancelled").await;
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].reason, "a brushing order");
    assert!(entry[0].detail.contains("ORD-11"), "{:?}", entry[0].detail);

    // A gate opening afterwards changes nothing.
    gate_opened(&app, &held).await;
    app.wait_for_published("orders.order.cancelled", 1).await;
    assert_eq!(
        get_order(&app, &held.id).await.state,
        pb::OrderState::Cancelled as i32
    );
}
