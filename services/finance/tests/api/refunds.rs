//! FIN-8 and APR-6 against the approvals service's events: no execution
//! without an approved gm step, executed once, one negative entry (FIN-7).

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_is_one_negative_entry,);

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

async fn fin_8_apr_6_a_refund_needs_an_approved_gm_step_and_is_one_negative_entry(
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
