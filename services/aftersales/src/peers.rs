//! The services after-sales asks, with its own identity and the caller's
//! trace: orders (cancel before shipment, AFS-3; the replacement order,
//! AFS-7), logistics (the pick-up, LOG-7), inventory (returned goods in,
//! INV-6) and finance (the refund, AFS-6). Every call carries a request id
//! derived from the case, so a retry after a lost answer does nothing twice.

use std::time::Duration;

use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as orders;

use crate::domain::AfterSalesError;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);

fn timed<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(PEER_TIMEOUT);
    request
}

/// A peer's refusal of bad input or state is the caller's problem, said
/// as a failed precondition naming the peer; anything else means the peer
/// cannot answer now.
fn refused(peer: &str, subject: &str, status: tonic::Status) -> AfterSalesError {
    use tonic::Code;
    match status.code() {
        Code::InvalidArgument | Code::FailedPrecondition | Code::NotFound => {
            AfterSalesError::precondition(
                "REFUSED_BY_PEER",
                subject.to_owned(),
                format!("{peer} refused: {}", status.message()),
            )
        }
        code => AfterSalesError::Unavailable(format!(
            "{peer} cannot answer now ({code:?}: {})",
            status.message()
        )),
    }
}

#[derive(Debug, Clone)]
pub struct Peers {
    pub orders: orders::order_service_client::OrderServiceClient<PeerChannel>,
    pub logistics: logistics::logistics_service_client::LogisticsServiceClient<PeerChannel>,
    pub inventory: inventory::inventory_service_client::InventoryServiceClient<PeerChannel>,
    pub finance: finance::finance_service_client::FinanceServiceClient<PeerChannel>,
}

impl Peers {
    pub fn new(
        orders: PeerChannel,
        logistics: PeerChannel,
        inventory: PeerChannel,
        finance: PeerChannel,
    ) -> Self {
        Self {
            orders: orders::order_service_client::OrderServiceClient::new(orders),
            logistics: logistics::logistics_service_client::LogisticsServiceClient::new(logistics),
            inventory: inventory::inventory_service_client::InventoryServiceClient::new(inventory),
            finance: finance::finance_service_client::FinanceServiceClient::new(finance),
        }
    }

    /// LOG-7: the return pick-up.
    pub async fn schedule_pickup(
        &self,
        request: logistics::SchedulePickupRequest,
    ) -> Result<logistics::Pickup, AfterSalesError> {
        let subject = format!("orders/{}", request.order_id);
        self.logistics
            .clone()
            .schedule_pickup(timed(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| refused("logistics", &subject, status))
    }

    /// INV-6: returned goods into `warehouse`, or quarantine.
    pub async fn receive_return(
        &self,
        request: inventory::ReceiveReturnRequest,
    ) -> Result<inventory::Receipt, AfterSalesError> {
        let subject = request.reference.clone();
        self.inventory
            .clone()
            .receive_return(timed(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| refused("inventory", &subject, status))
    }

    /// AFS-3: the order cancelled before shipment.
    pub async fn cancel_order(
        &self,
        request: orders::CancelOrderRequest,
    ) -> Result<orders::Order, tonic::Status> {
        self.orders
            .clone()
            .cancel_order(timed(request))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn order(&self, order_id: &str) -> Result<orders::Order, tonic::Status> {
        self.orders
            .clone()
            .get_order(timed(orders::GetOrderRequest {
                order_id: order_id.to_owned(),
            }))
            .await
            .map(tonic::Response::into_inner)
    }

    /// AFS-7: the replacement order.
    pub async fn create_order(
        &self,
        request: orders::CreateOrderRequest,
    ) -> Result<orders::Order, tonic::Status> {
        self.orders
            .clone()
            .create_order(timed(request))
            .await
            .map(tonic::Response::into_inner)
    }

    /// AFS-6: the refund, approved by the GM in finance.
    pub async fn request_refund(
        &self,
        request: finance::RequestRefundRequest,
    ) -> Result<finance::Refund, tonic::Status> {
        self.finance
            .clone()
            .request_refund(timed(request))
            .await
            .map(tonic::Response::into_inner)
    }
}
