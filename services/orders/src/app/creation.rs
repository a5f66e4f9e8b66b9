//! Order creation, batched.
//!
//! Concurrent `CreateOrder` calls are written together: a few workers take
//! whatever requests are waiting (up to a configured size) and write them in one
//! transaction with one multi-row insert per table — orders, timeline,
//! outbox, request ids — instead of one transaction and eight round trips
//! per order. Under load this cuts the database work per order several
//! times; an idle service writes batches of one, with no added wait.
//!
//! Each order keeps its own outcome: a request id seen before answers with
//! the first order, a missing customer is that request's error. When the
//! batch as a whole fails (a concurrent replica took one of its request ids,
//! or the database refused a row), every request is retried on its own, so
//! one bad request never fails the others. A request id repeated inside one
//! batch is written once, then answered from the first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use orderflow_platform::base::AppBase;
use orderflow_platform::bus::outbox::{self};
use orderflow_platform::db::idempotency::{self, RequestKey};
use sea_orm::ConnectionTrait;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::domain::customer::Customer;
use crate::domain::order::{NewOrder, Order, Replaced, check_replaced};
use crate::domain::{Actor, OrderError};
use crate::events;
use crate::store::timeline::TimelineEntry;
use crate::store::{customers, orders, timeline};
use orderflow_platform::validation::Violations;

pub const OPERATION: &str = "CreateOrder";

/// A validated order waiting to be written.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub new: NewOrder,
    pub id: String,
    pub number: String,
    pub actor: Actor,
    pub key: Option<RequestKey>,
    /// The caller's trace context, for the order's event.
    pub trace_context: HashMap<String, String>,
}

struct Pending {
    request: CreateRequest,
    reply: oneshot::Sender<Result<Order, OrderError>>,
}

/// What the workers write with.
#[derive(Debug, Clone)]
struct Writer {
    base: AppBase,
}

/// The handle the use case submits to.
#[derive(Debug, Clone)]
pub struct OrderCreator {
    sender: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Pending")
            .field("number", &self.request.number)
            .finish()
    }
}

impl OrderCreator {
    /// Starts `workers` writers taking up to `max_batch` orders each; they
    /// stop when the last handle is dropped.
    pub fn start(base: AppBase, workers: usize, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let (sender, receiver) = mpsc::channel::<Pending>(max_batch * 16);
        let receiver = Arc::new(Mutex::new(receiver));
        let writer = Writer { base };
        for _ in 0..workers.max(1) {
            let receiver = receiver.clone();
            let writer = writer.clone();
            tokio::spawn(async move {
                loop {
                    let batch = {
                        let mut receiver = receiver.lock().await;
                        let Some(first) = receiver.recv().await else {
                            return;
                        };
                        let mut batch = vec![first];
                        while batch.len() < max_batch {
                            match receiver.try_recv() {
                                Ok(pending) => batch.push(pending),
                                Err(_) => break,
                            }
                        }
                        batch
                    };
                    writer.write(batch).await;
                }
            });
        }
        Self { sender }
    }

    pub async fn create(&self, request: CreateRequest) -> Result<Order, OrderError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Pending { request, reply })
            .await
            .map_err(|_| OrderError::Internal(anyhow::anyhow!("the order writers have stopped")))?;
        answer.await.map_err(|_| {
            OrderError::Internal(anyhow::anyhow!("an order writer stopped mid-batch"))
        })?
    }
}

/// How one request of a batch ends.
enum Outcome {
    /// Its request id created this order before.
    Replay(String),
    Refused(OrderError),
    Created(Box<Order>),
}

impl Writer {
    /// Now, to the microsecond (what the databases keep).
    fn now(&self) -> DateTime<Utc> {
        self.base.clock.stored_now()
    }

    async fn write(&self, batch: Vec<Pending>) {
        let mut seen = HashSet::new();
        let (first, repeated): (Vec<Pending>, Vec<Pending>) =
            batch.into_iter().partition(|pending| {
                pending
                    .request
                    .key
                    .as_ref()
                    .is_none_or(|key| seen.insert(key.clone()))
            });
        let requests: Vec<&CreateRequest> = first.iter().map(|pending| &pending.request).collect();
        let started = std::time::Instant::now();
        match self.write_batch(&requests).await {
            Ok(results) => {
                tracing::debug!(
                    size = requests.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "order batch written"
                );
                for (pending, result) in first.into_iter().zip(results) {
                    let _ = pending.reply.send(result);
                }
            }
            Err(error) => {
                tracing::debug!(%error, size = first.len(), "batch refused; writing its orders one by one");
                for pending in first {
                    let result = self.write_one(&pending.request).await;
                    let _ = pending.reply.send(result);
                }
            }
        }
        for pending in repeated {
            let result = self.write_one(&pending.request).await;
            let _ = pending.reply.send(result);
        }
    }

    async fn write_batch(
        &self,
        requests: &[&CreateRequest],
    ) -> Result<Vec<Result<Order, OrderError>>, OrderError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let keys: Vec<RequestKey> = requests.iter().filter_map(|r| r.key.clone()).collect();
        let replays = idempotency::find_many(&*transaction, &keys).await?;
        let customers = customers::find_many(
            &*transaction,
            requests.iter().map(|r| r.new.customer_id.clone()),
        )
        .await?;
        let replaced = orders::replaced(
            &*transaction,
            requests
                .iter()
                .filter_map(|r| r.new.replaces_order_id.clone()),
        )
        .await?;

        let outcomes: Vec<Outcome> = requests
            .iter()
            .map(|request| {
                if let Some(existing) = request.key.as_ref().and_then(|key| replays.get(key)) {
                    return Outcome::Replay(existing.clone());
                }
                let mut violations = Violations::new();
                // S10: a store's order names its own customers only.
                let customer = customers
                    .get(&request.new.customer_id)
                    .filter(|customer| customer.open_to(&request.new.store_code));
                if customer.is_none() {
                    violations.add("customer_id", "no such customer");
                }
                let shipped = check_replaced(
                    &request.new,
                    request
                        .new
                        .replaces_order_id
                        .as_ref()
                        .and_then(|id| replaced.get(id)),
                    &mut violations,
                );
                match (customer, shipped) {
                    (Some(customer), Ok(())) if violations.is_empty() => {
                        Outcome::Created(Box::new(build(request, &customer.address, now)))
                    }
                    (_, Err(unmet)) if violations.is_empty() => Outcome::Refused(unmet),
                    _ => Outcome::Refused(OrderError::InvalidInput(violations.into_vec())),
                }
            })
            .collect();

        let created: Vec<(&CreateRequest, &Order)> = requests
            .iter()
            .zip(&outcomes)
            .filter_map(|(request, outcome)| match outcome {
                Outcome::Created(order) => Some((*request, order.as_ref())),
                _ => None,
            })
            .collect();
        let new_orders: Vec<Order> = created.iter().map(|(_, order)| (*order).clone()).collect();
        orders::insert_many(&*transaction, &new_orders).await?;
        let entries: Vec<(&str, TimelineEntry)> = created
            .iter()
            .map(|(request, order)| (order.id.as_str(), created_entry(request, now)))
            .collect();
        timeline::append_many(&*transaction, &entries).await?;
        let created_events = created
            .iter()
            .map(|(request, order)| {
                events::order_event(order, "created", &request.actor.subject, "", None, now)
                    .caused_by(request.trace_context.clone())
            })
            .collect();
        outbox::enqueue_many(&*transaction, created_events, now).await?;
        let keys: Vec<(RequestKey, String)> = created
            .iter()
            .filter_map(|(request, order)| request.key.clone().map(|key| (key, order.id.clone())))
            .collect();
        let recorded = idempotency::record_many(&*transaction, &keys, now).await?;
        if recorded != keys.len() as u64 {
            return Err(OrderError::Conflict(
                "a request id was used concurrently".to_owned(),
            ));
        }
        transaction.commit().await?;
        if !created.is_empty() {
            self.base.outbox.notify();
        }

        let mut results = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            results.push(match outcome {
                Outcome::Created(order) => Ok(*order),
                Outcome::Refused(error) => Err(error),
                Outcome::Replay(order_id) => {
                    orders::load(self.base.database.connection(), &order_id).await
                }
            });
        }
        Ok(results)
    }

    /// One order in a transaction of its own: the path for what a batch could
    /// not take.
    async fn write_one(&self, request: &CreateRequest) -> Result<Order, OrderError> {
        if let Some(key) = &request.key
            && let Some(existing) = idempotency::find(self.base.database.connection(), key).await?
        {
            return orders::load(self.base.database.connection(), &existing).await;
        }
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let customer = referenced(&*transaction, &request.new).await?;
        let order = build(request, &customer.address, now);
        orders::insert(&*transaction, &order).await?;
        timeline::append(&*transaction, &order.id, &created_entry(request, now)).await?;
        let event = events::order_event(&order, "created", &request.actor.subject, "", None, now)
            .caused_by(request.trace_context.clone());
        outbox::enqueue(&*transaction, event, now).await?;
        if let Some(winner) =
            idempotency::record(&*transaction, request.key.as_ref(), &order.id, now).await?
        {
            drop(transaction);
            return orders::load(self.base.database.connection(), &winner).await;
        }
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(order)
    }
}

fn build(
    request: &CreateRequest,
    customer_address: &crate::domain::customer::Address,
    now: DateTime<Utc>,
) -> Order {
    Order::create(
        request.new.clone(),
        request.id.clone(),
        request.number.clone(),
        customer_address,
        &request.actor,
        now,
    )
}

fn created_entry(request: &CreateRequest, now: DateTime<Utc>) -> TimelineEntry {
    let mut entry = TimelineEntry::note(now, &request.actor.subject, "created", String::new());
    entry.trace_id =
        orderflow_platform::telemetry::trace_id_in(&request.trace_context).unwrap_or_default();
    entry
}

/// What a new order names must be there for it: its customer (S10: of the
/// order's store, if any), and the order it replaces — the same customer's
/// and, for a reship or a return, shipped (ORD-1, ORD-14). Every field at
/// fault is reported; the shipment only once the fields are in order.
pub(super) async fn referenced<C: ConnectionTrait>(
    connection: &C,
    new: &NewOrder,
) -> Result<Customer, OrderError> {
    let mut violations = Violations::new();
    let customer = customers::find(connection, &new.customer_id)
        .await?
        .filter(|customer| customer.open_to(&new.store_code));
    if customer.is_none() {
        violations.add("customer_id", "no such customer");
    }
    let replaced = match &new.replaces_order_id {
        Some(id) => orders::find(connection, id)
            .await?
            .map(|order| Replaced::of(&order)),
        None => None,
    };
    let shipped = check_replaced(new, replaced.as_ref(), &mut violations);
    match customer {
        Some(customer) if violations.is_empty() => shipped.map(|()| customer),
        _ => Err(OrderError::InvalidInput(violations.into_vec())),
    }
}
