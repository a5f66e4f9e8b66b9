//! The use cases of the orders service. Each runs in one write transaction
//! that holds the change, its timeline entry, its events (outbox) and its
//! request id (AIP-155), and wakes the relay after the commit. Order creation
//! is batched: see [`creation`].

pub mod creation;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::auth::Role;
use orderflow_platform::bus::outbox::{self, OutboxSignal, OutgoingEvent};
use orderflow_platform::clock::SharedClock;
use orderflow_platform::db::idempotency::{self, RequestKey};
use orderflow_platform::db::{Database, WriteTransaction};
use orderflow_platform::validation::Violations;
use sea_orm::ConnectionTrait;

use crate::domain::customer::{Customer, NewCustomer};
use crate::domain::order::{
    NewOrder, Order, OrderInput, OrderKind, OrderState, PriceDeviation, Review,
};
use crate::domain::quotation::{
    Inquiry, Quotation, QuotationState, QuotationTerms, QuotationVersion,
};
use crate::domain::{Actor, OrderError, number};
use crate::events;
use crate::store::numbers::NumberAllocator;
use crate::store::orders::OrderFilter;
use crate::store::prices::ListPrice;
use crate::store::sagas::{Saga, SagaStep};
use crate::store::timeline::TimelineEntry;
use crate::store::{claims, customers, orders, prices, quotations, sagas, timeline};
use orderflow_platform::money::{Currency, Money};

/// The business settings the use cases need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub business_time_zone: Tz,
    pub confirmation_sla: chrono::Duration,
    /// Concurrent order-creation batches (PostgreSQL).
    pub order_writers: usize,
    /// Orders written together at most.
    pub order_write_batch: usize,
    /// ORD-10: orders a reviewer claims at once by default.
    pub claim_batch_size: u32,
    /// ORD-10: how long a claim lasts unless released.
    pub claim_ttl: chrono::Duration,
}

/// The customer's purchase order accepting a quotation (ORD-13).
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub version: i32,
    pub customer_po_number: String,
    /// Defaults to export.
    pub order_kind: Option<OrderKind>,
    /// Defaults to the customer's address.
    pub ship_to: Option<crate::domain::customer::Address>,
}

/// A change of an order: what the timeline and the event say about it.
#[derive(Debug, Clone)]
pub struct Change {
    /// Timeline action and event name: "submitted", "cancelled", ...
    pub action: &'static str,
    pub from: Option<OrderState>,
    pub reason: String,
    pub detail: String,
    /// The service whose report caused the change ("orders" for its own).
    pub source: &'static str,
}

impl Change {
    pub fn new(action: &'static str, from: Option<OrderState>) -> Self {
        Self {
            action,
            from,
            reason: String::new(),
            detail: String::new(),
            source: crate::store::timeline::OWN_SOURCE,
        }
    }

    /// A change another service reported (an approval, a payment, ...).
    pub fn reported_by(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    pub fn because(mut self, reason: &str) -> Self {
        self.reason = reason.trim().to_owned();
        self
    }

    pub fn detail(mut self, detail: String) -> Self {
        self.detail = detail;
        self
    }
}

/// The orders service's use cases.
#[derive(Debug, Clone)]
pub struct Orders {
    database: Database,
    clock: SharedClock,
    outbox: OutboxSignal,
    numbers: Arc<NumberAllocator>,
    creator: creation::OrderCreator,
    stock: crate::peers::Stock,
    settings: Settings,
}

impl Orders {
    pub fn new(
        database: Database,
        clock: SharedClock,
        outbox: OutboxSignal,
        numbers: Arc<NumberAllocator>,
        stock: crate::peers::Stock,
        settings: Settings,
    ) -> Self {
        // SQLite takes one writer at a time: one batch in flight there.
        let writers = if database.is_postgres() {
            settings.order_writers
        } else {
            1
        };
        let creator = creation::OrderCreator::start(
            database.clone(),
            clock.clone(),
            outbox.clone(),
            writers,
            settings.order_write_batch,
        );
        Self {
            database,
            clock,
            outbox,
            numbers,
            creator,
            stock,
            settings,
        }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Now, to the microsecond: what the databases keep, so that a value
    /// returned at once equals the same value read back later.
    pub fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// The business date now (ORD-2).
    pub fn today(&self) -> NaiveDate {
        self.now()
            .with_timezone(&self.settings.business_time_zone)
            .date_naive()
    }

    /// Writes the order, its timeline entry and its event, in `connection`'s
    /// transaction.
    pub async fn record<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
        change: Change,
    ) -> Result<(), OrderError> {
        let now = order.updated_at;
        orders::update(connection, order).await?;
        self.note(connection, order, actor, &change, now).await
    }

    async fn note<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        let entry = match change.from {
            Some(from) => TimelineEntry::transition(
                now,
                &actor.id,
                change.action,
                from,
                order.state,
                &change.reason,
            )
            .with_detail(change.detail.clone()),
            None => {
                let mut entry =
                    TimelineEntry::note(now, &actor.id, change.action, change.detail.clone());
                entry.reason = change.reason.clone();
                entry
            }
        };
        let entry = TimelineEntry {
            source: change.source.to_owned(),
            ..entry
        };
        timeline::append(connection, &order.id, &entry).await?;
        let event = events::order_event(
            order,
            change.action,
            &actor.id,
            &change.reason,
            change.from,
            now,
        );
        outbox::enqueue(connection, event, now).await?;
        Ok(())
    }

    async fn enqueue<C: ConnectionTrait>(
        &self,
        connection: &C,
        event: OutgoingEvent,
    ) -> Result<(), OrderError> {
        outbox::enqueue(connection, event, self.now()).await?;
        Ok(())
    }

    fn committed(&self) {
        self.outbox.notify();
    }

    async fn next_number(&self, scope: &str, prefix: &str) -> Result<String, OrderError> {
        let today = self.today();
        let sequence = self.numbers.next(scope, today).await?;
        number::format(prefix, today, sequence)
            .ok_or_else(|| OrderError::Conflict(format!("no {scope} numbers left for {today}")))
    }

    // ---------------------------------------------------------- customers

    pub async fn create_customer(
        &self,
        actor: &Actor,
        new: NewCustomer,
        key: Option<RequestKey>,
    ) -> Result<Customer, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.customer(&existing).await;
        }
        let now = self.now();
        let customer = Customer {
            id: uuid::Uuid::now_v7().to_string(),
            name: new.name,
            phone: new.phone,
            email: new.email,
            address: new.address,
            created_at: now,
            created_by: actor.id.clone(),
        };
        let transaction = self.database.begin_write().await?;
        customers::insert(&*transaction, &customer).await?;
        self.enqueue(
            &*transaction,
            events::customer_created(&customer, &actor.id, now),
        )
        .await?;
        if let Some(winner) = self.commit(transaction, key.as_ref(), &customer.id).await? {
            return self.customer(&winner).await;
        }
        Ok(customer)
    }

    pub async fn customer(&self, id: &str) -> Result<Customer, OrderError> {
        customers::find(self.database.connection(), id)
            .await?
            .ok_or_else(|| OrderError::not_found("customer", id))
    }

    pub async fn list_customers(
        &self,
        name_contains: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Customer>, OrderError> {
        customers::list(self.database.connection(), name_contains, after, limit).await
    }

    /// The resource a request id already produced, if any.
    async fn replayed(&self, key: Option<&RequestKey>) -> Result<Option<String>, OrderError> {
        match key {
            Some(key) => Ok(idempotency::find(self.database.connection(), key).await?),
            None => Ok(None),
        }
    }

    /// Records the request id and commits. When a concurrent call with the
    /// same request id committed first, rolls back and returns that call's
    /// resource instead.
    async fn commit(
        &self,
        transaction: WriteTransaction,
        key: Option<&RequestKey>,
        resource_id: &str,
    ) -> Result<Option<String>, OrderError> {
        if let Some(winner) = self.claim(&*transaction, key, resource_id).await? {
            return Ok(Some(winner));
        }
        transaction.commit().await?;
        self.committed();
        Ok(None)
    }

    /// Records the request id with the resource it produced. When another
    /// call with the same id committed first, returns that call's resource:
    /// the caller must roll back and answer with it.
    async fn claim<C: ConnectionTrait>(
        &self,
        connection: &C,
        key: Option<&RequestKey>,
        resource_id: &str,
    ) -> Result<Option<String>, OrderError> {
        Ok(idempotency::record(connection, key, resource_id, self.now()).await?)
    }

    // --------------------------------------------------------- price list

    pub async fn set_list_price(
        &self,
        actor: &Actor,
        key: Option<RequestKey>,
        sku: &str,
        price: Money,
    ) -> Result<ListPrice, OrderError> {
        let list_price = ListPrice {
            sku: sku.to_owned(),
            unit_price: price,
            updated_at: self.now(),
            updated_by: actor.id.clone(),
        };
        let transaction = self.database.begin_write().await?;
        if already_done(&*transaction, key.as_ref()).await? {
            // A list price is one row per SKU and currency: the repeat
            // answers with that row as it is now.
            return prices::list(&*transaction, Some(sku), None, 100)
                .await?
                .into_iter()
                .find(|kept| kept.sku == sku && kept.unit_price.currency == price.currency)
                .ok_or_else(|| OrderError::not_found("list price", sku));
        }
        prices::set(&*transaction, &list_price).await?;
        // A concurrent copy that committed first set the same row: either
        // way the answer is this price.
        let resource = format!("{sku}/{}", price.currency);
        self.commit(transaction, key.as_ref(), &resource).await?;
        Ok(list_price)
    }

    pub async fn list_prices(
        &self,
        sku_prefix: Option<&str>,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<ListPrice>, OrderError> {
        prices::list(self.database.connection(), sku_prefix, after, limit).await
    }

    // ------------------------------------------------------------- orders

    /// ORD-1: a new order in DRAFT, idempotent by request id. Written in a
    /// batch with the other orders being created at the same moment.
    pub async fn create_order(
        &self,
        actor: &Actor,
        input: &OrderInput,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let new = NewOrder::parse(input, actor, self.today(), "")?;
        if new.kind == OrderKind::Return && !actor.has_role(Role::Service.as_str()) {
            return Err(OrderError::PermissionDenied(
                "return orders are created by after-sales only (AFS-6)".to_owned(),
            ));
        }
        let number = self.next_number("order", "").await?;
        let order = self
            .creator
            .create(creation::CreateRequest {
                new,
                id: uuid::Uuid::now_v7().to_string(),
                number,
                actor: actor.clone(),
                key,
                trace_context: orderflow_platform::telemetry::current_context_headers(),
            })
            .await?;
        tracing::info!(order.number = %order.number, order.id = %order.id, kind = %order.kind, "order created");
        Ok(order)
    }

    /// The customer and the replaced order must exist (ORD-1, ORD-14).
    async fn referenced<C: ConnectionTrait>(
        &self,
        connection: &C,
        new: &NewOrder,
    ) -> Result<Customer, OrderError> {
        let mut violations = Violations::new();
        let customer = customers::find(connection, &new.customer_id).await?;
        if customer.is_none() {
            violations.add("customer_id", "no such customer");
        }
        if let Some(replaced) = &new.replaces_order_id
            && orders::find(connection, replaced).await?.is_none()
        {
            violations.add("replaces_order_id", "no such order");
        }
        match customer {
            Some(customer) if violations.is_empty() => Ok(customer),
            _ => Err(OrderError::InvalidInput(violations.into_vec())),
        }
    }

    pub async fn order(&self, id: &str) -> Result<Order, OrderError> {
        orders::load(self.database.connection(), id).await
    }

    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Order>, OrderError> {
        orders::list(self.database.connection(), filter, self.now(), after, limit).await
    }

    pub async fn timeline(&self, id: &str) -> Result<(Order, Vec<TimelineEntry>), OrderError> {
        let order = self.order(id).await?;
        let entries = timeline::of_order(self.database.connection(), id).await?;
        Ok((order, entries))
    }

    /// Runs `change` on the order under a row lock, records it, and makes the
    /// request id return the same order when repeated.
    async fn change_order<F>(
        &self,
        key: Option<RequestKey>,
        order_id: &str,
        actor: &Actor,
        change: F,
    ) -> Result<Order, OrderError>
    where
        F: FnOnce(&mut Order, DateTime<Utc>) -> Result<Change, OrderError>,
    {
        let key = key.map(|key| key.within(order_id));
        let transaction = self.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let now = self.now();
        let recorded = change(&mut order, now)?;
        self.record(&*transaction, &order, actor, recorded).await?;
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }

    /// ORD-7: edits before review, each kept in the history.
    pub async fn update_order(
        &self,
        actor: &Actor,
        order_id: &str,
        mask: &[String],
        update: &OrderInput,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let today = self.today();
        let key = key.map(|key| key.within(order_id));
        let transaction = self.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let previous = order.editable_fields();
        let now = self.now();
        let (from, changed) = order.edit(mask, update, actor, today, now)?;
        if let Some(ship_to) = mask
            .iter()
            .any(|field| field == "ship_to")
            .then(|| update.ship_to.clone())
            .flatten()
            && ship_to.is_empty()
        {
            // An emptied ship-to falls back to the customer's address.
            if let Some(customer) = customers::find(&*transaction, &order.customer_id).await? {
                order.ship_to = customer.address;
            }
        }
        let revision = orders::Revision {
            order_id: &order.id,
            revision: order.revision,
            previous: &previous,
            changed: &changed,
            reason: reason.trim(),
            actor: &actor.id,
            at: now,
        };
        orders::record_revision(&*transaction, &revision).await?;
        let action = if from == OrderState::Draft {
            "edited"
        } else {
            "revised"
        };
        let change = Change::new(action, Some(from))
            .because(reason)
            .detail(format!(
                "revision {}: changed {}",
                order.revision,
                if changed.is_empty() {
                    "nothing".to_owned()
                } else {
                    changed.join(", ")
                }
            ));
        self.record(&*transaction, &order, actor, change).await?;
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }

    pub async fn submit_order(
        &self,
        actor: &Actor,
        order_id: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let sla = self.settings.confirmation_sla;
        self.change_order(key, order_id, actor, |order, now| {
            order.ensure_editable_by(actor)?;
            let from = order.submit(sla, now)?;
            let due = order
                .confirmation_due_at
                .map(|due| due.to_rfc3339())
                .unwrap_or_default();
            Ok(Change::new("submitted", Some(from))
                .detail(format!("confirmation due by {due} (SLA-1)")))
        })
        .await
    }

    /// ORD-5: review and confirmation. Price deviations are flagged on the
    /// order even when confirmation is refused for them.
    pub async fn confirm_order(
        &self,
        actor: &Actor,
        order_id: &str,
        accept_price_deviation: bool,
        fake_order_reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let key = key.map(|key| key.within(order_id));
        // ORD-5: ask inventory before taking the row lock; the answer goes on
        // the timeline and does not block (shortages go to production).
        // ORD-8: kit lines are checked against their definitions first; a
        // mismatch refuses the confirmation and changes nothing.
        let (checked_lines, stock) =
            match orders::find(self.database.connection(), order_id).await? {
                Some(order) if order.state == OrderState::Submitted => {
                    self.stock.check_kits(&order).await?;
                    let stock = self.stock.availability(&order).await;
                    (Some(order.lines), stock)
                }
                _ => (None, String::new()),
            };
        let transaction = self.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        self.refuse_if_claimed_by_another(&*transaction, &order, actor)
            .await?;
        if order.state == OrderState::Submitted && checked_lines.as_ref() != Some(&order.lines) {
            return Err(OrderError::Conflict(
                "the order changed while it was being checked; confirm it again".to_owned(),
            ));
        }
        let skus: BTreeSet<String> = order.lines.iter().map(|line| line.sku.clone()).collect();
        let list_prices = prices::for_skus(&*transaction, order.currency, skus).await?;
        let now = self.now();
        match order.review(actor, &list_prices, accept_price_deviation)? {
            Review::NeedsSupervisor { deviations } => {
                if order.flag_price_deviations(&deviations, now) {
                    let change = Change::new("flagged", None).detail(describe(&order, &deviations));
                    self.record(&*transaction, &order, actor, change).await?;
                    transaction.commit().await?;
                    self.committed();
                }
                Err(OrderError::precondition(
                    "PRICE_MISMATCH",
                    format!("orders/{order_id}"),
                    format!(
                        "{}; a sales_supervisor must confirm with accept_price_deviation",
                        describe(&order, &deviations)
                    ),
                ))
            }
            Review::Passed {
                accepted_deviations,
            } => {
                let from = order.confirm(&accepted_deviations, now)?;
                let mut details = vec![stock];
                if !accepted_deviations.is_empty() {
                    details.push(format!(
                        "accepted by a sales supervisor: {}",
                        describe(&order, &accepted_deviations)
                    ));
                }
                // ORD-11: what the buyer and the seller wrote is part of the
                // review; a fake or brushing order is held for a person.
                for (label, text) in [
                    ("buyer message", &order.buyer_message),
                    ("seller note", &order.seller_note),
                ] {
                    if !text.trim().is_empty() {
                        details.push(format!("{label}: {}", text.trim()));
                    }
                }
                if let Some(why) = order.fake_order_suspicion(fake_order_reason) {
                    order.hold_as_suspected_fake(now);
                    details.push(format!(
                        "held as a suspected fake order (ORD-11): {why}; it is not released until a sales supervisor decides"
                    ));
                }
                details.retain(|detail| !detail.is_empty());
                let change = Change::new("confirmed", Some(from)).detail(details.join("; "));
                self.record(&*transaction, &order, actor, change).await?;
                claims::clear(&*transaction, &order.id).await?;
                sagas::start(
                    &*transaction,
                    &Saga {
                        order_id: order.id.clone(),
                        step: SagaStep::Started,
                        approval_chain: None,
                        approval_round: 0,
                        started_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                if self
                    .commit(transaction, key.as_ref(), order_id)
                    .await?
                    .is_some()
                {
                    return self.order(order_id).await;
                }
                tracing::info!(order.number = %order.number, "order confirmed");
                Ok(order)
            }
        }
    }

    pub async fn reject_order(
        &self,
        actor: &Actor,
        order_id: &str,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let order = self.order(order_id).await?;
        self.refuse_if_claimed_by_another(self.database.connection(), &order, actor)
            .await?;
        self.change_order(key, order_id, actor, |order, now| {
            let from = order.reject(reason, now)?;
            Ok(Change::new("rejected", Some(from)).because(reason))
        })
        .await
    }

    /// ORD-6: before shipment only. The event says whether money was paid,
    /// so that finance raises the refund and inventory releases stock.
    pub async fn cancel_order(
        &self,
        actor: &Actor,
        order_id: &str,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        self.change_order(key, order_id, actor, |order, now| {
            let from = order.cancel(reason, now)?;
            let detail = if order.amount_paid > 0 {
                format!(
                    "{} was paid: a refund is due",
                    order.money(order.amount_paid)
                )
            } else {
                "nothing was paid".to_owned()
            };
            Ok(Change::new("cancelled", Some(from))
                .because(reason)
                .detail(detail))
        })
        .await
    }

    /// ORD-15: copies a closed or finished order into a new draft.
    pub async fn copy_order(
        &self,
        actor: &Actor,
        order_id: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.order(&existing).await;
        }
        let source = self.order(order_id).await?;
        let number = self.next_number("order", "").await?;
        let now = self.now();
        let copy = source.copy_as_new(uuid::Uuid::now_v7().to_string(), number, actor, now)?;
        let transaction = self.database.begin_write().await?;
        orders::insert(&*transaction, &copy).await?;
        let change =
            Change::new("created", None).detail(format!("copied from order {}", source.number));
        self.note(&*transaction, &copy, actor, &change, now).await?;
        let entry = TimelineEntry::note(
            now,
            &actor.id,
            "copied",
            format!("copied into order {}", copy.number),
        );
        timeline::append(&*transaction, &source.id, &entry).await?;
        if let Some(winner) = self.commit(transaction, key.as_ref(), &copy.id).await? {
            return self.order(&winner).await;
        }
        Ok(copy)
    }

    /// ORD-10: a submitted order another reviewer holds is theirs to review.
    /// Reviewing it ends the claim (the caller's or an expired one), in the
    /// review's transaction.
    async fn ensure_not_claimed_by_another<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
    ) -> Result<(), OrderError> {
        self.refuse_if_claimed_by_another(connection, order, actor)
            .await?;
        claims::clear(connection, &order.id).await
    }

    /// ORD-10: the check alone, for a use case that writes in its own
    /// transaction later (a claim left on a reviewed order is ignored and
    /// expires).
    async fn refuse_if_claimed_by_another<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
    ) -> Result<(), OrderError> {
        if order.state != OrderState::Submitted {
            return Ok(());
        }
        if let Some(claim) = claims::holder(connection, &order.id, self.now()).await?
            && claim.claimed_by != actor.id
        {
            return Err(OrderError::precondition(
                "CLAIMED",
                format!("orders/{}", order.id),
                format!(
                    "order {} is claimed by {} until {}",
                    order.number,
                    claim.claimed_by,
                    claim.expires_at.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }

    /// ORD-10: claims up to `count` (the configured batch when `None`)
    /// submitted orders nobody holds, oldest first, for `actor` until the
    /// claim expires; returns every order `actor` holds now, with the time
    /// their claims end.
    pub async fn claim_orders(
        &self,
        actor: &Actor,
        count: Option<u32>,
    ) -> Result<Vec<(Order, DateTime<Utc>)>, OrderError> {
        let wanted = u64::from(count.unwrap_or(self.settings.claim_batch_size));
        let now = self.now();
        let expires_at = now + self.settings.claim_ttl;
        let transaction = self.database.begin_write().await?;
        claims::expire(&*transaction, now).await?;
        transaction.commit().await?;
        let connection = self.database.connection();
        let mut taken = 0;
        // Another reviewer may take some of these first: look again until
        // enough are taken or none are left.
        while taken < wanted {
            let candidates = claims::unclaimed(connection, wanted - taken).await?;
            if candidates.is_empty() {
                break;
            }
            for order_id in candidates {
                let transaction = self.database.begin_write().await?;
                if claims::take(&*transaction, &order_id, &actor.id, now, expires_at).await? {
                    taken += 1;
                }
                transaction.commit().await?;
            }
        }
        let mut held = Vec::new();
        for claim in claims::held_by(connection, &actor.id, now).await? {
            let order = self.order(&claim.order_id).await?;
            if order.state == OrderState::Submitted {
                held.push((order, claim.expires_at));
            }
        }
        Ok(held)
    }

    /// ORD-10: orders from a shop channel, de-duplicated by (channel,
    /// external id): a new one is created and submitted for review; one
    /// imported before is returned as it is now. Every item is validated
    /// first (fields named `orders[i].order.…`), so bad input creates none.
    pub async fn import_channel_orders(
        &self,
        actor: &Actor,
        channel: &str,
        items: &[(String, OrderInput)],
    ) -> Result<Vec<(Order, bool)>, OrderError> {
        let mut violations = Vec::new();
        for (index, (_, input)) in items.iter().enumerate() {
            let prefix = format!("orders[{index}].order.");
            let checked = match NewOrder::parse(input, actor, self.today(), "") {
                Ok(new) => self
                    .referenced(self.database.connection(), &new)
                    .await
                    .map(|_| ()),
                Err(error) => Err(error),
            };
            match checked {
                Ok(()) => {}
                Err(OrderError::InvalidInput(found)) => {
                    violations.extend(found.into_iter().map(|violation| {
                        orderflow_platform::FieldViolation::new(
                            format!("{prefix}{}", violation.field),
                            violation.description,
                        )
                    }));
                }
                Err(other) => return Err(other),
            }
        }
        if !violations.is_empty() {
            return Err(OrderError::InvalidInput(violations));
        }
        let mut imported = Vec::with_capacity(items.len());
        for (external_id, input) in items {
            // The shop's order number is the request id: whoever imports it.
            let key = RequestKey::derived(
                creation::OPERATION,
                &format!("channel:{channel}:{external_id}"),
            );
            let duplicate = self.replayed(Some(&key)).await?.is_some();
            let mut order = self.create_order(actor, input, Some(key)).await?;
            if order.state == OrderState::Draft {
                let submit = RequestKey::derived("SubmitOrder", "channel-import");
                order = self.submit_order(actor, &order.id, Some(submit)).await?;
            }
            if !duplicate {
                tracing::info!(order.number = %order.number, %channel, %external_id, "channel order imported");
            }
            imported.push((order, duplicate));
        }
        Ok(imported)
    }

    /// ORD-10: gives back `actor`'s claims on `order_ids` (all when empty).
    pub async fn release_claims(
        &self,
        actor: &Actor,
        order_ids: &[String],
    ) -> Result<u64, OrderError> {
        let transaction = self.database.begin_write().await?;
        let released = claims::release(&*transaction, &actor.id, order_ids).await?;
        transaction.commit().await?;
        Ok(released)
    }

    /// FIN-5: AWAITING_PAYMENT → RELEASED in `connection`'s transaction; the
    /// saga goes on to reserve the stock.
    pub async fn release_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &mut Order,
        actor: &Actor,
        change: impl FnOnce(OrderState) -> Change,
    ) -> Result<(), OrderError> {
        let now = self.now();
        let from = order.release(now)?;
        self.record(connection, order, actor, change(from)).await?;
        if let Some(mut saga) = sagas::load_for_update(connection, &order.id).await? {
            saga.step = SagaStep::Released;
            saga.updated_at = now;
            sagas::save(connection, &saga).await?;
        }
        tracing::info!(order.number = %order.number, "order released");
        Ok(())
    }

    /// ORD-11: a sales supervisor decides on an order held as a suspected
    /// fake: genuine — the hold ends, and the order is released at once if
    /// its payment gate opened meanwhile; fake — the order is cancelled.
    pub async fn decide_held_order(
        &self,
        actor: &Actor,
        order_id: &str,
        genuine: bool,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        let key = key.map(|key| key.within(order_id));
        let transaction = self.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(order);
        }
        let now = self.now();
        if genuine {
            if order.clear_hold(reason, now)? {
                self.release_in(&*transaction, &mut order, actor, |from| {
                    Change::new("released", Some(from))
                        .because(reason)
                        .detail("judged genuine by a sales supervisor after its release gate had opened (ORD-11)".to_owned())
                })
                .await?;
            } else {
                let change = Change::new("hold_cleared", None)
                    .because(reason)
                    .detail("judged genuine by a sales supervisor (ORD-11); released when its payment gate opens".to_owned());
                self.record(&*transaction, &order, actor, change).await?;
            }
        } else {
            if !order.is_held() {
                return Err(OrderError::precondition(
                    "NOT_HELD",
                    format!("orders/{order_id}"),
                    format!(
                        "order {} is not held as a suspected fake order",
                        order.number
                    ),
                ));
            }
            let from = order.cancel(reason, now)?;
            let change = Change::new("cancelled", Some(from))
                .because(reason)
                .detail("judged a fake order by a sales supervisor (ORD-11)".to_owned());
            self.record(&*transaction, &order, actor, change).await?;
        }
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.order(order_id).await;
        }
        Ok(order)
    }

    /// ORD-9: merges orders not yet reviewed that go to the identical
    /// recipient into a new order; the sources are closed, pointing at it.
    /// The sources are locked in id order, so concurrent merges of
    /// overlapping sets cannot deadlock; one of them finds the other's
    /// sources closed.
    pub async fn merge_orders(
        &self,
        actor: &Actor,
        order_ids: &[String],
        key: Option<RequestKey>,
    ) -> Result<Order, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.order(&existing).await;
        }
        let number = self.next_number("order", "").await?;
        let transaction = self.database.begin_write().await?;
        let mut locking: Vec<&String> = order_ids.iter().collect();
        locking.sort();
        let mut locked = std::collections::HashMap::new();
        for id in locking {
            let order = orders::load_for_update(&*transaction, id).await?;
            order.ensure_editable_by(actor)?;
            self.ensure_not_claimed_by_another(&*transaction, &order, actor)
                .await?;
            locked.insert(id.clone(), order);
        }
        let mut sources: Vec<Order> = order_ids
            .iter()
            .filter_map(|id| locked.remove(id))
            .collect();
        let now = self.now();
        let merged = Order::merge(
            &sources,
            uuid::Uuid::now_v7().to_string(),
            number,
            actor,
            now,
        )?;
        let source_numbers = sources
            .iter()
            .map(|order| order.number.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        orders::insert(&*transaction, &merged).await?;
        let change = Change::new("merged", None).detail(format!(
            "merged from orders {source_numbers} (ORD-9); the carrier is chosen for this order's address (LOG-1)"
        ));
        self.note(&*transaction, &merged, actor, &change, now)
            .await?;
        for source in &mut sources {
            let from = source.close_as_merged(&merged, now)?;
            let change = Change::new("closed", Some(from))
                .because(&format!("merged into order {}", merged.number));
            self.record(&*transaction, source, actor, change).await?;
        }
        if let Some(winner) = self.commit(transaction, key.as_ref(), &merged.id).await? {
            return self.order(&winner).await;
        }
        Ok(merged)
    }

    /// SLA-1: marks submitted orders not confirmed in time, once each.
    pub async fn sweep_overdue_confirmations(&self) -> Result<usize, OrderError> {
        let now = self.now();
        let due = orders::due_for_confirmation(self.database.connection(), now, 200).await?;
        let mut marked = 0;
        for order_id in due {
            let transaction = self.database.begin_write().await?;
            let mut order = orders::load_for_update(&*transaction, &order_id).await?;
            if !order.mark_confirmation_overdue(now) {
                continue;
            }
            let due_at = order
                .confirmation_due_at
                .map(|due| due.to_rfc3339())
                .unwrap_or_default();
            let change = Change::new("confirmation_overdue", None)
                .detail(format!("SLA-1 missed: confirmation was due by {due_at}"));
            self.record(&*transaction, &order, &Actor::saga(), change)
                .await?;
            transaction.commit().await?;
            marked += 1;
            orderflow_platform::metrics::sla_breached("orders", "SLA-1");
            tracing::warn!(order.number = %order.number, "order confirmation overdue (SLA-1)");
        }
        if marked > 0 {
            self.committed();
        }
        Ok(marked)
    }

    // --------------------------------------------------------- quotations

    pub async fn create_quotation(
        &self,
        actor: &Actor,
        customer_id: &str,
        inquiry: Inquiry,
        terms: QuotationTerms,
        salesperson: &str,
        key: Option<RequestKey>,
    ) -> Result<Quotation, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.quotation(&existing).await;
        }
        let number = self.next_number("quotation", "PI").await?;
        let now = self.now();
        let quotation = Quotation {
            id: uuid::Uuid::now_v7().to_string(),
            number,
            customer_id: customer_id.to_owned(),
            salesperson: if salesperson.trim().is_empty() {
                actor.id.clone()
            } else {
                salesperson.trim().to_owned()
            },
            state: QuotationState::Open,
            inquiry,
            versions: vec![QuotationVersion {
                version: 1,
                terms,
                change_note: "first quotation".to_owned(),
                created_at: now,
                created_by: actor.id.clone(),
            }],
            order_id: None,
            customer_po_number: String::new(),
            created_at: now,
        };
        let transaction = self.database.begin_write().await?;
        if customers::find(&*transaction, customer_id).await?.is_none() {
            return Err(OrderError::invalid("customer_id", "no such customer"));
        }
        quotations::insert(&*transaction, &quotation).await?;
        self.enqueue(
            &*transaction,
            events::quotation_event(&quotation, "created", &actor.id, now),
        )
        .await?;
        if let Some(winner) = self
            .commit(transaction, key.as_ref(), &quotation.id)
            .await?
        {
            return self.quotation(&winner).await;
        }
        Ok(quotation)
    }

    pub async fn quotation(&self, id: &str) -> Result<Quotation, OrderError> {
        quotations::find(self.database.connection(), id)
            .await?
            .ok_or_else(|| OrderError::not_found("quotation", id))
    }

    pub async fn list_quotations(
        &self,
        customer_id: Option<&str>,
        state: Option<QuotationState>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Quotation>, OrderError> {
        quotations::list(self.database.connection(), customer_id, state, after, limit).await
    }

    pub async fn revise_quotation(
        &self,
        actor: &Actor,
        quotation_id: &str,
        terms: QuotationTerms,
        change_note: &str,
        base_version: i32,
        key: Option<RequestKey>,
    ) -> Result<Quotation, OrderError> {
        let key = key.map(|key| key.within(quotation_id));
        let transaction = self.database.begin_write().await?;
        let mut quotation = quotations::load_for_update(&*transaction, quotation_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(quotation);
        }
        let now = self.now();
        let version = quotation
            .revise(terms, change_note, base_version, actor, now)?
            .clone();
        quotations::insert_version(&*transaction, quotation_id, &version).await?;
        self.enqueue(
            &*transaction,
            events::quotation_event(&quotation, "revised", &actor.id, now),
        )
        .await?;
        if self
            .commit(transaction, key.as_ref(), quotation_id)
            .await?
            .is_some()
        {
            return self.quotation(quotation_id).await;
        }
        Ok(quotation)
    }

    /// ORD-13: the customer's PO turns the current version into a sales order.
    pub async fn accept_quotation(
        &self,
        actor: &Actor,
        quotation_id: &str,
        acceptance: Acceptance,
        key: Option<RequestKey>,
    ) -> Result<(Quotation, Order), OrderError> {
        let Acceptance {
            version,
            customer_po_number,
            order_kind,
            ship_to,
        } = acceptance;
        let key = key.map(|key| key.within(quotation_id));
        let today = self.today();
        let number = self.next_number("order", "").await?;
        let transaction = self.database.begin_write().await?;
        let mut quotation = quotations::load_for_update(&*transaction, quotation_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            let order_id = quotation.order_id.clone().unwrap_or_default();
            let order = orders::load(&*transaction, &order_id).await?;
            return Ok((quotation, order));
        }
        let mut input = quotation.accept(version, &customer_po_number, order_kind, today)?;
        input.ship_to = ship_to;
        let new = NewOrder::parse(&input, actor, today, "")?;
        let customer = self.referenced(&*transaction, &new).await?;
        let now = self.now();
        let mut order = Order::create(
            new,
            uuid::Uuid::now_v7().to_string(),
            number,
            &customer.address,
            actor,
            now,
        );
        order.quotation_id = Some(quotation.id.clone());
        quotation.order_id = Some(order.id.clone());
        orders::insert(&*transaction, &order).await?;
        let change = Change::new("created", None).detail(format!(
            "from quotation {} version {version}, customer PO {}",
            quotation.number, quotation.customer_po_number
        ));
        self.note(&*transaction, &order, actor, &change, now)
            .await?;
        quotations::update_header(&*transaction, &quotation).await?;
        self.enqueue(
            &*transaction,
            events::quotation_event(&quotation, "accepted", &actor.id, now),
        )
        .await?;
        if self
            .commit(transaction, key.as_ref(), quotation_id)
            .await?
            .is_some()
        {
            let quotation = self.quotation(quotation_id).await?;
            let order = self
                .order(&quotation.order_id.clone().unwrap_or_default())
                .await?;
            return Ok((quotation, order));
        }
        Ok((quotation, order))
    }

    pub fn currency_of(code: &str) -> Result<Currency, OrderError> {
        Currency::parse(code)
            .map_err(|problem| OrderError::invalid("unit_price.currency_code", problem))
    }
}

/// Whether a request id was already used (checked under the row lock, so a
/// concurrent duplicate sees the first call's commit).
async fn already_done<C: ConnectionTrait>(
    connection: &C,
    key: Option<&RequestKey>,
) -> Result<bool, OrderError> {
    match key {
        Some(key) => Ok(idempotency::find(connection, key).await?.is_some()),
        None => Ok(false),
    }
}

fn describe(order: &Order, deviations: &[PriceDeviation]) -> String {
    let parts: Vec<String> = deviations
        .iter()
        .map(|deviation| {
            format!(
                "line {} at {} against list price {}",
                deviation.line_no,
                order.money(deviation.unit_price),
                order.money(deviation.list_price)
            )
        })
        .collect();
    format!("price differs from the price list: {}", parts.join("; "))
}
