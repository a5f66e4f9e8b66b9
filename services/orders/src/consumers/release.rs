//! The saga from the payment gate on (architecture.md §4):
//! - `finance.>` (consumer `orders-finance`): a confirmed payment adds to
//!   the order's paid amount and goes on its timeline (FIN-3); the release
//!   gate opening (`finance.gate.opened`, FIN-5) moves the order from
//!   AWAITING_PAYMENT to RELEASED with the gate's rule and flags (an L/C
//!   reviewed late shows here).
//!   While the gate is closed, its reasons (`finance.gate.blocked`) go on the
//!   timeline: a credit hold (FIN-1), a missing deposit, an L/C discrepancy.
//!   A settled order (`finance.order.settled`, FIN-9) goes from DELIVERED to
//!   COMPLETED; the balance reminder (`finance.balance.reminder`, FIN-6,
//!   SLA-5) goes on the timeline for the sales assistant.
//! - `orders.order.released` (consumer `orders-reservation`): the released
//!   order's stock is reserved in finished goods (INV-3, kit lines as their
//!   components); what is short goes on the timeline for production and
//!   purchasing (INV-9). Inventory keys the reservation by order, so a
//!   redelivery returns the same one; while inventory is down the event is
//!   retried, never dropped.

use async_trait::async_trait;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::ids::OrderId;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use sea_orm::DatabaseTransaction;

use crate::app::Orders;
use crate::app::reports::{ConfirmedPayment, FINANCE_SOURCE, ShipmentReport};
use crate::consumers::saga::order_error;
use crate::domain::notification::is_delivery_problem;
use crate::peers::Stock;

/// The order an event names; a malformed id is dead-lettered at once.
pub(crate) fn order_id(raw: &str) -> Result<OrderId, HandlerError> {
    HandlerError::parse("order_id", raw)
}

pub const FINANCE_CONSUMER: &str = "orders-finance";
pub const RESERVATION_CONSUMER: &str = "orders-reservation";
pub const LOGISTICS_CONSUMER: &str = "orders-logistics";

pub const FINANCE_SUBSCRIPTION: Subscription = Subscription::new(FINANCE_CONSUMER, "finance", None);

pub const LOGISTICS_SUBSCRIPTION: Subscription = Subscription::new(
    LOGISTICS_CONSUMER,
    "logistics",
    Some("logistics.shipment.>"),
);

pub const RESERVATION_SUBSCRIPTION: Subscription = Subscription::new(
    RESERVATION_CONSUMER,
    crate::config::SERVICE,
    Some(crate::events::RELEASED),
);

/// The finance service's reports about orders.
pub struct FinanceReports {
    orders: Orders,
}

impl FinanceReports {
    /// What the order's timeline and state take from finance; the rest of
    /// its stream (ledger entries, recorded payments, documents, …) is
    /// acknowledged unread.
    const SUBJECTS: [&str; 5] = [
        "finance.gate.opened",
        "finance.gate.blocked",
        "finance.order.settled",
        "finance.balance.reminder",
        "finance.payment.confirmed",
    ];

    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for FinanceReports {
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        FinanceReports::SUBJECTS.contains(&event.subject.as_str())
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        match event.subject.as_str() {
            "finance.gate.opened" => {
                let message: finance::GateEvent = event.decode()?;
                let Some(gate) = message.gate else {
                    return Err(HandlerError::Permanent(
                        "a gate event without a gate".to_owned(),
                    ));
                };
                let mut detail = format!("release gate open: {}", gate.rule);
                for flag in &gate.flags {
                    detail.push_str(&format!("; flag {}: {}", flag.code, flag.description));
                }
                self.orders
                    .gate_opened(
                        transaction,
                        &message.actor,
                        &order_id(&gate.order_id)?,
                        detail,
                    )
                    .await
                    .map_err(order_error)
            }
            "finance.gate.blocked" => {
                let message: finance::GateEvent = event.decode()?;
                let Some(gate) = message.gate else {
                    return Ok(());
                };
                let reasons: Vec<String> = gate
                    .blockers
                    .iter()
                    .map(|blocker| format!("{}: {}", blocker.code, blocker.description))
                    .collect();
                self.orders
                    .note_reported(
                        transaction,
                        &order_id(&gate.order_id)?,
                        FINANCE_SOURCE,
                        &message.actor,
                        "payment_gate_blocked",
                        |_| format!("not released yet ({}): {}", gate.rule, reasons.join("; ")),
                    )
                    .await
                    .map_err(order_error)
            }
            "finance.order.settled" => {
                let message: finance::DocumentEvent = event.decode()?;
                let Some(document) = message.document else {
                    return Ok(());
                };
                self.orders
                    .settled(
                        transaction,
                        &message.actor,
                        &order_id(&document.order_id)?,
                        &document.number,
                    )
                    .await
                    .map_err(order_error)
            }
            "finance.balance.reminder" => {
                let message: finance::BalanceReminderEvent = event.decode()?;
                let outstanding = message
                    .outstanding
                    .as_ref()
                    .map_or(0, |money| money.minor_units);
                self.orders
                    .note_reported(
                        transaction,
                        &order_id(&message.order_id)?,
                        FINANCE_SOURCE,
                        &message.actor,
                        "balance_reminder",
                        |order| {
                            format!(
                                "balance of {} still open; goods expected {}: urge the customer (SLA-5)",
                                order.money(outstanding),
                                message.expected_date
                            )
                        },
                    )
                    .await
                    .map_err(order_error)
            }
            "finance.payment.confirmed" => {
                let message: finance::PaymentEvent = event.decode()?;
                let Some(payment) = message.payment else {
                    return Ok(());
                };
                let amount = payment.amount.unwrap_or_default();
                let kind = finance::PaymentKind::try_from(payment.kind)
                    .map(|kind| {
                        kind.as_str_name()
                            .trim_start_matches("PAYMENT_KIND_")
                            .to_lowercase()
                    })
                    .unwrap_or_default();
                let confirmed = ConfirmedPayment {
                    order_id: order_id(&payment.order_id)?,
                    currency_code: amount.currency_code,
                    minor_units: amount.minor_units,
                    kind,
                    method: payment.method,
                    reference: payment.reference,
                };
                self.orders
                    .payment_confirmed(transaction, &message.actor, &confirmed)
                    .await
                    .map_err(order_error)
            }
            _ => Ok(()),
        }
    }
}

/// Reserves a released order's stock.
pub struct ReserveOnRelease {
    orders: Orders,
    stock: Stock,
}

impl ReserveOnRelease {
    pub fn new(orders: Orders, stock: Stock) -> Self {
        Self { orders, stock }
    }
}

fn reservation_detail(reservation: &inventory::Reservation) -> String {
    let lines: Vec<String> = reservation
        .lines
        .iter()
        .map(|line| format!("{} {} of {}", line.sku, line.reserved, line.requested))
        .collect();
    if reservation.fully_reserved {
        format!(
            "stock reserved in {}: {}",
            reservation.warehouse,
            lines.join(", ")
        )
    } else {
        let short: Vec<String> = reservation
            .lines
            .iter()
            .filter(|line| line.short > 0)
            .map(|line| format!("{} {}", line.sku, line.short))
            .collect();
        format!(
            "stock short in {} ({}); to production/purchasing: {}",
            reservation.warehouse,
            lines.join(", "),
            short.join(", ")
        )
    }
}

#[async_trait]
impl EventHandler for ReserveOnRelease {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: pb::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Err(HandlerError::Permanent(
                "an order event without an order".to_owned(),
            ));
        };
        let Some(released) = self
            .orders
            .to_reserve(transaction, &order_id(&order.id)?)
            .await
            .map_err(order_error)?
        else {
            return Ok(());
        };
        let reservation = self.stock.reserve(&released.0).await.map_err(|status| {
            HandlerError::from_peer("inventory refused the reservation", &status)
        })?;
        self.orders
            .stock_reserved(
                transaction,
                released,
                reservation.fully_reserved,
                reservation_detail(&reservation),
            )
            .await
            .map_err(order_error)?;
        Ok(())
    }
}

/// The logistics service's reports: dispatched → SHIPPED with carrier and
/// tracking number (LOG-3), tracking and delays on the timeline (LOG-4),
/// delivered → DELIVERED, receipt confirmed on the timeline (LOG-5).
pub struct LogisticsReports {
    orders: Orders,
}

impl LogisticsReports {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[async_trait]
impl EventHandler for LogisticsReports {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: logistics::ShipmentEvent = event.decode()?;
        let Some(shipment) = message.shipment else {
            return Ok(());
        };
        let report = match event.subject.as_str() {
            "logistics.shipment.dispatched" => ShipmentReport::Dispatched {
                dispatched_at: shipment
                    .dispatch_time
                    .as_ref()
                    .and_then(orderflow_platform::grpc::convert::from_timestamp),
                carrier_code: shipment.carrier_code,
                tracking_number: shipment.tracking_number,
                note_number: shipment.note_number,
            },
            "logistics.shipment.delivered" => ShipmentReport::Delivered {
                carrier_code: shipment.carrier_code,
                tracking_number: shipment.tracking_number,
            },
            "logistics.shipment.tracked" => {
                let Some(tracking) = message.tracking else {
                    return Ok(());
                };
                ShipmentReport::Tracked {
                    text: format!(
                        "{} {} {}",
                        tracking.status, tracking.location, tracking.description
                    )
                    .trim()
                    .to_owned(),
                    problem: is_delivery_problem(&tracking.status)
                        .then_some((shipment.carrier_code, shipment.tracking_number)),
                }
            }
            "logistics.shipment.plan_overdue" => ShipmentReport::PlanOverdue {
                delivery_date: shipment.delivery_date,
            },
            "logistics.shipment.delayed" => ShipmentReport::Delayed {
                carrier_code: shipment.carrier_code,
                tracking_number: shipment.tracking_number,
            },
            "logistics.shipment.receipt_confirmed" => ShipmentReport::ReceiptConfirmed {
                by: shipment.receipt_confirmed_by,
            },
            _ => return Ok(()),
        };
        self.orders
            .shipment_reported(
                transaction,
                &message.actor,
                &order_id(&shipment.order_id)?,
                report,
            )
            .await
            .map_err(order_error)
    }
}
