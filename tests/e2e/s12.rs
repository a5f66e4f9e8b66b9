//! S12, the overseas-warehouse return (AFS-8), and goods sent back without
//! notice (AFS-11), across the services.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::aftersales::v1 as afs;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;

use crate::aftersales::{
    CATHY, approve, case_of, cny, gm_approves_and_finance_pays, ledger, no_trace, open_case,
    paid_and_ready, stock_of, wait_for_case,
};
use crate::fulfilment::ship_to_completion;
use crate::in_days;
use crate::stock::{PUMP, stock_item};

/// S12: an overseas-warehouse return (AFS-8). The order to London shipped
/// from the overseas warehouse; the customer sends one pump back there; on
/// the proof of receipt it is refunded (a negative profit in the ledger);
/// shelved overseas, it is back in that warehouse's stock and the loss is
/// turned into the negative of the sale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s12_an_overseas_return_is_refunded_on_proof_and_turned_into_a_return_when_shelved() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 5).await;
    stock
        .adjust_stock(authorized(
            inventory::AdjustStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "OVERSEAS".to_owned(),
                quantity: 2,
                note: "opening count in the overseas warehouse".to_owned(),
                ..Default::default()
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = paid_and_ready(&cluster, &mut orders).await;
    ship_to_completion(&cluster, &order.id, &order.number, no_trace).await;
    assert_eq!(
        stock_of(&cluster, "OVERSEAS").await.on_hand,
        0,
        "shipped from there"
    );

    let case = open_case(
        &cluster,
        afs::CreateCaseRequest {
            request_id: format!("s12-{}", order.id),
            kind: afs::CaseKind::Return.into(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            reason: afs::ReturnReason::Quality.into(),
            description: "leaks at the seal".to_owned(),
            lines: vec![afs::CaseLine {
                sku: PUMP.0.to_owned(),
                quantity: 1,
                ..Default::default()
            }],
            overseas_warehouse: true,
            ..Default::default()
        },
    )
    .await;
    approve(&cluster, &case.id).await;
    let mut service = cluster.aftersales_client().await;
    let refused = service
        .schedule_pickup(authorized(
            afs::SchedulePickupRequest {
                case_id: case.id.clone(),
                pickup_date: in_days(1),
                freight_payment: afs::FreightPayment::OurAccount.into(),
                ..Default::default()
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(refused, Some(tonic::Code::FailedPrecondition), "no pick-up");
    let received = service
        .record_overseas_receipt(authorized(
            afs::RecordOverseasReceiptRequest {
                request_id: format!("proof-{}", case.id),
                case_id: case.id.clone(),
                proof_of_receipt: "LHR-WH-RCPT-0042".to_owned(),
            },
            CATHY.0,
            CATHY.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(received.refund_amount, cny(125_000));
    gm_approves_and_finance_pays(&cluster, &received).await;
    let books = testing::eventually(Duration::from_secs(30), "the negative profit", || async {
        let books = ledger(&cluster, &order.id).await;
        books
            .entries
            .iter()
            .any(|e| e.kind == finance::LedgerEntryKind::NegativeProfit as i32)
            .then_some(books)
    })
    .await;
    let loss = books
        .entries
        .iter()
        .find(|e| e.kind == finance::LedgerEntryKind::NegativeProfit as i32)
        .cloned()
        .unwrap_or_default();
    assert_eq!(loss.amount, cny(-125_000));
    assert_eq!(
        case_of(&cluster, &case.id).await.state,
        afs::CaseState::Refunding as i32,
        "refunded, but open until shelved"
    );

    // The overseas warehouse shelves the pump.
    cluster
        .aftersales_client()
        .await
        .shelve_overseas_return(authorized(
            afs::ShelveOverseasReturnRequest {
                request_id: format!("shelve-{}", case.id),
                case_id: case.id.clone(),
                lines: vec![afs::ShelvedLine {
                    sku: PUMP.0.to_owned(),
                    quantity: 1,
                }],
            },
            "wendy",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(stock_of(&cluster, "OVERSEAS").await.on_hand, 1);
    wait_for_case(&cluster, &case.id, "S12 closed", |c| {
        c.state == afs::CaseState::Closed as i32
    })
    .await;
    let books = testing::eventually(Duration::from_secs(30), "the return booked", || async {
        let books = ledger(&cluster, &order.id).await;
        (books.entries.len() == 4).then_some(books)
    })
    .await;
    let kinds: Vec<(i32, i64)> = books
        .entries
        .iter()
        .map(|e| (e.kind, e.amount.as_ref().map_or(0, |a| a.minor_units)))
        .collect();
    assert_eq!(
        kinds,
        [
            (finance::LedgerEntryKind::Sale as i32, 250_000),
            (finance::LedgerEntryKind::NegativeProfit as i32, -125_000),
            (finance::LedgerEntryKind::Correction as i32, 125_000),
            (finance::LedgerEntryKind::Return as i32, -125_000),
        ]
    );
    assert_eq!(
        books.totals,
        [common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 125_000,
        }]
    );

    // AFS-11: the other pump comes back without notice, crushed: the
    // warehouse's quality record opens a case for the customer; nothing is
    // agreed, so customer service's approval closes it without a refund.
    let quarantined = stock_of(&cluster, "QUARANTINE").await.on_hand;
    let unannounced = cluster
        .aftersales_client()
        .await
        .record_unannounced_return(authorized(
            afs::RecordUnannouncedReturnRequest {
                request_id: format!("parcel-{}", order.id),
                order_id: order.id.clone(),
                lines: vec![afs::InspectedLine {
                    sku: PUMP.0.to_owned(),
                    quantity: 1,
                    condition: afs::Condition::Damaged.into(),
                    agreed_value: cny(0),
                    restocked: false,
                    note: "crushed, no return slip".to_owned(),
                }],
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(unannounced.unannounced);
    assert_eq!(unannounced.customer_id, order.customer_id);
    testing::eventually(
        Duration::from_secs(30),
        "the parcel quarantined",
        || async {
            (stock_of(&cluster, "QUARANTINE").await.on_hand == quarantined + 1).then_some(())
        },
    )
    .await;
    let closed = approve(&cluster, &unannounced.id).await;
    assert_eq!(closed.state, afs::CaseState::Closed as i32);
    cluster.quiescent().await;
    assert_eq!(
        ledger(&cluster, &order.id).await.entries.len(),
        4,
        "no refund for the crushed pump"
    );
}
