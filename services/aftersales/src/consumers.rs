//! What the after-sales service consumes.
//!
//! - `aftersales-orders` on `ORDERS`, `orders.order.>`: the order facts a
//!   request is checked against (AFS-1); a cancellation settles the
//!   cancelling case or opens the refund case of a paid order (ORD-6).
//! - `aftersales-cancellations` on `AFTERSALES`,
//!   `aftersales.case.cancelling`: the order is cancelled in the orders
//!   service (AFS-3), retried while orders is away.
//! - `aftersales-refunds` on `AFTERSALES`, `aftersales.case.refund_requested`:
//!   the refund is filed with finance (AFS-6), retried while finance is away.
//! - `aftersales-replacements` on `AFTERSALES`,
//!   `aftersales.case.replacement_due`: an exchange's replacement order
//!   (AFS-7), after the inspection, or after the cancellation of an order
//!   not shipped yet (AFS-3).
//! - `aftersales-finance` on `FINANCE`, `finance.refund.>`: the GM's
//!   decision and the execution of a case's refund.
//! - `aftersales-arrivals` on `AFTERSALES`,
//!   `aftersales.case.received_unannounced`: goods sent back without notice
//!   are booked into finished goods or quarantine (AFS-11), retried while
//!   inventory is away.

use async_trait::async_trait;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::grpc::convert::from_timestamp;
use orderflow_platform::money::Currency;
use orderflow_proto::aftersales::v1 as pb;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as orders;
use sea_orm::DatabaseTransaction;

use crate::app::AfterSales;
use crate::app::returns::case_of_reference;
use crate::domain::facts::{FactLine, OrderFacts, Stage};

pub const ORDERS_CONSUMER: &str = "aftersales-orders";
pub const CANCELLATIONS_CONSUMER: &str = "aftersales-cancellations";
pub const REFUNDS_CONSUMER: &str = "aftersales-refunds";
pub const REPLACEMENTS_CONSUMER: &str = "aftersales-replacements";
pub const FINANCE_CONSUMER: &str = "aftersales-finance";
pub const ARRIVALS_CONSUMER: &str = "aftersales-arrivals";

const ORDERS: Subscription = Subscription::new(ORDERS_CONSUMER, "orders", Some("orders.order.>"));
const FINANCE: Subscription =
    Subscription::new(FINANCE_CONSUMER, "finance", Some("finance.refund.>"));

/// A consumer of the service's own case events on `subject`.
const fn own(name: &'static str, subject: &'static str) -> Subscription {
    Subscription::new(name, crate::config::SERVICE, Some(subject))
}

/// Every consumer of the service, with its handler.
pub fn all(aftersales: &AfterSales) -> Vec<(Subscription, std::sync::Arc<dyn EventHandler>)> {
    [
        (ORDERS, Role::Orders),
        (
            own(CANCELLATIONS_CONSUMER, "aftersales.case.cancelling"),
            Role::Cancellations,
        ),
        (
            own(REFUNDS_CONSUMER, "aftersales.case.refund_requested"),
            Role::Refunds,
        ),
        (
            own(REPLACEMENTS_CONSUMER, "aftersales.case.replacement_due"),
            Role::Replacements,
        ),
        (
            own(ARRIVALS_CONSUMER, "aftersales.case.received_unannounced"),
            Role::Arrivals,
        ),
        (FINANCE, Role::Finance),
    ]
    .into_iter()
    .map(|(subscription, role)| {
        let handler: std::sync::Arc<dyn EventHandler> = std::sync::Arc::new(Handler {
            aftersales: aftersales.clone(),
            role,
        });
        (subscription, handler)
    })
    .collect()
}

#[derive(Debug, Clone, Copy)]
enum Role {
    Orders,
    Cancellations,
    Refunds,
    Replacements,
    Finance,
    Arrivals,
}

struct Handler {
    aftersales: AfterSales,
    role: Role,
}

/// The name of a proto enum value without its prefix, in lower case
/// (`ORDER_STATE_DELIVERED` → `delivered`).
fn enum_name(full: &str, prefix: &str) -> String {
    full.strip_prefix(prefix)
        .unwrap_or(full)
        .to_ascii_lowercase()
}

/// The facts of an order event.
fn facts(message: &orders::OrderEvent, subject: &str) -> Result<OrderFacts, HandlerError> {
    let order = message
        .order
        .as_ref()
        .ok_or_else(|| HandlerError::Permanent("an order event without its order".to_owned()))?;
    let at = message
        .occur_time
        .as_ref()
        .and_then(from_timestamp)
        .ok_or_else(|| HandlerError::Permanent("an order event without its time".to_owned()))?;
    let currency = Currency::parse(&order.currency_code)
        .map_err(|problem| HandlerError::Permanent(format!("order currency: {problem}")))?;
    let state = enum_name(order.state().as_str_name(), "ORDER_STATE_");
    let action = subject.rsplit('.').next().unwrap_or_default();
    Ok(OrderFacts {
        order_id: order.id.clone(),
        number: order.number.clone(),
        customer_id: order.customer_id.clone(),
        kind: enum_name(order.kind().as_str_name(), "ORDER_KIND_"),
        stage: Stage::of_state(&state),
        state,
        channel: order.channel.clone(),
        currency,
        lines: order
            .lines
            .iter()
            .map(|line| FactLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: line
                    .unit_price
                    .as_ref()
                    .map_or(0, |price| price.minor_units),
            })
            .collect(),
        total: order.total.as_ref().map_or(0, |total| total.minor_units),
        amount_paid: order
            .amount_paid
            .as_ref()
            .map_or(0, |paid| paid.minor_units),
        shipped_at: (action == "shipped").then_some(at),
        delivered_at: (action == "delivered").then_some(at),
        as_of: at,
    })
}

#[async_trait]
impl EventHandler for Handler {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        match self.role {
            Role::Orders => {
                let message: orders::OrderEvent = event.decode()?;
                let incoming = facts(&message, &event.subject)?;
                let cancelled = event.subject == "orders.order.cancelled";
                self.aftersales
                    .order_changed(transaction, incoming, cancelled, &message.actor)
                    .await?;
            }
            Role::Cancellations => {
                let message: pb::CaseChanged = event.decode()?;
                let Some(case) = message.case else {
                    return Ok(());
                };
                let request = orders::CancelOrderRequest {
                    request_id: format!("cancel:{}", case.id),
                    order_id: case.order_id.clone(),
                    // Orders takes reasons of at most 1000 characters.
                    reason: crate::wire::clip(format!(
                        "after-sales case {}: {}",
                        case.number,
                        if case.description.is_empty() {
                            "the customer cancelled"
                        } else {
                            &case.description
                        }
                    )),
                };
                match self.aftersales.peers().cancel_order(request).await {
                    Ok(_) => {}
                    Err(status) if status.code() == tonic::Code::FailedPrecondition => {
                        self.aftersales
                            .cancellation_refused(transaction, &case.id, status.message())
                            .await?;
                    }
                    Err(status) => {
                        return Err(HandlerError::from_peer(
                            "orders did not cancel the order",
                            &status,
                        ));
                    }
                }
            }
            Role::Refunds => {
                let message: pb::CaseChanged = event.decode()?;
                let Some(case) = message.case else {
                    return Ok(());
                };
                self.aftersales
                    .file_refund(transaction, &case.id, &message.actor)
                    .await
                    .map_err(|status| {
                        HandlerError::from_peer("finance did not take the refund", &status)
                    })?;
            }
            Role::Replacements => {
                let message: pb::CaseChanged = event.decode()?;
                let Some(case) = message.case else {
                    return Ok(());
                };
                if case.kind() != pb::CaseKind::Exchange {
                    return Ok(());
                }
                self.aftersales
                    .create_replacement(transaction, &case.id, &message.actor)
                    .await
                    .map_err(|status| {
                        HandlerError::from_peer("orders did not create the replacement", &status)
                    })?;
            }
            Role::Arrivals => {
                let message: pb::CaseChanged = event.decode()?;
                let Some(case) = message.case else {
                    return Ok(());
                };
                self.aftersales
                    .book_unannounced(transaction, &case.id)
                    .await?;
            }
            Role::Finance => {
                let message: finance::RefundEvent = event.decode()?;
                let Some(refund) = message.refund else {
                    return Ok(());
                };
                let Some(case_id) = case_of_reference(&refund.reference) else {
                    return Ok(());
                };
                let (executed, rejection) = match event.subject.as_str() {
                    "finance.refund.executed" => (true, None),
                    "finance.refund.rejected" => (false, Some(refund.rejection_reason.as_str())),
                    _ => return Ok(()),
                };
                self.aftersales
                    .refund_changed(transaction, case_id, executed, rejection, &message.actor)
                    .await?;
            }
        }
        Ok(())
    }
}
