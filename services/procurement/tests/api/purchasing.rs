//! PRC-3 (quotes, selection, contract), PRC-4 (follow-up, late orders) and
//! PRC-5 (arrival, IQC, scores).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend, violated_fields};
use orderflow_proto::procurement::v1 as pb;

use crate::support::*;

backend_tests!(
    prc_3_the_dearer_supplier_needs_a_reason_and_nothing_is_sent_before_approval,
    prc_4_a_late_order_is_listed_and_announced_once,
    prc_5_iqc_splits_what_arrived_and_the_score_follows,
    prc_3_a_quote_in_another_currency_needs_its_rate_and_is_compared_in_the_base_one,
    prc_3_quotations_are_requested_from_several_approved_suppliers_and_tracked,
    prc_3_one_order_covers_several_requisitions_and_a_rejected_contract_opens_them_again,
    prc_5_each_line_is_received_and_inspected_on_its_own,
    prc_5_a_repeated_arrival_returns_the_first_answer_and_receives_nothing_more,
);

async fn prc_3_the_dearer_supplier_needs_a_reason_and_nothing_is_sent_before_approval(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    app.supplier("ACME", true).await;
    app.supplier("BETA", true).await;
    let requisition = app.requisition("SEAL", 21).await;
    app.quote(&requisition.id, "ACME", 150).await;
    app.quote(&requisition.id, "BETA", 120).await;
    let mut purchaser = app.client("purchaser").await;
    let select = |reason: &str| pb::SelectSupplierRequest {
        request_id: String::new(),
        requisition_id: requisition.id.clone(),
        supplier_code: "ACME".to_owned(),
        reason: reason.to_owned(),
        ..Default::default()
    };
    let refused = purchaser
        .select_supplier(select(""))
        .await
        .refused("dearer");
    assert_eq!(testing::violated_fields(&refused), ["reason"]);
    let order = purchaser
        .select_supplier(select("BETA's seals failed the pressure test"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let send = pb::SendPurchaseOrderRequest {
        request_id: String::new(),
        id: order.id.clone(),
        promised_date: "2026-12-10".to_owned(),
        ..Default::default()
    };
    let early = purchaser
        .send_purchase_order(send.clone())
        .await
        .refused("not approved");
    assert_eq!(early.code(), tonic::Code::FailedPrecondition);
    assert!(early.message().contains("APR-9"), "{early:?}");
    // The contract went to approval (the consumer keeps trying while the
    // approvals service is away); a rejection ends it.
    app.settled().await;
    let created = app.published("procurement.purchase_order.created").await;
    assert_eq!(created.len(), 1);
    app.contract_decided(&order.id, true).await;
    let sent = purchaser
        .send_purchase_order(send)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(sent.state(), pb::PurchaseOrderState::Sent);
    assert_eq!(sent.promised_date, "2026-12-10");
    // A second requisition's order, rejected: never sent.
    let other = app.requisition("BOLT", 100).await;
    app.quote(&other.id, "BETA", 5).await;
    let rejected = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            request_id: String::new(),
            requisition_id: other.id,
            supplier_code: "BETA".to_owned(),
            reason: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    app.contract_decided(&rejected.id, false).await;
    let refused = purchaser
        .send_purchase_order(pb::SendPurchaseOrderRequest {
            request_id: String::new(),
            id: rejected.id,
            promised_date: "2026-12-10".to_owned(),
            ..Default::default()
        })
        .await
        .refused("rejected");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
}

async fn prc_4_a_late_order_is_listed_and_announced_once(backend: Backend) {
    let app = spawn_procurement(backend).await;
    let order = app.sent_order("SEAL", 100, "2026-12-02").await;
    let late = |mut client: Client| async move {
        client
            .list_late_purchase_orders(pb::ListLatePurchaseOrdersRequest::default())
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
            .purchase_orders
            .len()
    };
    let purchaser = app.client("purchaser").await;
    app.clock.advance(chrono::Duration::days(1));
    app.after_a_sweep(&[CONTRACTS]).await;
    assert_eq!(late(purchaser.clone()).await, 0, "the 2nd is still in time");
    app.clock.advance(chrono::Duration::days(1));
    app.after_a_sweep(&[CONTRACTS]).await;
    app.after_a_sweep(&[CONTRACTS]).await;
    assert_eq!(late(purchaser.clone()).await, 1);
    assert_eq!(
        app.published("procurement.purchase_order.late").await.len(),
        1,
        "announced once"
    );
    // A new promise takes it off the list.
    purchaser
        .clone()
        .record_follow_up(pb::RecordFollowUpRequest {
            request_id: String::new(),
            id: order.id,
            note: "the plating line broke down".to_owned(),
            promised_date: "2026-12-08".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(late(purchaser).await, 0);
}

async fn prc_5_iqc_splits_what_arrived_and_the_score_follows(backend: Backend) {
    let app = spawn_procurement(backend).await;
    let order = app.sent_order("SEAL", 100, "2026-12-10").await;
    let mut warehouse = app.client("warehouse").await;
    let arrival = |quantity: i64| pb::RecordArrivalRequest {
        request_id: String::new(),
        id: order.id.clone(),
        quantity,
        packaging_ok: true,
        note: String::new(),
        ..Default::default()
    };
    let too_many = warehouse.record_arrival(arrival(101)).await.refused("over");
    assert_eq!(testing::violated_fields(&too_many), ["quantity"]);
    let arrived = warehouse
        .record_arrival(arrival(60))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let receipt = arrived.receipts[0].id.clone();
    let mut qc = app.client("qc").await;
    let iqc = |accepted: i64, rejected: i64, defects: &str| pb::RecordIqcRequest {
        request_id: String::new(),
        id: order.id.clone(),
        receipt_id: receipt.clone(),
        accepted,
        rejected,
        defects: defects.to_owned(),
    };
    let more = qc
        .record_iqc(iqc(61, 0, ""))
        .await
        .refused("more than arrived");
    assert_eq!(testing::violated_fields(&more), ["accepted"]);
    let no_defects = qc.record_iqc(iqc(50, 10, "")).await.refused("why rejected");
    assert_eq!(testing::violated_fields(&no_defects), ["defects"]);
    let inspected = qc
        .record_iqc(iqc(50, 10, "cracked lips"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        (inspected.received, inspected.accepted, inspected.rejected),
        (60, 50, 10)
    );
    assert!(inspected.receipts[0].return_note.starts_with("RN-"));
    app.settled().await;
    let verdicts = app.published("procurement.receipt.inspected").await;
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].receipt.as_ref().map(|r| r.accepted), Some(50));
    // PRC-1: the score follows: 50 of 60 passed.
    let supplier = app
        .client("purchaser")
        .await
        .get_supplier(pb::GetSupplierRequest {
            code: "ACME".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(supplier.score.map(|s| s.iqc_pass_bps), Some(8_333));
    assert!(supplier.history.len() >= 2, "the order, then the receipt");
}

async fn prc_3_a_quote_in_another_currency_needs_its_rate_and_is_compared_in_the_base_one(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    app.supplier("ACME", true).await;
    app.supplier("OSAKA", true).await;
    let requisition = app.requisition("SEAL", 10).await;
    app.quote(&requisition.id, "ACME", 11_000).await;
    let mut purchaser = app.client("purchaser").await;
    let usd = |rate: &str| pb::RecordQuoteRequest {
        request_id: String::new(),
        requisition_id: requisition.id.clone(),
        supplier_code: "OSAKA".to_owned(),
        unit_price: Some(orderflow_proto::common::v1::Money {
            currency_code: "USD".to_owned(),
            minor_units: 1_500,
        }),
        lead_days: 20,
        exchange_rate: rate.to_owned(),
    };
    let status = purchaser
        .record_quote(usd(""))
        .await
        .refused("a USD price without its rate");
    assert_eq!(violated_fields(&status), ["exchange_rate"]);
    let status = purchaser
        .record_quote(usd("seven"))
        .await
        .refused("not a rate");
    assert_eq!(violated_fields(&status), ["exchange_rate"]);
    let quoted = purchaser
        .record_quote(usd("7.20"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let osaka = quoted
        .quotes
        .iter()
        .find(|quote| quote.supplier_code == "OSAKA")
        .cloned()
        .unwrap_or_default();
    assert_eq!(osaka.exchange_rate, "7.20");
    assert_eq!(
        osaka.base_unit_price,
        Some(cny(10_800)),
        "15.00 USD at 7.20"
    );
    // ACME's 110.00 CNY is now the dearer one: it needs a reason.
    let status = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            request_id: String::new(),
            requisition_id: requisition.id.clone(),
            supplier_code: "ACME".to_owned(),
            reason: String::new(),
            ..Default::default()
        })
        .await
        .refused("dearer once converted");
    assert_eq!(violated_fields(&status), ["reason"]);
    let order = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            request_id: String::new(),
            requisition_id: requisition.id.clone(),
            supplier_code: "OSAKA".to_owned(),
            reason: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        order.lines[0]
            .unit_price
            .clone()
            .map(|price| price.currency_code),
        Some("USD".to_owned()),
        "ordered in the supplier's currency"
    );
}

async fn prc_3_quotations_are_requested_from_several_approved_suppliers_and_tracked(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    app.supplier("ACME", true).await;
    app.supplier("BETA", true).await;
    app.supplier("CAND", false).await;
    let requisition = app.requisition("SEAL", 10).await;
    let mut purchaser = app.client("purchaser").await;
    let ask = |codes: &[&str], respond_by: &str| pb::RequestQuotationsRequest {
        request_id: String::new(),
        requisition_id: requisition.id.clone(),
        supplier_codes: codes.iter().map(|code| (*code).to_owned()).collect(),
        respond_by: respond_by.to_owned(),
    };
    let status = purchaser
        .request_quotations(ask(&["ACME", "ACME"], "2026-12-05"))
        .await
        .refused("each supplier once");
    assert_eq!(violated_fields(&status), ["supplier_codes[1]"]);
    let status = purchaser
        .request_quotations(ask(&["ACME", "CAND"], "2026-12-05"))
        .await
        .refused("a candidate is not asked");
    assert_eq!(violated_fields(&status), ["supplier_codes[1]"]);
    let status = purchaser
        .request_quotations(ask(&["ACME"], "2026-11-30"))
        .await
        .refused("due in the past");
    assert_eq!(violated_fields(&status), ["respond_by"]);
    let asked = purchaser
        .request_quotations(ask(&["acme", "BETA"], "2026-12-05"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let invited = |requisition: &pb::Requisition| {
        requisition
            .invitations
            .iter()
            .map(|i| (i.supplier_code.clone(), i.respond_by.clone(), i.quoted))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        invited(&asked),
        [
            ("ACME".to_owned(), "2026-12-05".to_owned(), false),
            ("BETA".to_owned(), "2026-12-05".to_owned(), false),
        ]
    );
    app.quote(&requisition.id, "ACME", 150).await;
    let after = requisitions_of(&app, "SEAL", |found| !found.is_empty()).await;
    assert_eq!(
        invited(&after[0]),
        [
            ("ACME".to_owned(), "2026-12-05".to_owned(), true),
            ("BETA".to_owned(), "2026-12-05".to_owned(), false),
        ],
        "BETA has not answered yet"
    );
    app.settled().await;
    let sent = testing::stream_messages(&app.nats, "PROCUREMENT", "procurement.rfq.sent").await;
    assert_eq!(sent.len(), 2, "one request per supplier");
}

/// Two requisitions quoted by ACME, ordered on one purchase order.
async fn two_line_order(app: &TestApp) -> (pb::PurchaseOrder, [pb::Requisition; 2]) {
    app.supplier("ACME", true).await;
    let seals = app.requisition("SEAL", 10).await;
    let bolts = app.requisition("BOLT", 200).await;
    app.quote(&seals.id, "ACME", 150).await;
    app.quote(&bolts.id, "ACME", 5).await;
    let order = app
        .client("purchaser")
        .await
        .select_supplier(pb::SelectSupplierRequest {
            requisition_id: seals.id.clone(),
            requisition_ids: vec![bolts.id.clone()],
            supplier_code: "ACME".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    (order, [seals, bolts])
}

async fn prc_3_one_order_covers_several_requisitions_and_a_rejected_contract_opens_them_again(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    app.supplier("BETA", true).await;
    let (order, [seals, bolts]) = two_line_order(&app).await;
    let lines: Vec<_> = order
        .lines
        .iter()
        .map(|line| (line.line, line.sku.as_str(), line.quantity))
        .collect();
    assert_eq!(lines, [(1, "SEAL", 10), (2, "BOLT", 200)]);
    assert_eq!(order.total, Some(cny(2_500)), "10 × 1.50 + 200 × 0.05");
    let mut purchaser = app.client("purchaser").await;
    // Named twice, unquoted by the supplier, or already ordered: refused,
    // and nothing changes.
    let twice = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            requisition_id: seals.id.clone(),
            requisition_ids: vec![seals.id.clone()],
            supplier_code: "ACME".to_owned(),
            ..Default::default()
        })
        .await
        .refused("twice");
    assert_eq!(violated_fields(&twice), ["requisition_ids[0]"]);
    let washers = app.requisition("WASHER", 50).await;
    app.quote(&washers.id, "BETA", 2).await;
    let unquoted = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            requisition_id: washers.id.clone(),
            requisition_ids: vec![bolts.id.clone()],
            supplier_code: "BETA".to_owned(),
            ..Default::default()
        })
        .await
        .refused("BETA did not quote for the bolts, which are ordered anyway");
    assert_eq!(unquoted.code(), tonic::Code::FailedPrecondition);
    let open = requisitions_of(&app, "WASHER", |found| !found.is_empty()).await;
    assert_eq!(
        open[0].state(),
        pb::RequisitionState::Open,
        "nothing changed"
    );
    // APR-9: the contract names both requisitions.
    app.settled().await;
    let created = app.published("procurement.purchase_order.created").await;
    assert_eq!(created.len(), 1);
    // Rejected: both requisitions are to buy again, from someone else, and
    // the order never counts in ACME's price score (PRC-1).
    app.contract_decided(&order.id, false).await;
    let acme = purchaser
        .get_supplier(pb::GetSupplierRequest {
            code: "ACME".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        acme.history
            .iter()
            .all(|score| score.reason != "order placed"),
        "{:?}",
        acme.history
    );
    for sku in ["SEAL", "BOLT"] {
        let found = requisitions_of(&app, sku, |found| {
            found
                .iter()
                .all(|r| r.state() == pb::RequisitionState::Open)
        })
        .await;
        assert!(found[0].purchase_order_id.is_empty(), "{sku}");
    }
    let again = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            requisition_id: seals.id.clone(),
            requisition_ids: vec![bolts.id.clone()],
            supplier_code: "ACME".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_ne!(again.id, order.id);
}

async fn prc_5_each_line_is_received_and_inspected_on_its_own(backend: Backend) {
    let app = spawn_procurement(backend).await;
    let (order, _) = two_line_order(&app).await;
    app.contract_decided(&order.id, true).await;
    let mut purchaser = app.client("purchaser").await;
    let sent = purchaser
        .send_purchase_order(pb::SendPurchaseOrderRequest {
            id: order.id.clone(),
            promised_date: "2026-12-10".to_owned(),
            line_promises: vec![pb::LinePromise {
                line: 2,
                promised_date: "2026-12-15".to_owned(),
            }],
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let promised: Vec<_> = sent
        .lines
        .iter()
        .map(|l| l.promised_date.as_str())
        .collect();
    assert_eq!(promised, ["2026-12-10", "2026-12-15"]);
    let mut warehouse = app.client("warehouse").await;
    let arrival = |line: i32, quantity: i64| pb::RecordArrivalRequest {
        id: order.id.clone(),
        line,
        quantity,
        packaging_ok: true,
        ..Default::default()
    };
    let unnamed = warehouse
        .record_arrival(arrival(0, 10))
        .await
        .refused("two lines: which?");
    assert_eq!(violated_fields(&unnamed), ["line"]);
    let beyond = warehouse
        .record_arrival(arrival(1, 11))
        .await
        .refused("11 seals were never ordered");
    assert_eq!(violated_fields(&beyond), ["quantity"]);
    let arrived = warehouse
        .record_arrival(arrival(2, 120))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let receipt = &arrived.receipts[0];
    assert_eq!((receipt.line, receipt.sku.as_str()), (2, "BOLT"));
    app.client("qc")
        .await
        .record_iqc(pb::RecordIqcRequest {
            id: order.id.clone(),
            receipt_id: receipt.id.clone(),
            accepted: 100,
            rejected: 20,
            defects: "rust".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.settled().await;
    let verdicts = app.published("procurement.receipt.inspected").await;
    let booked: Vec<_> = verdicts
        .iter()
        .filter_map(|v| v.receipt.as_ref())
        .map(|r| (r.sku.as_str(), r.accepted))
        .collect();
    assert_eq!(
        booked,
        [("BOLT", 100)],
        "inventory books the line's material"
    );
    let order = purchaser
        .get_purchase_order(pb::GetPurchaseOrderRequest { id: order.id })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let bolts = &order.lines[1];
    assert_eq!(
        (bolts.received, bolts.accepted, bolts.rejected),
        (120, 100, 20)
    );
    // The approved order counted in ACME's price score, once per line.
    let acme = purchaser
        .get_supplier(pb::GetSupplierRequest {
            code: "ACME".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let placed = acme
        .history
        .iter()
        .filter(|score| score.reason == "order placed")
        .count();
    assert_eq!(placed, 2);
    assert_eq!(order.lines[0].received, 0);
    assert_eq!(order.state(), pb::PurchaseOrderState::Sent);
}

/// Issue 11: a change to a purchase order is idempotent by request id (the
/// platform's one document change): a repeated arrival answers with the
/// order and receives nothing more, two identical arrivals at once are
/// received once, and the id with another body is refused.
async fn prc_5_a_repeated_arrival_returns_the_first_answer_and_receives_nothing_more(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    let order = app.sent_order("SEAL", 100, "2026-12-10").await;
    let warehouse = app.client("warehouse").await;
    let (first, second) = testing::assert_idempotent("arrival", |request_id, variant| {
        let mut warehouse = warehouse.clone();
        let request = pb::RecordArrivalRequest {
            request_id,
            id: order.id.clone(),
            quantity: [10, 20][usize::from(variant)],
            packaging_ok: true,
            note: String::new(),
            ..Default::default()
        };
        async move {
            warehouse
                .record_arrival(request)
                .await
                .map(|order| order.into_inner().receipts.len().to_string())
        }
    })
    .await;
    assert_eq!((first.as_str(), second.as_str()), ("1", "2"));
    let order = app
        .client("purchaser")
        .await
        .get_purchase_order(pb::GetPurchaseOrderRequest { id: order.id })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let received: Vec<i64> = order
        .receipts
        .iter()
        .map(|receipt| receipt.quantity)
        .collect();
    assert_eq!(received, [10, 10], "two arrivals of 10, not five");
}
