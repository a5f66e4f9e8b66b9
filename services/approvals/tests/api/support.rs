//! `spawn_approvals()`: the service in-process on port 0, with its own
//! database and NATS server, a settable clock and typed clients.

use orderflow_approvals::config::ApprovalsConfig;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::approvals::v1 as pb;
use orderflow_proto::common::v1 as common;
use pb::approval_service_client::ApprovalServiceClient;

pub type Client = ApprovalServiceClient<testing::Authorized>;

pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2026-03-02T01:00:00Z")
}

orderflow_platform::test_app!(
    /// Approvals under test: [`Spawned`] (address, database, NATS, clock) with
    /// the approvals client.
    TestApp
);

pub async fn spawn_approvals(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            |env| env.with("SLA_SWEEP_INTERVAL_SECS", "1"),
            testing::starter(ApprovalsConfig::from_env, orderflow_approvals::start),
        )
        .await,
    )
}

impl TestApp {
    /// Waits for two more passes of the SLA sweeper (so one ran entirely
    /// after this call) and for what it announced to be published.
    pub async fn after_a_sweep(&self) {
        self.0.after_a_sweep(&[]).await;
    }

    pub async fn client(&self, subject: &str, roles: &[&str]) -> Client {
        ApprovalServiceClient::new(testing::authorized(self.address, subject, roles).await)
    }

    /// Messages on `subject` in the APPROVALS stream so far.
    pub async fn published(
        &self,
        subject: &str,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        testing::stream_messages(&self.nats, "APPROVALS", subject).await
    }

    /// Waits until `count` messages on `subject` were published.
    pub async fn wait_for_published(
        &self,
        subject: &str,
        count: usize,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        testing::wait_for_messages(&self.nats, "APPROVALS", subject, count).await
    }
}

pub fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

/// An export contract review for `amount` (minor units of CNY), filed by the
/// orders service on behalf of salesperson alice.
pub fn export_review(
    subject_id: &str,
    amount: Option<common::Money>,
    flags: &[&str],
) -> pb::CreateApprovalRequestRequest {
    pb::CreateApprovalRequestRequest {
        request_id: String::new(),
        subject_kind: "export_contract".to_owned(),
        subject_id: subject_id.to_owned(),
        subject_ref: format!("order {subject_id}"),
        amount,
        flags: flags.iter().map(|flag| (*flag).to_owned()).collect(),
        attachments: vec![
            "customer-po/PO-88.pdf".to_owned(),
            "factory-contract/FC-12.pdf".to_owned(),
        ],
        estimated_costs: vec![
            pb::CostEstimate {
                name: "ocean freight".to_owned(),
                amount: cny(320_000),
            },
            pb::CostEstimate {
                name: "agent commission".to_owned(),
                amount: cny(150_000),
            },
        ],
        requester: "alice".to_owned(),
    }
}

pub async fn file(app: &TestApp, request: pb::CreateApprovalRequestRequest) -> pb::ApprovalRequest {
    app.client("service:orders", &["service"])
        .await
        .create_approval_request(request)
        .await
        .unwrap_or_else(|status| panic!("create: {status:?}"))
        .into_inner()
}

/// The roles of the current round's steps, in order.
pub fn chain(request: &pb::ApprovalRequest) -> Vec<String> {
    request
        .steps
        .iter()
        .filter(|step| step.round == request.round)
        .map(|step| step.role.clone())
        .collect()
}

pub fn step_of(request: &pb::ApprovalRequest, role: &str) -> String {
    request
        .steps
        .iter()
        .find(|step| step.round == request.round && step.role == role)
        .map(|step| step.id.clone())
        .unwrap_or_else(|| panic!("no {role} step in round {}", request.round))
}

pub fn decide(
    request: &pb::ApprovalRequest,
    role: &str,
    approve: bool,
    reason: &str,
) -> pb::DecideStepRequest {
    pb::DecideStepRequest {
        request_id: String::new(),
        approval_request_id: request.id.clone(),
        step_id: step_of(request, role),
        decision: if approve {
            pb::Decision::Approve
        } else {
            pb::Decision::Reject
        } as i32,
        reason: reason.to_owned(),
    }
}
