//! The services production asks: inventory, for what the materials
//! warehouse has (PRD-2) and to issue materials to a production order
//! (INV-8). Called before the use case's transaction opens, with the
//! service's own identity and the caller's trace.

use std::collections::BTreeMap;
use std::time::Duration;

use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::inventory::v1 as inventory;

use crate::domain::ProductionError;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);
/// Where materials are kept (inventory's warehouse code).
pub const MATERIALS: &str = "MATERIALS";

#[derive(Debug, Clone)]
pub struct Inventory {
    client: InventoryServiceClient<PeerChannel>,
}

fn unavailable(what: &str, status: &tonic::Status) -> ProductionError {
    ProductionError::Unavailable(format!(
        "inventory cannot {what} now ({:?}: {})",
        status.code(),
        status.message()
    ))
}

impl Inventory {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: InventoryServiceClient::new(channel),
        }
    }

    /// PRD-2: what the materials warehouse has available of each SKU.
    pub async fn available(
        &self,
        needs: &BTreeMap<String, i64>,
    ) -> Result<BTreeMap<String, i64>, ProductionError> {
        if needs.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::CheckAvailabilityRequest {
            warehouse: MATERIALS.to_owned(),
            lines: needs
                .iter()
                .map(|(sku, quantity)| inventory::Line {
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
        });
        request.set_timeout(PEER_TIMEOUT);
        let answer = client
            .check_availability(request)
            .await
            .map_err(|status| unavailable("say what materials are available", &status))?
            .into_inner();
        Ok(answer
            .lines
            .into_iter()
            .map(|line| (line.sku, line.available.max(0)))
            .collect())
    }

    /// INV-8: the material issue (领料单) to `production_order`. Inventory
    /// keeps `request_id`, so a retry after a lost answer issues nothing
    /// twice. A shortage is inventory's refusal, passed on as it is.
    pub async fn issue(
        &self,
        request_id: &str,
        production_order: &str,
        lines: &[(String, i64)],
    ) -> Result<(), ProductionError> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::IssueMaterialsRequest {
            request_id: request_id.to_owned(),
            warehouse: MATERIALS.to_owned(),
            lines: lines
                .iter()
                .map(|(sku, quantity)| inventory::Line {
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
            production_order: production_order.to_owned(),
        });
        request.set_timeout(PEER_TIMEOUT);
        match client.issue_materials(request).await {
            Ok(_) => Ok(()),
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::FailedPrecondition | tonic::Code::InvalidArgument
                ) =>
            {
                Err(ProductionError::precondition(
                    "MATERIALS_NOT_ISSUED",
                    format!("production_orders/{production_order}"),
                    format!("inventory refused the material issue: {}", status.message()),
                ))
            }
            Err(status) => Err(unavailable("issue materials", &status)),
        }
    }
}
