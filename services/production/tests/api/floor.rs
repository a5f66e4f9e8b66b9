//! PRD-6 (pre-shipment inspections), PRD-7 (tooling) and PRD-8 (outsourced
//! operations) through the API.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::production::v1 as pb;

use crate::support::*;

backend_tests!(
    prd_6_an_unbooked_inspection_past_its_day_is_listed_and_announced_once,
    prd_7_and_prd_8_tooling_and_outsourced_work_hold_the_run_and_the_qa,
    a_repeated_tooling_request_returns_the_first_answer_and_requests_nothing_more,
);

async fn prd_6_an_unbooked_inspection_past_its_day_is_listed_and_announced_once(backend: Backend) {
    let app = spawn_production(backend).await;
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    // Delivery on the 20th: the third party is booked by the 6th, our own
    // QC by the 13th.
    let order_id = app.short_order(1, "PUMP-100", 10, "2026-12-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    let mut planner = app.client("planner").await;
    let met = planner
        .record_review_meeting(pb::RecordReviewMeetingRequest {
            id: id.clone(),
            attendees: vec!["planner".to_owned()],
            conclusions: "the buyer sends SGS".to_owned(),
            inspections: vec![pb::PreShipmentInspectionKind::ThirdParty.into()],
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let days: Vec<&str> = met
        .pre_shipment_inspections
        .iter()
        .map(|planned| planned.book_by.as_str())
        .collect();
    assert_eq!(days, ["2026-12-13", "2026-12-06"]);
    let overdue = |mut planner: Client| async move {
        planner
            .list_inspections_overdue(pb::ListInspectionsOverdueRequest::default())
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
            .production_orders
            .len()
    };
    // On the 6th nothing is late yet; on the 7th the third party is.
    app.clock.advance(chrono::Duration::days(5));
    app.after_a_sweep(&[]).await;
    assert_eq!(overdue(planner.clone()).await, 0);
    app.clock.advance(chrono::Duration::days(1));
    app.after_a_sweep(&[]).await;
    app.after_a_sweep(&[]).await;
    assert_eq!(overdue(planner.clone()).await, 1);
    let announced = published(&app, "production.inspection.overdue").await;
    assert_eq!(announced.len(), 1, "announced once");
    assert!(
        announced[0].detail.contains("third-party"),
        "{:?}",
        announced[0]
    );
    // Booked (late): no longer listed; a kind the meeting did not record
    // is refused.
    let mut qc = app.client("qc").await;
    let refused = qc
        .book_inspection(pb::BookInspectionRequest {
            request_id: String::new(),
            id: id.clone(),
            kind: pb::PreShipmentInspectionKind::Customer.into(),
            inspection_date: "2026-12-15".to_owned(),
            inspector: "buyer's QA".to_owned(),
        })
        .await
        .refused("not required");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    let engineered = app.engineered(&id, 1).await;
    assert_eq!(engineered.state(), pb::ProductionOrderState::Ready);
    qc.book_inspection(pb::BookInspectionRequest {
        request_id: String::new(),
        id: id.clone(),
        kind: pb::PreShipmentInspectionKind::ThirdParty.into(),
        inspection_date: "2026-12-15".to_owned(),
        inspector: "SGS Shanghai".to_owned(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(overdue(planner).await, 0);
}

async fn prd_7_and_prd_8_tooling_and_outsourced_work_hold_the_run_and_the_qa(backend: Backend) {
    let app = spawn_production(backend).await;
    app.work_centre("ASSY", 20).await;
    let mut engineering = app.client("engineering").await;
    // Assembly, plating by a vendor (3 days), final test.
    engineering
        .define_bom(pb::DefineBomRequest {
            request_id: String::new(),
            sku: "VALVE-7".to_owned(),
            components: Vec::new(),
            operations: vec![
                operation(10, "ASSY"),
                pb::Operation {
                    seq: 20,
                    name: "zinc plating".to_owned(),
                    work_centre: String::new(),
                    outsourced: true,
                    load_per_piece: 0,
                    lead_days: 3,
                },
                operation(30, "ASSY"),
            ],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order_id = app.short_order(1, "VALVE-7", 10, "2027-01-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    app.engineered(&id, 1).await;
    let tooling = engineering
        .request_tooling(pb::RequestToolingRequest {
            request_id: String::new(),
            id: id.clone(),
            description: "plating rack".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .tooling[0]
        .id
        .clone();
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
    let mut head = app.client("production_manager").await;
    head.approve_schedule(pb::ApproveScheduleRequest {
        request_id: String::new(),
        id: draft.id,
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    // PRD-8: the plating went to procurement with its dates: out on the
    // 2nd (the day after assembly), back on the 5th.
    app.quiescent(&[]).await;
    use prost::Message;
    let demands: Vec<pb::OutsourcingDemand> =
        testing::stream_messages(&app.nats, "PRODUCTION", "production.outsourcing.requested")
            .await
            .iter()
            .filter_map(|message| pb::OutsourcingDemand::decode(message.payload.as_ref()).ok())
            .collect();
    let demand: Vec<(i32, &str, i64, &str, &str)> = demands
        .iter()
        .map(|d| {
            (
                d.seq,
                d.operation.as_str(),
                d.quantity,
                d.send_date.as_str(),
                d.return_date.as_str(),
            )
        })
        .collect();
    assert_eq!(
        demand,
        [(20, "zinc plating", 10, "2026-12-02", "2026-12-05")]
    );
    // No materials in this BOM: straight to the first article.
    app.client("warehouse")
        .await
        .issue_materials(pb::IssueMaterialsRequest {
            request_id: String::new(),
            id: id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    head.record_first_article(pb::RecordFirstArticleRequest {
        request_id: String::new(),
        id: id.clone(),
        made_by: "li".to_owned(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    let mut qc = app.client("qc").await;
    qc.inspect_first_article(pb::InspectFirstArticleRequest {
        request_id: String::new(),
        id: id.clone(),
        passed: true,
        note: String::new(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    // PRD-7: the rack is not there yet.
    let start = pb::StartRunRequest {
        request_id: String::new(),
        id: id.clone(),
    };
    let refused = head.start_run(start.clone()).await.refused("tooling");
    assert!(refused.message().contains("PRD-7"), "{refused:?}");
    let mut equipment = app.client("equipment_manager").await;
    equipment
        .review_tooling(pb::ReviewToolingRequest {
            request_id: String::new(),
            id: id.clone(),
            tooling_id: tooling.clone(),
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    equipment
        .report_tooling_made(pb::ReportToolingMadeRequest {
            request_id: String::new(),
            id: id.clone(),
            tooling_id: tooling.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    head.accept_tooling(pb::AcceptToolingRequest {
        request_id: String::new(),
        id: id.clone(),
        tooling_id: tooling,
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    head.start_run(start)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    head.report_output(pb::ReportOutputRequest {
        request_id: String::new(),
        id: id.clone(),
        good: 10,
        ..Default::default()
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    // PRD-8: nothing to final QA before the plating came back passed.
    let lot = pb::SubmitLotRequest {
        request_id: String::new(),
        id: id.clone(),
        quantity: 10,
    };
    let refused = head.submit_lot(lot.clone()).await.refused("plating");
    assert!(refused.message().contains("PRD-8"), "{refused:?}");
    let no_reason = qc
        .inspect_outsourced_return(pb::InspectOutsourcedReturnRequest {
            request_id: String::new(),
            id: id.clone(),
            seq: 20,
            passed: false,
            note: String::new(),
        })
        .await
        .refused("a failure needs a note");
    assert_eq!(testing::violated_fields(&no_reason), ["note"]);
    // PRC-6: procurement's incoming inspection fails the plating; the
    // verdict reaches this order through `procurement.outsourcing.inspected`.
    {
        use orderflow_proto::procurement::v1 as procurement;
        use prost::Message;
        let verdict = procurement::OutsourcingEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "quinn".to_owned(),
            outsourcing_order: Some(procurement::OutsourcingOrder {
                id: uuid::Uuid::now_v7().to_string(),
                production_order_id: id.clone(),
                seq: 20,
                inspections: vec![procurement::OutsourcingInspection {
                    passed: false,
                    inspector: "quinn".to_owned(),
                    note: "plating peels".to_owned(),
                    time: None,
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        testing::publish_event(
            &app.nats,
            "procurement",
            "procurement.outsourcing.inspected",
            verdict.encode_to_vec(),
        )
        .await;
        let failed = testing::eventually(
            std::time::Duration::from_secs(20),
            "the failed plating",
            || {
                let mut head = head.clone();
                let id = id.clone();
                async move {
                    let order = head
                        .get_production_order(pb::GetProductionOrderRequest { id })
                        .await
                        .ok()?
                        .into_inner();
                    (order.outsourced[0].state == "failed").then_some(order)
                }
            },
        )
        .await;
        assert_eq!(failed.outsourced[0].note, "plating peels");
    }
    qc.inspect_outsourced_return(pb::InspectOutsourcedReturnRequest {
        request_id: String::new(),
        id: id.clone(),
        seq: 20,
        passed: true,
        note: String::new(),
    })
    .await
    .unwrap_or_else(|s| panic!("{s:?}"));
    let submitted = head
        .submit_lot(lot)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(submitted.outsourced[0].state, "passed");
    assert_eq!(submitted.lots.len(), 1);
}

/// Issue 11: a change to a production order is idempotent by request id
/// (the platform's one document change): a repeat answers with the order and
/// adds nothing, two identical requests at once make one change, and the id
/// with another body is refused.
async fn a_repeated_tooling_request_returns_the_first_answer_and_requests_nothing_more(
    backend: Backend,
) {
    let app = spawn_production(backend).await;
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    let order_id = app.short_order(1, "PUMP-100", 10, "2027-01-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    app.engineered(&id, 1).await;
    let engineering = app.client("engineering").await;
    let (first, second) = testing::assert_idempotent("tooling", |request_id, variant| {
        let mut engineering = engineering.clone();
        let request = pb::RequestToolingRequest {
            request_id,
            id: id.clone(),
            description: ["plating rack", "welding jig"][usize::from(variant)].to_owned(),
        };
        async move {
            engineering
                .request_tooling(request)
                .await
                .map(|order| order.into_inner().tooling.len().to_string())
        }
    })
    .await;
    assert_eq!((first.as_str(), second.as_str()), ("1", "2"));
    // Two requests were made, not five.
    let order = app
        .client("planner")
        .await
        .get_production_order(pb::GetProductionOrderRequest { id: id.clone() })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let descriptions: Vec<&str> = order
        .tooling
        .iter()
        .map(|tooling| tooling.description.as_str())
        .collect();
    assert_eq!(descriptions, ["plating rack", "plating rack"]);
}
