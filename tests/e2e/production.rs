//! PRD-1 … PRD-5 across the services: a released order short by 30 pumps
//! becomes a production order, goes through engineering, materials, the
//! master schedule, the first article, the run and final QA; the passed lot
//! goes into finished goods, makes the reservation whole and the order
//! READY_TO_SHIP, and it is shipped and settled to COMPLETED.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized, release_prepaid};
use orderflow_platform::testing;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::production::v1 as production;

use crate::fulfilment::ship_to_completion;
use crate::s13::{approval_of, decision};
use crate::stock::{PUMP, place_and_confirm, stock_item};
use crate::{
    create_customer, in_days, submit_and_confirm, timeline, wait_for_entry, wait_for_state,
};

/// `(subject, roles)` of the people of the production floor.
pub(crate) const PLANNER: (&str, &[&str]) = ("pei", &["planner"]);
pub(crate) const MANAGER: (&str, &[&str]) = ("ma", &["production_manager"]);
pub(crate) const ENGINEER: (&str, &[&str]) = ("eng", &["engineering"]);
pub(crate) const CHIEF_ENGINEER: (&str, &[&str]) = ("chen", &["engineering_manager"]);
pub(crate) const QC: (&str, &[&str]) = ("quinn", &["qc"]);
pub(crate) const WAREHOUSE: (&str, &[&str]) = ("wang", &["warehouse"]);

pub(crate) fn call<T>(message: T, (subject, roles): (&str, &[&str])) -> tonic::Request<T> {
    authorized(message, subject, roles)
}

/// The pump on the books with nothing in finished goods, its materials in
/// the materials warehouse (`seals` of them), an assembly line of 20 a day
/// and the pump's BOM with its routing.
pub(crate) async fn factory(cluster: &Cluster, seals: i64) {
    let mut stock = cluster.inventory_client().await;
    for (sku, name, weight) in [PUMP, ("BOLT", "M8 bolt", 20), ("SEAL", "Seal ring", 5)] {
        stock
            .create_item(call(
                inventory::CreateItemRequest {
                    sku: sku.to_owned(),
                    name: name.to_owned(),
                    unit: "pcs".to_owned(),
                    weight_grams: weight,
                    ..Default::default()
                },
                WAREHOUSE,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }
    for (sku, quantity) in [("BOLT", 500), ("SEAL", seals)] {
        stock
            .adjust_stock(call(
                inventory::AdjustStockRequest {
                    sku: sku.to_owned(),
                    warehouse: "MATERIALS".to_owned(),
                    quantity,
                    note: "opening count".to_owned(),
                    ..Default::default()
                },
                WAREHOUSE,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }
    let mut plant = cluster.production_client().await;
    plant
        .define_work_centre(call(
            production::DefineWorkCentreRequest {
                request_id: String::new(),
                work_centre: Some(production::WorkCentre {
                    code: "ASSY".to_owned(),
                    name: "Assembly line 1".to_owned(),
                    unit: production::CapacityUnit::Units.into(),
                    daily_capacity: 20,
                    days_off: vec![7],
                    holidays: Vec::new(),
                }),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .define_bom(call(
            production::DefineBomRequest {
                request_id: String::new(),
                sku: PUMP.0.to_owned(),
                components: vec![
                    production::BomComponent {
                        sku: "BOLT".to_owned(),
                        quantity: 4,
                        scrap_bps: 0,
                    },
                    production::BomComponent {
                        sku: "SEAL".to_owned(),
                        quantity: 1,
                        scrap_bps: 250,
                    },
                ],
                operations: vec![production::Operation {
                    seq: 10,
                    name: "assemble and test".to_owned(),
                    work_centre: "ASSY".to_owned(),
                    outsourced: false,
                    load_per_piece: 1,
                    lead_days: 0,
                }],
            },
            ENGINEER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// A released order for `quantity` pumps, short in finished goods: its
/// production order found (PRD-1) and taken through the review meeting and
/// engineering's approved documents (PRD-10). Returns the order and the
/// production order.
pub(crate) async fn short_and_engineered(
    cluster: &Cluster,
    quantity: i64,
) -> (pb::Order, production::ProductionOrder) {
    let mut orders = cluster.orders_client().await;
    let order = place_and_confirm(&mut orders, quantity, "").await;
    let id = order.id.clone();
    wait_for_state(&mut orders, &id, pb::OrderState::AwaitingPayment).await;
    release_prepaid(
        &cluster.finance_client().await,
        &id,
        common::Money {
            currency_code: "CNY".to_owned(),
            minor_units: quantity * 125_000,
        },
        &[crate::stock::PUMP_COST],
        |_| {},
    )
    .await;
    wait_for_entry(&mut orders, &id, "stock_short").await;

    // PRD-1: the short line became a production order; PRD-10: the
    // review meeting, engineering's documents, the approval.
    let made = production_order_of(cluster, &id).await;
    assert_eq!((made.sku.as_str(), made.quantity), (PUMP.0, quantity));
    engineered(cluster, &made.id, &[]).await;
    (order, made)
}

/// PRD-1: the one production order made for the order's short line.
pub(crate) async fn production_order_of(
    cluster: &Cluster,
    order_id: &str,
) -> production::ProductionOrder {
    let plant = cluster.production_client().await;
    testing::eventually(Duration::from_secs(20), "the production order", || {
        let mut plant = plant.clone();
        let request = call(
            production::ListProductionOrdersRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            },
            PLANNER,
        );
        async move {
            let found = plant
                .list_production_orders(request)
                .await
                .ok()?
                .into_inner()
                .production_orders;
            (found.len() == 1).then(|| found[0].clone())
        }
    })
    .await
}

/// PRD-10: the review meeting (which records the `inspections` the
/// customer's contract asks for, PRD-6) and engineering's approved
/// documents.
pub(crate) async fn engineered(
    cluster: &Cluster,
    production_order: &str,
    inspections: &[production::PreShipmentInspectionKind],
) {
    let mut plant = cluster.production_client().await;
    plant
        .record_review_meeting(call(
            production::RecordReviewMeetingRequest {
                id: production_order.to_owned(),
                attendees: vec!["pei".to_owned(), "eng".to_owned(), "ma".to_owned()],
                conclusions: "standard pump, no special tooling".to_owned(),
                inspections: inspections.iter().map(|kind| (*kind).into()).collect(),
                ..Default::default()
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .submit_engineering(call(
            production::SubmitEngineeringRequest {
                id: production_order.to_owned(),
                drawings: vec!["DWG-PUMP-100-C".to_owned()],
                process_sheet: "PS-PUMP-100".to_owned(),
                bom_version: 1,
                ..Default::default()
            },
            ENGINEER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .review_engineering(call(
            production::ReviewEngineeringRequest {
                id: production_order.to_owned(),
                approve: true,
                ..Default::default()
            },
            CHIEF_ENGINEER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// PRD-2 … PRD-5 with every material in: planned with nothing short,
/// scheduled, issued, the first article passed, `quantity` made and passed
/// by QA. Returns what was issued, per material.
pub(crate) async fn produced(
    cluster: &Cluster,
    production_order: &str,
    quantity: i64,
) -> Vec<(String, i64)> {
    let mut plant = cluster.production_client().await;
    let id = || production_order.to_owned();
    let replanned = plant
        .plan_materials(call(
            production::PlanMaterialsRequest {
                request_id: String::new(),
                id: id(),
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
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let issued = plant
        .issue_materials(call(
            production::IssueMaterialsRequest {
                request_id: String::new(),
                id: id(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let issued: Vec<(String, i64)> = issued
        .materials
        .into_iter()
        .map(|line| (line.sku, line.issued))
        .collect();
    plant
        .record_first_article(call(
            production::RecordFirstArticleRequest {
                request_id: String::new(),
                id: id(),
                made_by: "li".to_owned(),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .inspect_first_article(call(
            production::InspectFirstArticleRequest {
                request_id: String::new(),
                id: id(),
                passed: true,
                note: String::new(),
            },
            QC,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .start_run(call(
            production::StartRunRequest {
                request_id: String::new(),
                id: id(),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .report_output(call(
            production::ReportOutputRequest {
                request_id: String::new(),
                id: id(),
                good: quantity,
                scrap: 1,
                ..Default::default()
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let lot = plant
        .submit_lot(call(
            production::SubmitLotRequest {
                request_id: String::new(),
                id: id(),
                quantity,
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .lots[0]
        .id
        .clone();
    plant
        .inspect_lot(call(
            production::InspectLotRequest {
                request_id: String::new(),
                id: id(),
                lot_id: lot,
                passed: true,
                note: String::new(),
            },
            QC,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    issued
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prd_1_to_5_a_short_order_is_produced_into_finished_goods_and_completed() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    factory(&cluster, 100).await;
    let (order, made) = short_and_engineered(&cluster, 30).await;
    let id = order.id.clone();
    let po = made.id.clone();
    let mut orders = cluster.orders_client().await;
    let mut plant = cluster.production_client().await;

    // PRD-2, PRD-3: materials planned; the schedule proposed and approved.
    let planned = plant
        .plan_materials(call(
            production::PlanMaterialsRequest {
                request_id: String::new(),
                id: po.clone(),
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(planned.materials.iter().all(|line| line.short == 0));
    let draft = plant
        .propose_schedule(call(production::ProposeScheduleRequest::default(), PLANNER))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(draft.orders.len(), 1);
    plant
        .approve_schedule(call(
            production::ApproveScheduleRequest {
                request_id: String::new(),
                id: draft.id.clone(),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // PRD-11: the plan reaches the sales assistant on the order's timeline.
    let scheduled = wait_for_entry(&mut orders, &id, "production_scheduled").await;
    assert!(
        scheduled.detail.contains("planned completion")
            && scheduled
                .detail
                .contains(&draft.orders[0].planned_completion),
        "{}",
        scheduled.detail
    );

    // PRD-4: materials issued, first article passed, the run.
    plant
        .issue_materials(call(
            production::IssueMaterialsRequest {
                request_id: "issue-1".to_owned(),
                id: po.clone(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .record_first_article(call(
            production::RecordFirstArticleRequest {
                request_id: String::new(),
                id: po.clone(),
                made_by: "li".to_owned(),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .inspect_first_article(call(
            production::InspectFirstArticleRequest {
                request_id: String::new(),
                id: po.clone(),
                passed: true,
                note: String::new(),
            },
            QC,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .start_run(call(
            production::StartRunRequest {
                request_id: String::new(),
                id: po.clone(),
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_state(&mut orders, &id, pb::OrderState::InProduction).await;
    plant
        .report_output(call(
            production::ReportOutputRequest {
                request_id: String::new(),
                id: po.clone(),
                good: 30,
                scrap: 1,
                ..Default::default()
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let lot = plant
        .submit_lot(call(
            production::SubmitLotRequest {
                request_id: String::new(),
                id: po.clone(),
                quantity: 30,
            },
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .lots[0]
        .id
        .clone();
    // PRD-5: QA passed, into finished goods, the reservation whole again.
    plant
        .inspect_lot(call(
            production::InspectLotRequest {
                request_id: String::new(),
                id: po.clone(),
                lot_id: lot,
                passed: true,
                note: String::new(),
            },
            QC,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_state(&mut orders, &id, pb::OrderState::ReadyToShip).await;
    let mut stock = cluster.inventory_client().await;
    let fg = stock
        .get_stock(call(
            inventory::GetStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "FG".to_owned(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((fg.on_hand, fg.reserved), (30, 30), "received and held");

    let shipped = ship_to_completion(&cluster, &id, &order.number, |_| {}).await;
    assert_eq!(shipped.completed.state(), pb::OrderState::Completed);
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
            "approval_not_required",
            "released",
            "in_production",
            "ready_to_ship",
            "shipped",
            "delivered",
            "completed"
        ]
    );
}

/// APR-7, PRD-1: a self-stock order waits for the GM; once approved and
/// released, every line goes to production and nothing in finished goods is
/// held for it, even when the shelf has enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apr_7_a_gm_approved_self_stock_order_goes_to_production_and_reserves_nothing() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, 5).await;
    let mut orders = cluster.orders_client().await;
    let mut approvals = cluster.approvals_client().await;
    let customer = create_customer(&mut orders, "Own warehouse", ("tom", &["sales"])).await;
    let order = orders
        .create_order(call(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::SelfStock as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: PUMP.0.to_owned(),
                    description: PUMP.1.to_owned(),
                    quantity: 3,
                    unit_price: Some(common::Money {
                        currency_code: "CNY".to_owned(),
                        minor_units: 0,
                    }),
                    kit: None,
                    ..Default::default()
                }],
                requested_delivery_date: in_days(30),
                ..Default::default()
            },
            ("tom", &["sales"]),
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(&mut orders, &order.id, ("tom", &["sales"])).await;
    let request = approval_of(&mut approvals, &mut orders, &order.id, 1).await;
    let roles: Vec<&str> = request.steps.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(roles, ["gm"], "APR-7");
    approvals
        .decide_step(call(decision(&request, "gm", true, ""), ("gary", &["gm"])))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_entry(&mut orders, &order.id, "to_production").await;
    let plant = cluster.production_client().await;
    let made = testing::eventually(Duration::from_secs(20), "the production order", || {
        let mut plant = plant.clone();
        let request = call(
            production::ListProductionOrdersRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            PLANNER,
        );
        async move {
            let found = plant
                .list_production_orders(request)
                .await
                .ok()?
                .into_inner()
                .production_orders;
            (found.len() == 1).then(|| found[0].clone())
        }
    })
    .await;
    assert_eq!(
        (made.sku.as_str(), made.quantity, made.order_kind.as_str()),
        (PUMP.0, 3, "self_stock")
    );
    cluster.quiescent().await;
    let fg = stock
        .get_stock(call(
            inventory::GetStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "FG".to_owned(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((fg.on_hand, fg.reserved), (5, 0), "nothing held for it");
}

/// ORD-6 with production: a cancelled order stops its production order, and
/// the materials already issued to it come back to the materials warehouse
/// (movement `material_return`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_6_a_cancelled_order_stops_production_and_its_materials_come_back() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    factory(&cluster, 100).await;
    let (order, made) = short_and_engineered(&cluster, 10).await;
    let mut plant = cluster.production_client().await;
    plant
        .plan_materials(call(
            production::PlanMaterialsRequest {
                request_id: String::new(),
                id: made.id.clone(),
            },
            PLANNER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
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
            MANAGER,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    plant
        .issue_materials(call(
            production::IssueMaterialsRequest {
                request_id: String::new(),
                id: made.id.clone(),
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let mut stock = cluster.inventory_client().await;
    let on_hand = |sku: &'static str| {
        let stock = stock.clone();
        async move {
            stock
                .clone()
                .get_stock(call(
                    inventory::GetStockRequest {
                        sku: sku.to_owned(),
                        warehouse: "MATERIALS".to_owned(),
                    },
                    WAREHOUSE,
                ))
                .await
                .map(|level| level.into_inner().on_hand)
                .unwrap_or_default()
        }
    };
    // 10 pumps: 40 bolts and 11 seals (2.5 % scrap) went to the workshop.
    assert_eq!((on_hand("BOLT").await, on_hand("SEAL").await), (460, 89));

    cluster
        .orders_client()
        .await
        .cancel_order(call(
            pb::CancelOrderRequest {
                order_id: order.id.clone(),
                reason: "the buyer withdrew".to_owned(),
                ..Default::default()
            },
            ("tom", &["sales"]),
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let stopped = testing::eventually(Duration::from_secs(20), "production stopped", || {
        let mut plant = plant.clone();
        let request = call(
            production::GetProductionOrderRequest {
                id: made.id.clone(),
            },
            PLANNER,
        );
        async move {
            let found = plant.get_production_order(request).await.ok()?.into_inner();
            (found.state() == production::ProductionOrderState::Cancelled).then_some(found)
        }
    })
    .await;
    assert_eq!(stopped.cancel_reason, "the buyer withdrew");
    cluster.quiescent().await;
    assert_eq!((on_hand("BOLT").await, on_hand("SEAL").await), (500, 100));
    let returned = stock
        .list_movements(call(
            inventory::ListMovementsRequest {
                sku: "BOLT".to_owned(),
                warehouse: "MATERIALS".to_owned(),
                page_size: 50,
                ..Default::default()
            },
            WAREHOUSE,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .movements;
    assert!(
        returned
            .iter()
            .any(|movement| movement.reason == "material_return" && movement.quantity == 40),
        "{returned:?}"
    );
}
