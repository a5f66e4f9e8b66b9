//! S10: a store takes a made-to-measure order with the customer's
//! measurements, and sees and changes its own orders only.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{Backend, Refused};
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    s10_a_store_enters_the_measurements_of_a_made_to_measure_garment,
    s10_a_store_sees_and_changes_its_own_orders_only,
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
