//! ORD-18: a special custom order is reviewed by a sales supervisor —
//! specification, quantity, delivery date — before it is confirmed; an
//! infeasible one goes back to the salesperson; SLA-2 flags a review not
//! done within four hours.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    ord_18_sla_2_a_special_custom_order_waits_for_the_supervisors_feasibility_review,
    ord_18_an_order_of_a_product_the_price_list_marks_special_custom_cannot_skip_the_review,
);

fn custom_order(customer_id: &str) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        special_custom: true,
        special_requirements: "stainless steel impeller, 380 V / 50 Hz motor".to_owned(),
        ..standard_order(customer_id)
    }
}

fn review(order: &pb::Order, feasible: [bool; 3], reason: &str) -> pb::ReviewCustomOrderRequest {
    pb::ReviewCustomOrderRequest {
        request_id: String::new(),
        order_id: order.id.clone(),
        specification_feasible: feasible[0],
        quantity_feasible: feasible[1],
        delivery_date_feasible: feasible[2],
        reason: reason.to_owned(),
    }
}

async fn confirm(app: &TestApp, order: &pb::Order) -> Result<pb::Order, tonic::Status> {
    app.assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The kinds of the preconditions a confirmation of `order` is refused for.
async fn refusal_of(app: &TestApp, order: &pb::Order, why_not: &str) -> Vec<String> {
    let refused = confirm(app, order)
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed: {why_not}"));
    unmet_preconditions(&refused)
        .into_iter()
        .map(|(kind, _)| kind)
        .collect()
}

async fn ord_18_sla_2_a_special_custom_order_waits_for_the_supervisors_feasibility_review(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let mut supervisor = app.orders_as("sam", &["sales_supervisor"]).await;
    let customer = create_customer(&mut sales).await;

    // A special custom order names its specification.
    let unspecified = sales
        .create_order(pb::CreateOrderRequest {
            special_requirements: String::new(),
            ..custom_order(&customer.id)
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("created without a specification"));
    assert_eq!(
        testing::violated_fields(&unspecified),
        ["special_requirements"]
    );

    // Submitted: due for review in four hours; not confirmed before it.
    let order = create_and_submit(&app, custom_order(&customer.id)).await;
    assert!(order.special_custom);
    let submitted_at = start_time();
    assert_eq!(
        order.custom_review_due_time,
        Some(prost_types::Timestamp {
            seconds: (submitted_at + chrono::Duration::hours(4)).timestamp(),
            nanos: 0
        })
    );
    assert_eq!(
        refusal_of(&app, &order, "confirmed unreviewed").await,
        ["CUSTOM_REVIEW_PENDING"]
    );

    // The delivery date cannot be met: back to the salesperson, with why.
    let no_reason = supervisor
        .review_custom_order(review(&order, [true, true, false], ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("refused without a reason"));
    assert_eq!(testing::violated_fields(&no_reason), ["reason"]);
    let refused = supervisor
        .review_custom_order(review(
            &order,
            [true, true, false],
            "the impeller mould takes 45 days",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(refused.state(), pb::OrderState::Rejected);
    let rejected = timeline(&app, &order.id)
        .await
        .into_iter()
        .find(|entry| entry.action == "rejected")
        .unwrap_or_default();
    assert_eq!(rejected.reason, "the impeller mould takes 45 days");
    assert_eq!(
        rejected.detail,
        "special custom order not feasible (ORD-18): delivery date"
    );

    // Revised to a later date and submitted again: reviewed afresh, and
    // four hours on without a review, SLA-2 is missed — once.
    sales
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["requested_delivery_date".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                requested_delivery_date: "2026-05-30".to_owned(),
                ..Default::default()
            }),
            reason: "customer accepts 45 days".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    submit(&mut sales, &order.id).await;
    app.clock.set(submitted_at + chrono::Duration::minutes(239));
    app.after_a_sweep().await;
    assert!(
        !get_order(&app, &order.id)
            .await
            .flags
            .contains(&"custom_review_overdue".to_owned())
    );
    app.clock.set(submitted_at + chrono::Duration::hours(5));
    app.after_a_sweep().await;
    app.after_a_sweep().await;
    let late = get_order(&app, &order.id).await;
    assert!(
        late.flags.contains(&"custom_review_overdue".to_owned()),
        "{:?}",
        late.flags
    );
    let missed: Vec<String> = timeline(&app, &order.id)
        .await
        .into_iter()
        .filter(|entry| entry.action == "sla_missed" && entry.detail.starts_with("SLA-2"))
        .map(|entry| entry.detail)
        .collect();
    assert_eq!(missed.len(), 1, "{missed:?}");

    // Feasible now: confirmed.
    supervisor
        .review_custom_order(review(&order, [true, true, true], ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirmed = confirm(&app, &order)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(confirmed.state(), pb::OrderState::PendingApproval);
    let passed = timeline(&app, &order.id)
        .await
        .into_iter()
        .filter(|entry| entry.action == "custom_review_passed")
        .count();
    assert_eq!(passed, 1);
}

/// ORD-18 cannot be bypassed by leaving the mark off: the price list says
/// which products are special custom-made, and an order of one that is not
/// marked special custom (with its specification) is refused at submission,
/// and at confirmation should the list have marked it since.
async fn ord_18_an_order_of_a_product_the_price_list_marks_special_custom_cannot_skip_the_review(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let mut supervisor = app.orders_as("sam", &["sales_supervisor"]).await;
    let customer = create_customer(&mut sales).await;
    let mark = |special_custom: bool| pb::SetListPriceRequest {
        sku: "PUMP-100".to_owned(),
        unit_price: cny(125_000),
        special_custom,
        ..Default::default()
    };
    // Submitted before the list marks the pump special custom.
    let early = create_and_submit(&app, standard_order(&customer.id)).await;
    let listed = supervisor
        .set_list_price(mark(true))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(listed.special_custom);
    // In every currency of the pump.
    let usd = supervisor
        .set_list_price(pb::SetListPriceRequest {
            unit_price: Some(orderflow_proto::common::v1::Money {
                currency_code: "USD".to_owned(),
                minor_units: 18_000,
            }),
            ..mark(false)
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(!usd.special_custom);
    supervisor
        .set_list_price(mark(true))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // Unmarked: refused at submission, nothing changed.
    let order = create_order(&mut sales, standard_order(&customer.id)).await;
    let refused = sales
        .submit_order(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an unmarked special custom order was submitted"));
    assert_eq!(
        unmet_preconditions(&refused),
        [(
            "SPECIAL_CUSTOM_UNMARKED".to_owned(),
            "lines[0].sku".to_owned()
        )]
    );
    assert_eq!(
        get_order(&app, &order.id).await.state(),
        pb::OrderState::Draft
    );
    // The one submitted before the list changed: refused at confirmation.
    assert_eq!(
        refusal_of(
            &app,
            &early,
            "an unmarked special custom order was confirmed"
        )
        .await,
        ["SPECIAL_CUSTOM_UNMARKED"]
    );
    assert_eq!(
        get_order(&app, &early.id).await.state(),
        pb::OrderState::Submitted
    );

    // Marked, with its specification: submitted, and it waits for the
    // supervisor's review like any special custom order.
    sales
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec![
                    "special_custom".to_owned(),
                    "special_requirements".to_owned(),
                ],
            }),
            order: Some(pb::OrderUpdate {
                special_custom: true,
                special_requirements: "stainless steel impeller".to_owned(),
                ..Default::default()
            }),
            reason: "the pump is made to order".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let submitted = sales
        .submit_order(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(submitted.special_custom && submitted.custom_review_due_time.is_some());
    assert_eq!(
        refusal_of(&app, &submitted, "confirmed unreviewed").await,
        ["CUSTOM_REVIEW_PENDING"]
    );
}
