//! The use cases of the logistics service: one write transaction each, with
//! the change and its events. Calls to finance happen before the
//! transaction opens.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::base::AppBase;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::ids::OrderId;
use sea_orm::ConnectionTrait;

use crate::domain::export::{ExportDocuments, Packing};
use crate::domain::pickup::Pickup;
use crate::domain::routing::{Carrier, Rule, Rules, default_carriers};
use crate::domain::shipment::{Address, OrderSnapshot, Shipment, ShipmentState, Tracking};
use crate::domain::{Actor, LogisticsError};
use crate::events;
use crate::peers;
use crate::store::records;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub time_zone: Tz,
    /// LOG-5: receipt is confirmed automatically this many days after
    /// delivery.
    pub receipt_auto_confirm_days: i64,
}

#[derive(Debug, Clone)]
pub struct Logistics {
    base: AppBase,
    finance: peers::Finance,
    settings: Settings,
}

/// What a return pick-up is asked for (LOG-7): the order, the after-sales
/// reference, another address than the ship-to if any, the day, the reason.
#[derive(Debug, Clone)]
pub struct PickupRequest {
    pub order_id: OrderId,
    pub reference: String,
    pub address: Option<Address>,
    pub pickup_date: NaiveDate,
    pub reason: String,
}

/// The carrier for an address and why.
#[derive(Debug, Clone)]
pub struct Choice {
    pub carrier: Carrier,
    pub matched_rule: String,
    pub rules_version: i32,
}

impl Logistics {
    pub fn new(base: AppBase, finance: peers::Finance, settings: Settings) -> Self {
        Self {
            base,
            finance,
            settings,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.base.today(&self.settings.time_zone)
    }

    /// The default carriers and LOG-1 rules, when there are none yet.
    pub async fn seed_defaults(&self) -> Result<(), LogisticsError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        for carrier in default_carriers(now) {
            records::insert_carrier(&*transaction, &carrier).await?;
        }
        if records::rules(&*transaction).await?.is_none() {
            records::insert_rules(&*transaction, &Rules::defaults(now)).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------- carriers/rules

    pub async fn create_carrier(
        &self,
        key: Option<&RequestKey>,
        carrier: Carrier,
    ) -> Result<Carrier, LogisticsError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(code) = idempotency::claim(&*transaction, key, self.now()).await? {
            return records::carrier(&*transaction, &code)
                .await?
                .ok_or_else(|| LogisticsError::not_found("carrier", code));
        }
        if !records::insert_carrier(&*transaction, &carrier).await? {
            let existing = records::carrier(&*transaction, &carrier.code).await?;
            return match existing {
                Some(existing)
                    if existing.name == carrier.name
                        && existing.promised_days == carrier.promised_days =>
                {
                    Ok(existing)
                }
                _ => Err(LogisticsError::AlreadyExists {
                    resource: "carrier",
                    id: carrier.code,
                }),
            };
        }
        idempotency::complete(&*transaction, key, &carrier.code).await?;
        transaction.commit().await?;
        Ok(carrier)
    }

    pub async fn carriers(&self) -> Result<Vec<Carrier>, LogisticsError> {
        records::carriers(self.base.database.connection()).await
    }

    pub async fn rules(&self) -> Result<Rules, LogisticsError> {
        records::rules(self.base.database.connection())
            .await?
            .ok_or_else(|| LogisticsError::not_found("routing rules", "current"))
    }

    /// LOG-1: the rules replaced as a whole; in effect for the next choice.
    pub async fn set_rules(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        rules: Vec<Rule>,
        default_carrier_code: &str,
        base_version: i32,
    ) -> Result<Rules, LogisticsError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(version) = idempotency::claim(&*transaction, key, self.now()).await? {
            let version = version
                .parse::<i32>()
                .map_err(|error| crate::store::corrupt("request key", error))?;
            return records::rules_version(&*transaction, version)
                .await?
                .ok_or_else(|| LogisticsError::not_found("routing rules", version.to_string()));
        }
        let current = records::rules(&*transaction)
            .await?
            .ok_or_else(|| LogisticsError::not_found("routing rules", "current"))?;
        let known: Vec<String> = records::carriers(&*transaction)
            .await?
            .into_iter()
            .map(|carrier| carrier.code)
            .collect();
        let next = current.replace(
            rules,
            default_carrier_code,
            base_version,
            &known,
            &actor.subject,
            self.now(),
        )?;
        if !records::insert_rules(&*transaction, &next).await? {
            return Err(LogisticsError::precondition(
                "STALE_RULES",
                "routing_rules",
                "the rules were replaced meanwhile; read them again",
            ));
        }
        idempotency::complete(&*transaction, key, &next.version.to_string()).await?;
        transaction.commit().await?;
        Ok(next)
    }

    async fn choose_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        country_code: &str,
        region: &str,
    ) -> Result<Choice, LogisticsError> {
        let rules = records::rules(connection)
            .await?
            .ok_or_else(|| LogisticsError::not_found("routing rules", "current"))?;
        let (code, matched_rule) = rules.choose(country_code, region);
        let carrier = records::carrier(connection, &code)
            .await?
            .ok_or_else(|| LogisticsError::not_found("carrier", code.clone()))?;
        Ok(Choice {
            carrier,
            matched_rule,
            rules_version: rules.version,
        })
    }

    pub async fn choose(&self, country_code: &str, region: &str) -> Result<Choice, LogisticsError> {
        self.choose_in(self.base.database.connection(), country_code, region)
            .await
    }

    // ----------------------------------------------------------- from orders

    /// Keeps the order's shipment from the orders service's events. A new
    /// ship-to before dispatch (an edit, a merge — ORD-9) chooses the carrier
    /// again unless it was overridden; a cancelled order's shipment stops.
    pub async fn sync_order<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
        snapshot: OrderSnapshot,
        ship_to: Address,
    ) -> Result<(), LogisticsError> {
        let now = self.now();
        let (mut shipment, ours) = match records::shipment(connection, order_id, true).await? {
            Some(existing) => (existing, false),
            None => {
                let choice = self
                    .choose_in(connection, &ship_to.country_code, &ship_to.region)
                    .await?;
                let fresh = Shipment {
                    order_id: order_id.to_string(),
                    order: snapshot.clone(),
                    ship_to: ship_to.clone(),
                    state: ShipmentState::Open,
                    carrier_code: choice.carrier.code,
                    carrier_reason: format!("rule: {}", choice.matched_rule),
                    planned_ship_date: None,
                    note_number: String::new(),
                    note_approved_by: String::new(),
                    tracking_number: String::new(),
                    dispatched_at: None,
                    promised_at: None,
                    delay_announced: false,
                    plan_overdue: false,
                    tracking: Vec::new(),
                    delivered_at: None,
                    received_at: None,
                    receipt_confirmed_by: String::new(),
                    goods_out: false,
                    updated_at: now,
                };
                // Two replicas may file two events of a new order at once:
                // the first insert claims it, the other compares versions.
                match records::shipment_or_insert(connection, &fresh).await? {
                    Some(filed) => (filed, false),
                    None => (fresh, true),
                }
            }
        };
        if !ours && shipment.order.updated_at >= snapshot.updated_at {
            return Ok(());
        }
        let before_dispatch = matches!(
            shipment.state,
            ShipmentState::Open
                | ShipmentState::Planned
                | ShipmentState::NotePending
                | ShipmentState::NoteApproved
        );
        if shipment.ship_to != ship_to
            && before_dispatch
            && !shipment.carrier_reason.starts_with("override")
        {
            let choice = self
                .choose_in(connection, &ship_to.country_code, &ship_to.region)
                .await?;
            shipment.carrier_code = choice.carrier.code;
            shipment.carrier_reason = format!("rule: {} (address changed)", choice.matched_rule);
        }
        shipment.ship_to = ship_to;
        let cancelled = matches!(snapshot.state.as_str(), "cancelled" | "closed" | "rejected");
        shipment.order = snapshot;
        if cancelled {
            shipment.cancel(now);
        }
        shipment.updated_at = now;
        records::save_shipment(connection, &shipment).await
    }

    /// Inventory posted the order's outbound: the goods are out.
    pub async fn goods_out<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
    ) -> Result<(), LogisticsError> {
        let Some(mut shipment) = records::shipment(connection, order_id, true).await? else {
            // The order's own events come by another consumer, with no
            // order between the streams: the outbound waits for them, or
            // the shipment could never be dispatched (GOODS_NOT_OUT).
            return Err(LogisticsError::ahead_of_order(
                order_id,
                "the outbound was posted before logistics heard of the order",
            ));
        };
        if !shipment.goods_out {
            shipment.goods_out = true;
            shipment.updated_at = self.now();
            records::save_shipment(connection, &shipment).await?;
        }
        Ok(())
    }

    // -------------------------------------------------------------- shipping

    pub async fn shipment(&self, order_id: &OrderId) -> Result<Shipment, LogisticsError> {
        records::shipment(self.base.database.connection(), order_id, false)
            .await?
            .ok_or_else(|| not_known(order_id))
    }

    /// The shipment a committed call with `key` changed, if there was one: a
    /// repeat answers with it before asking any peer again.
    async fn replayed(&self, key: Option<&RequestKey>) -> Result<Option<Shipment>, LogisticsError> {
        match key {
            Some(key) => match idempotency::find(self.base.database.connection(), key).await? {
                Some(order_id) => Ok(Some(self.shipment(&OrderId::from_stored(order_id)).await?)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Applies `change` to the order's shipment under a row lock; announces
    /// `logistics.shipment.<subject>` when it changed something. A repeated
    /// request (`key`) returns the shipment without applying it again.
    async fn change<F>(
        &self,
        actor: &str,
        key: Option<&RequestKey>,
        order_id: &str,
        subject: &str,
        change: F,
    ) -> Result<Shipment, LogisticsError>
    where
        F: FnOnce(&mut Shipment, DateTime<Utc>) -> Result<bool, LogisticsError>,
    {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(order_id) = idempotency::claim(&*transaction, key, self.now()).await? {
            return records::shipment(&*transaction, &order_id, false)
                .await?
                .ok_or_else(|| LogisticsError::not_found("shipment for order", order_id));
        }
        let mut shipment = records::shipment(&*transaction, order_id, true)
            .await?
            .ok_or_else(|| not_known(order_id))?;
        let now = self.now();
        if !change(&mut shipment, now)? {
            return Ok(shipment);
        }
        records::save_shipment(&*transaction, &shipment).await?;
        self.base
            .enqueue(
                &*transaction,
                events::shipment(&shipment, subject, actor, None, now),
            )
            .await?;
        idempotency::complete(&*transaction, key, order_id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(shipment)
    }

    /// LOG-2: the shipping notice, ≥ 2 days ahead; the carrier by the rules
    /// or overridden with a reason (LOG-1).
    pub async fn plan(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
        ship_date: NaiveDate,
        carrier_override: Option<(String, String)>,
    ) -> Result<Shipment, LogisticsError> {
        let override_carrier = match &carrier_override {
            Some((code, reason)) => Some((
                records::carrier(self.base.database.connection(), code)
                    .await?
                    .ok_or_else(|| {
                        LogisticsError::invalid("carrier_code", "is not a known carrier")
                    })?,
                reason.clone(),
            )),
            None => None,
        };
        let today = self.today();
        self.change(&actor.subject, key, order_id, "planned", |shipment, now| {
            let (code, reason) = match override_carrier {
                Some((carrier, reason)) => (carrier.code, format!("override: {reason}")),
                None => (
                    shipment.carrier_code.clone(),
                    shipment.carrier_reason.clone(),
                ),
            };
            shipment.plan(ship_date, today, code, reason, now)?;
            Ok(true)
        })
        .await
    }

    pub async fn create_note(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
    ) -> Result<Shipment, LogisticsError> {
        self.change(
            &actor.subject,
            key,
            order_id,
            "note_created",
            |shipment, now| shipment.create_note(now),
        )
        .await
    }

    /// LOG-2 + FIN-6: `finance` approves the note when the money lets the
    /// order ship.
    pub async fn approve_note(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
    ) -> Result<Shipment, LogisticsError> {
        if let Some(shipment) = self.replayed(key).await? {
            return Ok(shipment);
        }
        self.finance.require_shipment_allowed(order_id).await?;
        self.change(
            &actor.subject,
            key,
            order_id,
            "note_approved",
            |shipment, now| shipment.approve_note(&actor.subject, now),
        )
        .await
    }

    /// LOG-3: dispatched against the approved note with the goods out, the
    /// money checked again (FIN-6); `logistics.shipment.dispatched` is the
    /// customer's notification.
    pub async fn dispatch(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
        tracking_number: &str,
    ) -> Result<Shipment, LogisticsError> {
        if let Some(shipment) = self.replayed(key).await? {
            return Ok(shipment);
        }
        self.finance.require_shipment_allowed(order_id).await?;
        let shipment = self.shipment(order_id).await?;
        let promised_days =
            records::carrier(self.base.database.connection(), &shipment.carrier_code)
                .await?
                .map_or(7, |carrier| carrier.promised_days);
        self.change(
            &actor.subject,
            key,
            order_id,
            "dispatched",
            |shipment, now| shipment.dispatch(tracking_number, promised_days, now),
        )
        .await
    }

    /// LOG-4: one tracking event for a tracking number; "delivered" delivers.
    pub async fn track(
        &self,
        actor: &str,
        key: Option<&RequestKey>,
        tracking_number: &str,
        event: Tracking,
    ) -> Result<Shipment, LogisticsError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(order_id) = idempotency::claim(&*transaction, key, self.now()).await? {
            return records::shipment(&*transaction, &order_id, false)
                .await?
                .ok_or_else(|| LogisticsError::not_found("shipment for order", order_id));
        }
        let mut shipment = records::shipment_by_tracking(&*transaction, tracking_number)
            .await?
            .ok_or_else(|| {
                LogisticsError::not_found("shipment with tracking number", tracking_number)
            })?;
        let was = shipment.state;
        let now = self.now();
        if !shipment.track(event.clone(), now)? {
            return Ok(shipment);
        }
        records::save_shipment(&*transaction, &shipment).await?;
        self.base
            .enqueue(
                &*transaction,
                events::shipment(&shipment, "tracked", actor, Some(&event), now),
            )
            .await?;
        if was != ShipmentState::Delivered && shipment.state == ShipmentState::Delivered {
            self.base
                .enqueue(
                    &*transaction,
                    events::shipment(&shipment, "delivered", actor, Some(&event), now),
                )
                .await?;
        }
        idempotency::complete(&*transaction, key, &shipment.order_id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(shipment)
    }

    /// LOG-5: the customer confirms receipt.
    pub async fn confirm_receipt(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
    ) -> Result<Shipment, LogisticsError> {
        self.change(
            &actor.subject,
            key,
            order_id,
            "receipt_confirmed",
            |shipment, now| shipment.confirm_receipt("customer", now),
        )
        .await
    }

    /// Late shipments announced once (LOG-4); deliveries confirmed
    /// automatically after the configured days (LOG-5). Returns how many
    /// of each.
    pub async fn sweep(&self) -> Result<(usize, usize, usize), LogisticsError> {
        let now = self.now();
        let mut late = 0;
        for shipment in records::shipments_in(
            self.base.database.connection(),
            ShipmentState::Dispatched,
            500,
        )
        .await?
        {
            if shipment.delay_announced || !shipment.is_late(now) {
                continue;
            }
            self.change(
                "logistics",
                None,
                &shipment.order_id,
                "delayed",
                |shipment, _| {
                    if shipment.delay_announced || !shipment.is_late(now) {
                        return Ok(false);
                    }
                    shipment.delay_announced = true;
                    Ok(true)
                },
            )
            .await?;
            late += 1;
            orderflow_platform::metrics::sla_breached("logistics", "LOG-4");
        }
        let mut received = 0;
        let after = Duration::days(self.settings.receipt_auto_confirm_days);
        for shipment in records::shipments_in(
            self.base.database.connection(),
            ShipmentState::Delivered,
            500,
        )
        .await?
        {
            if shipment.delivered_at.is_none_or(|at| now < at + after) {
                continue;
            }
            self.change(
                "logistics",
                None,
                &shipment.order_id,
                "receipt_confirmed",
                |shipment, now| shipment.confirm_receipt("automatic", now),
            )
            .await?;
            received += 1;
        }
        let plan_overdue = self.flag_overdue_plans().await?;
        Ok((late, received, plan_overdue))
    }

    /// SLA-4: every released order with no shipping plan
    /// [`NOTICE_DAYS`](crate::domain::shipment::NOTICE_DAYS) days before its
    /// date is flagged once, announced (`logistics.shipment.plan_overdue`,
    /// which the orders service puts on the order's timeline) and counted
    /// as a missed SLA.
    async fn flag_overdue_plans(&self) -> Result<usize, LogisticsError> {
        let today = self.today();
        let mut flagged = 0;
        let mut after: Option<String> = None;
        loop {
            let page = records::unplanned_unflagged(
                self.base.database.connection(),
                after.as_deref(),
                500,
            )
            .await?;
            let Some(last) = page.last() else {
                return Ok(flagged);
            };
            after = Some(last.order_id.clone());
            for shipment in page {
                if !shipment.plan_is_overdue(today) {
                    continue;
                }
                self.change(
                    "logistics",
                    None,
                    &shipment.order_id,
                    "plan_overdue",
                    |shipment, _| Ok(shipment.flag_plan_overdue(today)),
                )
                .await?;
                flagged += 1;
                orderflow_platform::metrics::sla_breached("logistics", "SLA-4");
            }
        }
    }

    // ------------------------------------------------------ export, pickups

    /// LOG-6: the export documents of an export order.
    pub async fn export_documents(
        &self,
        order_id: &OrderId,
        packing: &[Packing],
        container_type: &str,
        statutory_inspection: bool,
    ) -> Result<ExportDocuments, LogisticsError> {
        let shipment = self.shipment(order_id).await?;
        if shipment.order.kind != "export" {
            return Err(LogisticsError::precondition(
                "NOT_EXPORT",
                format!("orders/{order_id}"),
                format!("order {} is not an export order", shipment.order.number),
            ));
        }
        ExportDocuments::compose(&shipment, packing, container_type, statutory_inspection)
    }

    /// LOG-7: a pick-up for after-sales, by the carrier the rules choose for
    /// the pick-up address.
    pub async fn schedule_pickup(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        request: PickupRequest,
    ) -> Result<Pickup, LogisticsError> {
        let PickupRequest {
            order_id,
            reference,
            address,
            pickup_date,
            reason,
        } = request;
        if pickup_date < self.today() {
            return Err(LogisticsError::invalid(
                "pickup_date",
                "must be today or later",
            ));
        }
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, self.now()).await? {
            return records::pickup(&*transaction, &id)
                .await?
                .ok_or_else(|| LogisticsError::not_found("pick-up", id));
        }
        let shipment = records::shipment(&*transaction, &order_id, false)
            .await?
            .ok_or_else(|| not_known(&order_id))?;
        let address = address.unwrap_or(shipment.ship_to);
        let choice = self
            .choose_in(&*transaction, &address.country_code, &address.region)
            .await?;
        let now = self.now();
        let pickup = Pickup {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: order_id.to_string(),
            reference,
            address,
            pickup_date,
            carrier_code: choice.carrier.code,
            reason,
            created_at: now,
        };
        records::insert_pickup(&*transaction, &pickup).await?;
        self.base
            .enqueue(&*transaction, events::pickup(&pickup, &actor.subject, now))
            .await?;
        idempotency::complete(&*transaction, key, &pickup.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(pickup)
    }
}

/// Issue 17: logistics opens an order's shipment when it hears of the order's
/// confirmation, so an order it has no shipment for may not have reached it
/// yet (or is still a draft).
fn not_known(order_id: impl std::fmt::Display) -> LogisticsError {
    LogisticsError::order_not_known("logistics", order_id, "its confirmation")
}
