//! The demo's purchasing leg (PRC-1 … PRC-5): what the export order's
//! production order is short of is requisitioned by procurement; an
//! approved supplier quotes and is selected; the purchase contract goes
//! through the approvals service (purchasing manager, then the production
//! VP); the order is sent, arrives, passes IQC and is booked into the
//! materials warehouse.

use std::time::Duration;

use approvals::approval_service_client::ApprovalServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::procurement::v1 as pb;
use orderflow_proto::production::v1 as production;
use pb::procurement_service_client::ProcurementServiceClient;
use secrecy::SecretString;

use super::{Authorized, Urls, authorized};

type Buying = ProcurementServiceClient<Authorized>;

const SUPPLIER: &str = "DEMO-SEALS";

async fn buying(
    urls: &Urls,
    secret: &SecretString,
    who: &str,
    role: &str,
) -> anyhow::Result<Buying> {
    Ok(ProcurementServiceClient::new(
        authorized(&urls.procurement, secret, who, &[role]).await?,
    ))
}

/// Polls `attempt` until it gives something, for up to ten seconds.
async fn until<T, F, Fut>(what: &str, mut attempt: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(found) = attempt().await {
            return Ok(found);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{what} did not happen")
}

/// An approved supplier `code` for the demo (made once): registered by the
/// purchaser, approved by the purchasing manager.
pub(super) async fn approved_supplier(
    urls: &Urls,
    secret: &SecretString,
    code: &str,
    name: &str,
    categories: &[&str],
) -> anyhow::Result<()> {
    let mut purchaser = buying(urls, secret, "demo-purchaser", "purchaser").await?;
    match purchaser
        .create_supplier(pb::CreateSupplierRequest {
            request_id: String::new(),
            code: code.to_owned(),
            name: name.to_owned(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            contacts: Vec::new(),
        })
        .await
    {
        Ok(_) => {}
        Err(status) if status.code() == tonic::Code::AlreadyExists => return Ok(()),
        Err(status) => return Err(status.into()),
    }
    buying(urls, secret, "demo-buying-manager", "purchasing_manager")
        .await?
        .review_supplier(pb::ReviewSupplierRequest {
            request_id: String::new(),
            code: code.to_owned(),
            status: pb::SupplierStatus::Approved.into(),
            note: String::new(),
        })
        .await?;
    Ok(())
}

/// Buys every material `planned` is short of on one purchase order, and
/// books it in.
pub(super) async fn buy_shortages(
    urls: &Urls,
    secret: &SecretString,
    planned: &production::ProductionOrder,
) -> anyhow::Result<()> {
    approved_supplier(
        urls,
        secret,
        SUPPLIER,
        "Suzhou Demo Seals Co.",
        &["seals", "fasteners"],
    )
    .await?;
    let mut purchaser = buying(urls, secret, "demo-purchaser", "purchaser").await?;
    let mut requisitions = Vec::new();
    for line in planned.materials.iter().filter(|line| line.short > 0) {
        let requisition = until("the requisition", || {
            let mut purchaser = purchaser.clone();
            let sku = line.sku.clone();
            let production_order = planned.id.clone();
            async move {
                purchaser
                    .list_requisitions(pb::ListRequisitionsRequest {
                        sku,
                        state: pb::RequisitionState::Open.into(),
                        ..Default::default()
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .requisitions
                    .into_iter()
                    .find(|r| r.sources.iter().any(|s| s.reference == production_order))
            }
        })
        .await?;
        println!(
            "   requisition for {} {} (PRC-2)",
            requisition.quantity, requisition.sku
        );
        purchaser
            .record_quote(pb::RecordQuoteRequest {
                request_id: String::new(),
                requisition_id: requisition.id.clone(),
                supplier_code: SUPPLIER.to_owned(),
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: 350,
                }),
                lead_days: 5,
                exchange_rate: String::new(),
            })
            .await?;
        requisitions.push(requisition.id);
    }
    let Some((first, more)) = requisitions.split_first() else {
        return Ok(());
    };
    let order = purchaser
        .select_supplier(pb::SelectSupplierRequest {
            request_id: String::new(),
            requisition_id: first.clone(),
            requisition_ids: more.to_vec(),
            supplier_code: SUPPLIER.to_owned(),
            reason: String::new(),
        })
        .await?
        .into_inner();
    println!(
        "   one purchase order to {SUPPLIER} with {} lines (PRC-3)",
        order.lines.len()
    );
    let approval = until("the contract filed", || {
        let mut purchaser = purchaser.clone();
        let id = order.id.clone();
        async move {
            let order = purchaser
                .get_purchase_order(pb::GetPurchaseOrderRequest { id })
                .await
                .ok()?
                .into_inner();
            (!order.approval_request_id.is_empty()).then_some(order.approval_request_id)
        }
    })
    .await?;
    let mut reader = ApprovalServiceClient::new(
        authorized(&urls.approvals, secret, "demo-purchaser", &["purchaser"]).await?,
    );
    let request = reader
        .get_approval_request(approvals::GetApprovalRequestRequest {
            approval_request_id: approval,
        })
        .await?
        .into_inner();
    for step in request.steps.iter().filter(|s| s.round == request.round) {
        ApprovalServiceClient::new(
            authorized(
                &urls.approvals,
                secret,
                "demo-approver",
                &[step.role.as_str()],
            )
            .await?,
        )
        .decide_step(approvals::DecideStepRequest {
            request_id: String::new(),
            approval_request_id: request.id.clone(),
            step_id: step.id.clone(),
            decision: approvals::Decision::Approve.into(),
            reason: String::new(),
        })
        .await?;
        println!("   purchase contract approved by {} (APR-9)", step.role);
    }
    let promised = (chrono::Utc::now() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    until("the order sent", || {
        let mut purchaser = purchaser.clone();
        let request = pb::SendPurchaseOrderRequest {
            request_id: String::new(),
            id: order.id.clone(),
            promised_date: promised.clone(),
            line_promises: Vec::new(),
        };
        async move { purchaser.send_purchase_order(request).await.ok() }
    })
    .await?;
    let mut warehouse_desk = buying(urls, secret, "demo-warehouse", "warehouse").await?;
    let mut qc = buying(urls, secret, "demo-qc", "qc").await?;
    let warehouse = InventoryServiceClient::new(
        authorized(&urls.inventory, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    for line in &order.lines {
        let arrived = warehouse_desk
            .record_arrival(pb::RecordArrivalRequest {
                request_id: String::new(),
                id: order.id.clone(),
                line: line.line,
                quantity: line.quantity,
                packaging_ok: true,
                note: String::new(),
            })
            .await?
            .into_inner();
        let receipt = arrived
            .receipts
            .last()
            .map(|receipt| receipt.id.clone())
            .unwrap_or_default();
        qc.record_iqc(pb::RecordIqcRequest {
            request_id: String::new(),
            id: order.id.clone(),
            receipt_id: receipt.clone(),
            accepted: line.quantity,
            rejected: 0,
            defects: String::new(),
        })
        .await?;
        until("the booking", || {
            let mut warehouse = warehouse.clone();
            let request = inventory::ReceiveRequest {
                request_id: format!("demo-book-{receipt}"),
                warehouse: "MATERIALS".to_owned(),
                lines: vec![inventory::Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                }],
                reference: receipt.clone(),
                inspection_passed: true,
                inspection_reference: "IQC".to_owned(),
            };
            async move { warehouse.receive_from_purchase(request).await.ok() }
        })
        .await?;
        println!(
            "   line {}: {} {} arrived, passed IQC, booked into MATERIALS (PRC-4, PRC-5)",
            line.line, line.quantity, line.sku
        );
    }
    Ok(())
}
