//! PRD-3, PRD-11: work centres, the master schedule and its approval, the
//! plans.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::production::v1 as pb;

use crate::support::*;

backend_tests!(
    prd_3_the_schedule_never_books_beyond_capacity_and_needs_the_managers_approval,
    prd_3_a_work_centre_without_capacity_is_refused,
    prd_3_only_the_latest_draft_can_be_approved,
);

/// Two orders competing for one centre of 20 a day, the later-due one
/// reported first.
async fn two_ready_orders(app: &TestApp) -> (String, String) {
    app.work_centre("ASSY", 20).await;
    app.bom("PUMP-100", "ASSY").await;
    let late = app.short_order(1, "PUMP-100", 30, "2027-02-20").await;
    let early = app.short_order(2, "PUMP-100", 30, "2026-12-04").await;
    let late = app.production_orders(&late, 1).await[0].id.clone();
    let early = app.production_orders(&early, 1).await[0].id.clone();
    app.engineered(&late, 1).await;
    app.engineered(&early, 1).await;
    (early, late)
}

async fn prd_3_the_schedule_never_books_beyond_capacity_and_needs_the_managers_approval(
    backend: Backend,
) {
    let app = spawn_production(backend).await;
    let (early, late) = two_ready_orders(&app).await;
    let mut planner = app.client("planner").await;
    let draft = planner
        .propose_schedule(pb::ProposeScheduleRequest {
            request_id: "propose-1".to_owned(),
            from_date: "2026-12-01".to_owned(),
            horizon_days: 30,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(draft.state(), pb::ScheduleState::Draft);
    // Earliest due date first: the early order gets Tue 1 and Wed 2 (20 +
    // 10), the late one the rest of Wed 2 and Thu 3, Fri 4.
    let plans: Vec<(&str, &str, &str)> = draft
        .orders
        .iter()
        .map(|plan| {
            (
                plan.production_order_id.as_str(),
                plan.planned_start.as_str(),
                plan.planned_completion.as_str(),
            )
        })
        .collect();
    assert_eq!(
        plans,
        [
            (early.as_str(), "2026-12-01", "2026-12-02"),
            (late.as_str(), "2026-12-02", "2026-12-03"),
        ]
    );
    let mut per_day = std::collections::BTreeMap::<&str, i64>::new();
    for allocation in &draft.allocations {
        *per_day.entry(allocation.day.as_str()).or_default() += allocation.load;
    }
    assert!(per_day.values().all(|load| *load <= 20), "{per_day:?}");
    // Still a draft: nothing is scheduled; only the manager approves.
    let order = planner
        .get_production_order(pb::GetProductionOrderRequest { id: early.clone() })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(order.state(), pb::ProductionOrderState::Ready);
    let denied = planner
        .approve_schedule(pb::ApproveScheduleRequest {
            request_id: String::new(),
            id: draft.id.clone(),
        })
        .await
        .refused("the planner does not approve");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let approved = app
        .client("production_manager")
        .await
        .approve_schedule(pb::ApproveScheduleRequest {
            request_id: "approve-1".to_owned(),
            id: draft.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(approved.state(), pb::ScheduleState::Approved);
    let order = planner
        .get_production_order(pb::GetProductionOrderRequest { id: early.clone() })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(order.state(), pb::ProductionOrderState::Scheduled);
    assert_eq!(order.planned_completion, "2026-12-02");
    // PRD-11: the planned completion date goes to the order's timeline.
    app.quiescent(&[]).await;
    let scheduled = published(&app, "production.order.scheduled").await;
    assert_eq!(scheduled.len(), 2);
    assert!(
        scheduled
            .iter()
            .any(|event| event.detail.contains("planned completion 2026-12-02")),
        "{scheduled:?}"
    );
    // The daily plan of Wed 2 holds both orders, 20 in all.
    let plan = planner
        .get_plan(pb::GetPlanRequest {
            period: pb::PlanPeriod::Daily.into(),
            day: "2026-12-02".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(plan.lines.iter().map(|line| line.pieces).sum::<i64>(), 20);
    assert_eq!(plan.lines.len(), 2);
    let weekly = planner
        .get_plan(pb::GetPlanRequest {
            period: pb::PlanPeriod::Weekly.into(),
            day: String::new(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(weekly.lines.iter().map(|line| line.pieces).sum::<i64>(), 60);
    // A new proposal books on top of the approved one: nothing left to plan.
    let next = planner
        .propose_schedule(pb::ProposeScheduleRequest {
            request_id: String::new(),
            from_date: "2026-12-01".to_owned(),
            horizon_days: 30,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(next.orders.is_empty() && next.unscheduled.is_empty());
}

async fn prd_3_a_work_centre_without_capacity_is_refused(backend: Backend) {
    let app = spawn_production(backend).await;
    let refused = app
        .client("production_manager")
        .await
        .define_work_centre(pb::DefineWorkCentreRequest {
            request_id: String::new(),
            work_centre: Some(pb::WorkCentre {
                code: "ASSY".to_owned(),
                name: "assembly".to_owned(),
                unit: pb::CapacityUnit::Units.into(),
                daily_capacity: 0,
                days_off: vec![8],
                holidays: vec!["2026-13-01".to_owned()],
            }),
        })
        .await
        .refused("no capacity");
    assert_eq!(
        testing::violated_fields(&refused),
        [
            "work_centre.daily_capacity",
            "work_centre.days_off[0]",
            "work_centre.holidays[0]"
        ]
    );
    let centres = app
        .client("planner")
        .await
        .list_work_centres(pb::ListWorkCentresRequest {})
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(centres.work_centres.is_empty());
}

async fn prd_3_only_the_latest_draft_can_be_approved(backend: Backend) {
    let app = spawn_production(backend).await;
    two_ready_orders(&app).await;
    let mut planner = app.client("planner").await;
    let propose = pb::ProposeScheduleRequest {
        request_id: String::new(),
        from_date: "2026-12-01".to_owned(),
        horizon_days: 30,
    };
    let first = planner
        .propose_schedule(propose.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let second = planner
        .propose_schedule(propose)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut manager = app.client("production_manager").await;
    // The first was superseded by the second.
    let superseded = manager
        .approve_schedule(pb::ApproveScheduleRequest {
            request_id: String::new(),
            id: first.id.clone(),
        })
        .await
        .refused("superseded");
    assert_eq!(superseded.code(), tonic::Code::FailedPrecondition);
    manager
        .approve_schedule(pb::ApproveScheduleRequest {
            request_id: String::new(),
            id: second.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}
