//! FIN-8 and APR-6 across the services: a refund executes only with the
//! GM's approval, and only once.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;

use crate::finance::{FIONA, TOM, cny, gate_awaiting_payment, order_of};
use crate::s13::decision;
use crate::{create_customer, submit_and_confirm, wait_for_state};

/// The messages on `subject` in `stream` so far.
async fn published(
    cluster: &Cluster,
    stream: &str,
    subject: &str,
) -> Vec<async_nats::jetstream::message::StreamMessage> {
    let context = async_nats::jetstream::new(cluster.nats.client().await);
    let Ok(stream) = context.get_stream(stream).await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut sequence = 1;
    while let Ok(message) = stream.get_raw_message(sequence).await {
        if message.subject.as_str() == subject {
            found.push(message);
        }
        sequence += 1;
    }
    found
}

async fn refund_of(cluster: &Cluster, id: &str) -> finance::Refund {
    cluster
        .finance_client()
        .await
        .get_refund(authorized(
            finance::GetRefundRequest {
                refund_id: id.to_owned(),
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn execute(cluster: &Cluster, id: &str) -> Result<finance::Refund, tonic::Status> {
    cluster
        .finance_client()
        .await
        .execute_refund(authorized(
            finance::ExecuteRefundRequest {
                refund_id: id.to_owned(),
                execution_reference: "BOC-REFUND-0007".to_owned(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .map(tonic::Response::into_inner)
}

/// FIN-8 / APR-6: a refund is refused until the GM approved it through the
/// approvals service; then finance executes it once — a redelivered approval
/// changes nothing — and the ledger gets the negative entry (FIN-7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fin_8_apr_6_a_refund_executes_only_with_the_gms_approval_and_only_once() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut money = cluster.finance_client().await;
    let customer = create_customer(&mut orders, "Wenzhou Valve Trading", TOM).await;
    let order = order_of(
        &mut orders,
        &customer.id,
        pb::OrderKind::Standard,
        Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Prepaid as i32,
            ..Default::default()
        }),
        2,
        420_000,
    )
    .await;
    submit_and_confirm(&mut orders, &order.id, TOM).await;
    wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    gate_awaiting_payment(&cluster, &order.id).await;
    let payment = money
        .record_payment(authorized(
            finance::RecordPaymentRequest {
                order_id: order.id.clone(),
                kind: finance::PaymentKind::Full as i32,
                amount: cny(840_000),
                method: "bank transfer".to_owned(),
                ..Default::default()
            },
            TOM.0,
            TOM.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    money
        .confirm_payment(authorized(
            finance::ConfirmPaymentRequest {
                payment_id: payment.id.clone(),
                ..Default::default()
            },
            FIONA.0,
            FIONA.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    let cathy = ("cathy", &["customer_service"][..]);
    let ask = |amount: i64| {
        authorized(
            finance::RequestRefundRequest {
                order_id: order.id.clone(),
                amount: cny(amount),
                reason: "one pump arrived with a cracked housing".to_owned(),
                handling: "partial refund, the customer keeps the pump".to_owned(),
                method: finance::RefundMethod::BankTransfer as i32,
                ..Default::default()
            },
            cathy.0,
            cathy.1,
        )
    };
    let too_much = money
        .request_refund(ask(840_001))
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(
        too_much,
        Some(tonic::Code::FailedPrecondition),
        "more than was paid"
    );
    let refund = money
        .request_refund(ask(100_000))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(refund.state, finance::RefundState::AwaitingApproval as i32);

    // Without the GM's approval: refused, nothing executed.
    let refused = execute(&cluster, &refund.id).await.err();
    assert_eq!(
        refused.map(|s| s.code()),
        Some(tonic::Code::FailedPrecondition)
    );

    // Finance filed the approval request; the GM approves it.
    let mut filed = refund.clone();
    for _ in 0..400 {
        filed = refund_of(&cluster, &refund.id).await;
        if !filed.approval_request_id.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut approvals = cluster.approvals_client().await;
    let request = approvals
        .get_approval_request(authorized(
            orderflow_proto::approvals::v1::GetApprovalRequestRequest {
                approval_request_id: filed.approval_request_id.clone(),
            },
            "gary",
            &["gm"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(request.subject_kind, "refund");
    assert_eq!(request.requester, "cathy");
    approvals
        .decide_step(authorized(
            decision(&request, "gm", true, ""),
            "gary",
            &["gm"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    for _ in 0..400 {
        if refund_of(&cluster, &refund.id).await.state == finance::RefundState::Approved as i32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let executed = execute(&cluster, &refund.id)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(executed.state, finance::RefundState::Executed as i32);
    assert_eq!(executed.decided_by, "gary");

    // The approval delivered again, as a copy and as a new event: nothing
    // changes, and executing again returns the same refund.
    let approved = published(&cluster, "APPROVALS", "approvals.request.approved").await;
    let context = async_nats::jetstream::new(cluster.nats.client().await);
    for (index, message) in approved.iter().enumerate() {
        let mut headers = message.headers.clone();
        headers.insert("Nats-Msg-Id", format!("again-{index}").as_str());
        context
            .publish_with_headers(
                message.subject.to_string(),
                headers,
                message.payload.clone(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let again = execute(&cluster, &refund.id)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(again.execute_time, executed.execute_time);
    cluster.quiescent().await;
    assert_eq!(
        refund_of(&cluster, &refund.id).await.state,
        finance::RefundState::Executed as i32
    );
    let announced = published(&cluster, "FINANCE", "finance.refund.executed").await;
    assert_eq!(announced.len(), 1, "announced once");
    let announcement =
        <finance::RefundEvent as prost::Message>::decode(announced[0].payload.as_ref())
            .unwrap_or_else(|e| panic!("{e}"))
            .refund
            .unwrap_or_default();
    assert_eq!(announcement.order_number, order.number);
    assert_eq!(
        announcement.reason,
        "one pump arrived with a cracked housing"
    );
    assert_eq!(
        announcement.handling,
        "partial refund, the customer keeps the pump"
    );

    // FIN-7: the sale stays; the refund is a negative entry; the sum is the net.
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
    let kinds: Vec<i32> = ledger.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            finance::LedgerEntryKind::Sale as i32,
            finance::LedgerEntryKind::Refund as i32
        ]
    );
    assert_eq!(ledger.totals, [cny(740_000).unwrap_or_default()]);
}
