//! What other services report about an order, applied in the consumer's
//! transaction: finance's gate (FIN-5, ORD-11), payments (FIN-3), settlement
//! (FIN-9) and notes; inventory's reservation of a released order (INV-3,
//! INV-9); logistics' dispatch, delivery and tracking (LOG-3…5, SLA-6) and
//! a missing shipping plan (SLA-4); production's progress (PRD-1, PRD-11,
//! SLA-3) and the reservation made whole by it (PRD-5). An order this service does not know is
//! ignored (logged).

use super::*;
use crate::domain::notification::{Notification, NotificationKind};
use orderflow_platform::ids::OrderId;

/// The service that reported a change, as its timeline entry shows it.
pub const FINANCE_SOURCE: &str = "finance";
pub const INVENTORY_SOURCE: &str = "inventory";
pub const LOGISTICS_SOURCE: &str = "logistics";
pub const PRODUCTION_SOURCE: &str = "production";
pub const AFTERSALES_SOURCE: &str = "aftersales";
pub const PROCUREMENT_SOURCE: &str = "procurement";

/// What production reported about an order.
#[derive(Debug, Clone)]
pub enum ProductionReport {
    /// The first production order started: RELEASED → IN_PRODUCTION.
    Started { detail: String },
    /// A schedule, output, QA result, a stop: on the timeline (PRD-11).
    Progress { action: String, detail: String },
    /// SLA-3 missed: not scheduled within 4 hours of release.
    ScheduleOverdue { detail: String },
    /// Scheduled to finish after the order is due (ORD-17: the customer
    /// is told).
    Delayed {
        detail: String,
        planned_completion: String,
    },
    /// Inventory: finished goods from production covered every short line
    /// (PRD-5): READY_TO_SHIP.
    ReservationCompleted { detail: String },
}

/// A payment finance confirmed (FIN-3).
#[derive(Debug, Clone)]
pub struct ConfirmedPayment {
    pub order_id: OrderId,
    pub currency_code: String,
    pub minor_units: i64,
    /// `deposit`, `balance`, `full`, …
    pub kind: String,
    pub method: String,
    pub reference: String,
}

/// What logistics reported about an order's shipment.
#[derive(Debug, Clone)]
pub enum ShipmentReport {
    Dispatched {
        carrier_code: String,
        tracking_number: String,
        note_number: String,
        dispatched_at: Option<DateTime<Utc>>,
    },
    Delivered {
        carrier_code: String,
        tracking_number: String,
    },
    Tracked {
        text: String,
        /// ORD-17: the carrier reports trouble (an exception, a failed
        /// delivery attempt, the parcel lost, damaged or sent back): the
        /// customer is told. Carrier and tracking number, for the notice.
        problem: Option<(String, String)>,
    },
    Delayed {
        carrier_code: String,
        tracking_number: String,
    },
    ReceiptConfirmed {
        by: String,
    },
    /// SLA-4 missed: released, and no shipping plan two days before the
    /// delivery date.
    PlanOverdue {
        delivery_date: String,
    },
}

impl Orders {
    /// The order under a row lock, or `None` (logged) when this service does
    /// not know it.
    async fn reported_order<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
    ) -> Result<Option<Order>, OrderError> {
        match orders::load_for_update(connection, order_id).await {
            Ok(order) => Ok(Some(order)),
            Err(OrderError::NotFound { .. }) => {
                tracing::warn!(order.id = %order_id, "a report about an order this service does not know");
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// A note on the order's timeline from another service.
    pub async fn note_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
        source: &str,
        actor: &str,
        action: &str,
        detail: impl FnOnce(&Order) -> String,
    ) -> Result<(), OrderError> {
        let Some(order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        let mut entry = TimelineEntry::note(self.now(), actor, action, detail(&order));
        entry.source = source.to_owned();
        timeline::append(connection, &order.id, &entry).await
    }

    /// FIN-5: finance's release gate opened: AWAITING_PAYMENT → RELEASED,
    /// unless the order is held as a suspected fake (ORD-11: a person
    /// decides; the hold is noted once).
    pub async fn gate_opened<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        detail: String,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        if order.state != OrderState::AwaitingPayment {
            // Cancelled meanwhile, or a redelivery after the release.
            tracing::debug!(order.number = %order.number, state = %order.state, "release gate for an order not awaiting payment");
            return Ok(());
        }
        let actor = Actor::new(actor, &[]);
        if order.is_held() {
            if order.note_release_held(self.now()) {
                let change = Change::new("release_held", None)
                    .detail(format!(
                        "{detail}; held as a suspected fake order (ORD-11): a sales supervisor decides"
                    ))
                    .reported_by(FINANCE_SOURCE);
                self.record(connection, &order, &actor, change).await?;
            }
            return Ok(());
        }
        self.release_in(connection, &mut order, &actor, |from| {
            Change::new("released", Some(from))
                .detail(detail)
                .reported_by(FINANCE_SOURCE)
        })
        .await
    }

    /// FIN-9: the final invoice settled the order: DELIVERED → COMPLETED.
    pub async fn settled<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        invoice_number: &str,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        if order.state.is_short_of(OrderState::Delivered) {
            // Finance settles after the receipt: the delivery report is
            // still on its way here (another consumer).
            return Err(report_ahead(&order, "settled", "delivered"));
        }
        if order.state != OrderState::Delivered {
            tracing::debug!(order.number = %order.number, state = %order.state, "settled, but not delivered");
            return Ok(());
        }
        let from = order.complete(self.now())?;
        let change = Change::new("completed", Some(from))
            .detail(format!("settled with final invoice {invoice_number}"))
            .reported_by(FINANCE_SOURCE);
        self.record(connection, &order, &Actor::new(actor, &[]), change)
            .await
    }

    /// FIN-3: a confirmed payment adds to what the order has been paid.
    pub async fn payment_confirmed<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        payment: &ConfirmedPayment,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, &payment.order_id).await? else {
            return Ok(());
        };
        if payment.currency_code != order.currency.code() {
            tracing::warn!(order.number = %order.number, currency = %payment.currency_code, "a payment in another currency than the order's");
            return Ok(());
        }
        let now = self.now();
        order.amount_paid = order.amount_paid.saturating_add(payment.minor_units);
        order.updated_at = now;
        orders::update(connection, &order).await?;
        let mut entry = TimelineEntry::note(
            now,
            actor,
            "payment_confirmed",
            format!(
                "{} payment of {} confirmed ({} {}); paid so far {}",
                payment.kind,
                order.money(payment.minor_units),
                payment.method,
                payment.reference,
                order.money(order.amount_paid)
            ),
        );
        entry.source = FINANCE_SOURCE.to_owned();
        timeline::append(connection, &order.id, &entry).await
    }

    /// The released order whose stock the saga is to reserve now, with its
    /// saga, if it is one (the saga at `released`, the order still RELEASED);
    /// both locked for [`Self::stock_reserved`]. A self-stock order has
    /// nothing to reserve: its lines all go to production.
    pub async fn to_reserve<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Saga)>, OrderError> {
        let Some(saga) = sagas::load_for_update(connection, order_id).await? else {
            return Ok(None);
        };
        if saga.step != SagaStep::Released {
            return Ok(None);
        }
        let order = orders::load_for_update(connection, order_id).await?;
        // Cancelled before its stock was reserved: nothing to hold.
        if order.state != OrderState::Released {
            return Ok(None);
        }
        // PRD-1, APR-7: a self-stock order is made for stock (production
        // takes all its lines); a material-prep order is prepared by the
        // materials warehouse and purchasing (INV-8, S11). Nothing in
        // finished goods is held for either.
        let handed_over = match order.kind {
            OrderKind::SelfStock => Some((
                "to_production",
                "self-stock order: all lines to production, nothing reserved",
            )),
            OrderKind::MaterialPrep => Some((
                "to_materials",
                "material-prep order: to the materials warehouse and purchasing (work contact sheet), nothing reserved",
            )),
            // S10: the manufacturer makes the garment from the fabric
            // commerce buys (PRC-7); nothing is held or produced here.
            OrderKind::MadeToMeasure => Some((
                "to_manufacturer",
                "made-to-measure garment: made by the manufacturer from the fabric commerce buys, nothing reserved",
            )),
            _ => None,
        };
        if let Some((action, detail)) = handed_over {
            let now = self.now();
            let mut entry =
                TimelineEntry::note(now, &saga_actor().subject, action, detail.to_owned());
            entry.source = INVENTORY_SOURCE.to_owned();
            timeline::append(connection, &order.id, &entry).await?;
            let mut saga = saga;
            saga.step = SagaStep::Reserved;
            saga.updated_at = now;
            sagas::save(connection, &saga).await?;
            return Ok(None);
        }
        Ok(Some((order, saga)))
    }

    /// INV-3, INV-9: the reservation's outcome on the timeline, the saga at
    /// `reserved`; everything on the shelf makes the order READY_TO_SHIP.
    pub async fn stock_reserved<C: ConnectionTrait>(
        &self,
        connection: &C,
        (mut order, mut saga): (Order, Saga),
        fully_reserved: bool,
        detail: String,
    ) -> Result<(), OrderError> {
        let now = self.now();
        let action = if fully_reserved {
            "stock_reserved"
        } else {
            "stock_short"
        };
        let mut entry = TimelineEntry::note(now, &saga_actor().subject, action, detail);
        entry.source = INVENTORY_SOURCE.to_owned();
        timeline::append(connection, &order.id, &entry).await?;
        saga.step = SagaStep::Reserved;
        saga.updated_at = now;
        sagas::save(connection, &saga).await?;
        tracing::info!(order.number = %order.number, fully = fully_reserved, "released order's stock reserved");
        if fully_reserved {
            // Everything is on the shelf: the order can ship (no production).
            let from = order.mark_ready_to_ship(now)?;
            let change = Change::new("ready_to_ship", Some(from))
                .detail("all stock reserved in finished goods".to_owned())
                .reported_by(INVENTORY_SOURCE);
            self.record(connection, &order, &saga_actor(), change)
                .await?;
        }
        Ok(())
    }

    /// LOG-3…5: dispatched → SHIPPED with carrier and tracking (a
    /// notification more than an hour late is an SLA-6 miss on the
    /// timeline); delivered → DELIVERED; tracking, delays and the receipt on
    /// the timeline.
    pub async fn shipment_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        report: ShipmentReport,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        let now = self.now();
        let person = Actor::new(actor, &[]);
        let note = |action: &str, detail: String| {
            let mut entry = TimelineEntry::note(now, actor, action, detail);
            entry.source = LOGISTICS_SOURCE.to_owned();
            entry
        };
        match report {
            ShipmentReport::Dispatched {
                carrier_code,
                tracking_number,
                note_number,
                dispatched_at,
            } => {
                if order.state.is_short_of(OrderState::ReadyToShip) {
                    return Err(report_ahead(&order, "dispatched", "ready to ship"));
                }
                if order.state != OrderState::ReadyToShip {
                    tracing::debug!(order.number = %order.number, state = %order.state, "dispatched, but not ready to ship here");
                    return Ok(());
                }
                let from = order.ship(&carrier_code, &tracking_number, now)?;
                let change = Change::new("shipped", Some(from))
                    .detail(format!(
                        "{carrier_code} tracking {tracking_number} (note {note_number})"
                    ))
                    .reported_by(LOGISTICS_SOURCE);
                self.record(connection, &order, &person, change).await?;
                // ORD-17, SLA-6: the customer is told within the hour of
                // the dispatch, measured when the notifier sends it.
                let notice = Notification::shipment(
                    &order,
                    format!(
                        "Order {} has shipped with {carrier_code}, tracking number {tracking_number}.",
                        order.number
                    ),
                    now,
                    dispatched_at.unwrap_or(now),
                );
                self.notify_customer(connection, &notice).await
            }
            ShipmentReport::Delivered {
                carrier_code,
                tracking_number,
            } => {
                if order.state.is_short_of(OrderState::Shipped) {
                    return Err(report_ahead(&order, "delivered", "shipped"));
                }
                if order.state != OrderState::Shipped {
                    return Ok(());
                }
                let from = order.deliver(now)?;
                let change = Change::new("delivered", Some(from))
                    .detail(format!("{carrier_code} {tracking_number}"))
                    .reported_by(LOGISTICS_SOURCE);
                self.record(connection, &order, &person, change).await
            }
            ShipmentReport::Tracked { text, problem } => {
                timeline::append(connection, &order.id, &note("tracking", text.clone())).await?;
                let Some((carrier_code, tracking_number)) = problem else {
                    return Ok(());
                };
                let notice = Notification::about(
                    &order,
                    NotificationKind::DeliveryProblem,
                    format!(
                        "Order {}: the carrier reports a problem with the shipment ({carrier_code} {tracking_number}): {text}. We are following it up with the carrier.",
                        order.number
                    ),
                    now,
                    None,
                );
                self.notify_customer(connection, &notice).await
            }
            ShipmentReport::Delayed {
                carrier_code,
                tracking_number,
            } => {
                let entry = note(
                    "shipment_delayed",
                    format!("{carrier_code} {tracking_number} is past the carrier's promised time"),
                );
                timeline::append(connection, &order.id, &entry).await?;
                // ORD-17: a delivery problem is the customer's to know.
                let notice = Notification::about(
                    &order,
                    NotificationKind::DeliveryProblem,
                    format!(
                        "Order {}: the shipment ({carrier_code} {tracking_number}) is late; we are following it up with the carrier.",
                        order.number
                    ),
                    now,
                    None,
                );
                self.notify_customer(connection, &notice).await
            }
            ShipmentReport::ReceiptConfirmed { by } => {
                let entry = note("receipt_confirmed", format!("receipt confirmed ({by})"));
                timeline::append(connection, &order.id, &entry).await
            }
            ShipmentReport::PlanOverdue { delivery_date } => {
                let entry = note(
                    "sla_missed",
                    format!(
                        "SLA-4 missed: no shipping plan two days before the delivery date {delivery_date}"
                    ),
                );
                timeline::append(connection, &order.id, &entry).await
            }
        }
    }

    /// ORD-4: what after-sales did about the order (a case opened,
    /// approved, picked up, inspected, refunded, replaced, …) goes on its
    /// timeline; the order's own state changes (a cancellation) come from
    /// the orders service's own commands.
    pub async fn aftersales_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        action: &str,
        detail: String,
    ) -> Result<(), OrderError> {
        let Some(order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        let mut entry = TimelineEntry::note(self.now(), actor, action, detail);
        entry.source = AFTERSALES_SOURCE.to_owned();
        timeline::append(connection, &order.id, &entry).await
    }

    /// S10, PRC-7: the fabric of a made-to-measure order, step by step on
    /// its timeline; once the manufacturer has received it the garment is
    /// being made, so a released order is IN_PRODUCTION.
    pub async fn fabric_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        (step, manufacturer): (&str, &str),
        detail: String,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        let now = self.now();
        // The manufacturer of the order's current fabric purchase makes and
        // ships the garment (S10).
        if order.manufacturer_code != manufacturer {
            order.manufacturer_code = manufacturer.to_owned();
            order.updated_at = now;
            orders::update(connection, &order).await?;
        }
        // Fabric may be bought before the order is released (PRC-7): its
        // arrival waits for the release, or the garment would never be
        // started.
        if step == "received" && order.state == OrderState::AwaitingPayment {
            return Err(report_ahead(&order, "fabric received", "released"));
        }
        if step == "received" && order.state == OrderState::Released {
            let from = order.start_production(now)?;
            let change = Change::new("in_production", Some(from))
                .detail(format!("{detail}; the garment is being made"))
                .reported_by(PROCUREMENT_SOURCE);
            return self
                .record(connection, &order, &Actor::new(actor, &[]), change)
                .await;
        }
        let mut entry = TimelineEntry::note(now, actor, &format!("fabric_{step}"), detail);
        entry.source = PROCUREMENT_SOURCE.to_owned();
        timeline::append(connection, &order.id, &entry).await
    }

    /// PRD-1, PRD-5, PRD-11, SLA-3: production's reports. The first start
    /// puts a released order IN_PRODUCTION; a reservation made whole by
    /// production makes it READY_TO_SHIP; the rest goes on the timeline.
    pub async fn production_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &str,
        order_id: &OrderId,
        report: ProductionReport,
    ) -> Result<(), OrderError> {
        let Some(mut order) = self.reported_order(connection, order_id).await? else {
            return Ok(());
        };
        let now = self.now();
        let note = |action: &str, detail: String, source: &str| {
            let mut entry = TimelineEntry::note(now, actor, action, detail);
            entry.source = source.to_owned();
            entry
        };
        match report {
            ProductionReport::Started { detail } if order.state == OrderState::Released => {
                let from = order.start_production(now)?;
                let change = Change::new("in_production", Some(from))
                    .detail(detail)
                    .reported_by(PRODUCTION_SOURCE);
                self.record(connection, &order, &Actor::new(actor, &[]), change)
                    .await
            }
            ProductionReport::Started { detail } => {
                let entry = note("production_started", detail, PRODUCTION_SOURCE);
                timeline::append(connection, &order.id, &entry).await
            }
            ProductionReport::Progress { action, detail } => {
                let entry = note(&action, detail, PRODUCTION_SOURCE);
                timeline::append(connection, &order.id, &entry).await
            }
            ProductionReport::ScheduleOverdue { detail } => {
                let entry = note("sla_missed", detail, PRODUCTION_SOURCE);
                timeline::append(connection, &order.id, &entry).await
            }
            ProductionReport::Delayed {
                detail,
                planned_completion,
            } => {
                let entry = note("production_scheduled", detail, PRODUCTION_SOURCE);
                timeline::append(connection, &order.id, &entry).await?;
                let notice = Notification::about(
                    &order,
                    NotificationKind::ProductionDelay,
                    format!(
                        "Order {}: production is now planned to finish on {planned_completion}, after the date we confirmed ({}); we will tell you the new delivery date.",
                        order.number, order.requested_delivery_date
                    ),
                    now,
                    None,
                );
                self.notify_customer(connection, &notice).await
            }
            ProductionReport::ReservationCompleted { detail } => {
                if !matches!(order.state, OrderState::Released | OrderState::InProduction) {
                    let entry = note("stock_reserved", detail, INVENTORY_SOURCE);
                    return timeline::append(connection, &order.id, &entry).await;
                }
                let from = order.mark_ready_to_ship(now)?;
                let change = Change::new("ready_to_ship", Some(from))
                    .detail(detail)
                    .reported_by(INVENTORY_SOURCE);
                self.record(connection, &order, &saga_actor(), change).await
            }
        }
    }
}

/// A report that came before the one it follows: two replicas share a
/// consumer and handle an order's events side by side, and another
/// service's report can overtake this service's own step. Refused, so
/// that the event is delivered again until the order has caught up (up to
/// `CONSUMER_MAX_WAIT_SECS`, then dead-lettered as stuck); dropping it would
/// leave the order behind for good: the fault suite found orders stuck in
/// SHIPPED whose delivery had been reported before their dispatch was
/// applied.
fn report_ahead(order: &Order, reported: &str, awaited: &str) -> OrderError {
    OrderError::ahead_of_order(
        &order.id,
        format!(
            "{reported} reported while the order is {}; waiting until it is {awaited}",
            order.state
        ),
    )
}
