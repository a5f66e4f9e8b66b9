//! Step due times and overdue steps (APR-10), with a clock the test moves.

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::approvals::v1 as pb;

use crate::support::*;

backend_tests!(apr_10_an_overdue_step_is_reported_once);

async fn apr_10_an_overdue_step_is_reported_once(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let mut request = export_review("refund-late", cny(100), &[]);
    request.subject_kind = "refund".to_owned();
    let filed = file(&app, request).await;
    let due = filed.steps[0].due_time.unwrap_or_default();
    assert_eq!(
        due.seconds,
        (start_time() + chrono::Duration::minutes(240)).timestamp()
    );

    app.clock.advance(chrono::Duration::minutes(239));
    app.after_a_sweep().await;
    assert!(
        app.published("approvals.step.overdue").await.is_empty(),
        "not yet due"
    );

    app.clock.advance(chrono::Duration::minutes(2));
    let events = app.wait_for_published("approvals.step.overdue", 1).await;
    let event: pb::ApprovalEvent =
        prost::Message::decode(events[0].payload.as_ref()).unwrap_or_default();
    assert_eq!(event.step.map(|step| step.role), Some("gm".to_owned()));
    app.after_a_sweep().await;
    assert_eq!(
        app.published("approvals.step.overdue").await.len(),
        1,
        "reported once"
    );

    let overdue = testing::eventually(Duration::from_secs(5), "the overdue list", || async {
        let listed = app
            .client("root", &["admin"])
            .await
            .list_overdue_steps(pb::ListOverdueStepsRequest::default())
            .await
            .ok()?
            .into_inner();
        (!listed.steps.is_empty()).then_some(listed)
    })
    .await;
    assert_eq!(overdue.steps.len(), 1);
    assert_eq!(overdue.steps[0].approval_request_id, filed.id);
    assert!(
        overdue.steps[0]
            .step
            .as_ref()
            .is_some_and(|step| step.overdue)
    );
}
