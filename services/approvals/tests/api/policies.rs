//! Policies are data, versioned; a running request keeps its version (APR-1).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::approvals::v1 as pb;

use crate::support::*;

backend_tests!(apr_1_a_policy_changed_while_a_request_runs_does_not_change_that_request);

fn rule(name: &str, role: &str) -> pb::StepRule {
    pb::StepRule {
        name: name.to_owned(),
        role: role.to_owned(),
        sla_minutes: 60,
        condition: None,
        signed_by_requester: false,
    }
}

async fn apr_1_a_policy_changed_while_a_request_runs_does_not_change_that_request(
    backend: Backend,
) {
    let app = spawn_approvals(backend).await;
    let mut admin = app.client("root", &["admin"]).await;
    let current = admin
        .get_policy(pb::GetPolicyRequest {
            subject_kind: "material_prep".to_owned(),
            version: 0,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(current.version, 1, "shipped as version 1");

    let mut running = export_review("prep-1", cny(100), &[]);
    running.subject_kind = "material_prep".to_owned();
    let running = file(&app, running).await;
    assert_eq!(chain(&running), vec!["gm"]);

    let updated = admin
        .update_policy(pb::UpdatePolicyRequest {
            request_id: String::new(),
            subject_kind: "material_prep".to_owned(),
            name: String::new(),
            steps: vec![
                rule("planner checks the quantities", "planner"),
                rule("general manager signs", "gm"),
            ],
            base_version: 1,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(updated.version, 2);

    let stale = admin
        .update_policy(pb::UpdatePolicyRequest {
            request_id: String::new(),
            subject_kind: "material_prep".to_owned(),
            name: String::new(),
            steps: vec![rule("general manager signs", "gm")],
            base_version: 1,
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a stale update went through"));
    assert_eq!(stale.code(), tonic::Code::FailedPrecondition);

    let mut later = export_review("prep-2", cny(100), &[]);
    later.subject_kind = "material_prep".to_owned();
    let later = file(&app, later).await;
    assert_eq!(
        chain(&later),
        vec!["planner", "gm"],
        "new requests take the new version"
    );
    assert_eq!(later.policy_version, 2);

    let gm = app.client("gary", &["gm"]).await;
    let approved = gm
        .clone()
        .decide_step(decide(&running, "gm", true, ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(approved.policy_version, 1);
    assert_eq!(
        approved.state,
        pb::ApprovalState::Approved as i32,
        "the running request kept its one-step chain"
    );

    let version_one = admin
        .get_policy(pb::GetPolicyRequest {
            subject_kind: "material_prep".to_owned(),
            version: 1,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(version_one.steps.len(), 1, "old versions stay readable");

    let not_admin = app
        .client("gary", &["gm"])
        .await
        .update_policy(pb::UpdatePolicyRequest {
            subject_kind: "material_prep".to_owned(),
            steps: vec![rule("x", "gm")],
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a GM changed a policy"));
    assert_eq!(not_admin.code(), tonic::Code::PermissionDenied);
}
