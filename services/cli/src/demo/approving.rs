//! Approving a filed approval request in the demo: each step of its current
//! round decided by a person holding the step's role (APR-1).

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_proto::approvals::v1 as approvals;
use secrecy::SecretString;

use super::{Urls, authorized};

/// Approves every step of the request's current round, in order; `subject`
/// names the person who decides a step of a role.
pub(super) async fn every_step(
    urls: &Urls,
    secret: &SecretString,
    approval_request_id: &str,
    subject: impl Fn(&str) -> String,
) -> anyhow::Result<()> {
    let mut reader = ApprovalServiceClient::new(
        authorized(&urls.approvals, secret, "demo-reader", &["sales"]).await?,
    );
    let request = reader
        .get_approval_request(approvals::GetApprovalRequestRequest {
            approval_request_id: approval_request_id.to_owned(),
        })
        .await?
        .into_inner();
    for step in request
        .steps
        .iter()
        .filter(|step| step.round == request.round)
    {
        let subject = subject(&step.role);
        ApprovalServiceClient::new(
            authorized(&urls.approvals, secret, &subject, &[step.role.as_str()]).await?,
        )
        .decide_step(approvals::DecideStepRequest {
            request_id: String::new(),
            approval_request_id: request.id.clone(),
            step_id: step.id.clone(),
            decision: approvals::Decision::Approve as i32,
            reason: String::new(),
        })
        .await?;
        println!(
            "   step {} ({}) approved by {subject}",
            step.position, step.role
        );
    }
    Ok(())
}
