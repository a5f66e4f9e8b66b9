//! PRD-4 and PRD-5: material issue, first article, output, QA and rework.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::production::v1 as pb;

use crate::support::*;

backend_tests!(prd_4_a_run_from_material_issue_through_qa_and_rework_to_finished_goods,);

async fn scheduled_order(app: &TestApp) -> String {
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    app.materials("BOLT", 500).await;
    app.materials("SEAL", 40).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    app.engineered(&id, 1).await;
    let mut planner = app.client("planner").await;
    planner
        .plan_materials(pb::PlanMaterialsRequest {
            request_id: String::new(),
            id: id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let draft = planner
        .propose_schedule(pb::ProposeScheduleRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    app.client("production_manager")
        .await
        .approve_schedule(pb::ApproveScheduleRequest {
            request_id: String::new(),
            id: draft.id,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    id
}

async fn prd_4_a_run_from_material_issue_through_qa_and_rework_to_finished_goods(backend: Backend) {
    let app = spawn_production(backend).await;
    let id = scheduled_order(&app).await;
    let mut head = app.client("production_manager").await;
    let mut qc = app.client("qc").await;
    let request = |request_id: &str| pb::StartRunRequest {
        request_id: request_id.to_owned(),
        id: id.clone(),
    };
    // No first article yet: the run cannot start.
    let refused = head.start_run(request("")).await.refused("no article");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    // The first article is made from issued materials.
    let refused = head
        .record_first_article(pb::RecordFirstArticleRequest {
            request_id: String::new(),
            id: id.clone(),
            made_by: "li".to_owned(),
        })
        .await
        .refused("materials first");
    assert!(refused.message().contains("issue"), "{refused:?}");
    let issue = pb::IssueMaterialsRequest {
        request_id: "issue-1".to_owned(),
        id: id.clone(),
    };
    let issued = app
        .client("warehouse")
        .await
        .issue_materials(issue.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        issued
            .materials
            .iter()
            .all(|line| line.issued == line.required)
    );
    // Repeated: inventory issues nothing twice.
    app.client("warehouse")
        .await
        .issue_materials(issue)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(app.materials_on_hand("BOLT").await, 500 - 120);
    assert_eq!(app.materials_on_hand("SEAL").await, 40 - 31);
    head.record_first_article(pb::RecordFirstArticleRequest {
        request_id: String::new(),
        id: id.clone(),
        made_by: "li".to_owned(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    qc.inspect_first_article(pb::InspectFirstArticleRequest {
        request_id: String::new(),
        id: id.clone(),
        passed: true,
        note: String::new(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    let running = head
        .start_run(request("start-1"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(running.state(), pb::ProductionOrderState::InProgress);
    // Output never beyond the planned 30.
    let report = |good: i64, scrap: i64| pb::ReportOutputRequest {
        request_id: String::new(),
        id: id.clone(),
        day: "2026-12-01".to_owned(),
        good,
        scrap,
    };
    head.report_output(report(20, 1))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let refused = head.report_output(report(11, 0)).await.refused("too many");
    assert_eq!(testing::violated_fields(&refused), ["good"]);
    // QA only of what was produced.
    let refused = head
        .submit_lot(pb::SubmitLotRequest {
            request_id: String::new(),
            id: id.clone(),
            quantity: 21,
        })
        .await
        .refused("never produced");
    assert_eq!(testing::violated_fields(&refused), ["quantity"]);
    head.report_output(report(10, 0))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let lots = head
        .submit_lot(pb::SubmitLotRequest {
            request_id: String::new(),
            id: id.clone(),
            quantity: 30,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .lots;
    let lot = lots[0].id.clone();
    let inspect = |passed: bool, note: &str| pb::InspectLotRequest {
        request_id: String::new(),
        id: id.clone(),
        lot_id: lot.clone(),
        passed,
        note: note.to_owned(),
    };
    // A failed lot goes to rework; nothing reaches finished goods.
    let failed = qc
        .inspect_lot(inspect(false, "scratched housings"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(failed.lots[0].state(), pb::LotState::Rework);
    assert_eq!(failed.passed, 0);
    app.quiescent(&[]).await;
    assert!(published(&app, "production.lot.passed").await.is_empty());
    assert_eq!(published(&app, "production.lot.rework").await.len(), 1);
    head.complete_rework(pb::CompleteReworkRequest {
        request_id: String::new(),
        id: id.clone(),
        lot_id: lot.clone(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    let done = qc
        .inspect_lot(inspect(true, ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(done.state(), pb::ProductionOrderState::Completed);
    assert_eq!((done.good, done.scrap, done.passed), (30, 1, 30));
    app.quiescent(&[]).await;
    let passed = published(&app, "production.lot.passed").await;
    assert_eq!(passed.len(), 1);
    assert_eq!(passed[0].lot.as_ref().map(|lot| lot.quantity), Some(30));
    assert_eq!(published(&app, "production.order.completed").await.len(), 1);
}
