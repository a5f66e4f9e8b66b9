use chrono::TimeZone;
use orderflow_platform::money::Currency;

use super::*;
use crate::domain::policy::default_policies;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

fn cny(minor_units: i64) -> Money {
    Money::new(
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
        minor_units,
    )
}

fn policy(kind: &str) -> Policy {
    let (_, name, steps) = default_policies(cny(50_000_000), 240)
        .into_iter()
        .find(|(candidate, _, _)| *candidate == kind)
        .unwrap_or_else(|| panic!("no default {kind}"));
    Policy {
        id: "p-1".to_owned(),
        subject_kind: kind.to_owned(),
        version: 1,
        name: name.to_owned(),
        steps,
        created_at: now(),
        created_by: "system".to_owned(),
    }
}

fn export_request(amount: i64) -> ApprovalRequest {
    let new = NewRequest {
        subject_kind: "export_contract".to_owned(),
        subject_id: "order-1".to_owned(),
        subject_ref: "2026030200000001".to_owned(),
        amount: cny(amount),
        flags: BTreeSet::new(),
        attachments: vec!["po/PO-88.pdf".to_owned()],
        estimated_costs: vec![CostEstimate {
            name: "ocean freight".to_owned(),
            amount: cny(320_000),
        }],
        requester: "alice".to_owned(),
    };
    let rates = Rates::new(Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")));
    ApprovalRequest::open(
        "r-1".to_owned(),
        new,
        &policy("export_contract"),
        &rates,
        now(),
    )
}

fn step_id(request: &ApprovalRequest, role: &str) -> String {
    request
        .current_steps()
        .find(|step| step.role == role)
        .map(|step| step.id.clone())
        .unwrap_or_default()
}

fn alice() -> Actor {
    Actor::new("alice", &["sales", "dept_manager"])
}

fn bob() -> Actor {
    Actor::new("bob", &["dept_manager"])
}

#[test]
fn apr_10_the_first_step_is_due_by_its_sla() {
    let request = export_request(10_000_000);
    let active = request
        .active_step()
        .cloned()
        .unwrap_or_else(|| panic!("no active step"));
    assert_eq!(active.role, "sales");
    assert_eq!(active.due_at, Some(now() + Duration::minutes(240)));
    assert_eq!(
        request
            .current_steps()
            .filter(|s| s.state == StepState::Waiting)
            .count(),
        2
    );
}

#[test]
fn apr_4_the_requester_signs_their_own_form_but_never_approves() {
    let mut request = export_request(10_000_000);
    let sign = step_id(&request, "sales");
    let signed = request.decide(&sign, &alice(), Decision::Approve, "", now());
    assert!(signed.is_ok(), "{signed:?}");
    let manager_step = step_id(&request, "dept_manager");
    match request.decide(&manager_step, &alice(), Decision::Approve, "", now()) {
        Err(ApprovalError::PermissionDenied(message)) => assert!(message.contains("own request")),
        other => panic!("self-approval went through: {other:?}"),
    }
}

#[test]
fn apr_4_only_the_steps_role_decides_it() {
    let mut request = export_request(10_000_000);
    let sign = step_id(&request, "sales");
    request
        .decide(&sign, &alice(), Decision::Approve, "", now())
        .unwrap_or_else(|e| panic!("{e}"));
    let manager_step = step_id(&request, "dept_manager");
    let clerk = Actor::new("wang", &["warehouse"]);
    assert!(matches!(
        request.decide(&manager_step, &clerk, Decision::Approve, "", now()),
        Err(ApprovalError::PermissionDenied(_))
    ));
    let sign_by_other = Actor::new("tom", &["sales"]);
    let mut fresh = export_request(10_000_000);
    let fresh_sign = step_id(&fresh, "sales");
    assert!(matches!(
        fresh.decide(&fresh_sign, &sign_by_other, Decision::Approve, "", now()),
        Err(ApprovalError::PermissionDenied(_))
    ));
}

#[test]
fn apr_4_one_decision_per_step_and_a_retry_changes_nothing() {
    let mut request = export_request(10_000_000);
    let sign = step_id(&request, "sales");
    request
        .decide(&sign, &alice(), Decision::Approve, "", now())
        .unwrap_or_else(|e| panic!("{e}"));
    let manager_step = step_id(&request, "dept_manager");
    let first = request
        .decide(&manager_step, &bob(), Decision::Approve, "", now())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.repeated);
    let retry = request
        .decide(&manager_step, &bob(), Decision::Approve, "", now())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(retry.repeated, "the same decision again is idempotent");
    let carol = Actor::new("carol", &["dept_manager"]);
    match request.decide(&manager_step, &carol, Decision::Reject, "no", now()) {
        Err(error @ ApprovalError::PreconditionFailed(_)) => {
            assert_eq!(error.precondition_kinds(), ["ALREADY_DECIDED"])
        }
        other => panic!("a second decision went through: {other:?}"),
    }
    match request.decide(
        &manager_step,
        &bob(),
        Decision::Reject,
        "changed my mind",
        now(),
    ) {
        Err(error @ ApprovalError::PreconditionFailed(_)) => {
            assert_eq!(error.precondition_kinds(), ["ALREADY_DECIDED"])
        }
        other => panic!("a changed decision went through: {other:?}"),
    }
}

#[test]
fn steps_are_decided_in_order() {
    let mut request = export_request(10_000_000);
    let review = step_id(&request, "admin_reviewer");
    let reviewer = Actor::new("rita", &["admin_reviewer"]);
    match request.decide(&review, &reviewer, Decision::Approve, "", now()) {
        Err(error @ ApprovalError::PreconditionFailed(_)) => {
            assert_eq!(error.precondition_kinds(), ["NOT_ITS_TURN"])
        }
        other => panic!("decided out of turn: {other:?}"),
    }
}

#[test]
fn apr_3_a_rejection_needs_a_reason_and_a_resubmission_starts_a_new_round() {
    let mut request = export_request(10_000_000);
    let sign = step_id(&request, "sales");
    request
        .decide(&sign, &alice(), Decision::Approve, "", now())
        .unwrap_or_else(|e| panic!("{e}"));
    let manager_step = step_id(&request, "dept_manager");
    assert!(matches!(
        request.decide(&manager_step, &bob(), Decision::Reject, "  ", now()),
        Err(ApprovalError::InvalidInput(_))
    ));
    let rejected = request
        .decide(
            &manager_step,
            &bob(),
            Decision::Reject,
            "freight estimate missing",
            now(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rejected.finished, Some(RequestState::Rejected));
    assert_eq!(request.state, RequestState::Rejected);
    assert!(
        request
            .current_steps()
            .any(|s| s.state == StepState::Skipped)
    );

    let rates = Rates::new(Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")));
    assert!(
        request
            .resubmit(&bob(), "fixed", None, &rates, now())
            .is_err(),
        "only the requester"
    );
    request
        .resubmit(
            &alice(),
            "freight added: 3,200 CNY",
            Some(Terms {
                amount: cny(60_000_000),
                flags: BTreeSet::new(),
                attachments: vec![],
                estimated_costs: vec![],
            }),
            &rates,
            now(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.round, 2);
    assert_eq!(request.state, RequestState::Pending);
    assert_eq!(request.rounds.len(), 2);
    let round_two: Vec<&str> = request.current_steps().map(|s| s.role.as_str()).collect();
    assert_eq!(
        round_two,
        vec!["sales", "dept_manager", "admin_reviewer", "gm"],
        "the new amount brings in the GM"
    );
    assert_eq!(
        request.steps.iter().filter(|s| s.round == 1).count(),
        3,
        "earlier rounds stay"
    );
    assert!(
        request
            .resubmit(&alice(), "again", None, &rates, now())
            .is_err(),
        "only after a rejection"
    );
}

#[test]
fn apr_2_the_last_approval_approves_the_request() {
    let mut request = export_request(10_000_000);
    for (role, actor) in [
        ("sales", alice()),
        ("dept_manager", bob()),
        ("admin_reviewer", Actor::new("rita", &["admin_reviewer"])),
    ] {
        let id = step_id(&request, role);
        let decided = request
            .decide(&id, &actor, Decision::Approve, "", now())
            .unwrap_or_else(|e| panic!("{e}"));
        let expected = (role == "admin_reviewer").then_some(RequestState::Approved);
        assert_eq!(decided.finished, expected, "{role}");
    }
    assert_eq!(request.state, RequestState::Approved);
}

#[test]
fn apr_10_an_overdue_step_is_reported_once() {
    let mut request = export_request(10_000_000);
    assert!(
        request
            .take_newly_overdue(now() + Duration::minutes(239))
            .is_empty()
    );
    let overdue = request.take_newly_overdue(now() + Duration::minutes(241));
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].role, "sales");
    assert!(
        request
            .take_newly_overdue(now() + Duration::minutes(300))
            .is_empty()
    );
}
