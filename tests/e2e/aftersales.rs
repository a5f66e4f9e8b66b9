//! After-sales across the services: S7 (a return after delivery, damage
//! found, a partial refund the GM approves, the negative entry equal to the
//! agreed value, the goods quarantined), S9 (an exchange with its linked
//! replacement order) and S8 (a paid order cancelled before shipment: the
//! reservation released, the refund executed once).

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized, release_prepaid};
use orderflow_platform::testing;
use orderflow_proto::aftersales::v1 as afs;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;

use crate::fulfilment::ship_to_completion;
use crate::s13::decision;
use crate::stock::{PUMP, place_and_confirm, stock_item};
use crate::{get_order, in_days, wait_for_entry, wait_for_state};

pub(crate) const CATHY: (&str, &[&str]) = ("cathy", &["customer_service"]);
const QUINN: (&str, &[&str]) = ("quinn", &["qc"]);
const FIONA: (&str, &[&str]) = ("fiona", &["finance"]);
const GARY: (&str, &[&str]) = ("gary", &["gm"]);

pub(crate) fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

pub(crate) fn no_trace(_: &mut tonic::metadata::MetadataMap) {}

pub(crate) async fn case_of(cluster: &Cluster, id: &str) -> afs::Case {
    cluster
        .aftersales_client()
        .await
        .get_case(authorized(
            afs::GetCaseRequest {
                case_id: id.to_owned(),
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub(crate) async fn wait_for_case(
    cluster: &Cluster,
    id: &str,
    what: &str,
    check: impl Fn(&afs::Case) -> bool,
) -> afs::Case {
    testing::eventually(Duration::from_secs(30), what, || async {
        let case = case_of(cluster, id).await;
        check(&case).then_some(case)
    })
    .await
}

/// The case opened once after-sales knows the order in the stage it needs.
pub(crate) async fn open_case(cluster: &Cluster, request: afs::CreateCaseRequest) -> afs::Case {
    let client = cluster.aftersales_client().await;
    testing::eventually(
        Duration::from_secs(30),
        "after-sales to know the order",
        || {
            let mut client = client.clone();
            let request = authorized(request.clone(), CATHY.0, CATHY.1);
            async move { client.create_case(request).await.ok() }
        },
    )
    .await
    .into_inner()
}

pub(crate) async fn approve(cluster: &Cluster, id: &str) -> afs::Case {
    cluster
        .aftersales_client()
        .await
        .approve_case(authorized(
            afs::ApproveCaseRequest {
                case_id: id.to_owned(),
                comment: "photos confirm it".to_owned(),
                ..Default::default()
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn pick_up(cluster: &Cluster, id: &str, payment: afs::FreightPayment) -> afs::Case {
    cluster
        .aftersales_client()
        .await
        .schedule_pickup(authorized(
            afs::SchedulePickupRequest {
                case_id: id.to_owned(),
                pickup_date: in_days(1),
                freight_payment: payment.into(),
                ..Default::default()
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn inspect(cluster: &Cluster, id: &str, line: afs::InspectedLine) -> afs::Case {
    cluster
        .aftersales_client()
        .await
        .inspect_return(authorized(
            afs::InspectReturnRequest {
                request_id: format!("inspect-{id}"),
                case_id: id.to_owned(),
                lines: vec![line],
            },
            QUINN.0,
            QUINN.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// APR-6, FIN-8: the GM approves the case's refund in the approvals
/// service and finance executes it.
pub(crate) async fn gm_approves_and_finance_pays(
    cluster: &Cluster,
    case: &afs::Case,
) -> finance::Refund {
    let filed = wait_for_case(cluster, &case.id, "the refund filed", |c| {
        !c.refund_id.is_empty()
    })
    .await;
    let money = cluster.finance_client().await;
    let refund = testing::eventually(Duration::from_secs(30), "the approval filed", || {
        let mut money = money.clone();
        let request = authorized(
            finance::GetRefundRequest {
                refund_id: filed.refund_id.clone(),
            },
            FIONA.0,
            FIONA.1,
        );
        async move {
            let refund = money.get_refund(request).await.ok()?.into_inner();
            (!refund.approval_request_id.is_empty()).then_some(refund)
        }
    })
    .await;
    assert_eq!(refund.amount, case.refund_amount, "the agreed value");
    let mut approvals = cluster.approvals_client().await;
    let request = approvals
        .get_approval_request(authorized(
            orderflow_proto::approvals::v1::GetApprovalRequestRequest {
                approval_request_id: refund.approval_request_id.clone(),
            },
            GARY.0,
            GARY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    approvals
        .decide_step(authorized(
            decision(&request, "gm", true, ""),
            GARY.0,
            GARY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    testing::eventually(Duration::from_secs(30), "the refund executed", || {
        let mut money = money.clone();
        let request = authorized(
            finance::ExecuteRefundRequest {
                request_id: format!("pay-{}", refund.id),
                refund_id: refund.id.clone(),
                execution_reference: "BOC-RF-1".to_owned(),
            },
            FIONA.0,
            FIONA.1,
        );
        async move { money.execute_refund(request).await.ok() }
    })
    .await
    .into_inner()
}

pub(crate) async fn ledger(
    cluster: &Cluster,
    order_id: &str,
) -> finance::ListLedgerEntriesResponse {
    cluster
        .finance_client()
        .await
        .list_ledger_entries(authorized(
            finance::ListLedgerEntriesRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub(crate) async fn stock_of(cluster: &Cluster, warehouse: &str) -> inventory::Stock {
    cluster
        .inventory_client()
        .await
        .get_stock(authorized(
            inventory::GetStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: warehouse.to_owned(),
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// Two pumps at 1,250.00 ordered, paid in full, released and reserved:
/// READY_TO_SHIP.
pub(crate) async fn paid_and_ready(
    cluster: &Cluster,
    orders: &mut pb::order_service_client::OrderServiceClient<tonic::transport::Channel>,
) -> pb::Order {
    let order = place_and_confirm(orders, 2, "").await;
    release_prepaid(
        &cluster.finance_client().await,
        &order.id,
        common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 250_000,
        },
        &[crate::stock::PUMP_COST],
        no_trace,
    )
    .await;
    wait_for_state(orders, &order.id, pb::OrderState::ReadyToShip).await
}

/// The order S7 and S9 start from: two pumps at 1,250.00 (five on the
/// shelf), paid, shipped, received and completed.
async fn delivered_pumps(
    cluster: &Cluster,
) -> (
    pb::order_service_client::OrderServiceClient<tonic::transport::Channel>,
    pb::Order,
) {
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 5).await;
    let order = paid_and_ready(cluster, &mut orders).await;
    ship_to_completion(cluster, &order.id, &order.number, no_trace).await;
    (orders, order)
}

/// S7 on an order of two pumps at 1,250.00, paid and delivered: one comes
/// back cracked, is inspected, quarantined and partly refunded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s7_a_damaged_return_after_delivery_is_quarantined_and_partly_refunded() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let (mut orders, order) = delivered_pumps(&cluster).await;

    // S7: one pump comes back cracked (a quality problem: our freight).
    let request = afs::CreateCaseRequest {
        request_id: format!("s7-{}", order.id),
        kind: afs::CaseKind::Return.into(),
        order_id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        reason: afs::ReturnReason::Quality.into(),
        description: "casing cracked".to_owned(),
        evidence: vec!["photos/crack.jpg".to_owned()],
        lines: vec![afs::CaseLine {
            sku: PUMP.0.to_owned(),
            quantity: 1,
            ..Default::default()
        }],
        requested_amount: None,
        overseas_warehouse: false,
    };
    let s7 = open_case(&cluster, request).await;
    assert_eq!(s7.freight_payer, afs::FreightPayer::Us as i32);
    approve(&cluster, &s7.id).await;
    let picked = pick_up(&cluster, &s7.id, afs::FreightPayment::OurAccount).await;
    let pickup = picked.pickup.unwrap_or_default();
    assert!(!pickup.pickup_id.is_empty() && !pickup.carrier_code.is_empty());
    // Inspection: the crack is worse than the photos; 400.00 agreed, quarantined.
    let quarantined_before = stock_of(&cluster, "QUARANTINE").await.on_hand;
    let inspected = inspect(
        &cluster,
        &s7.id,
        afs::InspectedLine {
            sku: PUMP.0.to_owned(),
            quantity: 1,
            condition: afs::Condition::Damaged.into(),
            agreed_value: cny(40_000),
            restocked: false,
            note: "casing cracked, motor fine".to_owned(),
        },
    )
    .await;
    assert_eq!(inspected.state, afs::CaseState::Refunding as i32);
    assert_eq!(inspected.refund_amount, cny(40_000));
    assert_eq!(
        stock_of(&cluster, "QUARANTINE").await.on_hand,
        quarantined_before + 1,
        "INV-6: damaged goods to quarantine"
    );
    let executed = gm_approves_and_finance_pays(&cluster, &inspected).await;
    assert_eq!(executed.state, finance::RefundState::Executed as i32);
    assert_eq!(executed.decided_by, GARY.0);
    let closed = wait_for_case(&cluster, &s7.id, "S7 closed", |c| {
        c.state == afs::CaseState::Closed as i32
    })
    .await;
    assert!(closed.history.iter().any(|h| h.action == "refunded"));
    // ORD-4: the case is on the order's timeline.
    let entry = wait_for_entry(&mut orders, &order.id, "aftersales_refunded").await;
    assert_eq!(entry.source, "aftersales");
    assert!(entry.detail.contains(&s7.number), "{}", entry.detail);
    // FIN-7, AFS-6: the negative entry is the agreed 400.00, not the pump's 1,250.00.
    let after_s7 = ledger(&cluster, &order.id).await;
    let returns: Vec<_> = after_s7
        .entries
        .iter()
        .filter(|e| e.kind == finance::LedgerEntryKind::Return as i32)
        .collect();
    assert_eq!(returns.len(), 1, "{:?}", after_s7.entries);
    assert_eq!(returns[0].amount, cny(-40_000));
    assert_eq!(returns[0].reference, format!("aftersales/cases/{}", s7.id));
    assert_eq!(
        after_s7.totals,
        [common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 210_000,
        }]
    );

    cluster.quiescent().await;
    let executed = testing::stream_messages(&cluster.nats, "FINANCE", "finance.refund.executed")
        .await
        .len();
    assert_eq!(executed, 1, "the refund executed once");
}

/// S9 on an order of two pumps at 1,250.00, paid and delivered: one is
/// exchanged for a larger size; it comes back, is restocked and refunded,
/// and a replacement order linked to the original carries the size asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s9_an_exchange_is_restocked_refunded_and_gets_a_linked_replacement_order() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let (mut orders, order) = delivered_pumps(&cluster).await;

    // One pump exchanged for a larger size (the customer's freight).
    let request = afs::CreateCaseRequest {
        request_id: format!("s9-{}", order.id),
        kind: afs::CaseKind::Exchange.into(),
        order_id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        reason: afs::ReturnReason::SizeOrFit.into(),
        description: "too small for the tank".to_owned(),
        evidence: Vec::new(),
        lines: vec![afs::CaseLine {
            sku: PUMP.0.to_owned(),
            quantity: 1,
            tags_attached: true,
            packaging_intact: true,
            size: "L".to_owned(),
            colour: "blue".to_owned(),
            ..Default::default()
        }],
        requested_amount: None,
        overseas_warehouse: false,
    };
    let s9 = open_case(&cluster, request).await;
    assert_eq!(s9.freight_payer, afs::FreightPayer::Customer as i32);
    // One of the two pumps is claimed: a return of both is refused.
    let refused = cluster
        .aftersales_client()
        .await
        .create_case(authorized(
            afs::CreateCaseRequest {
                request_id: String::new(),
                kind: afs::CaseKind::Return.into(),
                order_id: order.id.clone(),
                customer_id: order.customer_id.clone(),
                reason: afs::ReturnReason::Quality.into(),
                lines: vec![afs::CaseLine {
                    sku: PUMP.0.to_owned(),
                    quantity: 2,
                    ..Default::default()
                }],
                ..Default::default()
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(refused, Some(tonic::Code::InvalidArgument));
    approve(&cluster, &s9.id).await;
    pick_up(&cluster, &s9.id, afs::FreightPayment::SenderPrepaid).await;
    let restocked_before = stock_of(&cluster, "FG").await.on_hand;
    let inspected = inspect(
        &cluster,
        &s9.id,
        afs::InspectedLine {
            sku: PUMP.0.to_owned(),
            quantity: 1,
            condition: afs::Condition::Complete.into(),
            agreed_value: None,
            restocked: true,
            note: String::new(),
        },
    )
    .await;
    assert_eq!(inspected.refund_amount, cny(125_000));
    assert_eq!(stock_of(&cluster, "FG").await.on_hand, restocked_before + 1);
    // AFS-7, ORD-14: the replacement order, linked, with the size asked for.
    let replaced = wait_for_case(&cluster, &s9.id, "the replacement order", |c| {
        !c.replacement_order_id.is_empty()
    })
    .await;
    assert_eq!(replaced.price_difference, cny(0));
    let replacement = get_order(&mut orders, &replaced.replacement_order_id).await;
    assert_eq!(replacement.replaces_order_id, order.id);
    assert_eq!(replacement.customer_id, order.customer_id);
    assert_eq!(replacement.state, pb::OrderState::Draft as i32);
    assert!(
        replacement.lines[0].description.contains("size L")
            && replacement.lines[0].description.contains("colour blue"),
        "{:?}",
        replacement.lines
    );
    gm_approves_and_finance_pays(&cluster, &inspected).await;
    wait_for_case(&cluster, &s9.id, "S9 closed", |c| {
        c.state == afs::CaseState::Closed as i32
    })
    .await;
    // What was sold less what came back: 2,500.00 − 1,250.00.
    cluster.quiescent().await;
    assert_eq!(
        ledger(&cluster, &order.id).await.totals,
        [common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 125_000,
        }]
    );
    let executed = testing::stream_messages(&cluster.nats, "FINANCE", "finance.refund.executed")
        .await
        .len();
    assert_eq!(executed, 1, "the refund executed once");
}

/// S8: a paid order cancelled before shipment through after-sales: the
/// order is cancelled, its reservation released, all that was paid
/// refunded once, and the ledger nets to zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s8_a_paid_order_cancelled_before_shipment_is_released_and_refunded() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 5).await;
    let order = paid_and_ready(&cluster, &mut orders).await;
    assert_eq!(stock_of(&cluster, "FG").await.available, 3, "two reserved");

    let case = open_case(
        &cluster,
        afs::CreateCaseRequest {
            request_id: format!("s8-{}", order.id),
            kind: afs::CaseKind::Refund.into(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            reason: afs::ReturnReason::ChangedMind.into(),
            description: "no longer needed".to_owned(),
            ..Default::default()
        },
    )
    .await;
    assert!(!case.after_shipment);
    let cancelling = approve(&cluster, &case.id).await;
    assert_eq!(cancelling.state, afs::CaseState::Cancelling as i32);
    wait_for_state(&mut orders, &order.id, pb::OrderState::Cancelled).await;
    let refunding = wait_for_case(&cluster, &case.id, "the refund asked", |c| {
        c.state == afs::CaseState::Refunding as i32
    })
    .await;
    assert_eq!(refunding.refund_amount, cny(250_000));
    testing::eventually(
        Duration::from_secs(30),
        "the reservation released",
        || async { (stock_of(&cluster, "FG").await.available == 5).then_some(()) },
    )
    .await;
    gm_approves_and_finance_pays(&cluster, &refunding).await;
    wait_for_case(&cluster, &case.id, "S8 closed", |c| {
        c.state == afs::CaseState::Closed as i32
    })
    .await;
    cluster.quiescent().await;
    // One case for the order: the cancellation did not open a second one.
    let cases = cluster
        .aftersales_client()
        .await
        .list_cases(authorized(
            afs::ListCasesRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .cases;
    assert_eq!(cases.len(), 1);
    // The sale and its correction: nothing more taken off for the refund.
    let books = ledger(&cluster, &order.id).await;
    assert_eq!(
        books.totals,
        [common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 0,
        }]
    );
    assert!(
        books
            .entries
            .iter()
            .all(|e| e.kind != finance::LedgerEntryKind::Refund as i32),
        "{:?}",
        books.entries
    );
    let refunds = cluster
        .finance_client()
        .await
        .list_refunds(authorized(
            finance::ListRefundsRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .refunds;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].state, finance::RefundState::Executed as i32);
    assert_eq!(refunds[0].amount, cny(250_000));
}

/// AFS-3: an exchange asked before shipment: the order is cancelled (its
/// reservation released), what was paid is refunded, and the replacement
/// order carries the whole order again with the exchanged line changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn afs_3_an_exchange_before_shipment_replaces_the_order_with_its_line_changed() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 5).await;
    let order = paid_and_ready(&cluster, &mut orders).await;
    let case = open_case(
        &cluster,
        afs::CreateCaseRequest {
            request_id: format!("swap-{}", order.id),
            kind: afs::CaseKind::Exchange.into(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            reason: afs::ReturnReason::SizeOrFit.into(),
            description: "one of them in size L".to_owned(),
            lines: vec![afs::CaseLine {
                sku: PUMP.0.to_owned(),
                quantity: 1,
                size: "L".to_owned(),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .await;
    approve(&cluster, &case.id).await;
    wait_for_state(&mut orders, &order.id, pb::OrderState::Cancelled).await;
    let replaced = wait_for_case(&cluster, &case.id, "the replacement order", |c| {
        !c.replacement_order_id.is_empty() && c.state == afs::CaseState::Refunding as i32
    })
    .await;
    assert_eq!(replaced.refund_amount, cny(250_000));
    assert_eq!(replaced.price_difference, cny(0));
    let replacement = get_order(&mut orders, &replaced.replacement_order_id).await;
    assert_eq!(replacement.replaces_order_id, order.id);
    let lines: Vec<(String, i64, bool)> = replacement
        .lines
        .iter()
        .map(|line| {
            (
                line.sku.clone(),
                line.quantity,
                line.description.contains("size L"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [(PUMP.0.to_owned(), 1, true), (PUMP.0.to_owned(), 1, false)],
        "the exchanged pump in size L, the other as it was"
    );
    testing::eventually(
        Duration::from_secs(30),
        "the reservation released",
        || async { (stock_of(&cluster, "FG").await.available == 5).then_some(()) },
    )
    .await;
    gm_approves_and_finance_pays(&cluster, &replaced).await;
    wait_for_case(&cluster, &case.id, "closed", |c| {
        c.state == afs::CaseState::Closed as i32
    })
    .await;
    // The size asked for is on the original order's timeline too.
    let entry = wait_for_entry(&mut orders, &order.id, "aftersales_replaced").await;
    assert!(entry.detail.contains("size L"), "{}", entry.detail);
}
