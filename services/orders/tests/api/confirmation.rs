//! Order review and confirmation (ORD-5).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::orders::v1 as pb;
use tonic_types::StatusExt;

use crate::support::*;

backend_tests!(
    ord_5_an_order_without_a_complete_ship_to_is_not_confirmed,
    ord_5_a_price_off_the_list_is_flagged_and_needs_a_sales_supervisor,
);

async fn ord_5_an_order_without_a_complete_ship_to_is_not_confirmed(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = sales
        .create_customer(pb::CreateCustomerRequest {
            name: "Walk-in customer".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut request = standard_order(&customer.id);
    request.ship_to = Some(orderflow_proto::common::v1::Address {
        recipient_name: "Wang Fang".to_owned(),
        city: "Chengdu".to_owned(),
        ..Default::default()
    });
    let order = create_order(&mut sales, request).await;
    sales
        .submit_order(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let status = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed without an address"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    let missing: Vec<String> = status
        .get_error_details()
        .precondition_failure()
        .map(|failure| {
            failure
                .violations
                .iter()
                .map(|v| v.subject.clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        missing,
        vec![
            "ship_to.phone",
            "ship_to.country_code",
            "ship_to.region",
            "ship_to.street"
        ]
    );
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Submitted as i32
    );
}

async fn ord_5_a_price_off_the_list_is_flagged_and_needs_a_sales_supervisor(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut supervisor = app.orders_as("dave", &["sales_supervisor"]).await;
    supervisor
        .set_list_price(pb::SetListPriceRequest {
            sku: "PUMP-100".to_owned(),
            unit_price: cny(130_000),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = submitted_order(&app).await;

    let status = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            accept_price_deviation: true,
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an assistant accepted a price deviation"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert!(
        status.message().contains("sales_supervisor"),
        "{}",
        status.message()
    );
    let flagged = get_order(&app, &order.id).await;
    assert_eq!(flagged.state, pb::OrderState::Submitted as i32);
    assert!(flagged.flags.contains(&"price_mismatch".to_owned()));
    assert_eq!(flagged.lines[0].list_price, cny(130_000));
    assert!(
        timeline(&app, &order.id)
            .await
            .iter()
            .any(|e| e.action == "flagged")
    );

    let confirmed = supervisor
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            accept_price_deviation: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.state, pb::OrderState::PendingApproval as i32);
    let entry = timeline(&app, &order.id)
        .await
        .into_iter()
        .find(|e| e.action == "confirmed")
        .unwrap_or_default();
    assert_eq!(entry.actor, "dave");
    assert!(
        entry.detail.contains("accepted by a sales supervisor"),
        "{}",
        entry.detail
    );
}
