//! S6 Reships (domain.md §6) across orders, approvals, finance, inventory
//! and logistics: after a prepaid order of two pumps was delivered and
//! settled, one pump turns out to have left without its impeller (our
//! fault: a zero-profit reship, 零利润订单, the cost ours) and one was lost
//! by the carrier, who refuses to pay for it (a negative-profit reship, 负利润订单:
//! the carrier bears nothing, so we bear the cost — when the carrier or the
//! customer pays it is a zero-profit order instead; order-workflows.zh.txt
//! §四). Each reship links to the order it replaces (ORD-14), records who
//! bears its cost (FIN-12), waits for the GM and then finance (APR-5) — the
//! GM alone ships nothing — and is then released, reserved, shipped,
//! delivered and settled.

use orderflow_e2e::{Cluster, authorized, release_prepaid};
use orderflow_platform::testing::{self, Refused};
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use tonic::transport::Channel;

use crate::fulfilment::ship_to_completion;
use crate::s13::{approval_of, decision};
use crate::stock::{PUMP, stock_item};
use crate::{
    Seller, create_customer, get_order, in_days, submit_and_confirm, timeline, wait_for_entry,
    wait_for_state,
};

const TOM: Seller<'static> = ("tom", &["sales"]);
const GARY: (&str, &[&str]) = ("gary", &["gm"]);
const FIONA: (&str, &[&str]) = ("fiona", &["finance"]);
const WANG: (&str, &[&str]) = ("wang", &["warehouse"]);
const LOU: (&str, &[&str]) = ("lou", &["logistics"]);

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

fn untraced(_: &mut tonic::metadata::MetadataMap) {}

/// A reship of one pump replacing `original`, at no charge to the customer.
async fn reship(
    orders: &mut OrderServiceClient<Channel>,
    original: &pb::Order,
    kind: pb::OrderKind,
    bearer: pb::CostBearer,
    note: &str,
) -> Result<pb::Order, tonic::Status> {
    orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: original.customer_id.clone(),
                kind: kind as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: PUMP.0.to_owned(),
                    description: PUMP.1.to_owned(),
                    quantity: 1,
                    unit_price: cny(0),
                    ..Default::default()
                }],
                requested_delivery_date: in_days(10),
                seller_note: note.to_owned(),
                replaces_order_id: original.id.clone(),
                cost_bearer: bearer as i32,
                ..Default::default()
            },
            TOM.0,
            TOM.1,
        ))
        .await
        .map(tonic::Response::into_inner)
}

/// APR-5 on `order`: submitted and confirmed, its `special_order` chain is
/// GM then finance. Finance cannot sign before the GM; with the GM's
/// signature alone the order stays pending, finance's gate stays shut,
/// logistics plans no shipment and nothing is reserved. Finance signs: it is
/// released and its pump reserved (READY_TO_SHIP).
async fn gm_then_finance(
    cluster: &Cluster,
    orders: &mut OrderServiceClient<Channel>,
    order: &pb::Order,
) -> pb::Order {
    let mut approvals = cluster.approvals_client().await;
    let mut money = cluster.finance_client().await;
    let mut shipping = cluster.logistics_client().await;
    let mut stock = cluster.inventory_client().await;
    submit_and_confirm(orders, &order.id, TOM).await;
    let request = approval_of(&mut approvals, orders, &order.id, 1).await;
    assert_eq!(request.subject_kind, "special_order");
    assert_eq!(request.subject_ref, order.number);
    assert_eq!(request.requester, TOM.0);
    let roles: Vec<&str> = request.steps.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(roles, ["gm", "finance"], "APR-5");

    let early = approvals
        .decide_step(authorized(
            decision(&request, "finance", true, ""),
            FIONA.0,
            FIONA.1,
        ))
        .await
        .refused("finance signed before the GM");
    assert_eq!(early.code(), tonic::Code::FailedPrecondition, "{early:?}");

    approvals
        .decide_step(authorized(
            decision(&request, "gm", true, ""),
            GARY.0,
            GARY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_entry(orders, &order.id, "approval_step_decided").await;
    cluster.quiescent().await;
    assert_eq!(
        get_order(orders, &order.id).await.state,
        pb::OrderState::PendingApproval as i32,
        "APR-5: the GM alone does not release a reship"
    );
    let gate = money
        .get_release_gate(authorized(
            finance::GetReleaseGateRequest {
                order_id: order.id.clone(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        !gate.awaiting_payment && gate.open_time.is_none(),
        "{gate:?}"
    );
    let shipment_gate = money
        .get_shipment_gate(authorized(
            finance::GetShipmentGateRequest {
                order_id: order.id.clone(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let blockers: Vec<&str> = shipment_gate
        .blockers
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(blockers, ["NOT_RELEASED"]);
    let refused = shipping
        .plan_shipment(authorized(
            logistics::PlanShipmentRequest {
                order_id: order.id.clone(),
                planned_ship_date: in_days(3),
                ..Default::default()
            },
            LOU.0,
            LOU.1,
        ))
        .await
        .refused("a shipment planned on the GM's signature alone");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(
        refused.message().contains("is pending_approval"),
        "{}",
        refused.message()
    );
    let reservation = stock
        .get_reservation(authorized(
            inventory::GetReservationRequest {
                order_id: order.id.clone(),
            },
            WANG.0,
            WANG.1,
        ))
        .await
        .refused("stock reserved on the GM's signature alone");
    assert_eq!(reservation.code(), tonic::Code::NotFound);

    approvals
        .decide_step(authorized(
            decision(&request, "finance", true, ""),
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let released = wait_for_entry(orders, &order.id, "released").await;
    assert_eq!(released.source, "finance");
    let kind = if order.kind == pb::OrderKind::ReshipZeroProfit as i32 {
        "reship_zero_profit"
    } else {
        "reship_negative_profit"
    };
    assert!(
        released
            .detail
            .contains(&format!("{kind}: gm and finance signed (APR-5)")),
        "{}",
        released.detail
    );
    let reserved = wait_for_entry(orders, &order.id, "stock_reserved").await;
    assert!(
        reserved.detail.contains("PUMP-100 1 of 1"),
        "{}",
        reserved.detail
    );
    let reservation = stock
        .get_reservation(authorized(
            inventory::GetReservationRequest {
                order_id: order.id.clone(),
            },
            WANG.0,
            WANG.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(reservation.fully_reserved, "{reservation:?}");
    assert_eq!(reservation.warehouse, "FG");
    wait_for_state(orders, &order.id, pb::OrderState::ReadyToShip).await
}

/// Everything each service holds of a shipped and settled reship.
async fn assert_reshipped(
    cluster: &Cluster,
    orders: &mut OrderServiceClient<Channel>,
    original: &pb::Order,
    order: &pb::Order,
) {
    // Orders: completed, linked to the original, the cost ours (FIN-12).
    let done = get_order(orders, &order.id).await;
    assert_eq!(done.state, pb::OrderState::Completed as i32);
    assert_eq!(done.replaces_order_id, original.id, "ORD-14");
    assert_eq!(done.cost_bearer, pb::CostBearer::Us as i32, "FIN-12");
    assert_eq!(done.customer_id, original.customer_id);
    assert_eq!(done.ship_to, original.ship_to);
    assert_eq!(done.total, cny(0));
    assert_eq!(done.amount_paid.map_or(0, |m| m.minor_units), 0);
    assert_eq!(done.carrier_code, original.carrier_code, "same address");
    assert_eq!(done.tracking_number, format!("TT{}", order.number));
    let entries = timeline(orders, &order.id).await;
    let moves: Vec<&str> = entries
        .iter()
        .filter(|e| e.to_state != 0)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        moves,
        [
            "submitted",
            "confirmed",
            "approved",
            "released",
            "ready_to_ship",
            "shipped",
            "delivered",
            "completed"
        ],
        "{entries:#?}"
    );
    let signed: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action == "approval_step_decided")
        .map(|e| (e.actor.as_str(), e.source.as_str()))
        .collect();
    assert_eq!(signed, [("gary", "approvals"), ("fiona", "approvals")]);
    let at = |action: &str| {
        entries
            .iter()
            .position(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action}"))
    };
    let last_signature = entries
        .iter()
        .rposition(|e| e.action == "approval_step_decided")
        .unwrap_or_default();
    assert!(last_signature < at("approved") && at("approved") < at("released"));
    assert!(at("stock_reserved") < at("shipped"));

    // Approvals: one round, the GM then finance, each by its holder.
    let request = cluster
        .approvals_client()
        .await
        .get_approval_request(authorized(
            approvals::GetApprovalRequestRequest {
                approval_request_id: done.approval_request_id.clone(),
            },
            GARY.0,
            GARY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(request.state, approvals::ApprovalState::Approved as i32);
    assert_eq!(request.subject_id, order.id);
    assert_eq!((request.round, request.rounds.len()), (1, 1));
    assert_eq!(request.amount, cny(0));
    let kind_flag = if order.kind == pb::OrderKind::ReshipZeroProfit as i32 {
        "kind_reship_zero_profit"
    } else {
        "kind_reship_negative_profit"
    };
    assert!(
        request.flags.iter().any(|f| f == kind_flag),
        "{:?}",
        request.flags
    );
    let steps: Vec<(i32, &str, i32, &str)> = request
        .steps
        .iter()
        .map(|s| (s.position, s.role.as_str(), s.state, s.decided_by.as_str()))
        .collect();
    let approved = approvals::StepState::Approved as i32;
    assert_eq!(
        steps,
        [
            (1, "gm", approved, "gary"),
            (2, "finance", approved, "fiona")
        ]
    );
    let decided = |i: usize| {
        request.steps[i]
            .decide_time
            .map(|t| (t.seconds, t.nanos))
            .unwrap_or_default()
    };
    assert!(decided(0) <= decided(1), "the GM signs first");

    // Finance: released on the two signatures with the cost bearer
    // registered, shipped without a payment, settled at zero. Nothing is
    // booked: the reship sells nothing.
    let mut money = cluster.finance_client().await;
    let gate = money
        .get_release_gate(authorized(
            finance::GetReleaseGateRequest {
                order_id: order.id.clone(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(gate.open && gate.blockers.is_empty(), "{gate:?}");
    assert!(gate.rule.contains("gm and finance signed"), "{}", gate.rule);
    // FIN-12: finance registered who bears the cost, and what is replaced.
    assert!(
        gate.rule.contains(&format!(
            "cost borne by us, replacing orders/{} (FIN-12)",
            original.id
        )),
        "{}",
        gate.rule
    );
    let shipment_gate = money
        .get_shipment_gate(authorized(
            finance::GetShipmentGateRequest {
                order_id: order.id.clone(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(shipment_gate.open, "{shipment_gate:?}");
    assert!(
        shipment_gate.rule.contains("signed off (APR-5)"),
        "{}",
        shipment_gate.rule
    );
    let ledger = money
        .list_ledger_entries(authorized(
            finance::ListLedgerEntriesRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(ledger.entries.is_empty(), "{ledger:?}");
    let net: i64 = ledger.totals.iter().map(|m| m.minor_units).sum();
    assert_eq!(net, 0);
    let payments = money
        .list_payments(authorized(
            finance::ListPaymentsRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(payments.payments.is_empty(), "no payment asked");
    let documents = money
        .list_documents(authorized(
            finance::ListDocumentsRequest {
                order_id: order.id.clone(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .documents;
    let settlement: Vec<_> = documents
        .iter()
        .filter(|d| d.kind == finance::DocumentKind::FinalInvoice as i32)
        .map(|d| {
            (
                d.number.as_str(),
                d.net_sales.as_ref().map_or(-1, |m| m.minor_units),
                d.received.as_ref().map_or(-1, |m| m.minor_units),
                d.balance.as_ref().map_or(-1, |m| m.minor_units),
            )
        })
        .collect();
    assert_eq!(
        settlement,
        [(format!("FI-{}", order.number).as_str(), 0, 0, 0)]
    );

    // Inventory: the reservation taken by the outbound, one pump out.
    let mut stock = cluster.inventory_client().await;
    let reservation = stock
        .get_reservation(authorized(
            inventory::GetReservationRequest {
                order_id: order.id.clone(),
            },
            WANG.0,
            WANG.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        reservation.state,
        inventory::ReservationState::Consumed as i32
    );
    let lines: Vec<(&str, i64, i64, i64)> = reservation
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.requested, l.reserved, l.short))
        .collect();
    assert_eq!(lines, [(PUMP.0, 1, 1, 0)]);
    let movements = stock
        .list_movements(authorized(
            inventory::ListMovementsRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "FG".to_owned(),
                reference: order.id.clone(),
                ..Default::default()
            },
            WANG.0,
            WANG.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .movements;
    let moved: Vec<(i64, &str)> = movements
        .iter()
        .map(|m| (m.quantity, m.reason.as_str()))
        .collect();
    assert_eq!(moved, [(-1, "outbound")]);

    // Logistics: planned, the note approved by finance, dispatched with its
    // tracking number, delivered, received.
    let shipment = cluster
        .logistics_client()
        .await
        .get_shipment(authorized(
            logistics::GetShipmentRequest {
                order_id: order.id.clone(),
            },
            LOU.0,
            LOU.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(shipment.state, logistics::ShipmentState::Received as i32);
    assert_eq!(shipment.carrier_code, original.carrier_code);
    assert_eq!(shipment.ship_to, original.ship_to);
    assert_eq!(shipment.note_number, format!("SN-{}", order.number));
    assert_eq!(shipment.note_approved_by, FIONA.0);
    assert_eq!(shipment.tracking_number, done.tracking_number);
    assert!(shipment.goods_out);
    assert!(shipment.dispatch_time.is_some() && shipment.deliver_time.is_some());
    assert_eq!(shipment.receipt_confirmed_by, "customer");
    assert!(
        shipment.tracking.iter().any(|e| e.status == "delivered"),
        "{:?}",
        shipment.tracking
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s6_zero_and_negative_profit_reships_link_their_original_and_ship_after_gm_and_finance() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 10).await;

    // The original: two pumps at 4,200.00, prepaid, delivered and settled.
    let customer = create_customer(&mut orders, "Hangzhou Water Works", TOM).await;
    let original = orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: customer.id.clone(),
                kind: pb::OrderKind::Standard as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: PUMP.0.to_owned(),
                    description: PUMP.1.to_owned(),
                    quantity: 2,
                    unit_price: cny(420_000),
                    ..Default::default()
                }],
                requested_delivery_date: in_days(10),
                payment_terms: Some(pb::PaymentTerms {
                    kind: pb::PaymentTermKind::Prepaid as i32,
                    ..Default::default()
                }),
                ..Default::default()
            },
            TOM.0,
            TOM.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(&mut orders, &original.id, TOM).await;
    wait_for_state(&mut orders, &original.id, pb::OrderState::AwaitingPayment).await;
    release_prepaid(
        &cluster.finance_client().await,
        &original.id,
        common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 840_000,
        },
        &[crate::stock::PUMP_COST],
        untraced,
    )
    .await;
    wait_for_state(&mut orders, &original.id, pb::OrderState::ReadyToShip).await;
    let original = ship_to_completion(&cluster, &original.id, &original.number, untraced)
        .await
        .completed;

    // FIN-12, as the company's rules mean it: a negative-profit reship is
    // the one whose cost we bear; naming the carrier as its bearer is
    // refused (had the carrier paid, it would be a zero-profit reship).
    let refused = reship(
        &mut orders,
        &original,
        pb::OrderKind::ReshipNegativeProfit,
        pb::CostBearer::Carrier,
        "lost by the carrier",
    )
    .await
    .refused("a negative-profit reship the carrier pays for");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert_eq!(testing::violated_fields(&refused), ["cost_bearer"]);

    // Our fault: the second pump went out without its impeller.
    let ours = reship(
        &mut orders,
        &original,
        pb::OrderKind::ReshipZeroProfit,
        pb::CostBearer::Us,
        "our fault: shipped without the impeller",
    )
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    // The carrier lost the first and will not pay for it.
    let carriers = reship(
        &mut orders,
        &original,
        pb::OrderKind::ReshipNegativeProfit,
        pb::CostBearer::Us,
        "lost in transit; the carrier refuses to pay",
    )
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    for order in [&ours, &carriers] {
        assert_eq!(order.replaces_order_id, original.id, "ORD-14");
        assert_eq!(order.cost_bearer, pb::CostBearer::Us as i32, "FIN-12");
        assert!(order.payment_terms.is_none());
    }

    for order in [&ours, &carriers] {
        gm_then_finance(&cluster, &mut orders, order).await;
        ship_to_completion(&cluster, &order.id, &order.number, untraced).await;
    }
    cluster.quiescent().await;
    for order in [&ours, &carriers] {
        assert_reshipped(&cluster, &mut orders, &original, order).await;
    }

    // The original is untouched: still completed, its sale alone on the
    // ledger, the reships neither reopened nor offset it.
    let after = get_order(&mut orders, &original.id).await;
    assert_eq!(after.state, pb::OrderState::Completed as i32);
    assert_eq!(after.update_time, original.update_time);
    let ledger = cluster
        .finance_client()
        .await
        .list_ledger_entries(authorized(
            finance::ListLedgerEntriesRequest {
                order_id: original.id.clone(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let booked: Vec<(i32, i64)> = ledger
        .entries
        .iter()
        .map(|e| (e.kind, e.amount.as_ref().map_or(0, |m| m.minor_units)))
        .collect();
    assert_eq!(booked, [(finance::LedgerEntryKind::Sale as i32, 840_000)]);
    assert_eq!(ledger.totals, [cny(840_000).unwrap_or_default()]);

    // Inventory: ten pumps, two sold, two reshipped; nothing left reserved.
    let pumps = stock
        .get_stock(authorized(
            inventory::GetStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "FG".to_owned(),
            },
            WANG.0,
            WANG.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((pumps.on_hand, pumps.reserved, pumps.available), (6, 0, 6));
}
