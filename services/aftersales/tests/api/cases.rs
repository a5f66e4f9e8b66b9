//! Requests, their review, the refund case of a cancelled paid order and
//! SLA-7, through the API and the events of orders and finance.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{Backend, unmet_preconditions};
use orderflow_proto::aftersales::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use tonic::Code;

use crate::support::*;

backend_tests!(
    afs_1_a_return_within_the_window_takes_the_order_prices_and_is_numbered,
    afs_1_bad_input_is_refused_with_every_field_named_and_changes_nothing,
    afs_1_more_than_shipped_another_customer_or_a_passed_window_is_refused,
    afs_2_review_asks_for_information_then_approves_once,
    afs_4_afs_5_a_cash_on_delivery_pickup_and_a_bad_inspection_are_refused,
    ord_6_afs_3_a_paid_order_cancelled_in_orders_gets_one_refund_case_closed_by_finance,
    sla_7_a_shop_refund_not_done_in_two_working_days_is_listed_and_announced_once,
    a_repeated_request_returns_the_first_case,
    a_repeated_approval_returns_the_first_answer_and_approves_once,
    afs_11_an_unannounced_return_needs_its_request_id_and_a_known_order,
);

async fn afs_1_a_return_within_the_window_takes_the_order_prices_and_is_numbered(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let case = app
        .client("customer_service")
        .await
        .create_case(return_request(&order, vec![line("PUMP-100", 1)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(case.state, pb::CaseState::Submitted as i32);
    assert_eq!(case.number, "AS2027011100000001");
    assert_eq!(case.order_number, order.number);
    assert_eq!(case.lines[0].unit_price, Some(cny(100_000)));
    assert!(case.after_shipment);
    assert_eq!(
        case.freight_payer,
        pb::FreightPayer::Us as i32,
        "AFS-4: a quality problem's freight is ours"
    );
    app.settled().await;
    assert_eq!(app.published("submitted").await.len(), 1);
    let second = app
        .client("customer_service")
        .await
        .create_case(return_request(&order, vec![line("SEAL-7", 1)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(second.number, "AS2027011100000002");
}

async fn afs_1_bad_input_is_refused_with_every_field_named_and_changes_nothing(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let mut client = app.client("customer_service").await;
    let status = client
        .create_case(pb::CreateCaseRequest {
            request_id: "x".repeat(300),
            kind: 0,
            order_id: "not-an-id".to_owned(),
            customer_id: String::new(),
            reason: 0,
            lines: vec![pb::CaseLine {
                sku: "bad sku!".to_owned(),
                quantity: 0,
                ..Default::default()
            }],
            requested_amount: Some(cny(-5)),
            ..Default::default()
        })
        .await
        .refused("bad input");
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "customer_id",
            "kind",
            "lines[0].quantity",
            "lines[0].sku",
            "order_id",
            "reason",
            "request_id",
            "requested_amount.minor_units",
        ]
    );
    // A SKU the order did not sell, a refund after shipment without its
    // amount, a return with an amount.
    let status = client
        .create_case(return_request(&order, vec![line("GEAR-1", 1)]))
        .await
        .refused("not sold");
    assert_eq!(violated_fields(&status), ["lines[0].sku"]);
    let status = client
        .create_case(pb::CreateCaseRequest {
            kind: pb::CaseKind::Refund.into(),
            lines: Vec::new(),
            ..return_request(&order, Vec::new())
        })
        .await
        .refused("no amount");
    assert_eq!(violated_fields(&status), ["requested_amount"]);
    let status = client
        .create_case(pb::CreateCaseRequest {
            requested_amount: Some(cny(100)),
            ..return_request(&order, vec![line("SEAL-7", 1)])
        })
        .await
        .refused("a return names no amount");
    assert_eq!(violated_fields(&status), ["requested_amount"]);
    // Goods sent back because the customer changed their mind need tags.
    let status = client
        .create_case(pb::CreateCaseRequest {
            reason: pb::ReturnReason::ChangedMind.into(),
            ..return_request(
                &order,
                vec![pb::CaseLine {
                    tags_attached: false,
                    ..line("SEAL-7", 1)
                }],
            )
        })
        .await
        .refused("tags removed");
    assert_eq!(violated_fields(&status), ["lines[0].tags_attached"]);
    // An order after-sales never heard of.
    let unknown_id = uuid::Uuid::now_v7().to_string();
    let unknown = client
        .create_case(pb::CreateCaseRequest {
            order_id: unknown_id.clone(),
            ..return_request(&order, vec![line("SEAL-7", 1)])
        })
        .await
        .refused("unknown order");
    // Issue 17: not a NOT_FOUND, which would read as "no such order".
    assert_eq!(
        unmet_preconditions(&unknown),
        [(
            "ORDER_NOT_KNOWN".to_owned(),
            format!("orders/{}", unknown_id)
        )]
    );
    app.settled().await;
    assert!(app.cases_of(&order.id).await.is_empty(), "nothing created");
    assert!(app.published("submitted").await.is_empty());
}

async fn afs_1_more_than_shipped_another_customer_or_a_passed_window_is_refused(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let mut client = app.client("customer_service").await;
    client
        .create_case(return_request(&order, vec![line("PUMP-100", 1)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // One of the two pumps is already claimed.
    let status = client
        .create_case(return_request(&order, vec![line("PUMP-100", 2)]))
        .await
        .refused("more than left");
    assert_eq!(violated_fields(&status), ["lines[0].quantity"]);
    // A refund above what was paid (2,150.00).
    let status = client
        .create_case(pb::CreateCaseRequest {
            kind: pb::CaseKind::Refund.into(),
            requested_amount: Some(cny(215_001)),
            ..return_request(&order, Vec::new())
        })
        .await
        .refused("more than paid");
    assert_eq!(violated_fields(&status), ["requested_amount.minor_units"]);
    let status = client
        .create_case(pb::CreateCaseRequest {
            customer_id: "0190a1b2-0000-7000-8000-00000000c002".to_owned(),
            ..return_request(&order, vec![line("SEAL-7", 1)])
        })
        .await
        .refused("another customer's order");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("another customer"), "{status:?}");
    // Eight days after delivery the 7-day window has closed.
    app.clock.advance(chrono::Duration::days(8));
    let status = client
        .create_case(return_request(&order, vec![line("SEAL-7", 1)]))
        .await
        .refused("window passed");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("window"), "{status:?}");
    // An order on its way cannot be returned yet.
    let in_transit = order_in(&app, orders::OrderState::Shipped, "").await;
    let status = client
        .create_case(return_request(&in_transit, vec![line("SEAL-7", 1)]))
        .await
        .refused("in transit");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(app.cases_of(&order.id).await.len(), 1);
}

async fn order_in(app: &TestApp, state: orders::OrderState, channel: &str) -> orders::Order {
    let order = order(app, state, channel);
    let event = format!("{state:?}").to_lowercase();
    app.order_event(&event, &order).await;
    order
}

async fn afs_2_review_asks_for_information_then_approves_once(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let case = app
        .client("customer_service")
        .await
        .create_case(return_request(&order, vec![line("PUMP-100", 1)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    // Only customer service reviews.
    let status = app
        .client("qc")
        .await
        .approve_case(pb::ApproveCaseRequest {
            case_id: case.id.clone(),
            ..Default::default()
        })
        .await
        .refused("qc does not review");
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut service = app.client("customer_service").await;
    let status = service
        .reject_case(pb::RejectCaseRequest {
            case_id: case.id.clone(),
            reason: " ".to_owned(),
            ..Default::default()
        })
        .await
        .refused("a rejection needs its reason");
    assert_eq!(violated_fields(&status), ["reason"]);
    let waiting = service
        .request_information(pb::RequestInformationRequest {
            case_id: case.id.clone(),
            question: "a photo of the crack, please".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(waiting.state, pb::CaseState::InformationRequested as i32);
    // AFS-2: two days without an answer: the customer is reminded, once.
    app.clock.advance(chrono::Duration::hours(49));
    app.after_a_sweep(CALLING_PEERS).await;
    app.after_a_sweep(CALLING_PEERS).await;
    app.settled().await;
    assert!(app.case(&case.id).await.information_reminded);
    assert_eq!(app.published("information_reminder").await.len(), 1);
    let status = service
        .approve_case(pb::ApproveCaseRequest {
            case_id: case.id.clone(),
            ..Default::default()
        })
        .await
        .refused("waits for the answer");
    assert_eq!(status.code(), Code::FailedPrecondition);
    service
        .provide_information(pb::ProvideInformationRequest {
            case_id: case.id.clone(),
            answer: "attached".to_owned(),
            evidence: vec!["photos/2.jpg".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let approved = service
        .approve_case(pb::ApproveCaseRequest {
            case_id: case.id.clone(),
            comment: "clear from the photo".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(approved.state, pb::CaseState::Approved as i32);
    assert_eq!(approved.evidence, ["photos/1.jpg", "photos/2.jpg"]);
    let actions: Vec<&str> = approved.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "information_requested",
            "information_reminder",
            "information_provided",
            "approved"
        ]
    );
    let status = service
        .reject_case(pb::RejectCaseRequest {
            case_id: case.id.clone(),
            reason: "changed my mind".to_owned(),
            ..Default::default()
        })
        .await
        .refused("decided once");
    assert_eq!(status.code(), Code::FailedPrecondition);
    app.settled().await;
    assert_eq!(app.published("approved").await.len(), 1);
}

async fn afs_4_afs_5_a_cash_on_delivery_pickup_and_a_bad_inspection_are_refused(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let mut service = app.client("customer_service").await;
    let case = service
        .create_case(return_request(&order, vec![line("PUMP-100", 2)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    service
        .approve_case(pb::ApproveCaseRequest {
            case_id: case.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let status = service
        .schedule_pickup(pb::SchedulePickupRequest {
            case_id: case.id.clone(),
            pickup_date: "2027-01-12".to_owned(),
            freight_payment: pb::FreightPayment::CashOnDelivery.into(),
            ..Default::default()
        })
        .await
        .refused("AFS-4: never cash on delivery");
    assert_eq!(violated_fields(&status), ["freight_payment"]);
    let mut qc = app.client("qc").await;
    let inspect = |lines: Vec<pb::InspectedLine>| pb::InspectReturnRequest {
        request_id: String::new(),
        case_id: case.id.clone(),
        lines,
    };
    let damaged = |quantity, agreed| pb::InspectedLine {
        sku: "PUMP-100".to_owned(),
        quantity,
        condition: pb::Condition::Damaged.into(),
        agreed_value: agreed,
        restocked: false,
        note: String::new(),
    };
    for (lines, field) in [
        (vec![damaged(3, Some(cny(0)))], "lines[0].quantity"),
        (vec![damaged(1, None)], "lines[0].agreed_value"),
        (
            vec![damaged(1, Some(cny(100_001)))],
            "lines[0].agreed_value.minor_units",
        ),
        (
            vec![pb::InspectedLine {
                condition: 0,
                ..damaged(1, Some(cny(1)))
            }],
            "lines[0].condition",
        ),
    ] {
        let status = qc.inspect_return(inspect(lines)).await.refused(field);
        assert_eq!(violated_fields(&status), [field]);
    }
    // Customer service does not inspect.
    let status = service
        .inspect_return(inspect(vec![damaged(1, Some(cny(0)))]))
        .await
        .refused("qc inspects");
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(
        app.case(&case.id).await.state,
        pb::CaseState::Approved as i32,
        "nothing changed"
    );
}

async fn ord_6_afs_3_a_paid_order_cancelled_in_orders_gets_one_refund_case_closed_by_finance(
    backend: Backend,
) {
    let app = spawn_aftersales(backend).await;
    let released = order_in(&app, orders::OrderState::Released, "").await;
    // A partial refund asked before shipment, still waiting for review.
    let waiting = app
        .client("customer_service")
        .await
        .create_case(pb::CreateCaseRequest {
            kind: pb::CaseKind::Refund.into(),
            requested_amount: Some(cny(30_000)),
            ..return_request(&released, Vec::new())
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let cancelled =
        orderflow_platform::testing::order_moved(&released, orders::OrderState::Cancelled);
    app.order_event("cancelled", &cancelled).await;
    // Delivered twice: still one refund case.
    app.order_event("cancelled", &cancelled).await;
    // AFS-3: the waiting request is settled by the cancellation's refund,
    // which is all that was paid.
    let superseded = app.case(&waiting.id).await;
    assert_eq!(superseded.state, pb::CaseState::Rejected as i32);
    assert!(superseded.rejection_reason.contains("cancelled"));
    let cases: Vec<pb::Case> = app
        .cases_of(&released.id)
        .await
        .into_iter()
        .filter(|case| case.id != waiting.id)
        .collect();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = &cases[0];
    assert_eq!(case.kind, pb::CaseKind::Refund as i32);
    assert_eq!(case.state, pb::CaseState::Refunding as i32);
    assert_eq!(case.refund_amount, Some(cny(215_000)));
    assert!(!case.after_shipment);
    assert_eq!(case.refund_due_time, None, "not a shop order");
    assert_eq!(app.published("refund_requested").await.len(), 1);

    app.refund_event(case, "executed").await;
    let closed = app.wait_for(&case.id, pb::CaseState::Closed).await;
    assert!(closed.history.iter().any(|h| h.action == "refunded"));
    // An unpaid order cancelled opens nothing.
    let unpaid = orders::Order {
        amount_paid: Some(cny(0)),
        id: uuid::Uuid::now_v7().to_string(),
        ..cancelled
    };
    app.order_event("cancelled", &unpaid).await;
    assert!(app.cases_of(&unpaid.id).await.is_empty());
}

async fn sla_7_a_shop_refund_not_done_in_two_working_days_is_listed_and_announced_once(
    backend: Backend,
) {
    let app = spawn_aftersales(backend).await;
    // Monday: a paid shop order cancelled before shipment.
    let released = order_in(&app, orders::OrderState::Released, "tmall").await;
    let cancelled =
        orderflow_platform::testing::order_moved(&released, orders::OrderState::Cancelled);
    app.order_event("cancelled", &cancelled).await;
    let case = app.cases_of(&released.id).await.remove(0);
    assert_eq!(case.channel, "tmall");
    // Due at the end of Wednesday 2027-01-13 (Shanghai).
    let due = case.refund_due_time.map(|t| t.seconds);
    assert_eq!(
        due,
        chrono::DateTime::parse_from_rfc3339("2027-01-13T16:00:00Z")
            .ok()
            .map(|at| at.timestamp())
    );
    let mut reader = app.client("finance").await;
    let overdue = |reader: &mut Client| {
        let mut reader = reader.clone();
        async move {
            reader
                .list_overdue_refunds(pb::ListOverdueRefundsRequest::default())
                .await
                .unwrap_or_else(|s| panic!("{s:?}"))
                .into_inner()
                .cases
        }
    };
    app.clock.advance(chrono::Duration::hours(2 * 24 + 6));
    app.after_a_sweep(CALLING_PEERS).await;
    assert!(
        overdue(&mut reader).await.is_empty(),
        "Wednesday: still in time"
    );
    app.clock.advance(chrono::Duration::days(1));
    app.after_a_sweep(CALLING_PEERS).await;
    let listed = overdue(&mut reader).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].refund_overdue);
    app.after_a_sweep(CALLING_PEERS).await;
    app.settled().await;
    assert_eq!(app.published("refund_overdue").await.len(), 1, "once");
}

async fn a_repeated_request_returns_the_first_case(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let request = return_request(&order, vec![line("PUMP-100", 2)]);
    let mut client = app.client("customer_service").await;
    let first = client
        .create_case(request.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let again = client
        .create_case(request.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again.id, first.id);
    // The same request id with another body is refused.
    let status = client
        .create_case(pb::CreateCaseRequest {
            description: "something else".to_owned(),
            ..request
        })
        .await
        .refused("reused request id");
    assert_eq!(violated_fields(&status), ["request_id"]);
    assert_eq!(app.cases_of(&order.id).await.len(), 1);
}

async fn afs_11_an_unannounced_return_needs_its_request_id_and_a_known_order(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let mut warehouse = app.client("warehouse").await;
    let parcel = |request_id: &str, order_id: &str, quantity| pb::RecordUnannouncedReturnRequest {
        request_id: request_id.to_owned(),
        order_id: order_id.to_owned(),
        lines: vec![pb::InspectedLine {
            sku: "PUMP-100".to_owned(),
            quantity,
            condition: pb::Condition::Complete.into(),
            agreed_value: None,
            restocked: true,
            note: String::new(),
        }],
    };
    let status = warehouse
        .record_unannounced_return(parcel("", "nope", 0))
        .await
        .refused("bad input");
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(fields, ["lines[0].quantity", "order_id", "request_id"]);
    let status = warehouse
        .record_unannounced_return(parcel("p-1", &uuid::Uuid::now_v7().to_string(), 1))
        .await
        .refused("unknown order");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert_eq!(unmet_preconditions(&status)[0].0, "ORDER_NOT_KNOWN");
    let status = warehouse
        .record_unannounced_return(parcel("p-2", &order.id, 3))
        .await
        .refused("more than shipped");
    assert_eq!(violated_fields(&status), ["lines[0].quantity"]);
    let case = warehouse
        .record_unannounced_return(parcel("p-3", &order.id, 1))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(case.unannounced);
    assert_eq!(case.state, pb::CaseState::Submitted as i32);
    assert_eq!(case.customer_id, CUSTOMER);
    assert_eq!(case.refund_amount, Some(cny(100_000)));
    let again = warehouse
        .record_unannounced_return(parcel("p-3", &order.id, 1))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again.id, case.id, "the same parcel once");
    assert_eq!(app.cases_of(&order.id).await.len(), 1);
}

/// Issue 11: a change to a case is idempotent by request id (the platform's
/// one document change): a repeated approval answers with the case and
/// announces nothing more, two identical approvals at once approve once, and
/// the id with another body is refused.
async fn a_repeated_approval_returns_the_first_answer_and_approves_once(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    let order = app.delivered_order().await;
    let mut service = app.client("customer_service").await;
    let mut cases = Vec::new();
    for _ in 0..2 {
        let case = service
            .create_case(return_request(&order, vec![line("PUMP-100", 1)]))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        cases.push(case.id);
    }
    let approve = |case_id: &str, request_id: &str, comment: &str| pb::ApproveCaseRequest {
        request_id: request_id.to_owned(),
        case_id: case_id.to_owned(),
        comment: comment.to_owned(),
    };
    let state = |case: pb::Case| (case.id, case.state, case.history.len(), case.update_time);
    let first = service
        .approve_case(approve(&cases[0], "approve-1", "fine"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let again = service
        .approve_case(approve(&cases[0], "approve-1", "fine"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        state(again),
        state(first),
        "a repeat returns the first answer"
    );
    let (mut one, mut other) = (service.clone(), service.clone());
    let (left, right) = tokio::join!(
        one.approve_case(approve(&cases[1], "approve-2", "fine")),
        other.approve_case(approve(&cases[1], "approve-2", "fine")),
    );
    let (left, right) = (
        left.unwrap_or_else(|s| panic!("{s:?}")).into_inner(),
        right.unwrap_or_else(|s| panic!("{s:?}")).into_inner(),
    );
    assert_eq!(
        state(left),
        state(right),
        "one result for two identical calls"
    );
    let reused = service
        .approve_case(approve(&cases[0], "approve-1", "another comment"))
        .await
        .refused("reused request id");
    assert_eq!(violated_fields(&reused), ["request_id"]);
    app.settled().await;
    assert_eq!(
        app.published("approved").await.len(),
        2,
        "two approvals, not five"
    );
}
