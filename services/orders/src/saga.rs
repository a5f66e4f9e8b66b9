//! The order-fulfilment saga, orchestrated here (architecture.md §4), and the
//! SLA sweeper.
//!
//! Confirmation starts a saga row in the same transaction as the order's
//! change. The saga reacts to `orders.order.confirmed` through the durable
//! consumer `orders-saga`, inside the inbox transaction:
//! - a kind without an approval chain passes PENDING_APPROVAL at once
//!   (AWAITING_PAYMENT, event `approval_not_required`); the history shows both
//!   steps;
//! - a kind with a chain waits in PENDING_APPROVAL (event `approval_requested`
//!   naming the chain) for the approvals service.
//!
//! Every step checks the saga's persisted step first, so a redelivered or
//! replayed event changes nothing.

use std::time::Duration;

use async_trait::async_trait;
use orderflow_platform::bus::consumer::{ConsumerSpec, EventHandler, HandlerError, IncomingEvent};
use orderflow_platform::config::ConsumerSettings;
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::orders::v1 as pb;
use sea_orm::DatabaseTransaction;

use crate::app::{Change, Orders};
use crate::domain::order::OrderState;
use crate::domain::{Actor, OrderError};
use crate::events;
use crate::store::orders;
use crate::store::sagas::{self, SagaStep};

pub const SAGA_CONSUMER: &str = "orders-saga";

pub fn consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: SAGA_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config(crate::config::SERVICE, replicas),
        filter_subject: Some(events::CONFIRMED.to_owned()),
        settings,
    }
}

pub struct FulfilmentSaga {
    orders: Orders,
}

impl FulfilmentSaga {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }

    async fn on_confirmed(
        &self,
        transaction: &DatabaseTransaction,
        order_id: &str,
    ) -> Result<(), OrderError> {
        let Some(mut saga) = sagas::load_for_update(transaction, order_id).await? else {
            return Err(OrderError::Internal(anyhow::anyhow!(
                "order {order_id} was confirmed without a saga"
            )));
        };
        if saga.step != SagaStep::Started {
            tracing::debug!(order.id = %order_id, step = saga.step.as_str(), "saga already past this step");
            return Ok(());
        }
        let mut order = orders::load_for_update(transaction, order_id).await?;
        let now = self.orders.now();
        saga.updated_at = now;
        if order.state != OrderState::PendingApproval {
            // Cancelled (or otherwise moved on) before the saga acted.
            saga.step = SagaStep::Ended;
            sagas::save(transaction, &saga).await?;
            return Ok(());
        }
        let actor = Actor::saga();
        match order.kind.approval_chain() {
            None => {
                let from = order.pass_approval(now)?;
                let change = Change::new("approval_not_required", Some(from))
                    .detail(format!("{} orders have no approval chain", order.kind));
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await?;
                saga.step = SagaStep::AwaitingPayment;
            }
            Some(chain) => {
                order.updated_at = now;
                let change = Change::new("approval_requested", None)
                    .detail(format!("waiting for the {chain} approval chain"));
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await?;
                saga.step = SagaStep::AwaitingApproval;
                saga.approval_chain = Some(chain.to_owned());
            }
        }
        sagas::save(transaction, &saga).await?;
        tracing::info!(order.number = %order.number, step = saga.step.as_str(), "fulfilment saga advanced");
        Ok(())
    }
}

#[async_trait]
impl EventHandler for FulfilmentSaga {
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
        tracing::Span::current().record("order.number", order.number.as_str());
        match self.on_confirmed(transaction, &order.id).await {
            Ok(()) => Ok(()),
            Err(OrderError::NotFound { .. }) => Err(HandlerError::Permanent(format!(
                "order {} does not exist here",
                order.id
            ))),
            Err(error) => Err(HandlerError::Transient(anyhow::Error::new(error))),
        }
    }
}

/// Marks overdue confirmations (SLA-1) every `interval` until shutdown.
pub async fn run_sla_sweeper(orders: Orders, interval: Duration, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        if let Err(error) = orders.sweep_overdue_confirmations().await {
            tracing::warn!(%error, "SLA sweep failed");
        }
    }
}
