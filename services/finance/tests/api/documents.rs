//! FIN-9 documents and settlement, FIN-10 receivables, FIN-6 the balance
//! before shipment and its reminder (SLA-5).

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, OrderState, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(
    fin_9_invoices_follow_the_order_and_the_final_one_settles_it,
    fin_9_a_final_invoice_with_a_balance_settles_when_the_balance_is_paid,
    fin_10_overdue_receivables_are_listed_and_announced_once,
    fin_6_sla_5_the_balance_reminder_goes_out_once_three_days_before,
    prd_11_sla_5_the_reminder_counts_from_the_planned_warehousing_date,
);

fn issue(order: &orders::Order) -> pb::IssueDocumentRequest {
    pb::IssueDocumentRequest {
        order_id: order.id.clone(),
        ..Default::default()
    }
}

async fn shipment_gate(app: &TestApp, order: &orders::Order) -> pb::ShipmentGate {
    app.finance()
        .await
        .get_shipment_gate(pb::GetShipmentGateRequest {
            order_id: order.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// Publishes the order's next state (released or delivered) and waits
/// until finance has it.
async fn advance(
    app: &TestApp,
    order: &orders::Order,
    state: OrderState,
    event: &str,
) -> orders::Order {
    let next = moved(order, state);
    app.order_event(event, &next).await;
    let client = app.finance().await;
    testing::eventually(
        Duration::from_secs(20),
        "finance to see the new state",
        || {
            let mut client = client.clone();
            let order_id = next.id.clone();
            async move {
                let gate = client
                    .get_shipment_gate(pb::GetShipmentGateRequest { order_id })
                    .await
                    .ok()?
                    .into_inner();
                (!gate.blockers.iter().any(|b| b.code == "NOT_RELEASED")).then_some(())
            }
        },
    )
    .await;
    if state == OrderState::Delivered {
        // The final invoice is refused until finance saw the delivery.
        app.quiescent().await;
    }
    next
}

async fn fin_9_invoices_follow_the_order_and_the_final_one_settles_it(backend: Backend) {
    let app = spawn_finance(backend).await;
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::TtDeposit, 30))),
    )
    .await;
    let mut sales = app.sales().await;
    let proforma = sales
        .issue_proforma_invoice(issue(&order))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(proforma.number, format!("PI-{}", order.number));
    assert_eq!(proforma.total, Some(cny(10_000_000)));
    assert_eq!(proforma.lines.len(), 1);
    let again = sales
        .issue_proforma_invoice(issue(&order))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again.id, proforma.id, "one proforma per order");

    let mut clerk = app.docs_clerk().await;
    let early = clerk.issue_commercial_invoice(issue(&order)).await.err();
    assert_eq!(early.map(|s| s.code()), Some(Code::FailedPrecondition));

    let deposit = record_payment(&mut sales, &order, pb::PaymentKind::Deposit, 3_000_000).await;
    confirm_payment(&app, &deposit).await;
    app.wait_opened(&order).await;
    let released = advance(&app, &order, OrderState::Released, "released").await;
    let commercial = clerk
        .issue_commercial_invoice(issue(&released))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(commercial.number, format!("CI-{}", order.number));
    assert_eq!(commercial.issue_date, "2027-01-04");
    assert_eq!(commercial.due_date, "2027-02-03", "30 days by default");
    let not_yet = app
        .finance()
        .await
        .issue_final_invoice(issue(&released))
        .await
        .err();
    assert_eq!(not_yet.map(|s| s.code()), Some(Code::FailedPrecondition));

    // FIN-6: the balance before shipment.
    let gate = shipment_gate(&app, &released).await;
    assert_eq!(
        gate.blockers
            .iter()
            .map(|b| b.code.as_str())
            .collect::<Vec<_>>(),
        ["BALANCE_NOT_CONFIRMED"]
    );
    let balance = record_payment(&mut sales, &order, pb::PaymentKind::Balance, 7_000_000).await;
    confirm_payment(&app, &balance).await;
    assert!(shipment_gate(&app, &released).await.open);

    let delivered = advance(&app, &released, OrderState::Delivered, "delivered").await;
    let mut finance = app.finance().await;
    let last = testing::eventually(Duration::from_secs(20), "the final invoice", || {
        let mut finance = finance.clone();
        let request = issue(&delivered);
        async move { finance.issue_final_invoice(request).await.ok() }
    })
    .await
    .into_inner();
    assert_eq!(last.number, format!("FI-{}", order.number));
    assert_eq!(last.net_sales, Some(cny(10_000_000)));
    assert_eq!(last.received, Some(cny(10_000_000)));
    assert_eq!(last.balance, Some(cny(0)));
    let settled = testing::eventually(Duration::from_secs(20), "finance.order.settled", || async {
        let found = app.published("finance.order.settled").await;
        (!found.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(settled.len(), 1);
    finance
        .issue_final_invoice(issue(&delivered))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.quiescent().await;
    assert_eq!(
        app.published("finance.order.settled").await.len(),
        1,
        "settled once"
    );
    let documents = finance
        .list_documents(pb::ListDocumentsRequest {
            order_id: order.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .documents;
    assert_eq!(documents.len(), 3);
}

/// An open-account order released on the manager's word, invoiced.
async fn invoiced_on_credit(app: &TestApp) -> orders::Order {
    let spec = OrderSpec::new(OrderKind::Export, Some((Term::OpenAccount, 0)));
    app.finance()
        .await
        .rate_customer(pb::RateCustomerRequest {
            customer_id: spec.customer_id.clone(),
            rating: "A".to_owned(),
            credit_limit: Some(cny(50_000_000)),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = awaiting_payment(app, &spec).await;
    app.manager()
        .await
        .confirm_release(pb::ConfirmReleaseRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let released = advance(app, &order, OrderState::Released, "released").await;
    app.docs_clerk()
        .await
        .issue_commercial_invoice(issue(&released))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    released
}

async fn fin_9_a_final_invoice_with_a_balance_settles_when_the_balance_is_paid(backend: Backend) {
    let app = spawn_finance(backend).await;
    let released = invoiced_on_credit(&app).await;
    assert!(
        shipment_gate(&app, &released).await.open,
        "on credit: ships unpaid"
    );
    let delivered = advance(&app, &released, OrderState::Delivered, "delivered").await;
    let finance = app.finance().await;
    let last = testing::eventually(Duration::from_secs(20), "the final invoice", || {
        let mut finance = finance.clone();
        let request = issue(&delivered);
        async move { finance.issue_final_invoice(request).await.ok() }
    })
    .await
    .into_inner();
    assert_eq!(last.balance, Some(cny(10_000_000)));
    app.quiescent().await;
    assert!(app.published("finance.order.settled").await.is_empty());
    let payment = record_payment(
        &mut app.sales().await,
        &delivered,
        pb::PaymentKind::Full,
        10_000_000,
    )
    .await;
    confirm_payment(&app, &payment).await;
    testing::eventually(Duration::from_secs(20), "finance.order.settled", || async {
        (app.published("finance.order.settled").await.len() == 1).then_some(())
    })
    .await;
}

async fn receivables(app: &TestApp, overdue_only: bool) -> Vec<pb::Receivable> {
    app.finance()
        .await
        .list_receivables(pb::ListReceivablesRequest {
            overdue_only,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .receivables
}

async fn fin_10_overdue_receivables_are_listed_and_announced_once(backend: Backend) {
    let app = spawn_finance(backend).await;
    let released = invoiced_on_credit(&app).await;
    let open = receivables(&app, false).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].outstanding, Some(cny(10_000_000)));
    assert_eq!(open[0].due_date, "2027-02-03");
    assert!(!open[0].overdue);
    assert!(receivables(&app, true).await.is_empty());
    app.after_a_sweep().await;
    assert!(app.published("finance.receivable.overdue").await.is_empty());

    // A day past the due date.
    app.clock.advance(chrono::Duration::days(31));
    let overdue = receivables(&app, true).await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].days_overdue, 1);
    testing::eventually(
        Duration::from_secs(20),
        "finance.receivable.overdue",
        || async { (!app.published("finance.receivable.overdue").await.is_empty()).then_some(()) },
    )
    .await;
    app.after_a_sweep().await;
    assert_eq!(
        app.published("finance.receivable.overdue").await.len(),
        1,
        "once"
    );

    // Collected: off the list.
    let payment = record_payment(
        &mut app.sales().await,
        &released,
        pb::PaymentKind::Full,
        10_000_000,
    )
    .await;
    confirm_payment(&app, &payment).await;
    assert!(receivables(&app, false).await.is_empty());
}

async fn fin_6_sla_5_the_balance_reminder_goes_out_once_three_days_before(backend: Backend) {
    let app = spawn_finance(backend).await;
    // Delivery 2027-03-01: the reminder is due from 2027-02-26.
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::TtDeposit, 30))),
    )
    .await;
    let deposit = record_payment(
        &mut app.sales().await,
        &order,
        pb::PaymentKind::Deposit,
        3_000_000,
    )
    .await;
    confirm_payment(&app, &deposit).await;
    app.wait_opened(&order).await;
    advance(&app, &order, OrderState::Released, "released").await;
    let at = |text: &str| day(text).and_hms_opt(2, 0, 0).unwrap_or_default().and_utc();
    app.clock.set(at("2027-02-25"));
    app.after_a_sweep().await;
    assert!(
        app.published("finance.balance.reminder").await.is_empty(),
        "too early"
    );
    app.clock.set(at("2027-02-26"));
    let reminders = testing::eventually(
        Duration::from_secs(20),
        "finance.balance.reminder",
        || async {
            let found = app.published("finance.balance.reminder").await;
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    let reminder =
        <pb::BalanceReminderEvent as prost::Message>::decode(reminders[0].payload.as_ref())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reminder.outstanding, Some(cny(7_000_000)));
    assert_eq!(reminder.expected_date, "2027-03-01");
    app.after_a_sweep().await;
    assert_eq!(
        app.published("finance.balance.reminder").await.len(),
        1,
        "once"
    );
}

async fn prd_11_sla_5_the_reminder_counts_from_the_planned_warehousing_date(backend: Backend) {
    use orderflow_proto::production::v1 as production;
    let app = spawn_finance(backend).await;
    // Delivery 2027-03-01, but production plans the goods in on 2027-02-10:
    // the assistant urges the balance from 2027-02-07.
    let order = awaiting_payment(
        &app,
        &OrderSpec::new(OrderKind::Export, Some((Term::TtDeposit, 30))),
    )
    .await;
    let deposit = record_payment(
        &mut app.sales().await,
        &order,
        pb::PaymentKind::Deposit,
        3_000_000,
    )
    .await;
    confirm_payment(&app, &deposit).await;
    app.wait_opened(&order).await;
    advance(&app, &order, OrderState::Released, "released").await;
    for planned in ["2027-02-08", "2027-02-10"] {
        let scheduled = production::ProductionEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "planner-1".to_owned(),
            production_order: Some(production::ProductionOrder {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
                planned_completion: planned.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        };
        testing::publish_event(
            &app.nats,
            "production",
            "production.order.scheduled",
            prost::Message::encode_to_vec(&scheduled),
        )
        .await;
    }
    app.quiescent().await;
    let at = |text: &str| day(text).and_hms_opt(2, 0, 0).unwrap_or_default().and_utc();
    app.clock.set(at("2027-02-06"));
    app.after_a_sweep().await;
    assert!(
        app.published("finance.balance.reminder").await.is_empty(),
        "too early"
    );
    app.clock.set(at("2027-02-07"));
    let reminders = testing::eventually(
        Duration::from_secs(20),
        "finance.balance.reminder",
        || async {
            let found = app.published("finance.balance.reminder").await;
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    let reminder =
        <pb::BalanceReminderEvent as prost::Message>::decode(reminders[0].payload.as_ref())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reminder.expected_date, "2027-02-10", "the latest plan");
}
