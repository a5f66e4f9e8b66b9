//! FIN-5 per payment term, FIN-1, FIN-3, FIN-4, ORD-20 and APR-5 through
//! the API: each gate closed, then opened by exactly the right event, and
//! announced once.

use std::time::Duration as Wait;

use chrono::Duration;
use orderflow_platform::backend_tests;
use orderflow_platform::testing;
use orderflow_platform::testing::Backend;
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, OrderState, PaymentTermKind as Term};
use prost::Message;
use tonic::Code;

use crate::support::*;

backend_tests!(
    fin_5_prepaid_opens_on_the_confirmed_full_payment_only,
    fin_5_tt_deposit_opens_on_the_confirmed_deposit_s2,
    fin_5_lc_reviewed_35_days_before_delivery_opens_unflagged,
    fin_5_lc_reviewed_20_days_before_delivery_opens_flagged,
    fin_4_an_lc_discrepancy_blocks_until_amended_and_reviewed_again,
    fin_5_da_and_open_account_open_on_a_dept_managers_confirmation,
    fin_1_a_credit_order_beyond_the_available_credit_is_held,
    ord_20_a_standard_order_waits_for_its_signed_and_confirmed_sales_detail,
    apr_5_free_samples_and_monthly_settlement_wait_for_their_sign_off,
    an_order_finance_has_not_heard_of_is_not_known_yet_rather_than_not_found,
);

/// Issue 17: finance learns of orders from their events. A call about an
/// order it has not heard of (one just created whose event is on its way,
/// or none at all) is FAILED_PRECONDITION `ORDER_NOT_KNOWN`, with a reason
/// a caller can act on, never a NOT_FOUND it would take as final; nothing
/// is recorded.
async fn an_order_finance_has_not_heard_of_is_not_known_yet_rather_than_not_found(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let unheard_of = uuid::Uuid::now_v7().to_string();
    let status = app
        .sales()
        .await
        .record_payment(pb::RecordPaymentRequest {
            order_id: unheard_of.clone(),
            kind: pb::PaymentKind::Full.into(),
            amount: Some(cny(10_000)),
            method: "bank transfer".to_owned(),
            reference: "BOC-0002".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a payment for an unknown order was recorded"));
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert!(status.message().contains("not heard of"), "{status:?}");
    let gate = app
        .finance()
        .await
        .get_release_gate(pb::GetReleaseGateRequest {
            order_id: unheard_of.clone(),
        })
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(gate, Some(Code::FailedPrecondition));
    let payments = app
        .finance()
        .await
        .list_payments(pb::ListPaymentsRequest {
            order_id: unheard_of,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(payments.payments.is_empty());
}

async fn fin_5_prepaid_opens_on_the_confirmed_full_payment_only(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    assert_eq!(codes(&app.gate(&order).await), ["PAYMENT_NOT_CONFIRMED"]);

    let mut sales = app.sales().await;
    let payment = record_payment(&mut sales, &order, pb::PaymentKind::Full, 10_000_000).await;
    app.quiescent().await;
    assert_eq!(
        codes(&app.gate(&order).await),
        ["PAYMENT_NOT_CONFIRMED"],
        "FIN-3: a recorded payment does not count until finance confirms it"
    );
    assert_eq!(app.opened_count(&order).await, 0);

    let confirmed = confirm_payment(&app, &payment).await;
    assert_eq!(confirmed.confirmed_by, "fiona");
    let opened = app.wait_opened(&order).await;
    assert!(opened.open);
    assert!(opened.rule.contains("prepaid"));
    let gate = app.gate(&order).await;
    assert!(gate.open && gate.open_time.is_some());

    // Confirming again is a retry; the gate is announced once.
    confirm_payment(&app, &payment).await;
    app.quiescent().await;
    assert_eq!(app.opened_count(&order).await, 1);
}

async fn fin_5_tt_deposit_opens_on_the_confirmed_deposit_s2(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::TtDeposit, 30))),
    )
    .await;
    let gate = app.gate(&order).await;
    assert_eq!(codes(&gate), ["DEPOSIT_NOT_CONFIRMED"]);
    assert!(gate.rule.contains("30%"), "{}", gate.rule);

    // 29,999.99 of a 30,000.00 deposit, confirmed: still closed.
    let mut sales = app.sales().await;
    let first = record_payment(&mut sales, &order, pb::PaymentKind::Deposit, 2_999_999).await;
    confirm_payment(&app, &first).await;
    app.quiescent().await;
    assert_eq!(codes(&app.gate(&order).await), ["DEPOSIT_NOT_CONFIRMED"]);
    assert_eq!(app.opened_count(&order).await, 0);

    // The last cent, recorded but not yet confirmed: still closed.
    let second = record_payment(&mut sales, &order, pb::PaymentKind::Deposit, 1).await;
    app.quiescent().await;
    assert_eq!(app.opened_count(&order).await, 0);
    confirm_payment(&app, &second).await;
    let opened = app.wait_opened(&order).await;
    assert!(opened.blockers.is_empty());

    let payments = app
        .finance()
        .await
        .list_payments(pb::ListPaymentsRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .payments;
    assert_eq!(payments.len(), 2);
}

fn lc_terms(amount: i64) -> pb::LetterOfCreditTerms {
    pb::LetterOfCreditTerms {
        number: "LC-2027-0001".to_owned(),
        issuing_bank: "HSBC Hamburg".to_owned(),
        amount: Some(cny(amount)),
        expiry_date: "2027-04-30".to_owned(),
        latest_shipment_date: "2027-03-15".to_owned(),
        required_documents: vec![
            "commercial invoice x3".to_owned(),
            "bill of lading".to_owned(),
        ],
    }
}

async fn register_lc(app: &TestApp, order: &orders::Order) -> pb::LetterOfCredit {
    app.sales()
        .await
        .register_letter_of_credit(pb::RegisterLetterOfCreditRequest {
            order_id: order.id.clone(),
            terms: Some(lc_terms(10_000_000)),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn review(
    client: &mut Client,
    lc: &pb::LetterOfCredit,
    discrepancies: &[&str],
) -> Result<pb::LetterOfCredit, tonic::Status> {
    client
        .review_letter_of_credit(pb::ReviewLetterOfCreditRequest {
            letter_of_credit_id: lc.id.clone(),
            discrepancies: discrepancies.iter().map(|d| (*d).to_owned()).collect(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// An L/C order delivering 2027-03-01, its L/C reviewed twice on the day
/// `days_before` the delivery date.
async fn lc_reviewed(backend: Backend, days_before: i64) -> (TestApp, orders::Order) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Lc, 0))),
    )
    .await;
    assert_eq!(codes(&app.gate(&order).await), ["LC_MISSING"]);
    let lc = register_lc(&app, &order).await;
    assert_eq!(codes(&app.gate(&order).await), ["LC_NOT_REVIEWED"]);

    let review_day = day("2027-03-01") - Duration::days(days_before);
    let at = review_day
        .and_hms_opt(2, 0, 0)
        .unwrap_or_default()
        .and_utc();
    app.clock.set(at);
    let reviewed = review(&mut app.sales().await, &lc, &[])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(reviewed.state, pb::LetterOfCreditState::UnderReview as i32);
    app.quiescent().await;
    assert_eq!(
        codes(&app.gate(&order).await),
        ["LC_NOT_REVIEWED"],
        "one review is not enough"
    );
    assert_eq!(app.opened_count(&order).await, 0);

    let accepted = review(&mut app.docs_clerk().await, &lc, &[])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(accepted.state, pb::LetterOfCreditState::Accepted as i32);
    assert_eq!(accepted.reviewed_date, review_day.to_string());
    (app, order)
}

async fn fin_5_lc_reviewed_35_days_before_delivery_opens_unflagged(backend: Backend) {
    let (app, order) = lc_reviewed(backend, 35).await;
    let opened = app.wait_opened(&order).await;
    assert!(opened.flags.is_empty(), "{:?}", opened.flags);
}

async fn fin_5_lc_reviewed_20_days_before_delivery_opens_flagged(backend: Backend) {
    let (app, order) = lc_reviewed(backend, 20).await;
    let opened = app.wait_opened(&order).await;
    assert_eq!(flags(&opened), ["LC_LATE"]);
    assert!(
        opened.flags[0].description.contains("20 days"),
        "{:?}",
        opened.flags
    );
}

async fn fin_4_an_lc_discrepancy_blocks_until_amended_and_reviewed_again(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Lc, 0))),
    )
    .await;
    let lc = register_lc(&app, &order).await;
    let mut sales = app.sales().await;
    let mut clerk = app.docs_clerk().await;

    // Only sales and docs_clerk review, each once; one person not twice.
    let denied = review(&mut app.client("fiona", &["finance"]).await, &lc, &[]).await;
    assert_eq!(denied.err().map(|s| s.code()), Some(Code::PermissionDenied));
    let both = app.client("sam", &["sales", "docs_clerk"]).await;
    review(&mut both.clone(), &lc, &[])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let twice = review(&mut both.clone(), &lc, &[]).await;
    assert_eq!(
        twice.err().map(|s| s.code()),
        Some(Code::FailedPrecondition)
    );

    let found = review(&mut clerk, &lc, &["beneficiary name misspelt"])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(found.state, pb::LetterOfCreditState::Discrepant as i32);
    assert_eq!(codes(&app.gate(&order).await), ["LC_DISCREPANCY"]);

    let requested = clerk
        .request_amendment(pb::RequestAmendmentRequest {
            letter_of_credit_id: lc.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        requested.state,
        pb::LetterOfCreditState::AmendmentRequested as i32
    );
    assert_eq!(
        requested.amendment_reasons,
        ["docs_clerk: beneficiary name misspelt"]
    );
    let blocked = review(&mut sales, &lc, &[]).await;
    assert_eq!(
        blocked.err().map(|s| s.code()),
        Some(Code::FailedPrecondition)
    );
    assert_eq!(codes(&app.gate(&order).await), ["LC_DISCREPANCY"]);

    let amended = sales
        .record_amendment(pb::RecordAmendmentRequest {
            letter_of_credit_id: lc.id.clone(),
            terms: Some(lc_terms(10_000_000)),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(amended.version, 2);
    assert!(amended.reviews.is_empty());
    assert_eq!(codes(&app.gate(&order).await), ["LC_NOT_REVIEWED"]);
    app.quiescent().await;
    assert_eq!(app.opened_count(&order).await, 0);

    review(&mut sales, &lc, &[])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    review(&mut clerk, &lc, &[])
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.wait_opened(&order).await;
}

async fn confirm_release(
    client: &mut Client,
    order: &orders::Order,
) -> Result<pb::ReleaseGate, tonic::Status> {
    client
        .confirm_release(pb::ConfirmReleaseRequest {
            order_id: order.id.clone(),
            note: "long-standing customer".to_owned(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn rate(app: &TestApp, customer_id: &str, rating: &str, limit: i64) -> pb::CreditStatus {
    app.finance()
        .await
        .rate_customer(pb::RateCustomerRequest {
            customer_id: customer_id.to_owned(),
            rating: rating.to_owned(),
            credit_limit: Some(cny(limit)),
            note: "first order".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn fin_5_da_and_open_account_open_on_a_dept_managers_confirmation(backend: Backend) {
    let app = spawn_finance(backend).await;
    for term in [Term::Da, Term::OpenAccount] {
        let spec = OrderSpec::new(OrderKind::Export, Some((term, 0)));
        rate(&app, &spec.customer_id, "A", 50_000_000).await;
        let order = awaiting_payment(&app, &spec).await;
        assert_eq!(codes(&app.gate(&order).await), ["MANAGER_CONFIRMATION"]);

        // The salesperson, even as a manager, does not release their own order.
        let own = confirm_release(&mut app.client("tom", &["dept_manager"]).await, &order).await;
        assert_eq!(own.err().map(|s| s.code()), Some(Code::PermissionDenied));
        let not_manager = confirm_release(&mut app.finance().await, &order).await;
        assert_eq!(
            not_manager.err().map(|s| s.code()),
            Some(Code::PermissionDenied)
        );
        app.quiescent().await;
        assert_eq!(app.opened_count(&order).await, 0);

        let gate = confirm_release(&mut app.manager().await, &order)
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert!(gate.open);
        app.wait_opened(&order).await;
    }

    // A prepaid order has nothing for a manager to confirm.
    let prepaid = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
    )
    .await;
    let refused = confirm_release(&mut app.manager().await, &prepaid).await;
    assert_eq!(
        refused.err().map(|s| s.code()),
        Some(Code::FailedPrecondition)
    );
    assert_eq!(codes(&app.gate(&prepaid).await), ["PAYMENT_NOT_CONFIRMED"]);
}

async fn fin_1_a_credit_order_beyond_the_available_credit_is_held(backend: Backend) {
    let app = spawn_finance(backend).await;
    let term = Some((Term::OpenAccount, 0));
    let first_spec = OrderSpec::new(OrderKind::Export, term);
    let customer = first_spec.customer_id.clone();
    // Limit 150,000.00; each order 100,000.00.
    let status = rate(&app, &customer, "b", 15_000_000).await;
    assert_eq!(status.rating, "B");
    assert_eq!(status.available, Some(cny(15_000_000)));

    let first = awaiting_payment(&app, &first_spec).await;
    confirm_release(&mut app.manager().await, &first)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.wait_opened(&first).await;
    let status = app
        .finance()
        .await
        .get_credit_status(pb::GetCreditStatusRequest {
            customer_id: customer.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(status.used, Some(cny(10_000_000)));
    assert_eq!(status.available, Some(cny(5_000_000)));

    let mut second_spec = OrderSpec::new(OrderKind::Export, term);
    second_spec.customer_id = customer.clone();
    let second = awaiting_payment(&app, &second_spec).await;
    let gate = app.gate(&second).await;
    assert_eq!(codes(&gate), ["MANAGER_CONFIRMATION", "CREDIT_LIMIT"]);
    assert!(
        gate.blockers[1]
            .description
            .contains("held for a dept_manager")
    );
    // The hold is announced for the order's timeline.
    let held = testing::eventually(Wait::from_secs(20), "finance.gate.blocked", || async {
        app.published("finance.gate.blocked")
            .await
            .into_iter()
            .filter_map(|message| pb::GateEvent::decode(message.payload.as_ref()).ok())
            .filter_map(|event| event.gate)
            .find(|gate| {
                gate.order_id == second.id && codes(gate).contains(&"CREDIT_LIMIT".to_owned())
            })
    })
    .await;
    assert!(!held.open);

    // Raising the limit clears the hold; the manager's confirmation is still needed.
    rate(&app, &customer, "A", 20_000_000).await;
    assert_eq!(codes(&app.gate(&second).await), ["MANAGER_CONFIRMATION"]);
    rate(&app, &customer, "C", 15_000_000).await;
    let gate = confirm_release(&mut app.manager().await, &second)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert!(gate.open);
    assert_eq!(flags(&gate), ["CREDIT_LIMIT"], "the override stays visible");
    app.wait_opened(&second).await;

    // Rating D gives no credit.
    let bad = app
        .finance()
        .await
        .rate_customer(pb::RateCustomerRequest {
            customer_id: customer.clone(),
            rating: "D".to_owned(),
            credit_limit: Some(cny(1)),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("rating D with a limit was accepted"));
    assert_eq!(bad.code(), Code::InvalidArgument);
}

async fn ord_20_a_standard_order_waits_for_its_signed_and_confirmed_sales_detail(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = paid_standard_order(&app).await;
    assert_eq!(
        codes(&app.gate(&order).await),
        ["SALES_DETAIL_NOT_CONFIRMED"]
    );

    // The day's detail: signed by a manager, not by the salesperson.
    let own = sign(
        &mut app.client("tom", &["dept_manager"]).await,
        "tom",
        "2027-01-04",
    )
    .await;
    assert_eq!(own.err().map(|s| s.code()), Some(Code::PermissionDenied));
    let empty = sign(&mut app.manager().await, "tom", "2027-01-05").await;
    assert_eq!(
        empty.err().map(|s| s.code()),
        Some(Code::FailedPrecondition)
    );
    let detail = sign(&mut app.manager().await, "tom", "2027-01-04")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(detail.entry_ids.len(), 1);
    assert_eq!(detail.totals, [cny(10_000_000)]);
    app.quiescent().await;
    assert_eq!(
        codes(&app.gate(&order).await),
        ["SALES_DETAIL_NOT_CONFIRMED"],
        "signed is not enough"
    );
    assert_eq!(app.opened_count(&order).await, 0);

    // Finance confirms payment and profit: the pump costs less than it sells for.
    set_standard_cost(&app, "PUMP-100", 600_000, "2027-01-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirmed = app
        .finance()
        .await
        .confirm_sales_detail(pb::ConfirmSalesDetailRequest {
            sales_detail_id: detail.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.state, pb::SalesDetailState::Confirmed as i32);
    app.wait_opened(&order).await;
}

async fn apr_5_free_samples_and_monthly_settlement_wait_for_their_sign_off(backend: Backend) {
    let app = spawn_finance(backend).await;
    let mut sample = OrderSpec::new(OrderKind::FreeSample, None);
    sample.unit_price = 0;
    let pending = sample.order();
    // Pending its GM + finance approval: finance knows it, the gate is shut.
    app.order_event("confirmed", &pending).await;
    let gate = app.gate(&pending).await;
    assert!(!gate.awaiting_payment);
    app.quiescent().await;
    assert_eq!(app.opened_count(&pending).await, 0);
    // Approved by both: released without any payment.
    let approved = moved(&pending, OrderState::AwaitingPayment);
    app.order_event("approved", &approved).await;
    let opened = app.wait_opened(&approved).await;
    assert!(opened.rule.contains("gm and finance"), "{}", opened.rule);

    let monthly = OrderSpec::new(
        OrderKind::MonthlySettlement,
        Some((Term::MonthlySettlement, 0)),
    );
    rate(&app, &monthly.customer_id, "A", 100_000_000).await;
    let order = awaiting_payment(&app, &monthly).await;
    let opened = app.wait_opened(&order).await;
    assert!(opened.rule.contains("gm and finance"), "{}", opened.rule);
}
