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

fn scheduled() -> ProductionOrder {
    let mut order = order(30);
    let steps = [
        order.record_review_meeting(meeting(), now()),
        order.submit_engineering(documents(), now()),
        order.review_engineering(true, "manager", "", now()),
        order.plan_materials(Vec::new(), now()),
        order.schedule("s1", day("2026-12-01"), day("2026-12-05"), "", now()),
        order.record_first_article("worker", "head", now()),
        order.inspect_first_article(true, "qc", "", now()),
    ];
    assert!(steps.iter().all(Result::is_ok), "{steps:?}");
    order
}

#[test]
fn prd_7_the_run_waits_for_approved_tooling_to_be_accepted() {
    let mut order = scheduled();
    let mould = order
        .request_tooling("injection mould for the housing", "engineer", now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    let fixture = order
        .request_tooling("welding fixture", "engineer", now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    assert_eq!(kinds(order.start_run(now())), ["TOOLING_NOT_ACCEPTED"]);
    // Rejected tooling holds nothing back; approved tooling must arrive.
    assert!(
        order
            .review_tooling(&fixture, false, "equipment", "use the old one", now())
            .is_ok()
    );
    assert!(
        order
            .review_tooling(&mould, true, "equipment", "", now())
            .is_ok()
    );
    assert_eq!(
        kinds(order.accept_tooling(&mould, "head", now())),
        ["TOOLING_STATE"]
    );
    assert_eq!(kinds(order.start_run(now())), ["TOOLING_NOT_ACCEPTED"]);
    assert!(order.tooling_made(&mould, "tool room", now()).is_ok());
    assert_eq!(kinds(order.start_run(now())), ["TOOLING_NOT_ACCEPTED"]);
    assert!(order.accept_tooling(&mould, "head", now()).is_ok());
    assert!(order.start_run(now()).is_ok());
}

#[test]
fn prd_8_no_lot_goes_to_qa_before_the_outsourced_work_came_back_passed() {
    let mut order = scheduled();
    order.outsourced.push(OutsourcedOperation {
        seq: 20,
        name: "plating".to_owned(),
        quantity: 30,
        send_date: day("2026-12-02"),
        return_date: day("2026-12-04"),
        passed: None,
        inspector: String::new(),
        note: String::new(),
    });
    assert!(order.start_run(now()).is_ok());
    assert!(order.report_output(output(30, 0), now()).is_ok());
    assert_eq!(
        kinds(order.submit_lot(30, now())),
        ["OUTSOURCED_NOT_RETURNED"]
    );
    assert!(
        order
            .inspect_outsourced_return(20, false, "qc", "flaking", now())
            .is_ok()
    );
    assert_eq!(
        kinds(order.submit_lot(30, now())),
        ["OUTSOURCED_NOT_RETURNED"]
    );
    assert!(
        order
            .inspect_outsourced_return(20, true, "qc", "", now())
            .is_ok()
    );
    assert_eq!(
        kinds(order.inspect_outsourced_return(20, true, "qc", "", now())),
        ["OUTSOURCED_ALREADY_PASSED"]
    );
    assert!(order.submit_lot(30, now()).is_ok());
}

#[test]
fn prd_6_inspections_are_due_by_their_day_and_flagged_once() {
    let mut order = order(30);
    order.plan_inspections(&[PreShipmentKind::ThirdParty], InspectionDays::default());
    let days: Vec<(PreShipmentKind, Option<NaiveDate>)> = order
        .pre_shipment
        .iter()
        .map(|planned| (planned.kind, planned.book_by))
        .collect();
    // Delivery 2027-01-15: own QC by the 8th, the third party by the 1st.
    assert_eq!(
        days,
        [
            (PreShipmentKind::OwnQc, Some(day("2027-01-08"))),
            (PreShipmentKind::ThirdParty, Some(day("2027-01-01")))
        ]
    );
    assert_eq!(order.next_booking_due(), Some(day("2027-01-01")));
    assert!(
        order
            .flag_unbooked_inspections(day("2027-01-01"), now())
            .is_empty()
    );
    assert_eq!(
        order.flag_unbooked_inspections(day("2027-01-02"), now()),
        [PreShipmentKind::ThirdParty]
    );
    assert!(
        order
            .flag_unbooked_inspections(day("2027-01-03"), now())
            .is_empty()
    );
    assert!(order.inspection_overdue());
    // Booked (late, still): no longer overdue; own QC booked in time.
    order.state = State::Ready;
    assert!(
        order
            .book_inspection(
                PreShipmentKind::ThirdParty,
                day("2027-01-10"),
                "SGS",
                "qc",
                now()
            )
            .is_ok()
    );
    assert!(
        order
            .book_inspection(
                PreShipmentKind::OwnQc,
                day("2027-01-12"),
                "quinn",
                "qc",
                now()
            )
            .is_ok()
    );
    assert!(!order.inspection_overdue());
    assert!(
        order
            .flag_unbooked_inspections(day("2027-01-20"), now())
            .is_empty()
    );
    // Not required, or after the delivery date: refused.
    assert_eq!(
        kinds(order.book_inspection(
            PreShipmentKind::Customer,
            day("2027-01-10"),
            "x",
            "qc",
            now()
        )),
        ["INSPECTION_NOT_REQUIRED"]
    );
    assert!(matches!(
        order.book_inspection(PreShipmentKind::OwnQc, day("2027-01-16"), "x", "qc", now()),
        Err(ProductionError::InvalidInput(_))
    ));
}

#[test]
fn prd_12_only_a_completed_order_closes_and_each_change_is_reviewed_once() {
    let mut order = running(5);
    let closing = Closing {
        process_summary: "press fit needs 2 kN more".to_owned(),
        quality_summary: "one lot reworked for scratches".to_owned(),
        document_changes: vec![DocumentChange {
            document: "PS-100".to_owned(),
            change: "press force 12 kN".to_owned(),
            status: "proposed".to_owned(),
            reviewed_by: String::new(),
            comment: String::new(),
        }],
        closed_by: "head".to_owned(),
        closed_at: now(),
    };
    assert_eq!(
        kinds(order.close(closing.clone(), now())),
        ["PRODUCTION_ORDER_STATE"]
    );
    assert!(order.report_output(output(5, 0), now()).is_ok());
    let lot = order
        .submit_lot(5, now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    assert!(order.inspect_lot(&lot, true, "qc", "", now()).is_ok());
    assert!(order.close(closing, now()).is_ok());
    assert_eq!(order.state, State::Closed);
    assert!(
        order
            .review_document_change(0, true, "chief", "", now())
            .is_ok()
    );
    assert_eq!(
        kinds(order.review_document_change(0, false, "chief", "no", now())),
        ["DOCUMENT_CHANGE_REVIEWED"]
    );
    assert_eq!(
        order
            .closing
            .as_ref()
            .map(|closing| closing.document_changes[0].status.as_str()),
        Some("archived")
    );
}
