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
use orderflow_platform::bus::consumer::{ConsumerSpec, EventHandler, HandlerError, IncomingEvent};
use orderflow_platform::config::ConsumerSettings;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use sea_orm::DatabaseTransaction;

use crate::app::{Change, Orders};
use crate::consumers::saga::order_error;
use crate::domain::order::OrderState;
use crate::domain::{Actor, OrderError};
use crate::peers::Stock;
use crate::store::orders;
use crate::store::sagas::{self, SagaStep};
use crate::store::timeline::{self, TimelineEntry};

pub const FINANCE_CONSUMER: &str = "orders-finance";
pub const RESERVATION_CONSUMER: &str = "orders-reservation";
pub const LOGISTICS_CONSUMER: &str = "orders-logistics";
const LOGISTICS_SOURCE: &str = "logistics";
const FINANCE_SOURCE: &str = "finance";
const INVENTORY_SOURCE: &str = "inventory";

pub fn finance_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: FINANCE_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config("finance", replicas),
        filter_subject: None,
        settings,
    }
}

pub fn logistics_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: LOGISTICS_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config("logistics", replicas),
        filter_subject: Some("logistics.shipment.>".to_owned()),
        settings,
    }
}

pub fn reservation_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: RESERVATION_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config(crate::config::SERVICE, replicas),
        filter_subject: Some(crate::events::order_subject("released")),
        settings,
    }
}

/// The finance service's reports about orders.
pub struct FinanceReports {
    orders: Orders,
}

impl FinanceReports {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }

    async fn gate_opened(
        &self,
        transaction: &DatabaseTransaction,
        actor: &str,
        gate: finance::ReleaseGate,
    ) -> Result<(), OrderError> {
        let mut order = match orders::load_for_update(transaction, &gate.order_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => {
                tracing::warn!(order.id = %gate.order_id, "a release gate for an order this service does not know");
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        if order.state != OrderState::AwaitingPayment {
            // Cancelled meanwhile, or a redelivery after the release.
            tracing::debug!(order.number = %order.number, state = %order.state, "release gate for an order not awaiting payment");
            return Ok(());
        }
        let mut detail = format!("release gate open: {}", gate.rule);
        for flag in &gate.flags {
            detail.push_str(&format!("; flag {}: {}", flag.code, flag.description));
        }
        let actor = Actor::new(actor, &[]);
        if order.is_held() {
            // ORD-11: never released automatically; a person decides.
            if order.note_release_held(self.orders.now()) {
                let change = Change::new("release_held", None)
                    .detail(format!(
                        "{detail}; held as a suspected fake order (ORD-11): a sales supervisor decides"
                    ))
                    .reported_by(FINANCE_SOURCE);
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await?;
            }
            return Ok(());
        }
        self.orders
            .release_in(transaction, &mut order, &actor, |from| {
                Change::new("released", Some(from))
                    .detail(detail)
                    .reported_by(FINANCE_SOURCE)
            })
            .await
    }

    async fn settled(
        &self,
        transaction: &DatabaseTransaction,
        actor: &str,
        document: finance::Document,
    ) -> Result<(), OrderError> {
        let mut order = match orders::load_for_update(transaction, &document.order_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        if order.state != OrderState::Delivered {
            tracing::debug!(order.number = %order.number, state = %order.state, "settled, but not delivered");
            return Ok(());
        }
        let now = self.orders.now();
        let from = order.complete(now)?;
        let change = Change::new("completed", Some(from))
            .detail(format!("settled with final invoice {}", document.number))
            .reported_by(FINANCE_SOURCE);
        self.orders
            .record(transaction, &order, &Actor::new(actor, &[]), change)
            .await
    }

    async fn note(
        &self,
        transaction: &DatabaseTransaction,
        order_id: &str,
        actor: &str,
        action: &str,
        detail: impl FnOnce(&crate::domain::order::Order) -> String,
    ) -> Result<(), OrderError> {
        let order = match orders::load_for_update(transaction, order_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let mut entry = TimelineEntry::note(self.orders.now(), actor, action, detail(&order));
        entry.source = FINANCE_SOURCE.to_owned();
        timeline::append(transaction, &order.id, &entry).await
    }

    async fn payment_confirmed(
        &self,
        transaction: &DatabaseTransaction,
        actor: &str,
        payment: finance::Payment,
    ) -> Result<(), OrderError> {
        let mut order = match orders::load_for_update(transaction, &payment.order_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let amount = payment.amount.unwrap_or_default();
        if amount.currency_code != order.currency.code() {
            tracing::warn!(order.number = %order.number, currency = %amount.currency_code, "a payment in another currency than the order's");
            return Ok(());
        }
        let now = self.orders.now();
        order.amount_paid = order.amount_paid.saturating_add(amount.minor_units);
        order.updated_at = now;
        orders::update(transaction, &order).await?;
        let kind = finance::PaymentKind::try_from(payment.kind)
            .map(|kind| {
                kind.as_str_name()
                    .trim_start_matches("PAYMENT_KIND_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        let mut entry = TimelineEntry::note(
            now,
            actor,
            "payment_confirmed",
            format!(
                "{kind} payment of {} confirmed ({} {}); paid so far {}",
                order.money(amount.minor_units),
                payment.method,
                payment.reference,
                order.money(order.amount_paid)
            ),
        );
        entry.source = FINANCE_SOURCE.to_owned();
        timeline::append(transaction, &order.id, &entry).await?;
        Ok(())
    }
}

#[async_trait]
impl EventHandler for FinanceReports {
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
                self.gate_opened(transaction, &message.actor, gate)
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
                self.note(
                    transaction,
                    &gate.order_id,
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
                self.settled(transaction, &message.actor, document)
                    .await
                    .map_err(order_error)
            }
            "finance.balance.reminder" => {
                let message: finance::BalanceReminderEvent = event.decode()?;
                let outstanding = message
                    .outstanding
                    .as_ref()
                    .map_or(0, |money| money.minor_units);
                self.note(
                    transaction,
                    &message.order_id,
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
                self.payment_confirmed(transaction, &message.actor, payment)
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
        let Some(mut saga) = sagas::load_for_update(transaction, &order.id)
            .await
            .map_err(order_error)?
        else {
            return Ok(());
        };
        if saga.step != SagaStep::Released {
            return Ok(());
        }
        let order = orders::load_for_update(transaction, &order.id)
            .await
            .map_err(order_error)?;
        if order.state != OrderState::Released {
            // Cancelled before its stock was reserved: nothing to hold.
            return Ok(());
        }
        let reservation = self.stock.reserve(&order).await.map_err(|status| {
            HandlerError::from_peer("inventory refused the reservation", &status)
        })?;
        let now = self.orders.now();
        let action = if reservation.fully_reserved {
            "stock_reserved"
        } else {
            "stock_short"
        };
        let mut entry = TimelineEntry::note(
            now,
            &Actor::saga().id,
            action,
            reservation_detail(&reservation),
        );
        entry.source = INVENTORY_SOURCE.to_owned();
        timeline::append(transaction, &order.id, &entry)
            .await
            .map_err(order_error)?;
        saga.step = SagaStep::Reserved;
        saga.updated_at = now;
        sagas::save(transaction, &saga).await.map_err(order_error)?;
        tracing::info!(order.number = %order.number, fully = reservation.fully_reserved, "released order's stock reserved");
        if reservation.fully_reserved {
            // Everything is on the shelf: the order can ship (no production).
            let mut order = order;
            let from = order.mark_ready_to_ship(now).map_err(order_error)?;
            let change = Change::new("ready_to_ship", Some(from))
                .detail("all stock reserved in finished goods".to_owned())
                .reported_by(INVENTORY_SOURCE);
            self.orders
                .record(transaction, &order, &Actor::saga(), change)
                .await
                .map_err(order_error)?;
        }
        Ok(())
    }
}

/// SLA-6: the customer is told of the shipment within an hour of dispatch;
/// how late the notification was when it was not.
pub fn notification_late_by(
    dispatched_at: chrono::DateTime<chrono::Utc>,
    notified_at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::Duration> {
    let taken = notified_at - dispatched_at;
    (taken > chrono::Duration::hours(1)).then_some(taken)
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

    async fn apply(
        &self,
        transaction: &DatabaseTransaction,
        subject: &str,
        message: logistics::ShipmentEvent,
    ) -> Result<(), OrderError> {
        let Some(shipment) = message.shipment else {
            return Ok(());
        };
        let mut order = match orders::load_for_update(transaction, &shipment.order_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let now = self.orders.now();
        let actor = Actor::new(message.actor.clone(), &[]);
        let note = |action: &str, detail: String| {
            let mut entry = TimelineEntry::note(now, &message.actor, action, detail);
            entry.source = LOGISTICS_SOURCE.to_owned();
            entry
        };
        match subject {
            "logistics.shipment.dispatched" => {
                if order.state != OrderState::ReadyToShip {
                    tracing::debug!(order.number = %order.number, state = %order.state, "dispatched, but not ready to ship here");
                    return Ok(());
                }
                let from = order.ship(&shipment.carrier_code, &shipment.tracking_number, now)?;
                let change = Change::new("shipped", Some(from))
                    .detail(format!(
                        "{} tracking {} (note {})",
                        shipment.carrier_code, shipment.tracking_number, shipment.note_number
                    ))
                    .reported_by(LOGISTICS_SOURCE);
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await?;
                // SLA-6: the customer is told within the hour; a late
                // notification stays visible on the order.
                let dispatched_at = shipment
                    .dispatch_time
                    .as_ref()
                    .and_then(orderflow_platform::grpc::convert::from_timestamp);
                if let Some(late) = dispatched_at.and_then(|at| notification_late_by(at, now)) {
                    let entry = note(
                        "sla_missed",
                        format!(
                            "SLA-6 missed: the customer was notified {} minutes after dispatch",
                            late.num_minutes()
                        ),
                    );
                    timeline::append(transaction, &order.id, &entry).await?;
                    orderflow_platform::metrics::sla_breached("orders", "SLA-6");
                }
                Ok(())
            }
            "logistics.shipment.delivered" => {
                if order.state != OrderState::Shipped {
                    return Ok(());
                }
                let from = order.deliver(now)?;
                let change = Change::new("delivered", Some(from))
                    .detail(format!(
                        "{} {}",
                        shipment.carrier_code, shipment.tracking_number
                    ))
                    .reported_by(LOGISTICS_SOURCE);
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await
            }
            "logistics.shipment.tracked" => {
                let Some(tracking) = message.tracking else {
                    return Ok(());
                };
                let entry = note(
                    "tracking",
                    format!(
                        "{} {} {}",
                        tracking.status, tracking.location, tracking.description
                    )
                    .trim()
                    .to_owned(),
                );
                timeline::append(transaction, &order.id, &entry).await
            }
            "logistics.shipment.delayed" => {
                let entry = note(
                    "shipment_delayed",
                    format!(
                        "{} {} is past the carrier's promised time",
                        shipment.carrier_code, shipment.tracking_number
                    ),
                );
                timeline::append(transaction, &order.id, &entry).await
            }
            "logistics.shipment.receipt_confirmed" => {
                let entry = note(
                    "receipt_confirmed",
                    format!("receipt confirmed ({})", shipment.receipt_confirmed_by),
                );
                timeline::append(transaction, &order.id, &entry).await
            }
            _ => Ok(()),
        }
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
        self.apply(transaction, &event.subject, message)
            .await
            .map_err(order_error)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::notification_late_by;

    #[test]
    fn sla_6_a_notification_more_than_an_hour_after_dispatch_is_late() {
        let dispatched = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(
            notification_late_by(dispatched, dispatched + Duration::minutes(60)),
            None
        );
        assert_eq!(
            notification_late_by(dispatched, dispatched + Duration::minutes(61)),
            Some(Duration::minutes(61))
        );
    }
}
