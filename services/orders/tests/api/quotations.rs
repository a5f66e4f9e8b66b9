//! Export pre-sale: inquiry → quotation → revisions → PO → order (ORD-13).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(ord_13_a_quotation_is_revised_and_accepted_into_an_export_order);

fn usd(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "USD".to_owned(),
        minor_units,
    })
}

fn terms(unit_price: i64) -> pb::QuotationTerms {
    pb::QuotationTerms {
        currency_code: "USD".to_owned(),
        lines: vec![pb::QuotationLine {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            model: "WP-100".to_owned(),
            manufacturer: "Ningbo Pumps".to_owned(),
            quantity: 200,
            unit_price: usd(unit_price),
            line_total: None,
        }],
        delivery_date: "2026-06-30".to_owned(),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Lc as i32,
            has_commission_clause: true,
            ..Default::default()
        }),
        packaging: "export carton, 4 per pallet".to_owned(),
        container_type: "40HQ".to_owned(),
        valid_until: "2026-04-30".to_owned(),
    }
}

async fn ord_13_a_quotation_is_revised_and_accepted_into_an_export_order(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let mut quotations = app.quotations_as("alice", &["sales"]).await;
    let quotation = quotations
        .create_quotation(pb::CreateQuotationRequest {
            customer_id: customer.id.clone(),
            inquiry: Some(pb::Inquiry {
                reference: "RFQ-2026-031".to_owned(),
                text: "200 pumps, FOB Ningbo".to_owned(),
                receive_time: None,
            }),
            terms: Some(terms(5_000)),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        quotation.number.starts_with("PI20260302"),
        "{}",
        quotation.number
    );
    assert_eq!(quotation.current_version, 1);

    let revised = quotations
        .revise_quotation(pb::ReviseQuotationRequest {
            quotation_id: quotation.id.clone(),
            terms: Some(terms(4_800)),
            change_note: "4% off for a 40HQ".to_owned(),
            base_version: 1,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(revised.current_version, 2);
    let prices: Vec<i64> = revised
        .versions
        .iter()
        .map(|v| {
            v.terms.as_ref().map_or(0, |t| {
                t.lines[0].unit_price.as_ref().map_or(0, |p| p.minor_units)
            })
        })
        .collect();
    assert_eq!(prices, vec![5_000, 4_800], "every version is kept");

    let stale = quotations
        .accept_quotation(pb::AcceptQuotationRequest {
            quotation_id: quotation.id.clone(),
            version: 1,
            customer_po_number: "PO-88".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an old version was accepted"));
    assert_eq!(stale.code(), tonic::Code::FailedPrecondition);

    let accepted = quotations
        .accept_quotation(pb::AcceptQuotationRequest {
            quotation_id: quotation.id.clone(),
            version: 2,
            customer_po_number: "PO-88".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = accepted.order.unwrap_or_default();
    let quotation = accepted.quotation.unwrap_or_default();
    assert_eq!(quotation.state, pb::QuotationState::Accepted as i32);
    assert_eq!(quotation.order_id, order.id);
    assert_eq!(order.kind, pb::OrderKind::Export as i32);
    assert_eq!(order.quotation_id, quotation.id);
    assert_eq!(order.customer_po_number, "PO-88");
    assert_eq!(order.currency_code, "USD");
    assert_eq!(order.total, usd(960_000));
    assert_eq!(order.requested_delivery_date, "2026-06-30");
    assert_eq!(
        order.payment_terms.map(|t| t.has_commission_clause),
        Some(true)
    );
    assert_eq!(order.state, pb::OrderState::Draft as i32);
    app.wait_for_published("orders.quotation.accepted", 1).await;
}
