//! The services logistics asks: finance, whether the money lets the order
//! ship (FIN-6).

use std::time::Duration;

use finance::finance_service_client::FinanceServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::finance::v1 as finance;

use crate::domain::LogisticsError;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Finance {
    client: FinanceServiceClient<PeerChannel>,
}

impl Finance {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: FinanceServiceClient::new(channel),
        }
    }

    /// FIN-6: refused with finance's reasons unless the gate is open;
    /// UNAVAILABLE (nothing ships unchecked) when finance cannot be asked.
    pub async fn require_shipment_allowed(&self, order_id: &str) -> Result<(), LogisticsError> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(finance::GetShipmentGateRequest {
            order_id: order_id.to_owned(),
        });
        request.set_timeout(PEER_TIMEOUT);
        let gate = match client.get_shipment_gate(request).await {
            Ok(gate) => gate.into_inner(),
            // Finance has not heard of the order (yet): ORDER_NOT_KNOWN, or
            // NOT_FOUND from an older finance.
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::NotFound | tonic::Code::FailedPrecondition
                ) =>
            {
                return Err(LogisticsError::precondition(
                    "FINANCE_UNKNOWN_ORDER",
                    format!("orders/{order_id}"),
                    "finance does not know the order yet; try again shortly",
                ));
            }
            Err(status) => {
                return Err(LogisticsError::Unavailable(format!(
                    "finance cannot say whether the order may ship ({:?}); nothing ships unchecked",
                    status.code()
                )));
            }
        };
        if gate.open {
            return Ok(());
        }
        let reasons: Vec<String> = gate
            .blockers
            .iter()
            .map(|blocker| format!("{}: {}", blocker.code, blocker.description))
            .collect();
        Err(LogisticsError::precondition(
            "PAYMENT_BEFORE_SHIPMENT",
            format!("orders/{order_id}"),
            format!("finance: {} — {}", gate.rule, reasons.join("; ")),
        ))
    }
}
