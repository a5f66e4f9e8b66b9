//! The services the orders service asks (architecture.md §1: commands are
//! gRPC, called with the service's own identity and the caller's trace).

use std::time::Duration;

use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::inventory::v1 as inventory;

use crate::domain::order::Order;

/// The inventory service, for ORD-5's availability check.
#[derive(Debug, Clone)]
pub struct Stock {
    client: InventoryServiceClient<PeerChannel>,
}

impl Stock {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: InventoryServiceClient::new(channel),
        }
    }

    /// ORD-5: what the finished-goods warehouse has for the order's lines,
    /// in words for the timeline. Never fails the confirmation: an
    /// unreachable inventory is reported as such.
    pub async fn availability(&self, order: &Order) -> String {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::CheckAvailabilityRequest {
            warehouse: String::new(),
            lines: order
                .lines
                .iter()
                .map(|line| inventory::Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect(),
        });
        request.set_timeout(Duration::from_secs(3));
        match client.check_availability(request).await {
            Ok(answer) => {
                let answer = answer.into_inner();
                let lines: Vec<String> = answer
                    .lines
                    .iter()
                    .map(|line| {
                        format!(
                            "{} {} of {} available",
                            line.sku,
                            line.available.min(line.requested),
                            line.requested
                        )
                    })
                    .collect();
                let verdict = if answer.all_available {
                    "stock: all available"
                } else {
                    "stock: short"
                };
                format!("{verdict} ({})", lines.join(", "))
            }
            Err(status) => {
                tracing::warn!(order.number = %order.number, code = ?status.code(), "stock not checked");
                format!("stock not checked: inventory answered {:?}", status.code())
            }
        }
    }
}
