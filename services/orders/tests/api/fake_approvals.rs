//! A fake approvals service: a real tonic server on port 0 that answers the
//! one RPC the fulfilment saga asks (`CreateApprovalRequest`) once the test
//! lets it, and refuses every other RPC as unimplemented. Until then every
//! request is recorded and answered `UNAVAILABLE`, as when the approvals
//! service decided at once but its answer never reached the saga.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use approvals::approval_service_server::{ApprovalService, ApprovalServiceServer};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::approvals::v1 as approvals;
use tonic::{Request, Response, Status};

#[derive(Debug, Clone, Default)]
pub struct FakeApprovals {
    answering: Arc<AtomicBool>,
    asked: Arc<Mutex<Vec<approvals::CreateApprovalRequestRequest>>>,
}

impl FakeApprovals {
    /// Serves the fake until `shutdown`; its address.
    pub async fn serve(&self, shutdown: Shutdown) -> SocketAddr {
        let routes = tonic::service::Routes::new(ApprovalServiceServer::new(self.clone()));
        orderflow_platform::testing::serve_fake(routes, shutdown).await
    }

    /// From now on the saga's requests are answered.
    pub fn answer(&self) {
        self.answering.store(true, Ordering::SeqCst);
    }

    /// The requests filed so far (answered or not).
    pub fn asked(&self) -> Vec<approvals::CreateApprovalRequestRequest> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The approval request the fake files for `subject_id`: decided at
    /// once, as one whose policy has no applicable step.
    pub fn request_of(subject_kind: &str, subject_id: &str) -> approvals::ApprovalRequest {
        approvals::ApprovalRequest {
            id: format!("APR-{subject_id}"),
            subject_kind: subject_kind.to_owned(),
            subject_id: subject_id.to_owned(),
            state: approvals::ApprovalState::Approved.into(),
            round: 1,
            policy_version: 1,
            ..Default::default()
        }
    }

    fn create(
        &self,
        request: Request<approvals::CreateApprovalRequestRequest>,
    ) -> Result<Response<approvals::ApprovalRequest>, Status> {
        let request = request.into_inner();
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        if !self.answering.load(Ordering::SeqCst) {
            return Err(Status::unavailable("the fake approvals' answer was lost"));
        }
        Ok(Response::new(Self::request_of(
            &request.subject_kind,
            &request.subject_id,
        )))
    }
}

/// The fake's `ApprovalService`: requests as above, every other RPC
/// `UNIMPLEMENTED` (the saga must not need it).
macro_rules! fake_approval_service {
    ($($rpc:ident($request:ident) -> $response:ident;)*) => {
        #[async_trait::async_trait]
        impl ApprovalService for FakeApprovals {
            async fn create_approval_request(
                &self,
                request: Request<approvals::CreateApprovalRequestRequest>,
            ) -> Result<Response<approvals::ApprovalRequest>, Status> {
                self.create(request)
            }
            $(
                async fn $rpc(
                    &self,
                    _request: Request<approvals::$request>,
                ) -> Result<Response<approvals::$response>, Status> {
                    Err(Status::unimplemented(concat!(
                        "the fake approvals does not ",
                        stringify!($rpc)
                    )))
                }
            )*
        }
    };
}

fake_approval_service! {
    create_policy(CreatePolicyRequest) -> Policy;
    update_policy(UpdatePolicyRequest) -> Policy;
    get_policy(GetPolicyRequest) -> Policy;
    list_policies(ListPoliciesRequest) -> ListPoliciesResponse;
    get_approval_request(GetApprovalRequestRequest) -> ApprovalRequest;
    list_approval_requests(ListApprovalRequestsRequest) -> ListApprovalRequestsResponse;
    decide_step(DecideStepRequest) -> ApprovalRequest;
    resubmit_approval_request(ResubmitApprovalRequestRequest) -> ApprovalRequest;
    list_my_pending_steps(ListMyPendingStepsRequest) -> ListPendingStepsResponse;
    list_overdue_steps(ListOverdueStepsRequest) -> ListPendingStepsResponse;
    set_exchange_rate(SetExchangeRateRequest) -> ExchangeRate;
    list_exchange_rates(ListExchangeRatesRequest) -> ListExchangeRatesResponse;
}
