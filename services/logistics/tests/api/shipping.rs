//! LOG-2 … LOG-6 with finance's FIN-6 check: no shipping without an
//! approved note, nor while finance holds the order back, nor unchecked
//! while finance cannot be asked; dispatch, tracking, delivery, receipt;
//! late shipments; export documents and their PDF.

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::logistics::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, OrderState, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(
    log_2_log_3_fin_6_no_shipping_without_an_approved_note_nor_without_the_balance,
    fin_6_nothing_ships_unchecked_while_finance_cannot_be_asked,
    sla_4_a_released_order_without_a_shipping_plan_two_days_before_its_date_is_announced_once,
    log_4_a_late_shipment_is_announced_and_log_5_receipt_confirms_itself,
    log_6_export_documents_add_up_and_the_pdf_opens,
    an_order_logistics_has_not_heard_of_is_not_known_yet_rather_than_not_found,
);

/// Issue 17: logistics opens a shipment when it hears of an order's
/// confirmation. Asked about an order it has not heard of (a draft, one whose
/// event is on its way, or none at all), it answers FAILED_PRECONDITION
/// `ORDER_NOT_KNOWN`, never a NOT_FOUND a caller would take as final, and
/// changes nothing; once the confirmation arrives, the same calls work, and
/// an outbound posted before it is applied then.
async fn an_order_logistics_has_not_heard_of_is_not_known_yet_rather_than_not_found(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    let order = order(
        OrderKind::Standard,
        (Term::Prepaid, 0),
        &[("PUMP-1", "Pump", 2, 100_000)],
        address("Zhejiang", "Hangzhou"),
    );
    let not_known = vec![("ORDER_NOT_KNOWN".to_owned(), format!("orders/{}", order.id))];
    let asked = app
        .logistics()
        .await
        .get_shipment(pb::GetShipmentRequest {
            order_id: order.id.clone(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a shipment for an order logistics never heard of"));
    assert_eq!(testing::unmet_preconditions(&asked), not_known);
    let planned = plan(&app, &order, 10)
        .await
        .err()
        .unwrap_or_else(|| panic!("planned"));
    assert_eq!(testing::unmet_preconditions(&planned), not_known);
    assert!(
        app.published("logistics.>").await.is_empty(),
        "nothing changed"
    );
    // Inventory's outbound overtakes the order's own events (another
    // stream, another consumer): it waits for them instead of being lost,
    // or the shipment could never leave (GOODS_NOT_OUT).
    app.outbound_posted(&order).await;

    app.order_event("confirmed", &order).await;
    let known = app.shipment_in(&order, "known").await;
    assert_eq!(known.order_number, order.number);
    testing::eventually(Duration::from_secs(60), "the goods out", || async {
        app.shipment_in(&order, "known")
            .await
            .goods_out
            .then_some(())
    })
    .await;
}

/// A 30 % T/T order to Hangzhou, deposit paid, released and ready to ship,
/// known to logistics; finance holds it back until the balance is paid.
async fn ready_order(
    app: &TestApp,
    kind: OrderKind,
    lines: &[(&str, &str, i64, i64)],
) -> orders::Order {
    let order = order(
        kind,
        (Term::TtDeposit, 30),
        lines,
        address("Zhejiang", "Hangzhou"),
    );
    app.order_event("confirmed", &order).await;
    let awaiting = moved(&order, OrderState::AwaitingPayment);
    app.order_event("approved", &awaiting).await;
    app.finance.block(
        &order.id,
        TT_DEPOSIT,
        "BALANCE_NOT_CONFIRMED",
        "T/T: the balance must be confirmed before the goods leave",
    );
    let released = moved(&awaiting, OrderState::Released);
    app.order_event("released", &released).await;
    let ready = moved(&released, OrderState::ReadyToShip);
    app.order_event("ready_to_ship", &ready).await;
    testing::eventually(Duration::from_secs(20), "ready to ship", || async {
        let shipment = app.shipment_in(&ready, "known").await;
        (shipment.order_state == "ready_to_ship").then_some(())
    })
    .await;
    ready
}

const TT_DEPOSIT: &str = "tt_deposit 30%";

/// Finance confirms the balance: the order may ship.
fn balance_paid(app: &TestApp, order: &orders::Order) {
    app.finance.open(&order.id, TT_DEPOSIT);
}

fn shipping_date(days: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default() + chrono::Duration::days(days))
        .to_string()
}

async fn plan(
    app: &TestApp,
    order: &orders::Order,
    days: i64,
) -> Result<pb::Shipment, tonic::Status> {
    app.logistics()
        .await
        .plan_shipment(pb::PlanShipmentRequest {
            order_id: order.id.clone(),
            planned_ship_date: shipping_date(days),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn approve(app: &TestApp, order: &orders::Order) -> Result<pb::Shipment, tonic::Status> {
    app.finance_approver()
        .await
        .approve_shipping_note(pb::ApproveShippingNoteRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn dispatch(app: &TestApp, order: &orders::Order) -> Result<pb::Shipment, tonic::Status> {
    app.warehouse()
        .await
        .dispatch_shipment(pb::DispatchShipmentRequest {
            order_id: order.id.clone(),
            tracking_number: format!("TT{}", order.number),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Planned two days ahead, its shipping note created.
async fn noted(app: &TestApp, order: &orders::Order) {
    plan(app, order, 2)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.logistics()
        .await
        .create_shipping_note(pb::CreateShippingNoteRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// Planned, note created and approved, goods out, dispatched.
async fn dispatched(app: &TestApp, order: &orders::Order) -> pb::Shipment {
    noted(app, order).await;
    approve(app, order)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    app.outbound_posted(order).await;
    testing::eventually(Duration::from_secs(20), "the goods out", || async {
        dispatch(app, order).await.ok()
    })
    .await
}

async fn log_2_log_3_fin_6_no_shipping_without_an_approved_note_nor_without_the_balance(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    let order = ready_order(
        &app,
        OrderKind::Standard,
        &[("PUMP-100", "Water pump", 10, 100_000)],
    )
    .await;
    let shipment = app.shipment_in(&order, "known").await;
    assert_eq!(
        shipment.carrier_code, "TTKD",
        "Hangzhou by the default rule"
    );

    // LOG-2: the notice is planned two days ahead.
    let soon = plan(&app, &order, 1)
        .await
        .err()
        .unwrap_or_else(|| panic!("planned"));
    assert_eq!(violated_fields(&soon), ["planned_ship_date"]);
    plan(&app, &order, 2)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let no_note = dispatch(&app, &order).await.err().map(|s| s.code());
    assert_eq!(no_note, Some(Code::FailedPrecondition), "no shipping note");
    app.logistics()
        .await
        .create_shipping_note(pb::CreateShippingNoteRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let unapproved = dispatch(&app, &order).await.err().map(|s| s.code());
    assert_eq!(
        unapproved,
        Some(Code::FailedPrecondition),
        "note not approved"
    );

    // FIN-6: T/T terms — finance approves only with the balance confirmed.
    let refused = approve(&app, &order)
        .await
        .err()
        .unwrap_or_else(|| panic!("approved"));
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("BALANCE_NOT_CONFIRMED"),
        "{}",
        refused.message()
    );
    balance_paid(&app, &order);
    let approved = approve(&app, &order)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // Logistics asked finance about this order, as a service with a token.
    let asked = app.finance.asked();
    assert!(asked.contains(&(order.id.clone(), true)), "{asked:?}");
    assert!(asked.iter().all(|(_, bearer)| *bearer), "{asked:?}");
    assert_eq!(approved.note_approved_by, "fiona");
    assert_eq!(approved.note_number, format!("SN-{}", order.number));

    // The goods must be out of the warehouse first.
    let in_warehouse = dispatch(&app, &order)
        .await
        .err()
        .unwrap_or_else(|| panic!("shipped"));
    assert!(
        in_warehouse.message().contains("outbound"),
        "{}",
        in_warehouse.message()
    );
    app.outbound_posted(&order).await;
    let shipped = testing::eventually(Duration::from_secs(20), "the goods out", || async {
        dispatch(&app, &order).await.ok()
    })
    .await;
    assert_eq!(shipped.state, pb::ShipmentState::Dispatched as i32);
    assert_eq!(shipped.tracking_number, format!("TT{}", order.number));
    // LOG-3: the customer notification is the dispatched event.
    testing::eventually(
        Duration::from_secs(20),
        "logistics.shipment.dispatched",
        || async {
            (app.published("logistics.shipment.dispatched").await.len() == 1).then_some(())
        },
    )
    .await;

    // LOG-4: a carrier feed through the built-in CSV adapter; delivered.
    let feed = format!(
        "# tracking_number,time,status,location,description\n\
         TT{n},2027-01-06T02:00:00Z,in_transit,Hangzhou hub,sorted\n\
         TT{n},2027-01-07T03:00:00Z,delivered,Hangzhou,signed by Li Lei\n\
         NOPE,2027-01-07T03:00:00Z,delivered,Nowhere,unknown\n\
         broken line\n",
        n = order.number
    );
    let ingested = app
        .logistics()
        .await
        .ingest_tracking_feed(pb::IngestTrackingFeedRequest {
            format: "csv".to_owned(),
            content: feed,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(ingested.accepted, 2);
    assert_eq!(ingested.rejected.len(), 2, "{:?}", ingested.rejected);
    let delivered = app.shipment_in(&order, "delivered").await;
    assert_eq!(delivered.state, pb::ShipmentState::Delivered as i32);
    assert_eq!(delivered.tracking.len(), 2);
    testing::eventually(
        Duration::from_secs(20),
        "logistics.shipment.delivered",
        || async {
            (!app
                .published("logistics.shipment.delivered")
                .await
                .is_empty())
            .then_some(())
        },
    )
    .await;
    app.quiescent().await;
    assert_eq!(app.published("logistics.shipment.delivered").await.len(), 1);

    // LOG-5: the customer confirms receipt.
    let received = app
        .client("cathy", &["customer_service"])
        .await
        .confirm_receipt(pb::ConfirmReceiptRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(received.receipt_confirmed_by, "customer");
}

async fn fin_6_nothing_ships_unchecked_while_finance_cannot_be_asked(backend: Backend) {
    let app = spawn_logistics(backend).await;
    let order = ready_order(
        &app,
        OrderKind::Standard,
        &[("PUMP-100", "Water pump", 2, 100_000)],
    )
    .await;
    noted(&app, &order).await;

    // Finance is down: UNAVAILABLE, and the note stays unapproved.
    app.finance.fail(&order.id, Code::Unavailable);
    let down = approve(&app, &order)
        .await
        .err()
        .unwrap_or_else(|| panic!("approved without asking finance"));
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    // Finance does not know the order yet: refused, to be tried again.
    app.finance.fail(&order.id, Code::NotFound);
    let unknown = approve(&app, &order)
        .await
        .err()
        .unwrap_or_else(|| panic!("approved an order finance does not know"));
    assert_eq!(unknown.code(), Code::FailedPrecondition);
    assert!(
        unknown
            .message()
            .contains("finance does not know the order"),
        "{}",
        unknown.message()
    );
    let shipment = app.shipment_in(&order, "noted").await;
    assert!(shipment.note_approved_by.is_empty(), "{shipment:?}");

    // Finance answers and lets it go: approved; dispatch asks again.
    balance_paid(&app, &order);
    let approved = approve(&app, &order)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(approved.note_approved_by, "fiona");
    app.outbound_posted(&order).await;
    // Finance changes its mind before the goods leave (a chargeback):
    // dispatch is refused with finance's reason.
    app.finance.block(
        &order.id,
        TT_DEPOSIT,
        "PAYMENT_REVERSED",
        "the balance payment was reversed by the bank",
    );
    let reversed = testing::eventually(Duration::from_secs(20), "the goods out", || async {
        dispatch(&app, &order)
            .await
            .err()
            .filter(|status| status.message().contains("PAYMENT_REVERSED"))
    })
    .await;
    assert_eq!(reversed.code(), Code::FailedPrecondition);
    balance_paid(&app, &order);
    let shipped = testing::eventually(Duration::from_secs(20), "the dispatch", || async {
        dispatch(&app, &order).await.ok()
    })
    .await;
    assert_eq!(shipped.state, pb::ShipmentState::Dispatched as i32);
}

async fn sla_4_a_released_order_without_a_shipping_plan_two_days_before_its_date_is_announced_once(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    // Both wanted on 2027-01-08, four days after the start; one is planned.
    let mut released = Vec::new();
    for _ in 0..2 {
        let mut wanted = order(
            OrderKind::Standard,
            (Term::TtDeposit, 30),
            &[("PUMP-100", "Water pump", 1, 100_000)],
            address("Zhejiang", "Hangzhou"),
        );
        wanted.requested_delivery_date = "2027-01-08".to_owned();
        app.order_event("confirmed", &wanted).await;
        let order = moved(&wanted, OrderState::Released);
        app.order_event("released", &order).await;
        testing::eventually(Duration::from_secs(20), "the release", || async {
            let shipment = app.shipment_in(&order, "released").await;
            (shipment.order_state == "released").then_some(())
        })
        .await;
        released.push(order);
    }
    let (unplanned, planned) = (&released[0], &released[1]);
    plan(&app, planned, 2)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // Four days ahead: not due yet.
    app.after_a_sweep().await;
    assert!(
        app.published("logistics.shipment.plan_overdue")
            .await
            .is_empty()
    );
    assert!(!app.shipment_in(unplanned, "open").await.plan_overdue);

    // Two days ahead and still no plan: SLA-4 is missed, announced once.
    app.clock.advance(chrono::Duration::days(2));
    let announced = testing::eventually(
        Duration::from_secs(20),
        "logistics.shipment.plan_overdue",
        || async {
            let found = app.published("logistics.shipment.plan_overdue").await;
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    app.after_a_sweep().await;
    assert_eq!(
        app.published("logistics.shipment.plan_overdue").await.len(),
        1,
        "once, and not for the planned order"
    );
    let event = <pb::ShipmentEvent as prost::Message>::decode(announced[0].payload.as_ref())
        .unwrap_or_else(|e| panic!("{e}"));
    let shipment = event.shipment.unwrap_or_default();
    assert_eq!(shipment.order_id, unplanned.id);
    assert_eq!(shipment.delivery_date, "2027-01-08");
    assert!(shipment.plan_overdue);
    assert!(app.shipment_in(unplanned, "flagged").await.plan_overdue);
    assert!(!app.shipment_in(planned, "planned").await.plan_overdue);
}

async fn log_4_a_late_shipment_is_announced_and_log_5_receipt_confirms_itself(backend: Backend) {
    let app = spawn_logistics(backend).await;
    let order = ready_order(
        &app,
        OrderKind::Standard,
        &[("PUMP-100", "Water pump", 1, 100_000)],
    )
    .await;
    balance_paid(&app, &order);
    let shipment = dispatched(&app, &order).await;
    assert!(!shipment.delayed);
    // TTKD promises 3 days.
    app.clock.advance(chrono::Duration::days(4));
    testing::eventually(
        Duration::from_secs(20),
        "logistics.shipment.delayed",
        || async { (!app.published("logistics.shipment.delayed").await.is_empty()).then_some(()) },
    )
    .await;
    app.after_a_sweep().await;
    assert_eq!(
        app.published("logistics.shipment.delayed").await.len(),
        1,
        "once"
    );
    assert!(app.shipment_in(&order, "late").await.delayed);

    app.logistics()
        .await
        .record_tracking_event(pb::RecordTrackingEventRequest {
            tracking_number: format!("TT{}", order.number),
            event: Some(pb::TrackingEvent {
                time: Some(orderflow_platform::grpc::convert::timestamp(
                    app.clock_now(),
                )),
                status: "delivered".to_owned(),
                location: "Hangzhou".to_owned(),
                description: "late but there".to_owned(),
            }),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // Seven days later nobody confirmed: it confirms itself.
    app.clock.advance(chrono::Duration::days(7));
    let received =
        testing::eventually(Duration::from_secs(20), "the automatic receipt", || async {
            let shipment = app.shipment_in(&order, "received").await;
            (shipment.state == pb::ShipmentState::Received as i32).then_some(shipment)
        })
        .await;
    assert_eq!(received.receipt_confirmed_by, "automatic");
}

async fn log_6_export_documents_add_up_and_the_pdf_opens(backend: Backend) {
    let app = spawn_logistics(backend).await;
    let order = ready_order(
        &app,
        OrderKind::Export,
        &[
            ("PUMP-100", "Water pump WP-100", 40, 95_000),
            ("SEAL-KIT", "密封件 Seal kit", 80, 1_250),
        ],
    )
    .await;
    let mut clerk = app.client("dora", &["docs_clerk"]).await;
    let bad = clerk
        .generate_export_documents(pb::GenerateExportDocumentsRequest {
            order_id: order.id.clone(),
            packing: vec![pb::PackingLine {
                sku: "PUMP-100".to_owned(),
                packages: 0,
                net_weight_grams: 10_000,
                gross_weight_grams: 9_000,
                ..Default::default()
            }],
            container_type: "99XX".to_owned(),
            statutory_inspection: true,
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        violated_fields(&bad),
        [
            "container_type",
            "packing",
            "packing[0].gross_weight_grams",
            "packing[0].packages"
        ]
    );
    let documents = clerk
        .generate_export_documents(pb::GenerateExportDocumentsRequest {
            order_id: order.id.clone(),
            packing: vec![
                pb::PackingLine {
                    sku: "PUMP-100".to_owned(),
                    packages: 20,
                    net_weight_grams: 168_000,
                    gross_weight_grams: 176_500,
                    package_dimensions: "60x40x40 cm".to_owned(),
                },
                pb::PackingLine {
                    sku: "SEAL-KIT".to_owned(),
                    packages: 2,
                    net_weight_grams: 12_000,
                    gross_weight_grams: 12_750,
                    package_dimensions: "40x30x20 cm".to_owned(),
                },
            ],
            container_type: "20gp".to_owned(),
            statutory_inspection: true,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    // 40 × 950.00 + 80 × 12.50 = 39,000.00; 22 packages; 180 / 189.25 kg.
    assert_eq!(documents.total, Some(cny(3_900_000)));
    let line_sum: i64 = documents
        .lines
        .iter()
        .map(|line| line.line_total.as_ref().map_or(0, |m| m.minor_units))
        .sum();
    assert_eq!(line_sum, 3_900_000);
    assert_eq!(documents.total_packages, 22);
    assert_eq!(documents.total_net_weight_grams, 180_000);
    assert_eq!(documents.total_gross_weight_grams, 189_250);
    assert!(documents.statutory_inspection);
    assert_eq!(documents.container_type, "20GP");
    assert_eq!(documents.invoice_number, format!("CI-{}", order.number));

    // The PDF opens in a PDF parser and says the same.
    let pdf = lopdf::Document::load_mem(&documents.pdf).unwrap_or_else(|e| panic!("{e}"));
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    let text = pdf.extract_text(&pages).unwrap_or_else(|e| panic!("{e}"));
    for expected in [
        format!("COMMERCIAL INVOICE CI-{}", order.number),
        "PACKING LIST".to_owned(),
        "TOTAL 39000.00 CNY".to_owned(),
        "TOTAL 22 packages".to_owned(),
        "gross 189.250 kg".to_owned(),
        "Container: 20GP".to_owned(),
        "Statutory inspection (CIQ): required".to_owned(),
        // Chinese text prints as itself, not as '?'.
        "SEAL-KIT | 密封件 Seal kit | 80".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} not in:\n{text}");
    }

    // A standard order has no export documents.
    let standard = ready_order(
        &app,
        OrderKind::Standard,
        &[("PUMP-100", "Water pump", 1, 100_000)],
    )
    .await;
    let refused = clerk
        .generate_export_documents(pb::GenerateExportDocumentsRequest {
            order_id: standard.id.clone(),
            packing: vec![pb::PackingLine {
                sku: "PUMP-100".to_owned(),
                packages: 1,
                net_weight_grams: 1,
                gross_weight_grams: 1,
                ..Default::default()
            }],
            container_type: "LCL".to_owned(),
            statutory_inspection: false,
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(refused, Some(Code::FailedPrecondition));
}
