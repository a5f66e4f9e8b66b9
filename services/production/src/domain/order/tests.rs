use chrono::{Duration, TimeZone};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0)
        .single()
        .unwrap_or_default()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn order(quantity: i64) -> ProductionOrder {
    ProductionOrder::new(
        Demand {
            order_id: OrderId::new(),
            order_number: "2026113000000001".to_owned(),
            order_kind: "export".to_owned(),
            sku: "PUMP-100".to_owned(),
            quantity,
            due_date: Some(day("2027-01-15")),
            warehouse: "FG".to_owned(),
        },
        now() + Duration::hours(4),
        now(),
    )
}

fn meeting() -> ReviewMeeting {
    ReviewMeeting {
        held_at: now(),
        attendees: vec!["planner".to_owned(), "engineering".to_owned()],
        conclusions: "feasible".to_owned(),
        recorded_by: "planner".to_owned(),
    }
}

fn documents() -> Engineering {
    Engineering {
        drawings: vec!["DWG-1".to_owned()],
        process_sheet: "PS-1".to_owned(),
        bom_version: 1,
        prepared_by: "engineer".to_owned(),
        submitted_at: now(),
        status: Review::Submitted,
        reviewed_by: String::new(),
        review_comment: String::new(),
        reviewed_at: None,
    }
}

fn kinds(result: Result<impl std::fmt::Debug, ProductionError>) -> Vec<&'static str> {
    match result {
        Err(error) => error.precondition_kinds(),
        Ok(value) => panic!("expected a refusal, got {value:?}"),
    }
}

/// Through engineering, materials (none needed), schedule and first
/// article, to a running order.
fn running(quantity: i64) -> ProductionOrder {
    let mut order = order(quantity);
    let steps = [
        order.record_review_meeting(meeting(), now()),
        order.submit_engineering(documents(), now()),
        order.review_engineering(true, "manager", "", now()),
        order.plan_materials(Vec::new(), now()),
        order.schedule("s1", day("2026-12-01"), day("2026-12-05"), "", now()),
        order.record_first_article("worker", "head", now()),
        order.inspect_first_article(true, "qc", "", now()),
        order.start_run(now()),
    ];
    assert!(steps.iter().all(Result::is_ok), "{steps:?}");
    order
}

fn output(good: i64, scrap: i64) -> OutputReport {
    OutputReport {
        day: day("2026-12-02"),
        good,
        scrap,
        reported_by: "head".to_owned(),
        at: now(),
    }
}

#[test]
fn prd_10_engineering_comes_after_the_review_meeting() {
    let mut order = order(30);
    assert_eq!(
        kinds(order.submit_engineering(documents(), now())),
        ["REVIEW_MEETING_FIRST"]
    );
    assert!(order.record_review_meeting(meeting(), now()).is_ok());
    assert!(order.submit_engineering(documents(), now()).is_ok());
    assert_eq!(order.state, State::Engineering);
}

#[test]
fn prd_10_nothing_is_scheduled_before_engineering_is_approved() {
    let mut order = order(30);
    assert!(order.record_review_meeting(meeting(), now()).is_ok());
    assert!(order.submit_engineering(documents(), now()).is_ok());
    assert_eq!(
        kinds(order.schedule("s1", day("2026-12-01"), day("2026-12-05"), "", now())),
        ["PRODUCTION_ORDER_STATE"]
    );
    // A rejection keeps it in engineering; a new submission is reviewed.
    assert!(
        order
            .review_engineering(false, "manager", "tolerances", now())
            .is_ok()
    );
    assert_eq!(order.state, State::Engineering);
    assert_eq!(
        kinds(order.review_engineering(true, "manager", "", now())),
        ["ENGINEERING_NOT_SUBMITTED"]
    );
    assert!(order.submit_engineering(documents(), now()).is_ok());
    assert!(order.review_engineering(true, "manager", "", now()).is_ok());
    assert_eq!(order.state, State::Ready);
    assert_eq!(order.approved_bom_version(), Some(1));
    assert!(
        order
            .schedule("s1", day("2026-12-01"), day("2026-12-05"), "", now())
            .is_ok()
    );
}

#[test]
fn prd_4_the_run_cannot_start_before_the_first_article_passes() {
    let mut order = order(30);
    let steps = [
        order.record_review_meeting(meeting(), now()),
        order.submit_engineering(documents(), now()),
        order.review_engineering(true, "manager", "", now()),
        order.plan_materials(
            vec![MaterialLine {
                sku: "BOLT".to_owned(),
                required: 120,
                available: 500,
                short: 0,
                issued: 0,
            }],
            now(),
        ),
        order.schedule("s1", day("2026-12-01"), day("2026-12-05"), "", now()),
    ];
    assert!(steps.iter().all(Result::is_ok), "{steps:?}");
    assert_eq!(kinds(order.start_run(now())), ["FIRST_ARTICLE_NOT_PASSED"]);
    // Materials first, then the first article.
    assert_eq!(
        kinds(order.record_first_article("worker", "head", now())),
        ["MATERIALS_NOT_ISSUED"]
    );
    order.record_issue(&[("BOLT".to_owned(), 120)], now());
    assert!(order.record_first_article("worker", "head", now()).is_ok());
    assert_eq!(kinds(order.start_run(now())), ["FIRST_ARTICLE_NOT_PASSED"]);
    assert!(
        order
            .inspect_first_article(false, "qc", "burr", now())
            .is_ok()
    );
    assert_eq!(kinds(order.start_run(now())), ["FIRST_ARTICLE_NOT_PASSED"]);
    assert!(order.record_first_article("worker", "head", now()).is_ok());
    assert!(order.inspect_first_article(true, "qc", "", now()).is_ok());
    assert!(order.start_run(now()).is_ok());
    assert_eq!(order.state, State::InProgress);
}

#[test]
fn prd_4_output_never_exceeds_the_planned_quantity() {
    let mut order = running(30);
    assert!(order.report_output(output(20, 2), now()).is_ok());
    let refused = order.report_output(output(11, 0), now());
    assert!(matches!(refused, Err(ProductionError::InvalidInput(_))));
    assert_eq!(order.good(), 20);
    assert!(order.report_output(output(10, 1), now()).is_ok());
    assert_eq!((order.good(), order.scrap()), (30, 3));
}

#[test]
fn prd_4_qa_takes_only_what_was_produced() {
    let mut order = running(30);
    assert!(matches!(
        order.submit_lot(1, now()),
        Err(ProductionError::InvalidInput(_))
    ));
    assert!(order.report_output(output(20, 0), now()).is_ok());
    assert!(order.submit_lot(15, now()).is_ok());
    assert!(matches!(
        order.submit_lot(6, now()),
        Err(ProductionError::InvalidInput(_))
    ));
    assert!(order.submit_lot(5, now()).is_ok());
}

#[test]
fn prd_5_a_failed_lot_goes_to_rework_and_never_counts_as_passed() {
    let mut order = running(30);
    assert!(order.report_output(output(30, 0), now()).is_ok());
    let lot = order.submit_lot(30, now()).map(|id| id.to_string());
    let lot = lot.unwrap_or_default();
    let failed = order.inspect_lot(&lot, false, "qc", "scratches", now());
    assert_eq!(failed.map(|lot| lot.state).ok(), Some(LotState::Rework));
    assert_eq!(order.passed(), 0);
    assert_eq!(order.state, State::InProgress);
    // Not inspectable while in rework; back to QA once reworked.
    assert_eq!(
        kinds(order.inspect_lot(&lot, true, "qc", "", now())),
        ["LOT_NOT_AWAITING_QA"]
    );
    assert!(order.complete_rework(&lot, now()).is_ok());
    let passed = order.inspect_lot(&lot, true, "qc", "", now());
    assert_eq!(passed.map(|lot| lot.rework_count).ok(), Some(1));
    assert_eq!(order.passed(), 30);
    assert_eq!(order.state, State::Completed);
}

#[test]
fn sla_3_an_unscheduled_order_is_flagged_once_after_its_time() {
    let mut order = order(30);
    assert!(!order.flag_schedule_overdue(now() + Duration::hours(3)));
    assert!(order.flag_schedule_overdue(now() + Duration::hours(5)));
    assert!(!order.flag_schedule_overdue(now() + Duration::hours(6)));
    // A scheduled order is never flagged.
    let mut scheduled = running(5);
    assert!(!scheduled.flag_schedule_overdue(now() + Duration::hours(5)));
}

#[test]
fn ord_6_cancelling_returns_the_issued_materials_once() {
    let mut order = running(30);
    order.materials.push(MaterialLine {
        sku: "BOLT".to_owned(),
        required: 120,
        available: 120,
        short: 0,
        issued: 120,
    });
    assert_eq!(
        order.cancel("customer cancelled", now()),
        Some(vec![("BOLT".to_owned(), 120)])
    );
    assert_eq!(order.state, State::Cancelled);
    assert_eq!(order.cancel("again", now()), None);
}
