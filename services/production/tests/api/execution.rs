//! PRD-4 and PRD-5: material issue, first article, output, QA and rework.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::production::v1 as pb;

use crate::support::*;

backend_tests!(prd_4_a_run_from_material_issue_through_qa_and_rework_to_finished_goods_then_prd_9_summary_and_prd_12_closing,);

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

async fn prd_4_a_run_from_material_issue_through_qa_and_rework_to_finished_goods_then_prd_9_summary_and_prd_12_closing(
    backend: Backend,
) {
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

    // PRD-9: output against the plan (20 on the 1st, 10 on the 2nd), yield,
    // materials against the BOM.
    let summary = head
        .get_production_summary(pb::GetProductionSummaryRequest { id: id.clone() })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((summary.planned, summary.good, summary.scrap), (30, 30, 1));
    assert_eq!(summary.yield_bps, 9_677);
    let days: Vec<(&str, i64, i64)> = summary
        .days
        .iter()
        .map(|day| (day.day.as_str(), day.planned, day.good))
        .collect();
    assert_eq!(days, [("2026-12-01", 20, 30), ("2026-12-02", 10, 0)]);
    let materials: Vec<(&str, i64, i64, i64)> = summary
        .materials
        .iter()
        .map(|m| (m.sku.as_str(), m.bom_quantity, m.issued, m.variance))
        .collect();
    assert_eq!(materials, [("BOLT", 120, 120, 0), ("SEAL", 31, 31, 0)]);
    let period = head
        .summarize_period(pb::SummarizePeriodRequest {
            from_date: "2026-12-01".to_owned(),
            to_date: "2026-12-01".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!((period.planned, period.good, period.scrap), (20, 30, 1));
    let refused = head
        .summarize_period(pb::SummarizePeriodRequest {
            from_date: "2026-12-02".to_owned(),
            to_date: "2026-12-01".to_owned(),
        })
        .await
        .refused("backwards");
    assert_eq!(testing::violated_fields(&refused), ["to_date"]);

    // PRD-12: closed with its summary; the document change is reviewed by
    // the engineering manager and archived.
    let closed = head
        .close_production_order(pb::CloseProductionOrderRequest {
            request_id: String::new(),
            id: id.clone(),
            process_summary: "press fit needs more force".to_owned(),
            quality_summary: "one lot reworked for scratched housings".to_owned(),
            document_changes: vec![pb::DocumentChange {
                document: "PS-100".to_owned(),
                change: "press force 12 kN".to_owned(),
                ..Default::default()
            }],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(closed.state(), pb::ProductionOrderState::Closed);
    let review = pb::ReviewDocumentChangeRequest {
        request_id: String::new(),
        id: id.clone(),
        index: 0,
        approve: true,
        comment: String::new(),
    };
    let denied = head
        .review_document_change(review.clone())
        .await
        .refused("not the engineering manager");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let reviewed = app
        .client("engineering_manager")
        .await
        .review_document_change(review)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        reviewed
            .closing
            .map(|c| c.document_changes[0].status.clone()),
        Some("archived".to_owned())
    );
}
