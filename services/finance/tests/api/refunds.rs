//! FIN-8 and APR-6 against the approvals service's events: no execution
//! without an approved gm step, executed once, one negative entry (FIN-7).

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::clock::Clock;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::aftersales::v1::CaseState;
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(
    fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_is_one_negative_entry,
    afs_8_an_overseas_refund_is_a_negative_profit_until_the_goods_are_shelved,
    afs_8_goods_shelved_while_the_refund_is_being_filed_wait_for_it,
);

async fn refund_state(app: &TestApp, id: &str) -> pb::Refund {
    app.finance()
        .await
        .get_refund(pb::GetRefundRequest {
            refund_id: id.to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn execute(app: &TestApp, id: &str, reference: &str) -> Result<pb::Refund, tonic::Status> {
    app.finance()
        .await
        .execute_refund(pb::ExecuteRefundRequest {
            refund_id: id.to_owned(),
            execution_reference: reference.to_owned(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// A prepaid export order of 100,000.00, paid in full and confirmed.
async fn paid_export(app: &TestApp) -> orders::Order {
    let order = awaiting_payment(
        app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let payment = record_payment(
        &mut app.sales().await,
        &order,
        pb::PaymentKind::Full,
        10_000_000,
    )
    .await;
    confirm_payment(app, &payment).await;
    order
}

async fn fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_is_one_negative_entry(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let order = paid_export(&app).await;
    // The customer gets 25,000.00 back for the late delivery (no goods).
    let refund = app
        .client("cathy", &["customer_service"])
        .await
        .request_refund(pb::RequestRefundRequest {
            order_id: order.id.clone(),
            amount: Some(cny(2_500_000)),
            reason: "delivery late".to_owned(),
            handling: "compensation for the delay".to_owned(),
            method: pb::RefundMethod::PersonalAccount.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();

    // An approval without a gm step (a policy changed by mistake) grants nothing.
    app.refund_decided(&refund.id, true, false).await;
    app.quiescent().await;
    assert_eq!(
        refund_state(&app, &refund.id).await.state,
        pb::RefundState::AwaitingApproval as i32
    );
    let refused = execute(&app, &refund.id, "receipt 42")
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(refused, Some(Code::FailedPrecondition));

    app.refund_decided(&refund.id, true, true).await;
    testing::eventually(Duration::from_secs(20), "the refund approved", || async {
        (refund_state(&app, &refund.id).await.state == pb::RefundState::Approved as i32)
            .then_some(())
    })
    .await;
    // A rejection arriving late changes nothing.
    app.refund_decided(&refund.id, false, true).await;
    app.quiescent().await;
    assert_eq!(
        refund_state(&app, &refund.id).await.state,
        pb::RefundState::Approved as i32
    );
    // A personal-account refund needs its receipt.
    let status = execute(&app, &refund.id, "")
        .await
        .err()
        .unwrap_or_else(|| panic!("executed"));
    assert_eq!(violated_fields(&status), ["execution_reference"]);
    let executed = execute(&app, &refund.id, "receipt 42")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(executed.execution_reference, "receipt 42");

    // Executed again: the same refund, no second entry.
    let again = execute(&app, &refund.id, "receipt 42")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(again.execute_time, executed.execute_time);
    // Nothing else took money off the sale: the refund is one negative entry.
    let listed = ledger(&app, &order).await;
    let refund_entries: Vec<_> = listed
        .entries
        .iter()
        .filter(|e| e.kind == pb::LedgerEntryKind::Refund as i32)
        .collect();
    assert_eq!(refund_entries.len(), 1);
    assert_eq!(refund_entries[0].amount, Some(cny(-2_500_000)));
    assert_eq!(listed.totals, [cny(7_500_000)]);
    testing::eventually(
        Duration::from_secs(20),
        "finance.refund.executed",
        || async { (!app.published("finance.refund.executed").await.is_empty()).then_some(()) },
    )
    .await;
    app.quiescent().await;
    assert_eq!(app.published("finance.refund.executed").await.len(), 1);
}

async fn afs_8_an_overseas_refund_is_a_negative_profit_until_the_goods_are_shelved(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let order = paid_export(&app).await;
    let mut service = app.client("cathy", &["customer_service"]).await;
    let ask = pb::RequestRefundRequest {
        order_id: order.id.clone(),
        amount: Some(cny(2_000_000)),
        reason: "quality".to_owned(),
        handling: "two pumps at the overseas warehouse".to_owned(),
        method: pb::RefundMethod::OriginalRoute.into(),
        reference: "aftersales/cases/AS8".to_owned(),
        goods_pending: true,
        ..Default::default()
    };
    // Goods both back and pending: refused.
    let status = service
        .request_refund(pb::RequestRefundRequest {
            goods_received_time: Some(orderflow_platform::grpc::convert::timestamp(start_time())),
            ..ask.clone()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&status), ["goods_pending"]);
    let refund = service
        .request_refund(ask)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(refund.goods_pending);
    app.refund_decided(&refund.id, true, true).await;
    testing::eventually(Duration::from_secs(20), "the refund approved", || async {
        (refund_state(&app, &refund.id).await.state == pb::RefundState::Approved as i32)
            .then_some(())
    })
    .await;
    execute(&app, &refund.id, "BOC-7")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let kinds = |entries: &[pb::LedgerEntry]| {
        entries
            .iter()
            .map(|e| (e.kind, e.amount.as_ref().map_or(0, |a| a.minor_units)))
            .collect::<Vec<_>>()
    };
    let listed = ledger(&app, &order).await;
    assert_eq!(
        kinds(&listed.entries),
        [
            (pb::LedgerEntryKind::Sale as i32, 10_000_000),
            (pb::LedgerEntryKind::NegativeProfit as i32, -2_000_000),
        ],
        "a loss until the goods are shelved"
    );

    // Shelved (reported twice): the loss reversed, the return booked once.
    app.clock.advance(chrono::Duration::days(3));
    let shelved = app.clock.now();
    // The first report comes while the case does not know its refund's id
    // yet (it was still being filed): finance finds the refund by the case.
    app.goods_shelved(&order.id, "AS8", "", shelved, CaseState::Refunding)
        .await;
    let listed = testing::eventually(Duration::from_secs(20), "the return booked", || async {
        let listed = ledger(&app, &order).await;
        (listed.entries.len() == 4).then_some(listed)
    })
    .await;
    // Reported again, now with the refund's id: nothing more.
    app.goods_shelved(&order.id, "AS8", &refund.id, shelved, CaseState::Closed)
        .await;
    app.quiescent().await;
    let listed_again = ledger(&app, &order).await;
    assert_eq!(listed_again.entries.len(), 4);
    assert_eq!(
        kinds(&listed.entries),
        [
            (pb::LedgerEntryKind::Sale as i32, 10_000_000),
            (pb::LedgerEntryKind::NegativeProfit as i32, -2_000_000),
            (pb::LedgerEntryKind::Correction as i32, 2_000_000),
            (pb::LedgerEntryKind::Return as i32, -2_000_000),
        ]
    );
    assert_eq!(listed.entries[2].offsets_entry_id, listed.entries[1].id);
    assert_eq!(listed.entries[3].offsets_entry_id, listed.entries[0].id);
    assert_eq!(listed.totals, [cny(8_000_000)], "the net is unchanged");
    assert!(!refund_state(&app, &refund.id).await.goods_pending);
}

/// AFS-8, a race: after-sales files a case's refund from the case as it read
/// it (goods still pending overseas) while the goods are shelved. The
/// shelving reaches finance first, when it knows no refund of the case; it
/// waits for the refund instead of being dropped, so the refund filed
/// "goods pending" still learns that they are shelved.
async fn afs_8_goods_shelved_while_the_refund_is_being_filed_wait_for_it(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = paid_export(&app).await;
    let shelved = app.clock.now();
    app.goods_shelved(&order.id, "AS9", "", shelved, CaseState::Refunding)
        .await;
    // The shelving is neither applied nor dropped: it waits.
    testing::eventually(Duration::from_secs(20), "the shelving waiting", || async {
        let consumer =
            testing::consumer_info(&app.nats, "AFTERSALES", "finance-aftersales").await?;
        // Delivered, refused for now and delivered again: waiting.
        (consumer.delivered.stream_sequence >= 1 && consumer.num_redelivered >= 1).then_some(())
    })
    .await;
    let refund = app
        .client("cathy", &["customer_service"])
        .await
        .request_refund(pb::RequestRefundRequest {
            order_id: order.id.clone(),
            amount: Some(cny(2_000_000)),
            reason: "quality".to_owned(),
            handling: "two pumps at the overseas warehouse".to_owned(),
            method: pb::RefundMethod::OriginalRoute.into(),
            reference: "aftersales/cases/AS9".to_owned(),
            goods_pending: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(refund.goods_pending, "filed from the case as it was read");
    let applied = testing::eventually(
        Duration::from_secs(30),
        "the waiting shelving applied",
        || async {
            let refund = refund_state(&app, &refund.id).await;
            (!refund.goods_pending).then_some(refund)
        },
    )
    .await;
    assert_eq!(
        applied.goods_received_time,
        Some(orderflow_platform::grpc::convert::timestamp(shelved))
    );
}
