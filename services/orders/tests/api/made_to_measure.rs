//! S10: a store takes a made-to-measure order with the customer's
//! measurements, and sees and changes its own orders only.

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, Refused};
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::procurement::v1 as procurement;
use prost::Message;

use crate::fake_approvals::FakeApprovals;
use crate::support::*;

backend_tests!(
    s10_a_store_enters_the_measurements_of_a_made_to_measure_garment,
    s10_a_store_sees_and_changes_its_own_orders_only,
    s10_an_approval_and_the_fabric_reported_ahead_of_the_order_wait_for_it,
);

fn jacket(sleeve_mm: i32) -> pb::GarmentFit {
    pb::GarmentFit {
        category: "jacket".to_owned(),
        pattern: "SB-2B-notch".to_owned(),
        measurements: [
            ("chest", 1020),
            ("waist", 880),
            ("hip", 1000),
            ("shoulder", 460),
            ("sleeve", sleeve_mm),
            ("back_length", 760),
        ]
        .into_iter()
        .map(|(name, mm)| (name.to_owned(), mm))
        .collect(),
    }
}

fn made_to_measure(customer_id: &str, fit: Option<pb::GarmentFit>) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        customer_id: customer_id.to_owned(),
        kind: pb::OrderKind::MadeToMeasure as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![pb::OrderLineInput {
            sku: "SUIT-JACKET".to_owned(),
            description: "Navy jacket, VBC-2201".to_owned(),
            quantity: 1,
            unit_price: cny(380_000),
            kit: None,
            fit,
        }],
        requested_delivery_date: "2026-04-15".to_owned(),
        payment_terms: prepaid(),
        ..Default::default()
    }
}

async fn s10_a_store_enters_the_measurements_of_a_made_to_measure_garment(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut store = app.store("NANJING-1").await;
    let customer = create_customer(&mut store).await;
    let missing = store
        .create_order(made_to_measure(&customer.id, None))
        .await
        .refused("no measurements");
    assert_eq!(violated_fields(&missing), ["lines[0].fit"]);
    let too_long = store
        .create_order(made_to_measure(&customer.id, Some(jacket(2_000))))
        .await
        .refused("a two-metre sleeve");
    assert_eq!(
        violated_fields(&too_long),
        ["lines[0].fit.measurements.sleeve"]
    );
    assert!(
        list_all(&mut app.sales().await).await.is_empty(),
        "nothing stored"
    );
    let order = create_order(&mut store, made_to_measure(&customer.id, Some(jacket(620)))).await;
    assert_eq!(order.store_code, "NANJING-1");
    let fit = order.lines[0].fit.clone().unwrap_or_default();
    assert_eq!(
        (fit.category.as_str(), fit.measurements.get("sleeve")),
        ("jacket", Some(&620))
    );
    // A store takes made-to-measure orders only.
    let standard = store
        .create_order(standard_order(&customer.id))
        .await
        .refused("a pump from a tailor's shop");
    assert_eq!(standard.code(), tonic::Code::PermissionDenied);
}

async fn s10_a_store_sees_and_changes_its_own_orders_only(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut nanjing = app.store("NANJING-1").await;
    let mut suzhou = app.store("SUZHOU-2").await;
    let customer = create_customer(&mut nanjing).await;
    assert_eq!(customer.store_code, "NANJING-1");
    let ours = create_order(
        &mut nanjing,
        made_to_measure(&customer.id, Some(jacket(620))),
    )
    .await;
    // A store's orders name its own customers: Nanjing's is not there for
    // Suzhou, nor the company's own.
    for (foreign, whose) in [
        (&customer, "Nanjing's customer"),
        (
            &create_customer(&mut app.sales().await).await,
            "the company's customer",
        ),
    ] {
        let refused = suzhou
            .create_order(made_to_measure(&foreign.id, Some(jacket(610))))
            .await
            .refused(whose);
        assert_eq!(
            orderflow_platform::testing::violated_fields(&refused),
            ["customer_id"],
            "{whose}"
        );
    }
    let suzhou_customer = create_customer(&mut suzhou).await;
    let theirs = create_order(
        &mut suzhou,
        made_to_measure(&suzhou_customer.id, Some(jacket(610))),
    )
    .await;
    let numbers = |orders: Vec<pb::Order>| -> Vec<String> {
        orders.into_iter().map(|order| order.number).collect()
    };
    assert_eq!(
        numbers(list_all(&mut nanjing).await),
        [ours.number.as_str()]
    );
    assert_eq!(
        list_all(&mut app.sales().await).await.len(),
        2,
        "staff see both"
    );
    // Another role on the store's token lifts nothing.
    let mut mixed = app.store_with("NANJING-1", &["store", "sales"]).await;
    assert_eq!(numbers(list_all(&mut mixed).await), [ours.number.as_str()]);
    let hidden = nanjing
        .get_order(pb::GetOrderRequest {
            order_id: theirs.id.clone(),
        })
        .await
        .refused("Suzhou's order");
    assert_eq!(hidden.code(), tonic::Code::NotFound);
    let timeline = nanjing
        .get_order_timeline(pb::GetOrderTimelineRequest {
            order_id: theirs.id.clone(),
        })
        .await
        .refused("Suzhou's timeline");
    assert_eq!(timeline.code(), tonic::Code::NotFound);
    let submitted = nanjing
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: theirs.id.clone(),
        })
        .await
        .refused("Suzhou's to submit");
    assert_eq!(submitted.code(), tonic::Code::NotFound);
    assert_eq!(
        get_order(&app, &theirs.id).await.state(),
        pb::OrderState::Draft
    );
    nanjing
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: ours.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // A store role without its partner code is no store at all.
    let nameless = app
        .orders_as("someone", &["store"])
        .await
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .refused("no partner claim");
    assert_eq!(nameless.code(), tonic::Code::PermissionDenied);
    let listed = app
        .orders_as("pat", &["store"])
        .await
        .get_order(pb::GetOrderRequest { order_id: ours.id })
        .await
        .refused("no partner claim");
    assert_eq!(listed.code(), tonic::Code::PermissionDenied);
}

/// Two reports that can overtake a made-to-measure order (issue 17's audit
/// of every consumer): an approval decided at once whose answer never
/// reached the saga, and the fabric the manufacturer received before the
/// store booked the payment (PRC-7: fabric may be bought before release).
/// Each is delivered again until the order has caught up; neither is lost.
async fn s10_an_approval_and_the_fabric_reported_ahead_of_the_order_wait_for_it(backend: Backend) {
    let fake = FakeApprovals::default();
    let stop_fake = Shutdown::new();
    let app = spawn_orders_with_approvals(backend, fake.serve(stop_fake.clone()).await).await;
    let mut store = app.store("NANJING-1").await;
    let customer = create_customer(&mut store).await;
    let order = create_order(&mut store, made_to_measure(&customer.id, Some(jacket(620)))).await;
    submit(&mut store, &order.id).await;
    confirm(&app, &order.id).await;

    // APR-8: approvals decides at once and says so, but its answer to the
    // saga is lost; the order has not recorded its request.
    let filed = testing::eventually(Duration::from_secs(20), "the request filed", || async {
        fake.asked().first().cloned()
    })
    .await;
    assert_eq!(filed.subject_id, order.id);
    let approved = approvals::ApprovalEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "service:approvals".to_owned(),
        request: Some(FakeApprovals::request_of(&filed.subject_kind, &order.id)),
        ..Default::default()
    };
    testing::publish_event(
        &app.nats,
        "approvals",
        "approvals.request.approved",
        approved.encode_to_vec(),
    )
    .await;
    redelivered(
        &app,
        "APPROVALS",
        orderflow_orders::consumers::saga::APPROVALS_CONSUMER,
    )
    .await;
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::PendingApproval as i32
    );
    // The saga's retry is answered and records the request: the outcome,
    // delivered again, applies.
    fake.answer();
    let order = testing::eventually(Duration::from_secs(60), "the order approved", || async {
        let order = get_order(&app, &order.id).await;
        (order.state == pb::OrderState::AwaitingPayment as i32).then_some(order)
    })
    .await;
    assert_eq!(order.approval_request_id, format!("APR-{}", order.id));

    // PRC-7: the manufacturer has the fabric before the payment is booked.
    let fabric = procurement::FabricPurchaseEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "mo".to_owned(),
        fabric_purchase: Some(procurement::FabricPurchase {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            garment: "suit jacket".to_owned(),
            fabric_code: "VBC-2201".to_owned(),
            length_cm: 180,
            supplier_code: "VBC".to_owned(),
            manufacturer_code: "TAILOR-SZ".to_owned(),
            ..Default::default()
        }),
        detail: "received at the workshop".to_owned(),
        ..Default::default()
    };
    testing::publish_event(
        &app.nats,
        "procurement",
        "procurement.fabric.received",
        fabric.encode_to_vec(),
    )
    .await;
    redelivered(
        &app,
        "PROCUREMENT",
        orderflow_orders::consumers::production::FABRIC_CONSUMER,
    )
    .await;
    let waiting = get_order(&app, &order.id).await;
    assert_eq!(waiting.state, pb::OrderState::AwaitingPayment as i32);
    assert_eq!(
        waiting.manufacturer_code, "",
        "nothing of the report applied yet"
    );
    // The payment opens the gate: released, and the waiting fabric starts
    // the garment.
    crate::fake_orders::gate_opened(&app, &order).await;
    let made = testing::eventually(
        Duration::from_secs(60),
        "the garment in production",
        || async {
            let order = get_order(&app, &order.id).await;
            (order.state == pb::OrderState::InProduction as i32).then_some(order)
        },
    )
    .await;
    assert_eq!(made.manufacturer_code, "TAILOR-SZ");
    let started = timeline(&app, &order.id)
        .await
        .into_iter()
        .find(|entry| entry.action == "in_production")
        .unwrap_or_else(|| panic!("no in_production entry"));
    assert!(
        started.detail.contains("fabric received: VBC-2201")
            && started.detail.contains("the garment is being made"),
        "{}",
        started.detail
    );
    stop_fake.trigger();
}

/// Waits until `consumer` of `stream` has been given its message again:
/// the report was refused for now and is on its way again.
async fn redelivered(app: &TestApp, stream: &str, consumer: &str) {
    testing::eventually(Duration::from_secs(20), "a redelivery", || async {
        let info = testing::consumer_info(&app.nats, stream, consumer).await?;
        (info.num_redelivered >= 1).then_some(())
    })
    .await;
}
