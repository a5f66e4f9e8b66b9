//! The order-fulfilment saga's consumers (architecture.md §4); the steps
//! themselves are use cases in [`crate::app::approval_saga`].
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
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::grpc::PeerChannel;
use orderflow_platform::ids::OrderId;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::orders::v1 as pb;
use sea_orm::DatabaseTransaction;

use crate::app::Orders;
use crate::app::approval_saga::{
    AfterConfirmation, ApprovalOutcome, ApprovalReport, FiledApproval,
};
use crate::domain::OrderError;
use crate::domain::order::Order;
use crate::events;
use crate::wire;

pub const SAGA_CONSUMER: &str = "orders-saga";
pub const APPROVALS_CONSUMER: &str = "orders-approvals";

pub const SAGA_SUBSCRIPTION: Subscription = Subscription::new(
    SAGA_CONSUMER,
    crate::config::SERVICE,
    Some(events::CONFIRMED),
);

pub const APPROVALS_SUBSCRIPTION: Subscription =
    Subscription::new(APPROVALS_CONSUMER, "approvals", None);

pub(crate) fn order_error(error: OrderError) -> HandlerError {
    match error {
        OrderError::NotFound { resource, id } => {
            HandlerError::Permanent(format!("{resource} {id} does not exist here"))
        }
        other => HandlerError::from(other),
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
        order_id: &OrderId,
    ) -> Result<(), HandlerError> {
        let next = match self.orders.after_confirmation(transaction, order_id).await {
            Ok(next) => next,
            Err(OrderError::NotFound { .. }) => {
                return Err(HandlerError::Permanent(format!(
                    "order {order_id} was confirmed without a saga"
                )));
            }
            Err(error) => return Err(order_error(error)),
        };
        let AfterConfirmation::RequestApproval { order, saga, chain } = next else {
            return Ok(());
        };
        let request = self.request_approval(&order, chain).await?;
        let filed = FiledApproval {
            roles: request
                .steps
                .iter()
                .filter(|step| step.round == request.round)
                .map(|step| step.role.clone())
                .collect(),
            id: request.id,
            round: request.round,
            policy_version: request.policy_version,
        };
        self.orders
            .approval_filed(transaction, *order, *saga, chain, &filed)
            .await
            .map_err(order_error)
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
        // APR-2: the customer's PO, the factory contract and the estimated
        // costs go with the review.
        let attachments = order.review_attachments();
        let estimated_costs: Vec<approvals::CostEstimate> = order
            .export_contract
            .estimated_costs
            .iter()
            .map(|cost| approvals::CostEstimate {
                name: cost.name.clone(),
                amount: Some(wire::money(order.money(cost.amount))),
            })
            .collect();
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
                        attachments,
                        estimated_costs,
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
                        attachments,
                        estimated_costs,
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
        self.on_confirmed(
            transaction,
            &crate::consumers::release::order_id(&order.id)?,
        )
        .await
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
}

#[async_trait]
impl EventHandler for ApprovalOutcomes {
    /// Decisions only: a request's creation or a new round is the saga's own doing.
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        matches!(
            event.subject.as_str(),
            "approvals.request.approved"
                | "approvals.request.rejected"
                | "approvals.step.decided"
                | "approvals.step.overdue"
        )
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: approvals::ApprovalEvent = event.decode()?;
        if let Some(request) = &message.request {
            tracing::Span::current().record("approval.id", request.id.as_str());
        }
        let Some(request) = message.request else {
            return Ok(());
        };
        let step = message.step.unwrap_or_default();
        let outcome = match event.subject.as_str() {
            "approvals.request.approved" => ApprovalOutcome::Approved,
            "approvals.request.rejected" => ApprovalOutcome::Rejected,
            "approvals.step.decided" if step.state == approvals::StepState::Rejected as i32 => {
                ApprovalOutcome::StepRejected
            }
            "approvals.step.decided" => ApprovalOutcome::StepApproved,
            "approvals.step.overdue" => ApprovalOutcome::StepOverdue,
            _ => return Ok(()),
        };
        let report = ApprovalReport {
            step: format!("step {} ({}, {})", step.position, step.name, step.role),
            request_id: request.id,
            subject_kind: request.subject_kind,
            subject_id: request.subject_id,
            round: request.round,
            actor: message.actor,
            reason: message.reason,
            outcome,
        };
        self.orders
            .approval_reported(transaction, &report)
            .await
            .map_err(order_error)
    }
}
