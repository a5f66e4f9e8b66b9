//! S1, the export order on a letter of credit, from the customer's inquiry
//! to the money collected, through all eight services: inquiry → quotation
//! revised once → the customer's PO → order → contract review with the GM
//! (the USD amount is over the CNY threshold at the day's rate) → the L/C
//! registered and reviewed twice 35 days before delivery → release → the
//! BOM short of seals → requisition → supplier PO → receiving and IQC →
//! material issue → first article → production → QA → finished goods in →
//! the third-party inspection booked 14 days before → export documents →
//! shipment → tracking → delivered → the receivable collected → completed.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::production::v1 as production;
use pb::quotation_service_client::QuotationServiceClient;

use crate::fulfilment::ship_and_deliver;
use crate::procurement::{buy_and_book, requisition_for};
use crate::production::{
    PLANNER, QC, WAREHOUSE, call, engineered, factory, produced, production_order_of,
};
use crate::stock::PUMP;
use crate::{address, in_days, submit_and_confirm, timeline, wait_for_entry, wait_for_state};

const SALES: (&str, &[&str]) = ("tom", &["sales"]);
const FINANCE: (&str, &[&str]) = ("fiona", &["finance"]);
const DOCS_CLERK: (&str, &[&str]) = ("doris", &["docs_clerk"]);
const LOGISTICS: (&str, &[&str]) = ("lou", &["logistics"]);

fn usd(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "USD".to_owned(),
        minor_units,
    })
}

/// The quotation's terms for 30 pumps at `price` (USD minor units) each.
fn terms(price: i64) -> pb::QuotationTerms {
    pb::QuotationTerms {
        currency_code: "USD".to_owned(),
        lines: vec![pb::QuotationLine {
            sku: PUMP.0.to_owned(),
            description: "Water pump".to_owned(),
            model: "WP-100".to_owned(),
            manufacturer: "Ningbo Pumps".to_owned(),
            quantity: 30,
            unit_price: usd(price),
            line_total: None,
        }],
        delivery_date: in_days(35),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Lc as i32,
            ..Default::default()
        }),
        packaging: "export carton".to_owned(),
        container_type: "40HQ".to_owned(),
        valid_until: String::new(),
    }
}

/// The release gate's blockers once finance knows the order waits for
/// payment.
async fn blockers(cluster: &Cluster, order_id: &str) -> Vec<String> {
    let money = cluster.finance_client().await;
    testing::eventually(Duration::from_secs(20), "finance's gate", || {
        let mut money = money.clone();
        let request = call(
            finance::GetReleaseGateRequest {
                order_id: order_id.to_owned(),
            },
            FINANCE,
        );
        async move {
            let gate = money.get_release_gate(request).await.ok()?.into_inner();
            gate.awaiting_payment.then(|| {
                gate.blockers
                    .into_iter()
                    .map(|condition| condition.code)
                    .collect()
            })
        }
    })
    .await
}

/// The quotation revised once and accepted on the customer's PO: the order.
async fn quoted_order(cluster: &Cluster) -> pb::Order {
    let mut orders = cluster.orders_client().await;
    let mut quotations = QuotationServiceClient::new(
        Cluster::channel(cluster.orders)
            .await
            .unwrap_or_else(|e| panic!("{e:#}")),
    );
    let customer = orders
        .create_customer(call(
            pb::CreateCustomerRequest {
                name: "Baker Street Imports Ltd".to_owned(),
                phone: "+44 20 7946 0000".to_owned(),
                address: Some(address()),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let quotation = quotations
        .create_quotation(call(
            pb::CreateQuotationRequest {
                customer_id: customer.id.clone(),
                inquiry: Some(pb::Inquiry {
                    reference: "RFQ-9".to_owned(),
                    text: "30 pumps CIF Felixstowe".to_owned(),
                    receive_time: None,
                }),
                terms: Some(terms(310_000)),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let revised = quotations
        .revise_quotation(call(
            pb::ReviseQuotationRequest {
                quotation_id: quotation.id.clone(),
                terms: Some(terms(300_000)),
                change_note: "volume discount".to_owned(),
                base_version: 1,
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(revised.versions.len(), 2, "revised once");
    let accepted = quotations
        .accept_quotation(call(
            pb::AcceptQuotationRequest {
                quotation_id: quotation.id.clone(),
                version: 2,
                customer_po_number: "BSI-PO-1207".to_owned(),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = accepted.order.unwrap_or_default();
    assert_eq!(order.total, usd(9_000_000), "the revised price");
    assert_eq!(order.quotation_id, quotation.id);
    assert_eq!(order.kind(), pb::OrderKind::Export);
    order
}

/// APR-1, APR-3: the export contract goes up to the GM; every step
/// approves in its order. Returns the decided request.
async fn contract_reviewed(cluster: &Cluster, order_id: &str) -> approvals::ApprovalRequest {
    let mut orders = cluster.orders_client().await;
    let waiting = wait_for_entry(&mut orders, order_id, "approval_requested").await;
    assert!(
        waiting.detail.contains("export_contract")
            && waiting
                .detail
                .contains("sales → dept_manager → admin_reviewer → gm"),
        "90,000.00 USD at 7.1 is 639,000.00 CNY, over the GM threshold: {}",
        waiting.detail
    );
    let request_id = crate::get_order(&mut orders, order_id)
        .await
        .approval_request_id;
    let mut approver = cluster.approvals_client().await;
    let get = || {
        call(
            approvals::GetApprovalRequestRequest {
                approval_request_id: request_id.clone(),
            },
            SALES,
        )
    };
    let request = approver
        .get_approval_request(get())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    for step in &request.steps {
        let role = step.role.as_str();
        let subject = if role == "sales" { "tom" } else { role };
        approver
            .decide_step(authorized(
                approvals::DecideStepRequest {
                    request_id: String::new(),
                    approval_request_id: request.id.clone(),
                    step_id: step.id.clone(),
                    decision: approvals::Decision::Approve as i32,
                    reason: String::new(),
                },
                subject,
                &[role],
            ))
            .await
            .unwrap_or_else(|s| panic!("{}: {s:?}", step.role));
    }
    wait_for_state(&mut orders, order_id, pb::OrderState::AwaitingPayment).await;
    approver
        .get_approval_request(get())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// FIN-4, FIN-5: the L/C registered by sales and reviewed by sales and the
/// documents clerk today, 35 days before the delivery: the gate opens
/// unflagged.
async fn letter_of_credit_accepted(cluster: &Cluster, order_id: &str) -> finance::LetterOfCredit {
    assert_eq!(blockers(cluster, order_id).await, ["LC_MISSING"]);
    let mut money = cluster.finance_client().await;
    let letter = money
        .register_letter_of_credit(call(
            finance::RegisterLetterOfCreditRequest {
                order_id: order_id.to_owned(),
                terms: Some(finance::LetterOfCreditTerms {
                    number: "LC-HSBC-0042".to_owned(),
                    issuing_bank: "HSBC London".to_owned(),
                    amount: usd(9_000_000),
                    expiry_date: in_days(60),
                    latest_shipment_date: in_days(35),
                    required_documents: vec![
                        "commercial invoice x3".to_owned(),
                        "packing list".to_owned(),
                        "bill of lading".to_owned(),
                    ],
                }),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(blockers(cluster, order_id).await, ["LC_NOT_REVIEWED"]);
    let review = |who| {
        call(
            finance::ReviewLetterOfCreditRequest {
                letter_of_credit_id: letter.id.clone(),
                ..Default::default()
            },
            who,
        )
    };
    let once = money
        .review_letter_of_credit(review(SALES))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(once.state(), finance::LetterOfCreditState::UnderReview);
    assert_eq!(
        blockers(cluster, order_id).await,
        ["LC_NOT_REVIEWED"],
        "FIN-4: one review is not enough"
    );
    let twice = money
        .review_letter_of_credit(review(DOCS_CLERK))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(twice.state(), finance::LetterOfCreditState::Accepted);
    assert_eq!(twice.reviewed_date, in_days(0));
    twice
}

pub(crate) async fn stock_of(cluster: &Cluster, sku: &str, warehouse: &str) -> (i64, i64) {
    let stock = cluster
        .inventory_client()
        .await
        .get_stock(call(
            inventory::GetStockRequest {
                sku: sku.to_owned(),
                warehouse: warehouse.to_owned(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    (stock.on_hand, stock.reserved)
}

/// The order's receivable (FIN-10), if it is still being collected.
pub(crate) async fn receivable(cluster: &Cluster, order_id: &str) -> Option<finance::Receivable> {
    cluster
        .finance_client()
        .await
        .list_receivables(call(finance::ListReceivablesRequest::default(), FINANCE))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .receivables
        .into_iter()
        .find(|receivable| receivable.order_id == order_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_export_lc_order_from_inquiry_through_production_and_purchasing_to_money_collected() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    cluster
        .approvals_client()
        .await
        .set_exchange_rate(call(
            approvals::SetExchangeRateRequest {
                request_id: String::new(),
                currency_code: "USD".to_owned(),
                rate: "7.1".to_owned(),
            },
            FINANCE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // No pump in finished goods; 10 seals where 30 pumps need 31.
    factory(&cluster, 10).await;
    let mut orders = cluster.orders_client().await;
    let mut money = cluster.finance_client().await;

    // Inquiry → quotation revised once → PO → order → contract review.
    let order = quoted_order(&cluster).await;
    let id = order.id.clone();
    submit_and_confirm(&mut orders, &id, SALES).await;
    // ORD-16: the confirmation sheet goes back; the customer acknowledges.
    let sheet = orders
        .get_confirmation_sheet(call(
            pb::GetConfirmationSheetRequest {
                order_id: id.clone(),
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        (sheet.total.clone(), sheet.customer_po_number.as_str()),
        (usd(9_000_000), "BSI-PO-1207")
    );
    assert_eq!(sheet.payment_terms_text, "letter of credit");
    orders
        .record_customer_acknowledgement(call(
            pb::RecordCustomerAcknowledgementRequest {
                order_id: id.clone(),
                acknowledged_by: "J. Watson, purchasing".to_owned(),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let decided = contract_reviewed(&cluster, &id).await;
    assert_eq!(decided.state(), approvals::ApprovalState::Approved);
    let deciders: Vec<(&str, &str)> = decided
        .steps
        .iter()
        .map(|step| (step.role.as_str(), step.decided_by.as_str()))
        .collect();
    assert_eq!(
        deciders,
        [
            ("sales", "tom"),
            ("dept_manager", "dept_manager"),
            ("admin_reviewer", "admin_reviewer"),
            ("gm", "gm")
        ]
    );
    // FIN-9: a proforma invoice for the customer's L/C application.
    let proforma = money
        .issue_proforma_invoice(call(
            finance::IssueDocumentRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            FINANCE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(proforma.total, usd(9_000_000));

    // The L/C, then the release.
    letter_of_credit_accepted(&cluster, &id).await;
    let released = wait_for_entry(&mut orders, &id, "released").await;
    assert_eq!(released.source, "finance");
    assert!(!released.detail.contains("LC_LATE"), "{}", released.detail);

    // PRD-1: nothing in finished goods: the pumps become a production order.
    wait_for_entry(&mut orders, &id, "stock_short").await;
    let made = production_order_of(&cluster, &id).await;
    assert_eq!((made.sku.as_str(), made.quantity), (PUMP.0, 30));
    engineered(
        &cluster,
        &made.id,
        &[production::PreShipmentInspectionKind::ThirdParty],
    )
    .await;

    // PRC-2: the BOM is short of 21 seals: a requisition, bought from a
    // supplier, received, passed by IQC and booked in (PRC-3 … PRC-5).
    let mut plant = cluster.production_client().await;
    let planned = plant
        .plan_materials(call(
            production::PlanMaterialsRequest {
                request_id: String::new(),
                id: made.id.clone(),
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let short: Vec<(&str, i64)> = planned
        .materials
        .iter()
        .filter(|line| line.short > 0)
        .map(|line| (line.sku.as_str(), line.short))
        .collect();
    assert_eq!(short, [("SEAL", 21)]);
    let requisition = requisition_for(&cluster, "SEAL").await;
    assert_eq!(requisition.quantity, 21);
    assert_eq!(requisition.sources[0].reference, made.id);
    buy_and_book(&cluster, &requisition, 350).await;
    assert_eq!(stock_of(&cluster, "SEAL", "MATERIALS").await, (31, 0));

    // PRD-2 … PRD-5: issued, first article, run, QA, into finished goods.
    let issued = produced(&cluster, &made.id, 30).await;
    assert_eq!(
        issued,
        [("BOLT".to_owned(), 120), ("SEAL".to_owned(), 31)],
        "4 bolts a pump; 30 seals and 2.5 % scrap"
    );
    wait_for_state(&mut orders, &id, pb::OrderState::ReadyToShip).await;
    assert_eq!(stock_of(&cluster, PUMP.0, "FG").await, (30, 30));
    assert_eq!(
        stock_of(&cluster, "SEAL", "MATERIALS").await,
        (0, 0),
        "the 31 seals went to the line"
    );

    // PRD-6: the third-party inspection booked by its day, 14 days before
    // the delivery.
    let inspection = plant
        .book_inspection(call(
            production::BookInspectionRequest {
                request_id: String::new(),
                id: made.id.clone(),
                kind: production::PreShipmentInspectionKind::ThirdParty.into(),
                inspection_date: in_days(21),
                inspector: "SGS Ningbo".to_owned(),
            },
            QC,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .pre_shipment_inspections
        .into_iter()
        .find(|inspection| inspection.kind() == production::PreShipmentInspectionKind::ThirdParty)
        .unwrap_or_default();
    assert_eq!(inspection.book_by, in_days(21));
    assert_eq!(inspection.inspection_date, in_days(21));
    assert!(!inspection.overdue);

    // FIN-9, FIN-10: the commercial invoice starts the receivable.
    let invoice = money
        .issue_commercial_invoice(call(
            finance::IssueDocumentRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            FINANCE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let open = receivable(&cluster, &id).await.unwrap_or_default();
    assert_eq!(open.invoice_number, invoice.number);
    assert_eq!(open.outstanding, usd(9_000_000));

    // LOG-6: the export documents, with the customer's PO and the invoice.
    let mut shipping = cluster.logistics_client().await;
    let documents = shipping
        .generate_export_documents(call(
            logistics::GenerateExportDocumentsRequest {
                order_id: id.clone(),
                packing: vec![logistics::PackingLine {
                    sku: PUMP.0.to_owned(),
                    packages: 30,
                    net_weight_grams: 126_000,
                    gross_weight_grams: 141_000,
                    package_dimensions: "40x30x30 cm".to_owned(),
                }],
                container_type: "40HQ".to_owned(),
                statutory_inspection: true,
            },
            LOGISTICS,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(documents.customer_po_number, "BSI-PO-1207");
    assert_eq!(documents.total, usd(9_000_000));
    assert_eq!(documents.total_packages, 30);
    assert!(documents.statutory_inspection);
    assert!(documents.pdf.starts_with(b"%PDF"));

    // Shipped against the L/C, tracked, delivered, received.
    let (carrier_code, _) = ship_and_deliver(&cluster, &id, &order.number, |_| {}).await;
    let shipment = shipping
        .get_shipment(call(
            logistics::GetShipmentRequest {
                order_id: id.clone(),
            },
            LOGISTICS,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(shipment.carrier_code, carrier_code);
    assert_eq!(shipment.tracking_number, format!("TT{}", order.number));
    assert_eq!(shipment.state(), logistics::ShipmentState::Received);
    assert_eq!(stock_of(&cluster, PUMP.0, "FG").await, (0, 0));

    // FIN-9, FIN-10: delivered but not paid: the final invoice shows the
    // open balance, the order waits, the receivable is still open.
    cluster.quiescent().await;
    let delivered = crate::get_order(&mut orders, &id).await;
    assert_eq!(delivered.state(), pb::OrderState::Delivered);
    assert_eq!(
        receivable(&cluster, &id).await.map(|r| r.outstanding),
        Some(usd(9_000_000))
    );

    // The bank pays the L/C: the proceeds recorded and confirmed.
    let proceeds = money
        .record_payment(call(
            finance::RecordPaymentRequest {
                order_id: id.clone(),
                kind: finance::PaymentKind::Full as i32,
                amount: usd(9_000_000),
                method: "L/C negotiation".to_owned(),
                reference: "HSBC-NEG-0042".to_owned(),
                ..Default::default()
            },
            SALES,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    money
        .confirm_payment(call(
            finance::ConfirmPaymentRequest {
                payment_id: proceeds.id,
                ..Default::default()
            },
            FINANCE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let completed = wait_for_state(&mut orders, &id, pb::OrderState::Completed).await;
    assert_eq!(completed.amount_paid, usd(9_000_000));
    assert_eq!(receivable(&cluster, &id).await, None, "collected");
    let ledger = money
        .list_ledger_entries(call(
            finance::ListLedgerEntriesRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            FINANCE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(ledger.totals, [usd(9_000_000).unwrap_or_default()]);

    // Production closed its order; the order's life in one timeline.
    let closed = plant
        .get_production_order(call(
            production::GetProductionOrderRequest {
                id: made.id.clone(),
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((closed.good, closed.passed), (30, 30));
    assert_eq!(closed.state(), production::ProductionOrderState::Completed);
    let actions: Vec<String> = timeline(&mut orders, &id)
        .await
        .into_iter()
        .filter(|entry| entry.to_state != 0)
        .map(|entry| entry.action)
        .collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "confirmed",
            "approved",
            "released",
            "in_production",
            "ready_to_ship",
            "shipped",
            "delivered",
            "completed"
        ]
    );
}
