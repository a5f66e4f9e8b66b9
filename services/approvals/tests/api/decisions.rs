//! Deciding steps: APR-3, APR-4 and the events they publish.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::approvals::v1 as pb;

use crate::support::*;

backend_tests!(
    apr_4_role_self_approval_and_one_decision_per_step_are_enforced,
    apr_3_a_rejection_with_reason_and_a_resubmission_start_a_new_round,
    apr_10_the_inbox_lists_the_callers_steps_oldest_first_in_pages,
);

async fn apr_4_role_self_approval_and_one_decision_per_step_are_enforced(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let request = file(&app, export_review("order-s13", cny(10_000_000), &[])).await;
    let mut alice = app.client("alice", &["sales", "dept_manager"]).await;
    let signed = alice
        .decide_step(decide(&request, "sales", true, ""))
        .await
        .unwrap_or_else(|s| panic!("the salesperson signs her own form: {s:?}"))
        .into_inner();

    let self_approval = alice
        .decide_step(decide(&signed, "dept_manager", true, ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("self-approval went through"));
    assert_eq!(self_approval.code(), tonic::Code::PermissionDenied);

    let wrong_role = app
        .client("wang", &["warehouse"])
        .await
        .decide_step(decide(&signed, "dept_manager", true, ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("the warehouse approved"));
    assert_eq!(wrong_role.code(), tonic::Code::PermissionDenied);

    let mut bob = app.client("bob", &["dept_manager"]).await;
    let mut approval = decide(&signed, "dept_manager", true, "");
    approval.request_id = "bob-approves-1".to_owned();
    let approved = bob
        .decide_step(approval.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let retried = bob
        .decide_step(approval)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        retried, approved,
        "a retry of the same decision returns the same result"
    );

    let second = app
        .client("carol", &["dept_manager"])
        .await
        .decide_step(decide(&signed, "dept_manager", false, "I disagree"))
        .await
        .err()
        .unwrap_or_else(|| panic!("a second decision went through"));
    assert_eq!(second.code(), tonic::Code::FailedPrecondition);

    let decided_events = app.wait_for_published("approvals.step.decided", 2).await;
    assert_eq!(
        decided_events.len(),
        2,
        "one event per decision, none for the retry or the refusals"
    );
}

async fn apr_3_a_rejection_with_reason_and_a_resubmission_start_a_new_round(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let request = file(&app, export_review("order-rejected", cny(10_000_000), &[])).await;
    let alice = app.client("alice", &["sales"]).await;
    let signed = alice
        .clone()
        .decide_step(decide(&request, "sales", true, ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut bob = app.client("bob", &["dept_manager"]).await;
    let no_reason = bob
        .decide_step(decide(&signed, "dept_manager", false, " "))
        .await
        .err()
        .unwrap_or_else(|| panic!("rejected without a reason"));
    assert_eq!(no_reason.code(), tonic::Code::InvalidArgument);
    let rejected = bob
        .decide_step(decide(
            &signed,
            "dept_manager",
            false,
            "freight and duties are not estimated",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(rejected.state, pb::ApprovalState::Rejected as i32);
    let events = app
        .wait_for_published("approvals.request.rejected", 1)
        .await;
    let event: pb::ApprovalEvent =
        prost::Message::decode(events[0].payload.as_ref()).unwrap_or_default();
    assert_eq!(event.reason, "freight and duties are not estimated");
    assert_eq!(event.actor, "bob");

    let resubmitted = alice
        .clone()
        .resubmit_approval_request(pb::ResubmitApprovalRequestRequest {
            approval_request_id: request.id.clone(),
            change_note: "freight 3,200 CNY and duties 0 added to the review form".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(resubmitted.round, 2);
    assert_eq!(resubmitted.state, pb::ApprovalState::Pending as i32);
    assert_eq!(resubmitted.rounds.len(), 2);
    assert!(
        resubmitted
            .steps
            .iter()
            .any(|s| s.round == 1 && s.reason == "freight and duties are not estimated")
    );
    let round_two = chain(&resubmitted);
    assert_eq!(round_two, vec!["sales", "dept_manager", "admin_reviewer"]);
    app.wait_for_published("approvals.request.resubmitted", 1)
        .await;
}

async fn apr_10_the_inbox_lists_the_callers_steps_oldest_first_in_pages(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let mut filed = Vec::new();
    for n in 0..3 {
        let mut request = export_review(&format!("refund-{n}"), cny(100), &[]);
        request.subject_kind = "refund".to_owned();
        filed.push(file(&app, request).await.id);
        app.clock.advance(chrono::Duration::minutes(1));
    }
    let mut own = export_review("refund-own", cny(100), &[]);
    own.subject_kind = "refund".to_owned();
    own.requester = "gary".to_owned();
    file(&app, own).await;

    let mut gary = app.client("gary", &["gm"]).await;
    let first = gary
        .list_my_pending_steps(pb::ListMyPendingStepsRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let second = gary
        .list_my_pending_steps(pb::ListMyPendingStepsRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let seen: Vec<String> = first
        .steps
        .iter()
        .chain(second.steps.iter())
        .map(|pending| pending.approval_request_id.clone())
        .collect();
    assert_eq!(seen, filed, "oldest first, the GM's own request left out");
    assert!(second.next_page_token.is_empty());

    let nothing = app
        .client("fiona", &["finance"])
        .await
        .list_my_pending_steps(pb::ListMyPendingStepsRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(nothing.steps.is_empty(), "not finance's turn");
}
