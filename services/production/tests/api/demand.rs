//! PRD-1 (demand), PRD-10 (engineering), PRD-2 (BOMs, materials), SLA-3 and
//! ORD-6 (cancellation).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::production::v1 as pb;

use crate::support::*;

backend_tests!(
    prd_1_a_short_line_becomes_one_production_order_however_often_reported,
    s14_thirty_short_orders_go_to_production,
    prd_10_engineering_needs_the_meeting_a_known_bom_and_the_managers_approval,
    prd_2_a_bom_that_contains_itself_is_refused_and_nothing_is_stored,
    prd_2_materials_short_of_the_requirement_go_to_procurement,
    sla_3_an_order_not_scheduled_in_four_hours_is_listed_and_announced_once,
    ord_6_a_cancelled_order_stops_its_production,
    ord_6_a_release_handled_after_the_cancellation_revives_nothing,
);

async fn prd_1_a_short_line_becomes_one_production_order_however_often_reported(backend: Backend) {
    let app = spawn_production(backend).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    // Redelivered (a new message id, the same shortage): nothing twice.
    app.publish_shortage(&order_id, "2026120100000001", "PUMP-100", 30)
        .await;
    app.quiescent(&[]).await;
    let found = app.production_orders(&order_id, 1).await;
    let order = &found[0];
    assert_eq!(
        (order.sku.as_str(), order.quantity, order.due_date.as_str()),
        ("PUMP-100", 30, "2027-01-20")
    );
    assert_eq!(order.state(), pb::ProductionOrderState::Engineering);
    assert_eq!(order.order_kind, "export");
    assert_eq!(published(&app, "production.order.created").await.len(), 1);
}

/// S14: of fifty orders for twenty pumps, the thirty that inventory found
/// short each become a production order, reported all at once.
async fn s14_thirty_short_orders_go_to_production(backend: Backend) {
    let app = spawn_production(backend).await;
    let reports = (1..=30).map(|n| {
        let app = &app;
        async move {
            let order_id = test_order_id(n);
            app.publish_shortage(&order_id, &format!("20261201{n:08}"), "PUMP-100", 1)
                .await;
        }
    });
    futures::future::join_all(reports).await;
    app.quiescent(&[]).await;
    let all = app
        .client("planner")
        .await
        .list_production_orders(pb::ListProductionOrdersRequest {
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .production_orders;
    assert_eq!(all.len(), 30);
    let orders: std::collections::BTreeSet<&str> =
        all.iter().map(|order| order.order_id.as_str()).collect();
    assert_eq!(orders.len(), 30, "one per short order");
}

async fn prd_10_engineering_needs_the_meeting_a_known_bom_and_the_managers_approval(
    backend: Backend,
) {
    let app = spawn_production(backend).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    let mut engineering = app.client("engineering").await;
    let submit = pb::SubmitEngineeringRequest {
        id: id.clone(),
        drawings: vec!["DWG-100-A".to_owned()],
        process_sheet: "PS-100".to_owned(),
        bom_version: 1,
        ..Default::default()
    };
    // No BOM version 1 yet: a field error.
    let refused = engineering
        .submit_engineering(submit.clone())
        .await
        .refused("unknown BOM");
    assert_eq!(testing::violated_fields(&refused), ["bom_version"]);
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    // The review meeting comes first.
    let refused = engineering
        .submit_engineering(submit.clone())
        .await
        .refused("meeting first");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    app.client("planner")
        .await
        .record_review_meeting(pb::RecordReviewMeetingRequest {
            id: id.clone(),
            attendees: vec!["planner".to_owned()],
            conclusions: "feasible".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    engineering
        .submit_engineering(submit)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // Only the engineering manager approves.
    let denied = engineering
        .review_engineering(pb::ReviewEngineeringRequest {
            id: id.clone(),
            approve: true,
            ..Default::default()
        })
        .await
        .refused("not the manager");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let mut manager = app.client("engineering_manager").await;
    let no_reason = manager
        .review_engineering(pb::ReviewEngineeringRequest {
            id: id.clone(),
            approve: false,
            ..Default::default()
        })
        .await
        .refused("a rejection needs a reason");
    assert_eq!(testing::violated_fields(&no_reason), ["comment"]);
    let approved = manager
        .review_engineering(pb::ReviewEngineeringRequest {
            id: id.clone(),
            approve: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(approved.state(), pb::ProductionOrderState::Ready);
    assert_eq!(
        approved.engineering.map(|e| (e.status, e.bom_version)),
        Some(("approved".to_owned(), 1))
    );
}

async fn prd_2_a_bom_that_contains_itself_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_production(backend).await;
    app.work_centre("ASSY", 20).await;
    let mut engineering = app.client("engineering").await;
    let define = |sku: &str, component_sku: &str| pb::DefineBomRequest {
        request_id: String::new(),
        sku: sku.to_owned(),
        components: vec![component(component_sku, 1, 0)],
        operations: vec![operation(10, "ASSY")],
    };
    engineering
        .define_bom(define("MOTOR", "ROTOR"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    engineering
        .define_bom(define("ROTOR", "PUMP"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let refused = engineering
        .define_bom(define("PUMP", "MOTOR"))
        .await
        .refused("a cycle");
    assert_eq!(testing::violated_fields(&refused), ["components"]);
    assert!(
        refused.message().contains("PUMP → MOTOR → ROTOR → PUMP"),
        "{refused:?}"
    );
    let missing = engineering
        .get_bom(pb::GetBomRequest {
            sku: "PUMP".to_owned(),
            version: 0,
        })
        .await
        .refused("nothing stored");
    assert_eq!(missing.code(), tonic::Code::NotFound);
    // Bad quantities, scrap and an unknown work centre are field errors.
    let refused = engineering
        .define_bom(pb::DefineBomRequest {
            request_id: String::new(),
            sku: "VALVE".to_owned(),
            components: vec![component("BOLT", -2, 0), component("SEAL", 1, 20_000)],
            operations: vec![operation(10, "NOWHERE")],
        })
        .await
        .refused("bad input");
    assert_eq!(
        testing::violated_fields(&refused),
        ["components[0].quantity", "components[1].scrap_bps"]
    );
    let refused = engineering
        .define_bom(pb::DefineBomRequest {
            request_id: String::new(),
            sku: "VALVE".to_owned(),
            components: vec![component("BOLT", 2, 0)],
            operations: vec![operation(10, "NOWHERE")],
        })
        .await
        .refused("unknown centre");
    assert_eq!(
        testing::violated_fields(&refused),
        ["operations[0].work_centre"]
    );
    // A second definition is a new version; the first stays.
    let second = engineering
        .define_bom(define("MOTOR", "COIL"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(second.version, 2);
    let first = engineering
        .get_bom(pb::GetBomRequest {
            sku: "MOTOR".to_owned(),
            version: 1,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(first.components[0].sku, "ROTOR");
}

async fn prd_2_materials_short_of_the_requirement_go_to_procurement(backend: Backend) {
    let app = spawn_production(backend).await;
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    app.materials("BOLT", 500).await;
    app.materials("SEAL", 10).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    let id = app.production_orders(&order_id, 1).await[0].id.clone();
    app.engineered(&id, 1).await;
    let planned = app
        .client("planner")
        .await
        .plan_materials(pb::PlanMaterialsRequest {
            request_id: "plan-1".to_owned(),
            id: id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let lines: Vec<(&str, i64, i64, i64)> = planned
        .materials
        .iter()
        .map(|line| (line.sku.as_str(), line.required, line.available, line.short))
        .collect();
    // 30 pumps: 120 bolts (500 there); 31 seals with 2.5 % scrap (10 there).
    assert_eq!(lines, [("BOLT", 120, 500, 0), ("SEAL", 31, 10, 21)]);
    app.quiescent(&[]).await;
    use prost::Message;
    let shortages: Vec<pb::MaterialShortage> =
        testing::stream_messages(&app.nats, "PRODUCTION", "production.materials.short")
            .await
            .iter()
            .filter_map(|message| pb::MaterialShortage::decode(message.payload.as_ref()).ok())
            .collect();
    assert_eq!(shortages.len(), 1);
    let materials: Vec<(&str, i64)> = shortages[0]
        .materials
        .iter()
        .map(|line| (line.sku.as_str(), line.quantity))
        .collect();
    assert_eq!(materials, [("SEAL", 21)]);
    assert_eq!(shortages[0].need_by, "2027-01-20");
}

async fn sla_3_an_order_not_scheduled_in_four_hours_is_listed_and_announced_once(backend: Backend) {
    let app = spawn_production(backend).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    app.production_orders(&order_id, 1).await;
    let planner = app.client("planner").await;
    let overdue = |mut planner: Client| async move {
        planner
            .list_schedule_overdue(pb::ListScheduleOverdueRequest::default())
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
            .production_orders
            .len()
    };
    app.clock.advance(chrono::Duration::hours(3));
    app.after_a_sweep(&[]).await;
    assert_eq!(overdue(planner.clone()).await, 0);
    app.clock.advance(chrono::Duration::hours(2));
    app.after_a_sweep(&[]).await;
    app.after_a_sweep(&[]).await;
    assert_eq!(overdue(planner.clone()).await, 1);
    let announced = published(&app, "production.order.schedule_overdue").await;
    assert_eq!(announced.len(), 1, "announced once");
    assert!(announced[0].detail.contains("SLA-3"), "{:?}", announced[0]);
}

async fn ord_6_a_cancelled_order_stops_its_production(backend: Backend) {
    let app = spawn_production(backend).await;
    let order_id = app.short_order(1, "PUMP-100", 30, "2027-01-20").await;
    app.production_orders(&order_id, 1).await;
    let order = orders::Order {
        id: order_id.clone(),
        number: "2026120100000001".to_owned(),
        ..Default::default()
    };
    testing::publish_order_event(&app.nats, "cancelled", &order).await;
    app.quiescent(&[]).await;
    let stopped = app.production_orders(&order_id, 1).await;
    assert_eq!(stopped[0].state(), pb::ProductionOrderState::Cancelled);
    assert_eq!(published(&app, "production.order.cancelled").await.len(), 1);
    // A shortage reported after the cancellation makes nothing.
    app.publish_shortage(&order_id, "2026120100000001", "VALVE-9", 5)
        .await;
    app.quiescent(&[]).await;
    assert_eq!(app.production_orders(&order_id, 1).await.len(), 1);
}

/// Two replicas share the consumer of order events, so an order's
/// `released` can be handled after its `cancelled`. The release used to
/// file the order as not cancelled again, and the shortage that followed
/// became production for a cancelled order.
async fn ord_6_a_release_handled_after_the_cancellation_revives_nothing(backend: Backend) {
    let app = spawn_production(backend).await;
    let order_id = test_order_id(2);
    let order = orders::Order {
        id: order_id.clone(),
        number: "2026120100000002".to_owned(),
        kind: orders::OrderKind::Export.into(),
        requested_delivery_date: "2027-01-20".to_owned(),
        lines: vec![orders::OrderLine {
            line_no: 1,
            sku: "PUMP-100".to_owned(),
            quantity: 30,
            ..Default::default()
        }],
        ..Default::default()
    };
    testing::publish_order_event(&app.nats, "cancelled", &order).await;
    app.quiescent(&[]).await;
    testing::publish_order_event(&app.nats, "released", &order).await;
    app.publish_shortage(&order_id, &order.number, "PUMP-100", 30)
        .await;
    app.quiescent(&[]).await;
    assert!(app.production_orders(&order_id, 0).await.is_empty());
    assert!(published(&app, "production.order.created").await.is_empty());
}
