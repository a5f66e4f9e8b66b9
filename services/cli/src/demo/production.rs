//! The demo's production leg (PRD-1 … PRD-5): the export order's short
//! pumps become a production order; engineering, materials (bolts counted
//! in, seals bought through procurement — see `purchasing`), the master
//! schedule, the first article, the run and final QA take them into
//! finished goods, and the order becomes READY_TO_SHIP.

use std::time::Duration;

use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::production::v1 as production;
use production::production_service_client::ProductionServiceClient;
use secrecy::SecretString;

use super::{Authorized, Client, Urls, authorized, state_name, wait_for};

type Plant = ProductionServiceClient<Authorized>;

async fn plant(urls: &Urls, secret: &SecretString, who: &str, role: &str) -> anyhow::Result<Plant> {
    Ok(ProductionServiceClient::new(
        authorized(&urls.production, secret, who, &[role]).await?,
    ))
}

/// The materials a pump needs, counted into the materials warehouse, an
/// assembly line of 20 pumps a day, and the pump's BOM; returns the BOM
/// version.
async fn factory(urls: &Urls, secret: &SecretString) -> anyhow::Result<i32> {
    let mut warehouse = InventoryServiceClient::new(
        authorized(&urls.inventory, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    // Bolts are counted in; seals are bought (see `purchasing`).
    for (sku, name, on_hand) in [("BOLT", "M8 bolt", 400), ("SEAL", "Seal ring", 0)] {
        match warehouse
            .create_item(inventory::CreateItemRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                name: name.to_owned(),
                unit: "pcs".to_owned(),
                weight_grams: 20,
                bought: false,
            })
            .await
        {
            Ok(_) => {}
            Err(status) if status.code() == tonic::Code::AlreadyExists => {}
            Err(status) => return Err(status.into()),
        }
        let stock = warehouse
            .get_stock(inventory::GetStockRequest {
                sku: sku.to_owned(),
                warehouse: "MATERIALS".to_owned(),
            })
            .await?
            .into_inner();
        if on_hand > 0 && stock.available < on_hand {
            warehouse
                .adjust_stock(inventory::AdjustStockRequest {
                    request_id: String::new(),
                    sku: sku.to_owned(),
                    warehouse: "MATERIALS".to_owned(),
                    quantity: on_hand - stock.available,
                    note: "demo: counted in until procurement buys it".to_owned(),
                })
                .await?;
        }
    }
    let mut manager = plant(urls, secret, "demo-workshop", "production_manager").await?;
    manager
        .define_work_centre(production::DefineWorkCentreRequest {
            request_id: String::new(),
            work_centre: Some(production::WorkCentre {
                code: "ASSY".to_owned(),
                name: "Assembly line 1".to_owned(),
                unit: production::CapacityUnit::Units.into(),
                daily_capacity: 20,
                days_off: vec![7],
                holidays: Vec::new(),
            }),
        })
        .await?;
    let mut engineer = plant(urls, secret, "demo-engineer", "engineering").await?;
    let bom = engineer
        .define_bom(production::DefineBomRequest {
            request_id: String::new(),
            sku: "PUMP-100".to_owned(),
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
        })
        .await?
        .into_inner();
    Ok(bom.version)
}

/// Takes the export order's shortage through production to READY_TO_SHIP.
pub(super) async fn produce(
    urls: &Urls,
    secret: &SecretString,
    sales: &mut Client,
    order: &pb::Order,
) -> anyhow::Result<()> {
    let bom_version = factory(urls, secret).await?;
    let mut planner = plant(urls, secret, "demo-planner", "planner").await?;
    let mut made = None;
    for _ in 0..200 {
        made = planner
            .list_production_orders(production::ListProductionOrdersRequest {
                order_id: order.id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .production_orders
            .into_iter()
            .next();
        if made.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let made = made.ok_or_else(|| anyhow::anyhow!("no production order for {}", order.number))?;
    let id = made.id.clone();
    println!(
        "   production order {id} for {} {} (PRD-1)",
        made.quantity, made.sku
    );
    planner
        .record_review_meeting(production::RecordReviewMeetingRequest {
            id: id.clone(),
            attendees: vec!["planner".to_owned(), "engineering".to_owned()],
            conclusions: "standard pump; third-party inspection before shipment".to_owned(),
            ..Default::default()
        })
        .await?;
    plant(urls, secret, "demo-engineer", "engineering")
        .await?
        .submit_engineering(production::SubmitEngineeringRequest {
            id: id.clone(),
            drawings: vec!["DWG-PUMP-100-C".to_owned()],
            process_sheet: "PS-PUMP-100".to_owned(),
            bom_version,
            ..Default::default()
        })
        .await?;
    plant(urls, secret, "demo-chief-engineer", "engineering_manager")
        .await?
        .review_engineering(production::ReviewEngineeringRequest {
            id: id.clone(),
            approve: true,
            ..Default::default()
        })
        .await?;
    println!("   review meeting held, engineering documents approved (PRD-10)");
    let planned = planner
        .plan_materials(production::PlanMaterialsRequest {
            request_id: String::new(),
            id: id.clone(),
        })
        .await?
        .into_inner();
    for line in &planned.materials {
        println!(
            "   material {}: {} needed, {} available, {} short (PRD-2)",
            line.sku, line.required, line.available, line.short
        );
    }
    if planned.materials.iter().any(|line| line.short > 0) {
        super::purchasing::buy_shortages(urls, secret, &planned).await?;
        let again = planner
            .plan_materials(production::PlanMaterialsRequest {
                request_id: String::new(),
                id: id.clone(),
            })
            .await?
            .into_inner();
        let short: i64 = again.materials.iter().map(|line| line.short).sum();
        println!("   materials planned again: {short} short");
    }
    let draft = planner
        .propose_schedule(production::ProposeScheduleRequest::default())
        .await?
        .into_inner();
    let mut manager = plant(urls, secret, "demo-workshop", "production_manager").await?;
    manager
        .approve_schedule(production::ApproveScheduleRequest {
            request_id: String::new(),
            id: draft.id.clone(),
        })
        .await?;
    if let Some(plan) = draft
        .orders
        .iter()
        .find(|plan| plan.production_order_id == id)
    {
        println!(
            "   scheduled {} to {} on ASSY, approved by the production manager (PRD-3)",
            plan.planned_start, plan.planned_completion
        );
    }
    plant(urls, secret, "demo-warehouse", "warehouse")
        .await?
        .issue_materials(production::IssueMaterialsRequest {
            request_id: format!("demo-issue-{id}"),
            id: id.clone(),
        })
        .await?;
    manager
        .record_first_article(production::RecordFirstArticleRequest {
            request_id: String::new(),
            id: id.clone(),
            made_by: "demo-worker".to_owned(),
        })
        .await?;
    let mut qc = plant(urls, secret, "demo-qc", "qc").await?;
    qc.inspect_first_article(production::InspectFirstArticleRequest {
        request_id: String::new(),
        id: id.clone(),
        passed: true,
        note: String::new(),
    })
    .await?;
    manager
        .start_run(production::StartRunRequest {
            request_id: String::new(),
            id: id.clone(),
        })
        .await?;
    let running = wait_for(sales, &order.id, |order| {
        order.state == pb::OrderState::InProduction as i32
    })
    .await?;
    println!(
        "   materials issued, first article passed, run started: order {}",
        state_name(running.state)
    );
    manager
        .report_output(production::ReportOutputRequest {
            request_id: String::new(),
            id: id.clone(),
            good: made.quantity,
            scrap: 0,
            ..Default::default()
        })
        .await?;
    let lots = manager
        .submit_lot(production::SubmitLotRequest {
            request_id: String::new(),
            id: id.clone(),
            quantity: made.quantity,
        })
        .await?
        .into_inner()
        .lots;
    let lot = lots
        .last()
        .map(|lot| lot.id.clone())
        .ok_or_else(|| anyhow::anyhow!("no lot"))?;
    qc.inspect_lot(production::InspectLotRequest {
        request_id: String::new(),
        id: id.clone(),
        lot_id: lot,
        passed: true,
        note: String::new(),
    })
    .await?;
    let ready = wait_for(sales, &order.id, |order| {
        order.state == pb::OrderState::ReadyToShip as i32
    })
    .await?;
    println!(
        "   {} pieces passed QA into finished goods (PRD-5): order {}",
        made.quantity,
        state_name(ready.state)
    );
    Ok(())
}
