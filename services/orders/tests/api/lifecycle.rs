//! The lifecycle: ORD-4, ORD-6, ORD-7, ORD-15, the saga for kinds without
//! an approval chain, SLA-1.

use chrono::Duration;
use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    ord_4_illegal_transitions_are_refused_and_the_timeline_shows_who_when_why,
    ord_4_a_standard_order_passes_approval_at_once_and_the_history_shows_both_steps,
    ord_4_a_kind_with_an_approval_chain_waits_in_pending_approval,
    ord_6_cancelling_needs_a_reason_and_happens_once,
    ord_7_edits_before_review_are_kept_and_after_review_refused,
    ord_7_a_salesperson_edits_only_their_own_orders,
    ord_15_a_cancelled_order_is_copied_into_a_new_draft,
    sla_1_an_order_not_confirmed_within_an_hour_is_reported_once,
    a_repeated_request_id_on_a_transition_returns_the_same_order,
    a_restarted_service_keeps_its_orders_and_carries_on,
    apr_2_an_export_order_keeps_its_factory_contract_and_estimated_costs_through_edits,
);

async fn ord_4_illegal_transitions_are_refused_and_the_timeline_shows_who_when_why(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let order = create_order(&mut sales, standard_order(&customer.id)).await;

    let mut assistant = app.assistant().await;
    let status = assistant
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a draft was confirmed"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Draft as i32,
        "unchanged"
    );

    submit(&mut sales, &order.id).await;
    app.clock.advance(Duration::minutes(5));
    assistant
        .reject_order(pb::RejectOrderRequest {
            order_id: order.id.clone(),
            reason: "customer phone number is wrong".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let status = sales
        .submit_order(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a rejected order was submitted without a revision"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);

    let entries = timeline(&app, &order.id).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["created", "submitted", "rejected"]);
    let rejected = &entries[2];
    assert_eq!(rejected.actor, "carol");
    assert_eq!(rejected.reason, "customer phone number is wrong");
    assert_eq!(rejected.from_state, pb::OrderState::Submitted as i32);
    assert_eq!(rejected.to_state, pb::OrderState::Rejected as i32);
    let expected_time = start_time() + Duration::minutes(5);
    assert_eq!(
        rejected.time.as_ref().map(|t| t.seconds),
        Some(expected_time.timestamp())
    );
    assert_eq!(rejected.source, "orders");
}

async fn ord_4_a_standard_order_passes_approval_at_once_and_the_history_shows_both_steps(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    let confirmed = confirm(&app, &order.id).await;
    assert_eq!(confirmed.state, pb::OrderState::PendingApproval as i32);
    wait_for_state(&app, &order.id, pb::OrderState::AwaitingPayment).await;
    let entries = timeline(&app, &order.id).await;
    let steps: Vec<(&str, i32, i32)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.from_state, e.to_state))
        .collect();
    assert_eq!(
        steps[2..],
        [
            (
                "confirmed",
                pb::OrderState::Submitted as i32,
                pb::OrderState::PendingApproval as i32
            ),
            (
                "approval_not_required",
                pb::OrderState::PendingApproval as i32,
                pb::OrderState::AwaitingPayment as i32
            ),
        ]
    );
    app.wait_for_published("orders.order.approval_not_required", 1)
        .await;
}

async fn ord_4_a_kind_with_an_approval_chain_waits_in_pending_approval(backend: Backend) {
    // The approvals service is not running here: the saga keeps asking (the
    // whole chain is driven in the end-to-end suite) and the order waits.
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let mut sample = standard_order(&customer.id);
    sample.kind = pb::OrderKind::FreeSample as i32;
    sample.lines[0].unit_price = cny(0);
    sample.payment_terms = None;
    let order = create_order(&mut sales, sample).await;
    submit(&mut sales, &order.id).await;
    confirm(&app, &order.id).await;
    app.quiescent().await;
    let order = get_order(&app, &order.id).await;
    assert_eq!(
        order.state,
        pb::OrderState::PendingApproval as i32,
        "APR-5: blocked until signed"
    );
    assert!(
        app.published("orders.order.approval_not_required")
            .await
            .is_empty()
    );
    let dead = async_nats::jetstream::new(app.nats.client().await)
        .get_stream("DEADLETTER")
        .await;
    let dead_letters = match dead {
        Ok(mut stream) => stream
            .info()
            .await
            .map(|info| info.state.messages)
            .unwrap_or(0),
        Err(_) => 0,
    };
    assert_eq!(
        dead_letters, 0,
        "an unavailable peer is waited for, not dead-lettered"
    );
}

async fn ord_6_cancelling_needs_a_reason_and_happens_once(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    confirm(&app, &order.id).await;
    wait_for_state(&app, &order.id, pb::OrderState::AwaitingPayment).await;
    let mut sales = app.sales().await;
    let status = sales
        .cancel_order(pb::CancelOrderRequest {
            order_id: order.id.clone(),
            reason: "  ".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("cancelled without a reason"));
    assert_eq!(violated_fields(&status), vec!["reason"]);

    let cancelled = sales
        .cancel_order(pb::CancelOrderRequest {
            order_id: order.id.clone(),
            reason: "customer withdrew the order".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(cancelled.state, pb::OrderState::Cancelled as i32);
    let again = sales
        .cancel_order(pb::CancelOrderRequest {
            order_id: order.id.clone(),
            reason: "again".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("cancelled twice"));
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);
    let events = app.wait_for_published("orders.order.cancelled", 1).await;
    let event: pb::OrderEvent =
        prost::Message::decode(events[0].payload.as_ref()).unwrap_or_default();
    assert_eq!(event.reason, "customer withdrew the order");
    assert_eq!(event.from_state, pb::OrderState::AwaitingPayment as i32);
}

async fn ord_7_edits_before_review_are_kept_and_after_review_refused(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    let mut sales = app.sales().await;
    let mut lines = vec![pb::OrderLineInput {
        sku: "PUMP-100".to_owned(),
        description: "Water pump".to_owned(),
        quantity: 5,
        unit_price: cny(125_000),
        kit: None,
        ..Default::default()
    }];
    let edited = sales
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["lines".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                lines: lines.clone(),
                ..Default::default()
            }),
            reason: "customer wants five".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        edited.state,
        pb::OrderState::Draft as i32,
        "a revised order is submitted again"
    );
    assert_eq!(edited.total, cny(625_000));
    assert_eq!(edited.revision, 2);
    let revised = timeline(&app, &order.id).await.pop().unwrap_or_default();
    assert_eq!(revised.action, "revised");
    assert_eq!(revised.reason, "customer wants five");
    assert!(revised.detail.contains("lines"), "{}", revised.detail);

    submit(&mut sales, &order.id).await;
    confirm(&app, &order.id).await;
    lines[0].quantity = 7;
    let status = sales
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["lines".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                lines,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("edited after review"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert!(status.message().contains("cancel"), "{}", status.message());
    assert_eq!(
        get_order(&app, &order.id).await.total,
        cny(625_000),
        "unchanged"
    );
}

async fn ord_7_a_salesperson_edits_only_their_own_orders(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    let mut bob = app.orders_as("bob", &["sales"]).await;
    let status = bob
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["seller_note".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                seller_note: "mine now".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("bob edited alice's order"));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    let status = app
        .sales()
        .await
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["kind".to_owned()],
            }),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("kind changed"));
    assert_eq!(violated_fields(&status), vec!["update_mask"]);
}

async fn ord_15_a_cancelled_order_is_copied_into_a_new_draft(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    let mut sales = app.sales().await;
    let status = sales
        .copy_order(pb::CopyOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an open order was copied"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    sales
        .cancel_order(pb::CancelOrderRequest {
            order_id: order.id.clone(),
            reason: "wrong warehouse".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let copy = sales
        .copy_order(pb::CopyOrderRequest {
            order_id: order.id.clone(),
            request_id: "copy-1".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(copy.state, pb::OrderState::Draft as i32);
    assert_eq!(copy.copied_from_order_id, order.id);
    assert_ne!(copy.number, order.number);
    assert_eq!(copy.lines, order.lines);
    let source_timeline = timeline(&app, &order.id).await;
    assert!(
        source_timeline
            .iter()
            .any(|e| e.action == "copied" && e.detail.contains(&copy.number))
    );
}

async fn sla_1_an_order_not_confirmed_within_an_hour_is_reported_once(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    app.clock.advance(Duration::minutes(59));
    app.after_a_sweep().await;
    assert!(
        !get_order(&app, &order.id).await.confirmation_overdue,
        "not yet due"
    );
    app.clock.advance(Duration::minutes(2));
    let overdue = testing::eventually(
        std::time::Duration::from_secs(10),
        "SLA-1 breach",
        || async {
            let order = get_order(&app, &order.id).await;
            order.confirmation_overdue.then_some(order)
        },
    )
    .await;
    assert!(overdue.flags.contains(&"confirmation_overdue".to_owned()));
    app.wait_for_published("orders.order.confirmation_overdue", 1)
        .await;
    app.after_a_sweep().await;
    assert_eq!(
        app.published("orders.order.confirmation_overdue")
            .await
            .len(),
        1,
        "reported once"
    );
    let listed = app
        .sales()
        .await
        .list_orders(pb::ListOrdersRequest {
            confirmation_overdue_only: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        listed
            .orders
            .iter()
            .map(|o| o.id.clone())
            .collect::<Vec<_>>(),
        vec![order.id]
    );
}

async fn a_repeated_request_id_on_a_transition_returns_the_same_order(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let order = create_order(&mut sales, standard_order(&customer.id)).await;
    let request = pb::SubmitOrderRequest {
        order_id: order.id.clone(),
        request_id: "submit-once".to_owned(),
    };
    let first = sales
        .submit_order(request.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let again = sales
        .submit_order(request)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(first, again);
    let submitted = timeline(&app, &order.id)
        .await
        .into_iter()
        .filter(|e| e.action == "submitted")
        .count();
    assert_eq!(submitted, 1);
}

async fn a_restarted_service_keeps_its_orders_and_carries_on(backend: Backend) {
    let mut app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    app.restart().await;
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Submitted as i32
    );
    confirm(&app, &order.id).await;
    wait_for_state(&app, &order.id, pb::OrderState::AwaitingPayment).await;
    assert_eq!(
        app.wait_for_published("orders.order.created", 1)
            .await
            .len(),
        1
    );
    assert_eq!(
        app.wait_for_published("orders.order.submitted", 1)
            .await
            .len(),
        1
    );
    let created = app.published("orders.order.created").await;
    assert_eq!(
        created.len(),
        1,
        "nothing published twice across the restart"
    );
}

async fn apr_2_an_export_order_keeps_its_factory_contract_and_estimated_costs_through_edits(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let freight = |amount| pb::CostEstimate {
        name: "freight".to_owned(),
        amount: cny(amount),
    };
    let mut request = standard_order(&customer.id);
    request.kind = pb::OrderKind::Export as i32;
    request.factory_contract_number = "FC-2026-031".to_owned();
    request.estimated_costs = vec![freight(120_000)];
    let order = create_order(&mut sales, request.clone()).await;
    assert_eq!(order.factory_contract_number, "FC-2026-031");
    assert_eq!(order.estimated_costs, [freight(120_000)]);

    // A standard order has no export contract review to carry it.
    request.kind = pb::OrderKind::Standard as i32;
    let refused = sales
        .create_order(request)
        .await
        .err()
        .unwrap_or_else(|| panic!("a standard order took APR-2's form"));
    assert_eq!(
        violated_fields(&refused),
        ["factory_contract_number", "estimated_costs"]
    );

    // The costs are edited like any other field, and the history says so.
    let edited = sales
        .update_order(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["estimated_costs".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                estimated_costs: vec![
                    freight(135_000),
                    pb::CostEstimate {
                        name: "commission".to_owned(),
                        amount: cny(40_000),
                    },
                ],
                ..Default::default()
            }),
            reason: "forwarder quoted again; agent's commission".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(edited.estimated_costs.len(), 2);
    assert_eq!(edited.estimated_costs[0], freight(135_000));
    assert_eq!(
        edited.factory_contract_number, "FC-2026-031",
        "not in the mask"
    );
    let revised = timeline(&app, &order.id).await.pop().unwrap_or_default();
    assert!(
        revised.detail.contains("estimated_costs"),
        "{}",
        revised.detail
    );
    let fetched = get_order(&app, &order.id).await;
    assert_eq!(fetched.estimated_costs, edited.estimated_costs, "stored");
}
