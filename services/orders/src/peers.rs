//! The services the orders service asks (architecture.md §1: commands are
//! gRPC, called with the service's own identity and the caller's trace).

use std::time::Duration;

use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::inventory::v1 as inventory;

use crate::domain::error::{OrderError, Unmet};
use crate::domain::order::{OVERSEAS_WAREHOUSE, Order};

/// How long a call to a peer may take before the caller is told it is
/// unavailable.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

/// The inventory service, for ORD-5's availability check.
#[derive(Debug, Clone)]
pub struct Stock {
    client: InventoryServiceClient<PeerChannel>,
}

/// ORD-5: what inventory said of the order's lines at confirmation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockCheck {
    /// For the timeline: the verdict and every line.
    pub detail: String,
    /// Not all of it is in stock (ORD-17: the customer is told).
    pub short: bool,
    /// "SKU n of m available", per line.
    pub lines: String,
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
    pub async fn availability(&self, order: &Order) -> StockCheck {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::CheckAvailabilityRequest {
            warehouse: String::new(),
            lines: stock_lines(order),
        });
        request.set_timeout(PEER_TIMEOUT);
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
                StockCheck {
                    detail: format!("{verdict} ({})", lines.join(", ")),
                    short: !answer.all_available,
                    lines: lines.join(", "),
                }
            }
            Err(status) => {
                tracing::warn!(order.number = %order.number, code = ?status.code(), "stock not checked");
                StockCheck {
                    detail: format!("stock not checked: inventory answered {:?}", status.code()),
                    short: false,
                    lines: String::new(),
                }
            }
        }
    }

    /// ORD-8: every kit line's components and weight equal the kit's
    /// definition. A mismatch, or a kit inventory does not know, is an unmet
    /// precondition naming the line; when inventory cannot be asked the
    /// confirmation waits (`Unavailable`) rather than pass an unchecked kit.
    pub async fn check_kits(&self, order: &Order) -> Result<(), OrderError> {
        let mut unmet = Vec::new();
        for (index, line) in order.lines.iter().enumerate() {
            let Some(kit) = &line.kit else { continue };
            let subject = format!("lines[{index}].kit");
            let mut client = self.client.clone();
            let mut request = tonic::Request::new(inventory::CheckKitRequest {
                kit_sku: line.sku.clone(),
                components: kit
                    .components
                    .iter()
                    .map(|component| inventory::KitComponent {
                        sku: component.sku.clone(),
                        quantity: component.quantity,
                    })
                    .collect(),
                total_weight_grams: kit.total_weight_grams,
            });
            request.set_timeout(PEER_TIMEOUT);
            match client.check_kit(request).await {
                Ok(answer) => {
                    for discrepancy in answer.into_inner().discrepancies {
                        unmet.push(Unmet::new(
                            "KIT_MISMATCH",
                            subject.clone(),
                            format!("kit {}: {discrepancy}", line.sku),
                        ));
                    }
                }
                Err(status) if status.code() == tonic::Code::NotFound => unmet.push(Unmet::new(
                    "KIT_UNKNOWN",
                    subject,
                    format!("{} is not a kit defined in inventory", line.sku),
                )),
                Err(status) => {
                    tracing::warn!(order.number = %order.number, code = ?status.code(), "kit not checked");
                    return Err(OrderError::Unavailable(format!(
                        "the kit lines cannot be checked now (inventory answered {:?}); try again",
                        status.code()
                    )));
                }
            }
        }
        if unmet.is_empty() {
            Ok(())
        } else {
            Err(OrderError::PreconditionFailed(unmet))
        }
    }
}

impl Stock {
    /// On RELEASED: reserves what the order takes in the warehouse it is
    /// handed to (ORD-20: the overseas warehouse for an order abroad that
    /// it can fill entirely, else finished goods; INV-3, keyed by the
    /// order, so a retry returns the same reservation).
    pub async fn reserve(&self, order: &Order) -> Result<inventory::Reservation, tonic::Status> {
        let overseas_holds_all =
            order.ships_abroad() && self.holds_all(OVERSEAS_WAREHOUSE, order).await?;
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::ReserveForOrderRequest {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            warehouse: order.fulfilment_warehouse(overseas_holds_all).to_owned(),
            lines: stock_lines(order),
        });
        request.set_timeout(PEER_TIMEOUT);
        client
            .reserve_for_order(request)
            .await
            .map(tonic::Response::into_inner)
    }
}

impl Stock {
    /// Whether `warehouse` has all the order takes available now.
    async fn holds_all(&self, warehouse: &str, order: &Order) -> Result<bool, tonic::Status> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(inventory::CheckAvailabilityRequest {
            warehouse: warehouse.to_owned(),
            lines: stock_lines(order),
        });
        request.set_timeout(PEER_TIMEOUT);
        let answer = client.check_availability(request).await?.into_inner();
        Ok(answer.all_available)
    }
}

/// What the order takes from stock: a kit line's components (ORD-8), every
/// other line as it is; the same SKU from several lines summed.
fn stock_lines(order: &Order) -> Vec<inventory::Line> {
    let mut lines: Vec<inventory::Line> = Vec::new();
    let mut add = |sku: &str, quantity: i64| match lines.iter_mut().find(|line| line.sku == sku) {
        Some(line) => line.quantity = line.quantity.saturating_add(quantity),
        None => lines.push(inventory::Line {
            sku: sku.to_owned(),
            quantity,
        }),
    };
    for line in &order.lines {
        match &line.kit {
            Some(kit) => {
                for component in &kit.components {
                    add(
                        &component.sku,
                        component.quantity.saturating_mul(line.quantity),
                    );
                }
            }
            None => add(&line.sku, line.quantity),
        }
    }
    lines
}
