//! PRC-2 … PRC-5 across the services: the export order's production
//! shortage of seals becomes a requisition; the purchaser gets quotes and
//! selects a supplier; the purchase contract goes through the approvals
//! service (APR-9: purchasing manager, then the production VP); the order
//! is sent, the seals arrive, IQC passes them, the warehouse books what
//! passed — and nothing more — into the materials warehouse, and the
//! production order's materials are issued.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::procurement::v1 as pb;
use orderflow_proto::production::v1 as production;

use crate::production::{PLANNER, WAREHOUSE, call, factory, short_and_engineered};

pub(crate) const PURCHASER: (&str, &[&str]) = ("pat", &["purchaser"]);
const BUYING_MANAGER: (&str, &[&str]) = ("max", &["purchasing_manager"]);

/// PRC-1 … PRC-5 for one requisition: an approved supplier quotes
/// `unit_price` and is selected; the contract passes the approvals service
/// (APR-9, in its order); the order is sent; all of it arrives and passes
/// IQC; the warehouse books it into the materials warehouse — and not one
/// piece more.
pub(crate) async fn buy_and_book(
    cluster: &Cluster,
    requisition: &pb::Requisition,
    unit_price: i64,
) {
    // PRC-1, PRC-3: an approved supplier quotes and is selected.
    let buying = cluster.procurement_client().await;
    let mut buying = buying.clone();
    buying
        .create_supplier(call(
            pb::CreateSupplierRequest {
                request_id: String::new(),
                code: "ACME".to_owned(),
                name: "Acme Seals Suzhou".to_owned(),
                categories: vec!["seals".to_owned()],
                contacts: Vec::new(),
            },
            PURCHASER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    buying
        .review_supplier(call(
            pb::ReviewSupplierRequest {
                request_id: String::new(),
                code: "ACME".to_owned(),
                status: pb::SupplierStatus::Approved.into(),
                note: String::new(),
            },
            BUYING_MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    buying
        .record_quote(call(
            pb::RecordQuoteRequest {
                request_id: String::new(),
                requisition_id: requisition.id.clone(),
                supplier_code: "ACME".to_owned(),
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: unit_price,
                }),
                lead_days: 5,
                exchange_rate: String::new(),
            },
            PURCHASER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = buying
        .select_supplier(call(
            pb::SelectSupplierRequest {
                request_id: String::new(),
                requisition_id: requisition.id.clone(),
                supplier_code: "ACME".to_owned(),
                reason: String::new(),
                ..Default::default()
            },
            PURCHASER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();

    // APR-9: the contract in the approvals service, decided in order.
    let approval_request = testing::eventually(Duration::from_secs(20), "the contract", || {
        let mut buying = buying.clone();
        let request = call(
            pb::GetPurchaseOrderRequest {
                id: order.id.clone(),
            },
            PURCHASER,
        );
        async move {
            let order = buying.get_purchase_order(request).await.ok()?.into_inner();
            (!order.approval_request_id.is_empty()).then_some(order.approval_request_id)
        }
    })
    .await;
    let mut approver = cluster.approvals_client().await;
    let request = approver
        .get_approval_request(call(
            approvals::GetApprovalRequestRequest {
                approval_request_id: approval_request.clone(),
            },
            PURCHASER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let roles: Vec<&str> = request
        .steps
        .iter()
        .map(|step| step.role.as_str())
        .collect();
    assert_eq!(roles, ["purchasing_manager", "vp_production"]);
    for (step, who) in request.steps.iter().zip(["max", "vic"]) {
        approver
            .decide_step(authorized(
                approvals::DecideStepRequest {
                    request_id: String::new(),
                    approval_request_id: request.id.clone(),
                    step_id: step.id.clone(),
                    decision: approvals::Decision::Approve.into(),
                    reason: String::new(),
                },
                who,
                &[step.role.as_str()],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }

    // PRC-4: sent once approved (the decision arrives as an event).
    let send = pb::SendPurchaseOrderRequest {
        request_id: String::new(),
        id: order.id.clone(),
        promised_date: crate::in_days(5),
        ..Default::default()
    };
    testing::eventually(Duration::from_secs(20), "the order sent", || {
        let mut buying = buying.clone();
        let request = call(send.clone(), PURCHASER);
        async move { buying.send_purchase_order(request).await.ok() }
    })
    .await;

    // PRC-5: 21 arrive; IQC passes them.
    let arrived = buying
        .record_arrival(call(
            pb::RecordArrivalRequest {
                request_id: String::new(),
                id: order.id.clone(),
                quantity: requisition.quantity,
                packaging_ok: true,
                note: String::new(),
                ..Default::default()
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let receipt = arrived.receipts[0].id.clone();
    buying
        .record_iqc(call(
            pb::RecordIqcRequest {
                request_id: String::new(),
                id: order.id.clone(),
                receipt_id: receipt.clone(),
                accepted: requisition.quantity,
                rejected: 0,
                defects: String::new(),
            },
            ("quinn", &["qc"]),
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // The warehouse books in what passed, and not one more.
    let book = |quantity: i64| inventory::ReceiveRequest {
        warehouse: "MATERIALS".to_owned(),
        lines: vec![inventory::Line {
            sku: requisition.sku.clone(),
            quantity,
        }],
        reference: receipt.clone(),
        inspection_passed: true,
        inspection_reference: "IQC".to_owned(),
        ..Default::default()
    };
    let stock = cluster.inventory_client().await;
    testing::eventually(Duration::from_secs(20), "the seals booked in", || {
        let mut stock = stock.clone();
        let request = call(book(requisition.quantity), WAREHOUSE);
        async move { stock.receive_from_purchase(request).await.ok() }
    })
    .await;
    let mut stock = stock.clone();
    let refused = stock
        .receive_from_purchase(call(book(1), WAREHOUSE))
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(refused, Some(tonic::Code::FailedPrecondition));
}

/// PRC-2: the first requisition for `sku`, once there is one.
pub(crate) async fn requisition_for(cluster: &Cluster, sku: &str) -> pb::Requisition {
    let buying = cluster.procurement_client().await;
    testing::eventually(Duration::from_secs(20), "the requisition", || {
        let mut buying = buying.clone();
        let request = call(
            pb::ListRequisitionsRequest {
                sku: sku.to_owned(),
                ..Default::default()
            },
            PURCHASER,
        );
        async move {
            let found = buying.list_requisitions(request).await.ok()?.into_inner();
            found.requisitions.into_iter().next()
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prc_2_to_5_a_production_shortage_is_bought_checked_booked_and_issued() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    // 30 pumps need 31 seals (2.5 % scrap); the warehouse has 10.
    factory(&cluster, 10).await;
    let (_, made) = short_and_engineered(&cluster, 30).await;
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
    assert!(
        planned
            .materials
            .iter()
            .any(|line| line.sku == "SEAL" && line.short == 21)
    );

    // PRC-2: the shortage is a requisition.
    let requisition = requisition_for(&cluster, "SEAL").await;
    assert_eq!(requisition.quantity, 21);
    assert_eq!(requisition.sources[0].reference, made.id);

    buy_and_book(&cluster, &requisition, 350).await;

    // 10 + 21 seals: what the 30 pumps need. Planned again, nothing is
    // short; scheduled, the materials are issued to production.
    let replanned = plant
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
    assert!(replanned.materials.iter().all(|line| line.short == 0));
    let draft = plant
        .propose_schedule(call(production::ProposeScheduleRequest::default(), PLANNER))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    plant
        .approve_schedule(call(
            production::ApproveScheduleRequest {
                request_id: String::new(),
                id: draft.id,
            },
            ("ma", &["production_manager"]),
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let issued = plant
        .issue_materials(call(
            production::IssueMaterialsRequest {
                request_id: String::new(),
                id: made.id.clone(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let seal = issued
        .materials
        .iter()
        .find(|line| line.sku == "SEAL")
        .map(|line| (line.required, line.issued));
    assert_eq!(seal, Some((31, 31)));
}

/// INV-9: a traded item (bought, not made) short at release becomes a
/// purchase requisition for the order, and no production order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inv_9_a_traded_item_short_at_release_is_requisitioned_not_produced() {
    use crate::stock::place_and_confirm;
    use orderflow_proto::orders::v1 as orders;
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut stock = cluster.inventory_client().await;
    stock
        .create_item(call(
            inventory::CreateItemRequest {
                request_id: String::new(),
                sku: "PUMP-100".to_owned(),
                name: "Water pump (traded)".to_owned(),
                unit: "pcs".to_owned(),
                weight_grams: 4_200,
                bought: true,
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    stock
        .adjust_stock(call(
            inventory::AdjustStockRequest {
                sku: "PUMP-100".to_owned(),
                warehouse: "FG".to_owned(),
                quantity: 1,
                note: "opening count".to_owned(),
                ..Default::default()
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let mut sales = cluster.orders_client().await;
    let order = place_and_confirm(&mut sales, 3, "").await;
    crate::wait_for_state(&mut sales, &order.id, orders::OrderState::AwaitingPayment).await;
    orderflow_e2e::release_prepaid(
        &cluster.finance_client().await,
        &order.id,
        common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: 375_000,
        },
        &[crate::stock::PUMP_COST],
        |_| {},
    )
    .await;
    let buying = cluster.procurement_client().await;
    let requisition = testing::eventually(Duration::from_secs(30), "the requisition", || {
        let mut buying = buying.clone();
        let request = call(
            pb::ListRequisitionsRequest {
                sku: "PUMP-100".to_owned(),
                ..Default::default()
            },
            PURCHASER,
        );
        async move {
            buying
                .list_requisitions(request)
                .await
                .ok()?
                .into_inner()
                .requisitions
                .into_iter()
                .next()
        }
    })
    .await;
    assert_eq!(
        requisition.quantity, 3,
        "the short line (INV-3: a line is reserved in full or not at all)"
    );
    assert_eq!(requisition.sources[0].kind, "stock_short");
    assert_eq!(requisition.sources[0].reference, order.id);
    cluster.quiescent().await;
    let produced = cluster
        .production_client()
        .await
        .list_production_orders(call(
            production::ListProductionOrdersRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        produced.production_orders.is_empty(),
        "a traded item is not made: {:?}",
        produced.production_orders
    );
}
