//! The services finance asks (architecture.md §1: commands are gRPC, with
//! the service's own identity).

use std::time::Duration;

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_platform::grpc::convert::money;
use orderflow_platform::money::Money;
use orderflow_proto::approvals::v1 as approvals;

use crate::domain::refund::Refund;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// The approvals service: the `gm` approval every refund needs (APR-6).
#[derive(Debug, Clone)]
pub struct Approvals {
    client: ApprovalServiceClient<PeerChannel>,
}

impl Approvals {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: ApprovalServiceClient::new(channel),
        }
    }

    /// Files the refund's approval request, on behalf of who asked for the
    /// refund; idempotent (the request id is the refund's).
    pub async fn request_refund_approval(
        &self,
        refund: &Refund,
    ) -> Result<approvals::ApprovalRequest, tonic::Status> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(approvals::CreateApprovalRequestRequest {
            request_id: format!("refund:{}", refund.id),
            subject_kind: "refund".to_owned(),
            subject_id: refund.id.clone(),
            subject_ref: refund.order_number.clone(),
            amount: Some(money(Money::new(refund.currency, refund.amount))),
            flags: Vec::new(),
            attachments: Vec::new(),
            requester: refund.requested_by.clone(),
            estimated_costs: Vec::new(),
        });
        request.set_timeout(PEER_TIMEOUT);
        client
            .create_approval_request(request)
            .await
            .map(tonic::Response::into_inner)
    }
}
