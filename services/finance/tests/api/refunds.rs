//! FIN-8 and APR-6 against the approvals service's events: no execution
//! without an approved gm step; the ledger takes off only what returns did
//! not (FIN-7).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_the_ledger_counts_returns_once,);

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

async fn fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_the_ledger_counts_returns_once(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
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
    confirm_payment(&app, &payment).await;
    // Two of the ten pumps come back: −2,000,000.
    let received = Utc
        .with_ymd_and_hms(2027, 1, 20, 2, 0, 0)
        .single()
        .unwrap_or_default();
    app.goods_returned(
        &uuid::Uuid::now_v7().to_string(),
        &order.id,
        "PUMP-100",
        2,
        received,
    )
    .await;
    testing::eventually(Duration::from_secs(20), "the return entry", || async {
        (ledger(&app, &order).await.entries.len() == 2).then_some(())
    })
    .await;

    // The customer gets 25,000.00 back: the goods plus 5,000.00 for the trouble.
    let refund = app
        .client("cathy", &["customer_service"])
        .await
        .request_refund(pb::RequestRefundRequest {
            order_id: order.id.clone(),
            amount: Some(cny(2_500_000)),
            reason: "two pumps returned, delivery late".to_owned(),
            handling: "goods back in stock, compensation for the delay".to_owned(),
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

    // The return took off 20,000.00; the refund adds only the other 5,000.00.
    let listed = ledger(&app, &order).await;
    let refund_entries: Vec<_> = listed
        .entries
        .iter()
        .filter(|e| e.kind == pb::LedgerEntryKind::Refund as i32)
        .collect();
    assert_eq!(refund_entries.len(), 1);
    assert_eq!(refund_entries[0].amount, Some(cny(-500_000)));
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
