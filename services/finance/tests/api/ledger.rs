//! FIN-7 (the append-only sales ledger), FIN-3 and bad input.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use orderflow_platform::backend_tests;
use orderflow_platform::grpc::convert::timestamp;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, OrderState, PaymentTermKind as Term};
use sea_orm::ConnectionTrait;
use tonic::Code;

use crate::support::*;

backend_tests!(
    fin_7_afs_6_a_return_is_a_negative_entry_of_the_agreed_value_on_the_receipt_day,
    fin_7_the_store_refuses_to_change_or_delete_a_ledger_entry,
    fin_7_an_accepted_order_cancelled_gets_a_negative_entry,
    fin_3_a_payment_is_confirmed_by_finance_not_by_who_recorded_it,
    bad_input_is_refused_with_every_field_named_and_changes_nothing,
    a_salesperson_lists_only_their_own_sales,
    a_repeated_payment_request_returns_the_first_payment_and_records_nothing_more,
);

async fn wait_for_entries(
    app: &TestApp,
    order: &orders::Order,
    count: usize,
) -> Vec<pb::LedgerEntry> {
    testing::eventually(
        Duration::from_secs(20),
        &format!("{count} ledger entries"),
        || async {
            let entries = ledger(app, order).await.entries;
            (entries.len() == count).then_some(entries)
        },
    )
    .await
}

async fn fin_7_afs_6_a_return_is_a_negative_entry_of_the_agreed_value_on_the_receipt_day(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let [sale] = <[pb::LedgerEntry; 1]>::try_from(wait_for_entries(&app, &order, 1).await)
        .unwrap_or_else(|entries| panic!("{entries:?}"));
    assert_eq!(sale.kind, pb::LedgerEntryKind::Sale as i32);
    assert_eq!(sale.amount, Some(cny(10_000_000)));
    assert_eq!(sale.entry_date, "2027-01-04");
    assert_eq!(sale.salesperson, "tom");

    let payment = record_payment(
        &mut app.sales().await,
        &order,
        pb::PaymentKind::Full,
        10_000_000,
    )
    .await;
    confirm_payment(&app, &payment).await;

    // Two pumps (20,000.00 at their price) came back on 2027-01-20
    // (Shanghai), one scratched: after-sales agreed 15,000.00 back.
    let received = Utc
        .with_ymd_and_hms(2027, 1, 19, 17, 30, 0)
        .single()
        .unwrap_or_default();
    app.clock.advance(chrono::Duration::days(16));
    let refund = app
        .client("cathy", &["customer_service"])
        .await
        .request_refund(pb::RequestRefundRequest {
            order_id: order.id.clone(),
            amount: Some(cny(1_500_000)),
            reason: "two pumps returned, one scratched".to_owned(),
            handling: "one restocked, one quarantined".to_owned(),
            method: pb::RefundMethod::BankTransfer.into(),
            reference: "aftersales/cases/AS1".to_owned(),
            goods_received_time: Some(timestamp(received)),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    app.refund_decided(&refund.id, true, true).await;
    let executed = testing::eventually(Duration::from_secs(20), "the refund executed", || {
        let request = pb::ExecuteRefundRequest {
            refund_id: refund.id.clone(),
            execution_reference: "bank 7".to_owned(),
            ..Default::default()
        };
        let app = &app;
        async move {
            app.client("fiona", &["finance"])
                .await
                .execute_refund(request)
                .await
                .ok()
        }
    })
    .await;
    assert_eq!(
        executed.into_inner().state,
        pb::RefundState::Executed as i32
    );
    let entries = wait_for_entries(&app, &order, 2).await;
    let original = entries.iter().find(|e| e.id == sale.id).cloned();
    assert_eq!(
        original.as_ref(),
        Some(&sale),
        "the sale entry is untouched"
    );
    let back = entries
        .iter()
        .find(|e| e.kind == pb::LedgerEntryKind::Return as i32)
        .cloned()
        .unwrap_or_else(|| panic!("no return entry: {entries:?}"));
    assert_eq!(
        back.amount,
        Some(cny(-1_500_000)),
        "the agreed value (AFS-6)"
    );
    assert_eq!(
        back.entry_date, "2027-01-20",
        "the day the goods were received"
    );
    assert_eq!(back.offsets_entry_id, sale.id);
    assert_eq!(back.reference, "aftersales/cases/AS1");

    // Nothing else: the sum is the net.
    app.quiescent().await;
    let listed = ledger(&app, &order).await;
    assert_eq!(listed.entries.len(), 2);
    assert_eq!(listed.totals, [cny(8_500_000)]);

    // By salesperson and period: the sales detail sheet.
    let period = app
        .finance()
        .await
        .list_ledger_entries(pb::ListLedgerEntriesRequest {
            salesperson: "tom".to_owned(),
            from_date: "2027-01-15".to_owned(),
            to_date: "2027-01-31".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(period.entries.len(), 1);
    assert_eq!(period.totals, [cny(-1_500_000)]);
}

async fn fin_7_the_store_refuses_to_change_or_delete_a_ledger_entry(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let before = wait_for_entries(&app, &order, 1).await;
    let database = app.database.connect().await;
    let connection = database.connection();
    let update = connection
        .execute_unprepared("UPDATE ledger_entries SET amount = 0")
        .await;
    assert!(update.is_err(), "an UPDATE of a ledger entry went through");
    let delete = connection
        .execute_unprepared("DELETE FROM ledger_entries")
        .await;
    assert!(delete.is_err(), "a DELETE of a ledger entry went through");
    assert_eq!(ledger(&app, &order).await.entries, before);
}

async fn fin_7_an_accepted_order_cancelled_gets_a_negative_entry(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let sale = wait_for_entries(&app, &order, 1).await.remove(0);
    let cancelled = moved(&order, OrderState::Cancelled);
    app.order_event("cancelled", &cancelled).await;
    // Delivered twice: one correction.
    app.order_event("cancelled", &cancelled).await;
    let entries = wait_for_entries(&app, &order, 2).await;
    app.quiescent().await;
    let listed = ledger(&app, &order).await;
    assert_eq!(listed.entries.len(), 2);
    assert_eq!(listed.totals, [cny(0)]);
    let correction = entries
        .iter()
        .find(|e| e.kind == pb::LedgerEntryKind::Correction as i32)
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(correction.offsets_entry_id, sale.id);
    // An older version of the order arriving late changes nothing.
    app.order_event("approved", &order).await;
    app.quiescent().await;
    let gate = app.gate(&order).await;
    assert!(gate.awaiting_payment);
    assert_eq!(ledger(&app, &order).await.entries.len(), 2);
}

async fn fin_3_a_payment_is_confirmed_by_finance_not_by_who_recorded_it(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let mut finance = app.finance().await;
    let payment = record_payment(&mut finance, &order, pb::PaymentKind::Full, 10_000_000).await;
    let own = finance
        .confirm_payment(pb::ConfirmPaymentRequest {
            payment_id: payment.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(own, Some(Code::PermissionDenied));
    let by_sales = app
        .sales()
        .await
        .confirm_payment(pb::ConfirmPaymentRequest {
            payment_id: payment.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(by_sales, Some(Code::PermissionDenied));
    app.quiescent().await;
    assert_eq!(codes(&app.gate(&order).await), ["PAYMENT_NOT_CONFIRMED"]);
    let confirmed = app
        .client("frank", &["finance"])
        .await
        .confirm_payment(pb::ConfirmPaymentRequest {
            payment_id: payment.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.confirmed_by, "frank");
    app.wait_opened(&order).await;
}

async fn bad_input_is_refused_with_every_field_named_and_changes_nothing(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Lc, 0))),
    )
    .await;
    let mut sales = app.sales().await;
    let status = sales
        .record_payment(pb::RecordPaymentRequest {
            order_id: "not-an-id".to_owned(),
            kind: 0,
            amount: Some(pb_money("ABC", -5)),
            method: String::new(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "amount.currency_code",
            "amount.minor_units",
            "kind",
            "method",
            "order_id"
        ]
    );
    // Issue 17: an amount has a sane maximum (i64::MAX was accepted).
    let status = sales
        .record_payment(pb::RecordPaymentRequest {
            order_id: order.id.clone(),
            kind: pb::PaymentKind::Full.into(),
            amount: Some(pb_money("CNY", i64::MAX)),
            method: "bank transfer".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("i64::MAX accepted"));
    assert_eq!(violated_fields(&status), ["amount.minor_units"]);
    // The order is in CNY: a USD payment is refused on its field.
    let status = sales
        .record_payment(pb::RecordPaymentRequest {
            order_id: order.id.clone(),
            kind: pb::PaymentKind::Full.into(),
            amount: Some(pb_money("USD", 100)),
            method: "bank transfer".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&status), ["amount.currency_code"]);

    let status = sales
        .register_letter_of_credit(pb::RegisterLetterOfCreditRequest {
            order_id: order.id.clone(),
            terms: Some(pb::LetterOfCreditTerms {
                number: String::new(),
                amount: Some(cny(0)),
                expiry_date: "2027-02-30".to_owned(),
                latest_shipment_date: "2027-03-15".to_owned(),
                ..Default::default()
            }),
            received_date: "yesterday".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "received_date",
            "terms.amount.minor_units",
            "terms.expiry_date",
            "terms.number"
        ]
    );
    let payments = app
        .finance()
        .await
        .list_payments(pb::ListPaymentsRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(payments.payments.is_empty());
    let missing = app
        .finance()
        .await
        .get_letter_of_credit(pb::GetLetterOfCreditRequest {
            order_id: order.id.clone(),
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(missing, Some(Code::NotFound));
    // An L/C for an order on other terms is refused.
    let prepaid = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let refused = sales
        .register_letter_of_credit(pb::RegisterLetterOfCreditRequest {
            order_id: prepaid.id.clone(),
            terms: Some(pb::LetterOfCreditTerms {
                number: "LC-9".to_owned(),
                amount: Some(cny(10_000_000)),
                expiry_date: "2027-04-30".to_owned(),
                latest_shipment_date: "2027-03-15".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(refused, Some(Code::FailedPrecondition));
}

fn pb_money(code: &str, minor_units: i64) -> orderflow_proto::common::v1::Money {
    orderflow_proto::common::v1::Money {
        currency_code: code.to_owned(),
        minor_units,
    }
}

async fn a_salesperson_lists_only_their_own_sales(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    wait_for_entries(&app, &order, 1).await;
    let mut other = app.client("lily", &["sales"]).await;
    let own = other
        .list_ledger_entries(pb::ListLedgerEntriesRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(own.entries.is_empty(), "lily sold nothing");
    let denied = other
        .list_ledger_entries(pb::ListLedgerEntriesRequest {
            salesperson: "tom".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(denied, Some(Code::PermissionDenied));
    let mine = app
        .sales()
        .await
        .list_ledger_entries(pb::ListLedgerEntriesRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(mine.entries.len(), 1);
}

async fn a_repeated_payment_request_returns_the_first_payment_and_records_nothing_more(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let sales = app.sales().await;
    let (first, second) = testing::assert_idempotent("payment", |request_id, variant| {
        let mut sales = sales.clone();
        let request = pb::RecordPaymentRequest {
            request_id,
            order_id: order.id.clone(),
            kind: pb::PaymentKind::Deposit.into(),
            amount: Some(cny([1_000_000, 2_000_000][usize::from(variant)])),
            method: "bank transfer".to_owned(),
            reference: "BOC-0002".to_owned(),
        };
        async move {
            sales
                .record_payment(request)
                .await
                .map(|payment| payment.into_inner().id)
        }
    })
    .await;
    assert_ne!(first, second);
    // Two payments were recorded, not five.
    let payments = app
        .finance()
        .await
        .list_payments(pb::ListPaymentsRequest {
            order_id: order.id.clone(),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .payments;
    let mut ids: Vec<String> = payments.into_iter().map(|payment| payment.id).collect();
    ids.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(ids, expected);
}
