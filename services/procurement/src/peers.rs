//! The services procurement asks: approvals, to file a purchase contract
//! (APR-9). Called from a consumer of procurement's own event, so that a
//! contract is filed even when approvals was down at the time.

use std::time::Duration;

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::procurement::v1 as pb;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);

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

    /// Files the purchase order's contract on behalf of the purchaser who
    /// selected the supplier; idempotent (the request id is the order's).
    pub async fn file_contract(
        &self,
        order: &pb::PurchaseOrder,
        requester: &str,
    ) -> Result<approvals::ApprovalRequest, tonic::Status> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(approvals::CreateApprovalRequestRequest {
            request_id: format!("contract:{}", order.id),
            subject_kind: "purchase_contract".to_owned(),
            subject_id: order.id.clone(),
            subject_ref: contract_ref(order),
            amount: order.total.clone(),
            flags: Vec::new(),
            attachments: order
                .lines
                .iter()
                .map(|line| format!("requisition:{}", line.requisition_id))
                .collect(),
            requester: requester.to_owned(),
            estimated_costs: Vec::new(),
        });
        request.set_timeout(PEER_TIMEOUT);
        client
            .create_approval_request(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// PRC-6, APR-9: files an outsourcing order's contract; idempotent (the
    /// request id is the outsourcing order's and its assignment's, so a
    /// contract given to another vendor after a rejection is a new request).
    pub async fn file_outsourcing_contract(
        &self,
        order: &pb::OutsourcingOrder,
        requester: &str,
    ) -> Result<approvals::ApprovalRequest, tonic::Status> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(approvals::CreateApprovalRequestRequest {
            request_id: format!("outsourcing:{}:{}", order.id, order.assignment),
            subject_kind: "outsourcing_contract".to_owned(),
            subject_id: order.id.clone(),
            subject_ref: format!(
                "{} of {} × {} for order {} by {}",
                order.operation, order.quantity, order.sku, order.order_number, order.vendor_code
            ),
            amount: order.total.clone(),
            flags: Vec::new(),
            attachments: vec![format!("production_order:{}", order.production_order_id)],
            requester: requester.to_owned(),
            estimated_costs: Vec::new(),
        });
        request.set_timeout(PEER_TIMEOUT);
        client
            .create_approval_request(request)
            .await
            .map(tonic::Response::into_inner)
    }
}

/// How a purchase contract is named to its approvers: the materials and the
/// supplier, within the approvals service's 100 characters.
fn contract_ref(order: &pb::PurchaseOrder) -> String {
    let materials = match order.lines.as_slice() {
        [line] => {
            let price = line.unit_price.clone().unwrap_or_default();
            format!(
                "{} × {} at {} {}",
                line.quantity, line.sku, price.minor_units, price.currency_code
            )
        }
        lines => lines
            .iter()
            .map(|line| format!("{} × {}", line.quantity, line.sku))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let supplier = format!(" from {}", order.supplier_code);
    let room = 100usize.saturating_sub(supplier.chars().count());
    let mut named: String = materials.chars().take(room).collect();
    if named.chars().count() < materials.chars().count() {
        named.pop();
        named.push('…');
    }
    named + &supplier
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apr_9_a_long_contract_name_fits_the_approvals_limit() {
        let order = pb::PurchaseOrder {
            supplier_code: "ACME".to_owned(),
            lines: (1..40)
                .map(|line| pb::PurchaseOrderLine {
                    line,
                    sku: format!("MATERIAL-{line}"),
                    quantity: 1000,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let named = contract_ref(&order);
        assert_eq!(named.chars().count(), 100);
        assert!(named.starts_with("1000 × MATERIAL-1, ") && named.ends_with("… from ACME"));
    }
}
