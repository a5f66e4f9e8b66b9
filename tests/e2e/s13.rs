//! S13 Approval discipline, across orders and approvals: self-approval
//! refused, wrong role refused, double decision refused, rejection with its
//! reason on the order's timeline, revision and resubmission approved, the
//! order moves on; a redelivered decision changes nothing.

use std::time::Duration;

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use tonic::transport::Channel;

use crate::{create_customer, get_order, in_days, submit_and_confirm, timeline, wait_for_state};

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

pub(crate) async fn approval_of(
    approvals: &mut ApprovalServiceClient<Channel>,
    orders: &mut OrderServiceClient<Channel>,
    order_id: &str,
    round: i32,
) -> approvals::ApprovalRequest {
    for _ in 0..400 {
        let order = get_order(orders, order_id).await;
        if !order.approval_request_id.is_empty() {
            let request = approvals
                .get_approval_request(authorized(
                    approvals::GetApprovalRequestRequest {
                        approval_request_id: order.approval_request_id.clone(),
                    },
                    "e2e",
                    &["sales"],
                ))
                .await
                .unwrap_or_else(|s| panic!("{s:?}"))
                .into_inner();
            if request.round == round && request.state == approvals::ApprovalState::Pending as i32 {
                return request;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {order_id} never got approval round {round}");
}

pub(crate) fn decision(
    request: &approvals::ApprovalRequest,
    role: &str,
    approve: bool,
    reason: &str,
) -> approvals::DecideStepRequest {
    let step = request
        .steps
        .iter()
        .find(|step| step.round == request.round && step.role == role)
        .unwrap_or_else(|| panic!("no {role} step"));
    approvals::DecideStepRequest {
        request_id: String::new(),
        approval_request_id: request.id.clone(),
        step_id: step.id.clone(),
        decision: if approve {
            approvals::Decision::Approve
        } else {
            approvals::Decision::Reject
        } as i32,
        reason: reason.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s13_approval_discipline_across_orders_and_approvals() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut approvals = cluster.approvals_client().await;
    let tom = ("tom", &["sales", "dept_manager"][..]);

    let customer = create_customer(&mut orders, "Baker Street Imports Ltd", tom).await;
    let request = pb::CreateOrderRequest {
        customer_id: customer.id.clone(),
        kind: pb::OrderKind::Export as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![pb::OrderLineInput {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            quantity: 80,
            unit_price: cny(125_000),
            kit: None,
            ..Default::default()
        }],
        requested_delivery_date: in_days(60),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Lc as i32,
            ..Default::default()
        }),
        customer_po_number: "BSI-PO-5521".to_owned(),
        factory_contract_number: "FC-2026-031".to_owned(),
        estimated_costs: vec![
            pb::CostEstimate {
                name: "freight".to_owned(),
                amount: cny(320_000),
            },
            pb::CostEstimate {
                name: "duties".to_owned(),
                amount: cny(45_000),
            },
        ],
        ..Default::default()
    };
    let order = orders
        .create_order(authorized(request, tom.0, tom.1))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(order.total, cny(10_000_000), "100,000.00 CNY");
    submit_and_confirm(&mut orders, &order.id, tom).await;

    let round_one = approval_of(&mut approvals, &mut orders, &order.id, 1).await;
    let chain: Vec<&str> = round_one
        .steps
        .iter()
        .map(|step| step.role.as_str())
        .collect();
    assert_eq!(
        chain,
        vec!["sales", "dept_manager", "admin_reviewer"],
        "APR-2 without prepayment or commission"
    );
    assert_eq!(
        round_one.requester, "tom",
        "filed on behalf of the salesperson"
    );
    // APR-2: the review carries the references and the estimated costs.
    assert_eq!(
        round_one.attachments,
        ["customer_po:BSI-PO-5521", "factory_contract:FC-2026-031"]
    );
    let costs: Vec<(&str, i64)> = round_one
        .estimated_costs
        .iter()
        .map(|cost| {
            (
                cost.name.as_str(),
                cost.amount.as_ref().map_or(0, |m| m.minor_units),
            )
        })
        .collect();
    assert_eq!(costs, [("freight", 320_000), ("duties", 45_000)]);

    // Editing while the approval is pending is refused: no bypass.
    let edit = orders
        .update_order(authorized(
            pb::UpdateOrderRequest {
                order_id: order.id.clone(),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["seller_note".to_owned()],
                }),
                order: Some(pb::OrderUpdate {
                    seller_note: "discount agreed by phone".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            tom.0,
            tom.1,
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("an order under approval was edited"));
    assert_eq!(edit.code(), tonic::Code::FailedPrecondition);

    approvals
        .decide_step(authorized(
            decision(&round_one, "sales", true, ""),
            tom.0,
            tom.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("the salesperson signs his form: {s:?}"));
    let self_approval = approvals
        .decide_step(authorized(
            decision(&round_one, "dept_manager", true, ""),
            tom.0,
            tom.1,
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("self-approval went through"));
    assert_eq!(self_approval.code(), tonic::Code::PermissionDenied);
    let wrong_role = approvals
        .decide_step(authorized(
            decision(&round_one, "dept_manager", true, ""),
            "wang",
            &["warehouse"],
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("the warehouse approved"));
    assert_eq!(wrong_role.code(), tonic::Code::PermissionDenied);
    approvals
        .decide_step(authorized(
            decision(&round_one, "dept_manager", true, ""),
            "bob",
            &["dept_manager"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let double = approvals
        .decide_step(authorized(
            decision(&round_one, "dept_manager", false, "no"),
            "carol",
            &["dept_manager"],
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("a second decision went through"));
    assert_eq!(double.code(), tonic::Code::FailedPrecondition);
    approvals
        .decide_step(authorized(
            decision(
                &round_one,
                "admin_reviewer",
                false,
                "the customs HS code is missing from the contract",
            ),
            "rita",
            &["admin_reviewer"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    wait_for_state(&mut orders, &order.id, pb::OrderState::Rejected).await;
    let entries = timeline(&mut orders, &order.id).await;
    let rejection = entries
        .iter()
        .find(|entry| entry.action == "approval_rejected")
        .cloned()
        .unwrap_or_else(|| panic!("no rejection on the timeline: {entries:?}"));
    assert_eq!(
        rejection.reason,
        "the customs HS code is missing from the contract"
    );
    assert_eq!(rejection.actor, "rita");
    assert_eq!(rejection.source, "approvals");
    assert!(
        entries
            .iter()
            .any(|entry| entry.action == "approval_step_decided" && entry.actor == "bob")
    );

    // Revise and resubmit: a new round on the same request.
    orders
        .update_order(authorized(
            pb::UpdateOrderRequest {
                order_id: order.id.clone(),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["special_requirements".to_owned()],
                }),
                order: Some(pb::OrderUpdate {
                    special_requirements: "HS code 8413.70 on the contract and invoice".to_owned(),
                    ..Default::default()
                }),
                reason: "HS code added".to_owned(),
                ..Default::default()
            },
            tom.0,
            tom.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    submit_and_confirm(&mut orders, &order.id, tom).await;
    let round_two = approval_of(&mut approvals, &mut orders, &order.id, 2).await;
    assert_eq!(round_two.id, round_one.id, "the same request");
    assert_eq!(round_two.rounds.len(), 2, "earlier rounds stay visible");
    for (role, actor) in [
        ("sales", tom),
        ("dept_manager", ("bob", &["dept_manager"][..])),
        ("admin_reviewer", ("rita", &["admin_reviewer"][..])),
    ] {
        approvals
            .decide_step(authorized(
                decision(&round_two, role, true, ""),
                actor.0,
                actor.1,
            ))
            .await
            .unwrap_or_else(|s| panic!("{role}: {s:?}"));
    }
    wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    let approved = approvals
        .get_approval_request(authorized(
            approvals::GetApprovalRequestRequest {
                approval_request_id: round_one.id.clone(),
            },
            "e2e",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        approved.state,
        approvals::ApprovalState::Approved as i32,
        "approvals and orders agree"
    );

    // The approval arrives again (a redelivery after the duplicate window):
    // nothing changes.
    let context = async_nats::jetstream::new(cluster.nats.client().await);
    let stream = context
        .get_stream("APPROVALS")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut sequence = 1;
    let mut approval_event = None;
    while let Ok(message) = stream.get_raw_message(sequence).await {
        if message.subject.as_str() == "approvals.request.approved" {
            approval_event = Some(message);
        }
        sequence += 1;
    }
    let approval_event = approval_event.unwrap_or_else(|| panic!("no approved event"));
    let mut headers = approval_event.headers.clone();
    headers.insert("Nats-Msg-Id", "redelivered-approval");
    context
        .publish_with_headers(
            "approvals.request.approved",
            headers,
            approval_event.payload.clone(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let entries = timeline(&mut orders, &order.id).await;
    assert_eq!(
        entries
            .iter()
            .filter(|entry| entry.action == "approved")
            .count(),
        1,
        "handled once"
    );
    let order = wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    assert_eq!(order.approval_request_id, round_one.id);
}

/// A policy whose steps all have conditions the order does not meet approves
/// at once; the order moves on even though the approval arrives while the
/// saga is still recording the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_that_asks_nobody_lets_the_order_through_at_once() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut approvals = cluster.approvals_client().await;
    approvals
        .update_policy(authorized(
            approvals::UpdatePolicyRequest {
                request_id: String::new(),
                subject_kind: "material_prep".to_owned(),
                name: "GM signs material prep above 1,000,000.00 CNY".to_owned(),
                steps: vec![approvals::StepRule {
                    name: "general manager signs".to_owned(),
                    role: "gm".to_owned(),
                    sla_minutes: 240,
                    condition: Some(approvals::StepCondition {
                        min_amount: cny(100_000_000),
                        any_flags: Vec::new(),
                    }),
                    signed_by_requester: false,
                }],
                base_version: 0,
            },
            "root",
            &["admin"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let customer = create_customer(&mut orders, "Own materials store", ("tom", &["sales"])).await;
    let order = orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::MaterialPrep as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: "STEEL-2MM".to_owned(),
                    description: "Steel sheet 2 mm".to_owned(),
                    quantity: 500,
                    unit_price: cny(0),
                    kit: None,
                    ..Default::default()
                }],
                requested_delivery_date: in_days(20),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(&mut orders, &order.id, ("tom", &["sales"])).await;
    // Material preparation sells nothing: once approved, finance's gate is
    // open and the order is released at once.
    let passed = wait_for_state(&mut orders, &order.id, pb::OrderState::Released).await;
    assert!(
        !passed.approval_request_id.is_empty(),
        "it went through the approvals service"
    );
    let actions: Vec<String> = timeline(&mut orders, &order.id)
        .await
        .into_iter()
        .filter(|entry| entry.to_state != 0)
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, ["submitted", "confirmed", "approved", "released"]);
}
