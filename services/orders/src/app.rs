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
use orderflow_platform::base::AppBase;
use orderflow_platform::bus::outbox::{self};
use orderflow_platform::db::idempotency::{self, RequestKey};
use orderflow_platform::db::{Database, WriteTransaction};
use sea_orm::ConnectionTrait;

use crate::domain::customer::{Customer, NewCustomer};
use crate::domain::order::{
    NewOrder, Order, OrderInput, OrderKind, OrderState, PriceDeviation, Review,
};
use crate::domain::quotation::{
    Inquiry, Quotation, QuotationState, QuotationTerms, QuotationVersion,
};
use crate::domain::{Actor, OrderActor, OrderError, saga_actor};
use crate::events;
use crate::store::numbers::NumberAllocator;
use crate::store::orders::OrderFilter;
use crate::store::prices::ListPrice;
use crate::store::sagas::{Saga, SagaStep};
use crate::store::timeline::TimelineEntry;
use crate::store::{claims, customers, orders, prices, quotations, sagas, timeline};
use orderflow_platform::money::{Currency, Money};

pub mod approval_saga;
mod closing;
mod confirmation_sheet;
mod custom_review;
mod customer_records;
mod lifecycle;
mod merge;
mod notifications;
mod price_list;
mod quoting;
mod release;
pub mod reports;
mod review;
mod review_claims;
mod sla;

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
    base: AppBase,
    numbers: Arc<NumberAllocator>,
    creator: creation::OrderCreator,
    stock: crate::peers::Stock,
    settings: Settings,
}

impl Orders {
    pub fn new(
        base: AppBase,
        numbers: Arc<NumberAllocator>,
        stock: crate::peers::Stock,
        settings: Settings,
    ) -> Self {
        // SQLite takes one writer at a time: one batch in flight there.
        let writers = if base.database.is_postgres() {
            settings.order_writers
        } else {
            1
        };
        let creator =
            creation::OrderCreator::start(base.clone(), writers, settings.order_write_batch);
        Self {
            base,
            numbers,
            creator,
            stock,
            settings,
        }
    }

    pub fn database(&self) -> &Database {
        &self.base.database
    }

    /// Now, to the microsecond: what the databases keep, so that a value
    /// returned at once equals the same value read back later.
    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    /// The business date now (ORD-2).
    pub fn today(&self) -> NaiveDate {
        self.base.today(&self.settings.business_time_zone)
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
                &actor.subject,
                change.action,
                from,
                order.state,
                &change.reason,
            )
            .with_detail(change.detail.clone()),
            None => {
                let mut entry =
                    TimelineEntry::note(now, &actor.subject, change.action, change.detail.clone());
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
            &actor.subject,
            &change.reason,
            change.from,
            now,
        );
        outbox::enqueue(connection, event, now).await?;
        Ok(())
    }

    fn committed(&self) {
        self.base.outbox.notify();
    }

    async fn next_number(&self, scope: &str, prefix: &str) -> Result<String, OrderError> {
        let today = self.today();
        let sequence = self.numbers.next(scope, today).await?;
        orderflow_platform::ids::numbered(prefix, today, sequence)
            .ok_or_else(|| OrderError::Conflict(format!("no {scope} numbers left for {today}")))
    }

    /// The resource a request id already produced, if any.
    async fn replayed(&self, key: Option<&RequestKey>) -> Result<Option<String>, OrderError> {
        match key {
            Some(key) => Ok(idempotency::find(self.base.database.connection(), key).await?),
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
