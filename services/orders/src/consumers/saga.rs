//! The order-fulfilment saga, orchestrated here (architecture.md §4), and the
//! SLA sweeper.
//!
//! Confirmation starts a saga row in the same transaction as the order's
//! change. The saga then reacts to events, each inside its consumer's inbox
//! transaction, checking its persisted step first so that a redelivered or
//! replayed event changes nothing:
//! - `orders.order.confirmed` (consumer `orders-saga`): a kind without an
//!   approval chain passes PENDING_APPROVAL at once (AWAITING_PAYMENT, the
//!   history shows both steps); a kind with a chain gets an approval request
//!   from the approvals service — a new one, or a new round of the same one
//!   when a rejected order was revised and confirmed again (APR-3).
//! - `approvals.>` (consumer `orders-approvals`): the request's decisions go
//!   on the order's timeline; approved → AWAITING_PAYMENT, rejected →
//!   REJECTED with the approver's reason.

use std::collections::BTreeSet;

use approvals::approval_service_client::ApprovalServiceClient;
use async_trait::async_trait;
use orderflow_platform::bus::consumer::{ConsumerSpec, EventHandler, HandlerError, IncomingEvent};
use orderflow_platform::config::ConsumerSettings;
use orderflow_platform::grpc::PeerChannel;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::orders::v1 as pb;
use sea_orm::DatabaseTransaction;

use crate::app::{Change, Orders};
use crate::domain::order::{Order, OrderState};
use crate::domain::{Actor, OrderError};
use crate::events;
use crate::store::orders;
use crate::store::sagas::{self, SagaStep};
use crate::store::timeline::{self, TimelineEntry};
use crate::wire;

pub const SAGA_CONSUMER: &str = "orders-saga";
pub const APPROVALS_CONSUMER: &str = "orders-approvals";
const APPROVALS_SOURCE: &str = "approvals";

pub fn consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: SAGA_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config(crate::config::SERVICE, replicas),
        filter_subject: Some(events::CONFIRMED.to_owned()),
        settings,
    }
}

pub fn approvals_consumer_spec(replicas: usize, settings: ConsumerSettings) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: APPROVALS_CONSUMER.to_owned(),
        stream: orderflow_platform::bus::stream_config("approvals", replicas),
        filter_subject: None,
        settings,
    }
}

pub(crate) fn order_error(error: OrderError) -> HandlerError {
    match error {
        OrderError::NotFound { resource, id } => {
            HandlerError::Permanent(format!("{resource} {id} does not exist here"))
        }
        other => HandlerError::Transient(anyhow::Error::new(other)),
    }
}

/// The flags an approval policy may test (APR-2: prepayment, commission).
fn approval_flags(order: &Order) -> Vec<String> {
    let mut flags = BTreeSet::new();
    if let Some(terms) = order.payment_terms {
        if terms.prepayment_clause {
            flags.insert("prepayment".to_owned());
        }
        if terms.commission_clause {
            flags.insert("commission".to_owned());
        }
        flags.insert(format!("payment_{}", terms.kind));
    }
    flags.insert(format!("kind_{}", order.kind));
    flags.into_iter().collect()
}

pub struct FulfilmentSaga {
    orders: Orders,
    approvals: ApprovalServiceClient<PeerChannel>,
}

impl FulfilmentSaga {
    pub fn new(orders: Orders, approvals: ApprovalServiceClient<PeerChannel>) -> Self {
        Self { orders, approvals }
    }

    async fn on_confirmed(
        &self,
        transaction: &DatabaseTransaction,
        order_id: &str,
    ) -> Result<(), HandlerError> {
        let Some(mut saga) = sagas::load_for_update(transaction, order_id)
            .await
            .map_err(order_error)?
        else {
            return Err(HandlerError::Permanent(format!(
                "order {order_id} was confirmed without a saga"
            )));
        };
        if saga.step != SagaStep::Started {
            tracing::debug!(order.id = %order_id, step = saga.step.as_str(), "saga already past this step");
            return Ok(());
        }
        let mut order = orders::load_for_update(transaction, order_id)
            .await
            .map_err(order_error)?;
        tracing::Span::current().record("order.number", order.number.as_str());
        let now = self.orders.now();
        saga.updated_at = now;
        if order.state != OrderState::PendingApproval {
            // Cancelled (or otherwise moved on) before the saga acted.
            saga.step = SagaStep::Ended;
            sagas::save(transaction, &saga).await.map_err(order_error)?;
            return Ok(());
        }
        let actor = Actor::saga();
        match order.kind.approval_chain() {
            None => {
                let from = order.pass_approval(now).map_err(order_error)?;
                let change = Change::new("approval_not_required", Some(from))
                    .detail(format!("{} orders have no approval chain", order.kind));
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await
                    .map_err(order_error)?;
                saga.step = SagaStep::AwaitingPayment;
            }
            Some(chain) => {
                let request = self.request_approval(&order, chain).await?;
                let roles: Vec<String> = request
                    .steps
                    .iter()
                    .filter(|step| step.round == request.round)
                    .map(|step| step.role.clone())
                    .collect();
                order.approval_request_id = Some(request.id.clone());
                order.updated_at = now;
                let change = Change::new("approval_requested", None).detail(format!(
                    "{chain} approval request {} round {} (policy version {}): {}",
                    request.id,
                    request.round,
                    request.policy_version,
                    roles.join(" → ")
                ));
                self.orders
                    .record(transaction, &order, &actor, change)
                    .await
                    .map_err(order_error)?;
                saga.step = SagaStep::AwaitingApproval;
                saga.approval_chain = Some(chain.to_owned());
                saga.approval_round = request.round;
            }
        }
        sagas::save(transaction, &saga).await.map_err(order_error)?;
        tracing::info!(order.number = %order.number, step = saga.step.as_str(), "fulfilment saga advanced");
        Ok(())
    }

    /// Opens the order's approval request, or a new round of it after a
    /// rejection and revision. Idempotent: a retry returns the same request.
    async fn request_approval(
        &self,
        order: &Order,
        chain: &str,
    ) -> Result<approvals::ApprovalRequest, HandlerError> {
        let mut client = self.approvals.clone();
        let amount = Some(wire::money(order.money(order.total)));
        let flags = approval_flags(order);
        let response = match &order.approval_request_id {
            None => {
                client
                    .create_approval_request(approvals::CreateApprovalRequestRequest {
                        request_id: format!("order:{}", order.id),
                        subject_kind: chain.to_owned(),
                        subject_id: order.id.clone(),
                        subject_ref: order.number.clone(),
                        amount,
                        flags,
                        attachments: Vec::new(),
                        // The salesperson adds the cost estimates on the
                        // review form; the order does not know them.
                        estimated_costs: Vec::new(),
                        requester: order.salesperson.clone(),
                    })
                    .await
            }
            Some(existing) => {
                client
                    .resubmit_approval_request(approvals::ResubmitApprovalRequestRequest {
                        request_id: format!("order:{}:revision:{}", order.id, order.revision),
                        approval_request_id: existing.clone(),
                        change_note: format!(
                            "order {} revised (revision {}) and confirmed again",
                            order.number, order.revision
                        ),
                        update_terms: true,
                        amount,
                        flags,
                        attachments: Vec::new(),
                        estimated_costs: Vec::new(),
                    })
                    .await
            }
        };
        response.map(tonic::Response::into_inner).map_err(|status| {
            HandlerError::from_peer("the approvals service refused the request", &status)
        })
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
        self.on_confirmed(transaction, &order.id).await
    }
}

/// The approvals service's reports about orders.
pub struct ApprovalOutcomes {
    orders: Orders,
}

impl ApprovalOutcomes {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }

    async fn apply(
        &self,
        transaction: &DatabaseTransaction,
        subject: &str,
        event: approvals::ApprovalEvent,
    ) -> Result<(), OrderError> {
        let Some(request) = event.request else {
            return Ok(());
        };
        let is_order_chain = crate::domain::order::OrderKind::ALL
            .iter()
            .any(|kind| kind.approval_chain() == Some(request.subject_kind.as_str()));
        if !is_order_chain {
            return Ok(());
        }
        // Locked first: the saga may still be recording this very request on
        // the order (an approval with no applicable step is decided at once).
        let mut order = match orders::load_for_update(transaction, &request.subject_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => {
                tracing::warn!(approval.id = %request.id, subject = %request.subject_id, "an approval for an order this service does not know");
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        if order.approval_request_id.as_deref() != Some(request.id.as_str()) {
            return Ok(());
        }
        let Some(mut saga) = sagas::load_for_update(transaction, &order.id).await? else {
            return Ok(());
        };
        let now = self.orders.now();
        let actor = Actor::new(event.actor.clone(), &[]);
        let step = event.step.unwrap_or_default();
        let step_text = format!("step {} ({}, {})", step.position, step.name, step.role);
        match subject {
            "approvals.request.approved" | "approvals.request.rejected" => {
                let approved = subject == "approvals.request.approved";
                if request.round < saga.approval_round || order.state != OrderState::PendingApproval
                {
                    tracing::debug!(order.number = %order.number, round = request.round, "a stale approval outcome");
                    return Ok(());
                }
                let change = if approved {
                    let from = order.pass_approval(now)?;
                    saga.step = SagaStep::AwaitingPayment;
                    Change::new("approved", Some(from)).detail(format!(
                        "approval request {} round {} approved",
                        request.id, request.round
                    ))
                } else {
                    let from = order.fail_approval(&event.reason, now)?;
                    saga.step = SagaStep::ApprovalRejected;
                    Change::new("approval_rejected", Some(from))
                        .because(&event.reason)
                        .detail(format!(
                            "{step_text} rejected; revise the order and submit it again"
                        ))
                };
                self.orders
                    .record(
                        transaction,
                        &order,
                        &actor,
                        change.reported_by(APPROVALS_SOURCE),
                    )
                    .await?;
                saga.updated_at = now;
                sagas::save(transaction, &saga).await?;
                tracing::info!(order.number = %order.number, approved, "approval outcome applied");
            }
            "approvals.step.decided" => {
                let decision = if step.state == approvals::StepState::Rejected as i32 {
                    "rejected"
                } else {
                    "approved"
                };
                let mut entry = TimelineEntry::note(
                    now,
                    &event.actor,
                    "approval_step_decided",
                    format!("{step_text} {decision}"),
                );
                entry.reason = event.reason.clone();
                entry.source = APPROVALS_SOURCE.to_owned();
                timeline::append(transaction, &order.id, &entry).await?;
            }
            "approvals.step.overdue" => {
                let mut entry = TimelineEntry::note(
                    now,
                    &event.actor,
                    "approval_step_overdue",
                    format!("{step_text}: {}", event.reason),
                );
                entry.source = APPROVALS_SOURCE.to_owned();
                timeline::append(transaction, &order.id, &entry).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[async_trait]
impl EventHandler for ApprovalOutcomes {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: approvals::ApprovalEvent = event.decode()?;
        if let Some(request) = &message.request {
            tracing::Span::current().record("approval.id", request.id.as_str());
        }
        self.apply(transaction, &event.subject, message)
            .await
            .map_err(order_error)
    }
}
