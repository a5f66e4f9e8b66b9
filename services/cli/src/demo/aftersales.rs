//! The demo's after-sales leg on the completed standard order: one pump
//! comes back cracked (S7: picked up, inspected, quarantined, 400.00 agreed
//! and refunded once the GM approved), another is exchanged for a larger
//! size (S9: restocked, a replacement order linked to the original).

use aftersales::after_sales_service_client::AfterSalesServiceClient;
use orderflow_proto::aftersales::v1 as aftersales;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;
use secrecy::SecretString;

use super::{
    Authorized, Client, Urls, authorized, finance_client, money_text, print_timeline_from, retry,
    retry_response, trace_of, wait_for_entry,
};

type Cases = AfterSalesServiceClient<Authorized>;

async fn cases(urls: &Urls, secret: &SecretString, who: &str, role: &str) -> anyhow::Result<Cases> {
    Ok(AfterSalesServiceClient::new(
        authorized(&urls.aftersales, secret, who, &[role]).await?,
    ))
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

/// Opens, approves, picks up and inspects a case; returns it inspected,
/// with the trace id of its opening.
async fn through_inspection(
    urls: &Urls,
    secret: &SecretString,
    request: aftersales::CreateCaseRequest,
    payment: aftersales::FreightPayment,
    finding: aftersales::InspectedLine,
) -> anyhow::Result<(aftersales::Case, String)> {
    let mut service = cases(urls, secret, "demo-service", "customer_service").await?;
    let opened = retry_response("after-sales to know the delivered order", || {
        let mut service = service.clone();
        let request = request.clone();
        async move { service.create_case(request).await }
    })
    .await?;
    let trace = trace_of(&opened);
    let case = opened.into_inner();
    println!(
        "   case {} ({}) opened; return freight paid by {}",
        case.number,
        aftersales::CaseKind::try_from(case.kind)
            .map(|kind| kind
                .as_str_name()
                .trim_start_matches("CASE_KIND_")
                .to_owned())
            .unwrap_or_default(),
        if case.freight_payer == aftersales::FreightPayer::Us as i32 {
            "us"
        } else {
            "the customer"
        }
    );
    service
        .approve_case(aftersales::ApproveCaseRequest {
            request_id: format!("demo-approve-{}", case.id),
            case_id: case.id.clone(),
            comment: "the photos show it".to_owned(),
        })
        .await?;
    let picked = service
        .schedule_pickup(aftersales::SchedulePickupRequest {
            request_id: format!("demo-pickup-{}", case.id),
            case_id: case.id.clone(),
            pickup_date: tomorrow(),
            address: None,
            freight_payment: payment.into(),
        })
        .await?
        .into_inner();
    if let Some(pickup) = picked.pickup {
        println!(
            "   approved; {} collects on {}",
            pickup.carrier_code, pickup.pickup_date
        );
    }
    let inspected = cases(urls, secret, "demo-qc", "qc")
        .await?
        .inspect_return(aftersales::InspectReturnRequest {
            request_id: format!("demo-inspect-{}", case.id),
            case_id: case.id.clone(),
            lines: vec![finding],
        })
        .await?
        .into_inner();
    println!(
        "   inspected: {}; {} to refund",
        inspected
            .history
            .last()
            .map(|entry| entry.detail.clone())
            .unwrap_or_default(),
        money_text(inspected.refund_amount.as_ref())
    );
    Ok((inspected, trace))
}

/// APR-6, FIN-8: the GM approves the case's refund, finance pays it.
async fn refund(urls: &Urls, secret: &SecretString, case: &aftersales::Case) -> anyhow::Result<()> {
    let service = cases(urls, secret, "demo-service", "customer_service").await?;
    let filed = retry("finance to take the refund", || {
        let mut service = service.clone();
        let id = case.id.clone();
        async move {
            let found = service
                .get_case(aftersales::GetCaseRequest { case_id: id })
                .await?;
            if found.get_ref().refund_id.is_empty() {
                return Err(tonic::Status::unavailable("not filed yet"));
            }
            Ok(found)
        }
    })
    .await?;
    let money = finance_client(&urls.finance, secret, "demo-finance", &["finance"]).await?;
    let pending = retry("the refund's approval request", || {
        let mut money = money.clone();
        let id = filed.refund_id.clone();
        async move {
            let refund = money
                .get_refund(finance::GetRefundRequest { refund_id: id })
                .await?;
            if refund.get_ref().approval_request_id.is_empty() {
                return Err(tonic::Status::unavailable("not filed yet"));
            }
            Ok(refund)
        }
    })
    .await?;
    super::approving::every_step(urls, secret, &pending.approval_request_id, |role| {
        format!("demo-{role}")
    })
    .await?;
    let executed = retry("finance to execute the approved refund", || {
        let mut money = money.clone();
        let id = pending.id.clone();
        async move {
            money
                .execute_refund(finance::ExecuteRefundRequest {
                    request_id: format!("demo-pay-{id}"),
                    refund_id: id,
                    execution_reference: "DEMO-BANK-REF".to_owned(),
                })
                .await
        }
    })
    .await?;
    println!(
        "   the GM approved; finance refunded {}",
        money_text(executed.amount.as_ref())
    );
    Ok(())
}

/// S7 and S9 on the delivered `order`, whose timeline had `shown` entries
/// when it was printed: each case ends with what it added to the order's
/// timeline and the trace of its opening.
pub async fn returns(
    urls: &Urls,
    secret: &SecretString,
    sales: &mut Client,
    order: &pb::Order,
    shown: usize,
) -> anyhow::Result<()> {
    let pump = |quantity| aftersales::CaseLine {
        sku: "PUMP-100".to_owned(),
        quantity,
        tags_attached: true,
        packaging_intact: true,
        ..Default::default()
    };
    println!();
    println!(
        "3. After-sales on order {}: a cracked pump comes back (S7).",
        order.number
    );
    let (s7, s7_trace) = through_inspection(
        urls,
        secret,
        aftersales::CreateCaseRequest {
            request_id: format!("demo-s7-{}", order.id),
            kind: aftersales::CaseKind::Return.into(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            reason: aftersales::ReturnReason::Quality.into(),
            description: "casing cracked".to_owned(),
            evidence: vec!["photos/crack.jpg".to_owned()],
            lines: vec![pump(1)],
            requested_amount: None,
            overseas_warehouse: false,
        },
        aftersales::FreightPayment::OurAccount,
        aftersales::InspectedLine {
            sku: "PUMP-100".to_owned(),
            quantity: 1,
            condition: aftersales::Condition::Damaged.into(),
            agreed_value: Some(common::Money {
                currency_code: "CNY".to_owned(),
                minor_units: 40_000,
            }),
            restocked: false,
            note: "casing cracked, motor fine".to_owned(),
        },
    )
    .await?;
    refund(urls, secret, &s7).await?;
    wait_for_entry(sales, &order.id, "aftersales_closed", &s7.number).await?;
    let shown = print_timeline_from(sales, &order.id, &s7_trace, shown).await?;

    println!();
    println!("4. Another pump exchanged for size L (S9).");
    let (s9, s9_trace) = through_inspection(
        urls,
        secret,
        aftersales::CreateCaseRequest {
            request_id: format!("demo-s9-{}", order.id),
            kind: aftersales::CaseKind::Exchange.into(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            reason: aftersales::ReturnReason::SizeOrFit.into(),
            description: "too small for the tank".to_owned(),
            evidence: Vec::new(),
            lines: vec![aftersales::CaseLine {
                size: "L".to_owned(),
                ..pump(1)
            }],
            requested_amount: None,
            overseas_warehouse: false,
        },
        aftersales::FreightPayment::SenderPrepaid,
        aftersales::InspectedLine {
            sku: "PUMP-100".to_owned(),
            quantity: 1,
            condition: aftersales::Condition::Complete.into(),
            agreed_value: None,
            restocked: true,
            note: String::new(),
        },
    )
    .await?;
    let service = cases(urls, secret, "demo-service", "customer_service").await?;
    let replaced = retry("the replacement order", || {
        let mut service = service.clone();
        let id = s9.id.clone();
        async move {
            let found = service
                .get_case(aftersales::GetCaseRequest { case_id: id })
                .await?;
            if found.get_ref().replacement_order_id.is_empty() {
                return Err(tonic::Status::unavailable("not yet"));
            }
            Ok(found)
        }
    })
    .await?;
    println!(
        "   replacement order {} linked to {}; price difference {}",
        replaced.replacement_order_id,
        order.number,
        money_text(replaced.price_difference.as_ref())
    );
    refund(urls, secret, &s9).await?;
    let books = finance_client(&urls.finance, secret, "demo-finance", &["finance"])
        .await?
        .list_ledger_entries(finance::ListLedgerEntriesRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    println!(
        "   the order's ledger nets to {} ({} entries)",
        books
            .totals
            .iter()
            .map(|total| money_text(Some(total)))
            .collect::<Vec<_>>()
            .join(", "),
        books.entries.len()
    );
    wait_for_entry(sales, &order.id, "aftersales_closed", &s9.number).await?;
    print_timeline_from(sales, &order.id, &s9_trace, shown).await?;
    Ok(())
}
