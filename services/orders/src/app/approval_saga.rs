//! The fulfilment saga's approval steps (architecture.md §4, APR-1…3), as
//! use cases the saga's consumers call in their transaction: a confirmed
//! order passes PENDING_APPROVAL at once or waits for its chain's request;
//! the approvals service's outcomes move it on. Each checks the saga's
//! persisted step first, so a redelivered event changes nothing.

use super::*;
use orderflow_platform::ids::OrderId;

/// What a confirmed order needs next from the saga.
#[derive(Debug)]
pub enum AfterConfirmation {
    /// Nothing (already past this step, cancelled meanwhile, or passed at
    /// once because its kind has no approval chain).
    Done,
    /// An approval request of `chain` for the order (a new one, or a new
    /// round of its existing one).
    RequestApproval {
        order: Box<Order>,
        saga: Box<Saga>,
        chain: &'static str,
    },
}

/// The approval request the approvals service filed (or reopened).
#[derive(Debug, Clone)]
pub struct FiledApproval {
    pub id: String,
    pub round: i32,
    pub policy_version: i32,
    /// The roles of the round's steps, in order.
    pub roles: Vec<String>,
}

/// What the approvals service reported about a request.
#[derive(Debug, Clone)]
pub struct ApprovalReport {
    pub request_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub round: i32,
    pub actor: String,
    pub reason: String,
    /// `step N (name, role)`.
    pub step: String,
    pub outcome: ApprovalOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalOutcome {
    Approved,
    Rejected,
    StepApproved,
    StepRejected,
    StepOverdue,
}

const APPROVALS_SOURCE: &str = "approvals";

impl Orders {
    /// The saga's step on `orders.order.confirmed`. `NotFound` for an order
    /// confirmed without a saga (it cannot happen: both are written in one
    /// transaction).
    pub async fn after_confirmation<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
    ) -> Result<AfterConfirmation, OrderError> {
        let Some(mut saga) = sagas::load_for_update(connection, order_id).await? else {
            return Err(OrderError::not_found("saga of order", order_id.as_str()));
        };
        if saga.step != SagaStep::Started {
            tracing::debug!(order.id = %order_id, step = saga.step.as_str(), "saga already past this step");
            return Ok(AfterConfirmation::Done);
        }
        let mut order = orders::load_for_update(connection, order_id).await?;
        tracing::Span::current().record("order.number", order.number.as_str());
        let now = self.now();
        saga.updated_at = now;
        if order.state != OrderState::PendingApproval {
            // Cancelled (or otherwise moved on) before the saga acted.
            saga.step = SagaStep::Ended;
            sagas::save(connection, &saga).await?;
            return Ok(AfterConfirmation::Done);
        }
        let Some(chain) = order.kind.approval_chain() else {
            let from = order.pass_approval(now)?;
            let change = Change::new("approval_not_required", Some(from))
                .detail(format!("{} orders have no approval chain", order.kind));
            self.record(connection, &order, &saga_actor(), change)
                .await?;
            saga.step = SagaStep::AwaitingPayment;
            sagas::save(connection, &saga).await?;
            tracing::info!(order.number = %order.number, step = saga.step.as_str(), "fulfilment saga advanced");
            return Ok(AfterConfirmation::Done);
        };
        Ok(AfterConfirmation::RequestApproval {
            order: Box::new(order),
            saga: Box::new(saga),
            chain,
        })
    }

    /// The approval request is filed: on the order and its timeline, the
    /// saga awaiting its outcome.
    pub async fn approval_filed<C: ConnectionTrait>(
        &self,
        connection: &C,
        mut order: Order,
        mut saga: Saga,
        chain: &'static str,
        request: &FiledApproval,
    ) -> Result<(), OrderError> {
        let now = self.now();
        order.approval_request_id = Some(request.id.clone());
        order.updated_at = now;
        let change = Change::new("approval_requested", None).detail(format!(
            "{chain} approval request {} round {} (policy version {}): {}",
            request.id,
            request.round,
            request.policy_version,
            request.roles.join(" → ")
        ));
        self.record(connection, &order, &saga_actor(), change)
            .await?;
        saga.updated_at = now;
        saga.step = SagaStep::AwaitingApproval;
        saga.approval_chain = Some(chain.to_owned());
        saga.approval_round = request.round;
        sagas::save(connection, &saga).await?;
        tracing::info!(order.number = %order.number, step = saga.step.as_str(), "fulfilment saga advanced");
        Ok(())
    }

    /// An approval outcome for one of the orders' chains: approved →
    /// AWAITING_PAYMENT, rejected → REJECTED with the reason (a stale round
    /// changes nothing); a step's decision or lateness on the timeline.
    pub async fn approval_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        report: &ApprovalReport,
    ) -> Result<(), OrderError> {
        let is_order_chain = crate::domain::order::OrderKind::ALL
            .iter()
            .any(|kind| kind.approval_chain() == Some(report.subject_kind.as_str()));
        if !is_order_chain {
            return Ok(());
        }
        // Locked first: the saga may still be recording this very request on
        // the order (an approval with no applicable step is decided at once).
        let mut order = match orders::load_for_update(connection, &report.subject_id).await {
            Ok(order) => order,
            Err(OrderError::NotFound { .. }) => {
                tracing::warn!(approval.id = %report.request_id, subject = %report.subject_id, "an approval for an order this service does not know");
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        if order.approval_request_id.is_none() && order.state == OrderState::PendingApproval {
            // The saga filed the request, but its transaction that records
            // it on the order has not committed (it failed and is retried):
            // the outcome waits for it rather than being lost.
            return Err(OrderError::ahead_of_order(
                &order.id,
                format!(
                    "approval {} reported before the order recorded its request",
                    report.request_id
                ),
            ));
        }
        if order.approval_request_id.as_deref() != Some(report.request_id.as_str()) {
            return Ok(());
        }
        let Some(mut saga) = sagas::load_for_update(connection, &order.id).await? else {
            return Ok(());
        };
        let now = self.now();
        let actor = Actor::new(report.actor.clone(), &[]);
        let note = |action: &str, detail: String, reason: &str| {
            let mut entry = TimelineEntry::note(now, &report.actor, action, detail);
            entry.reason = reason.to_owned();
            entry.source = APPROVALS_SOURCE.to_owned();
            entry
        };
        match report.outcome {
            ApprovalOutcome::Approved | ApprovalOutcome::Rejected => {
                let approved = report.outcome == ApprovalOutcome::Approved;
                if report.round < saga.approval_round || order.state != OrderState::PendingApproval
                {
                    tracing::debug!(order.number = %order.number, round = report.round, "a stale approval outcome");
                    return Ok(());
                }
                let change = if approved {
                    let from = order.pass_approval(now)?;
                    saga.step = SagaStep::AwaitingPayment;
                    Change::new("approved", Some(from)).detail(format!(
                        "approval request {} round {} approved",
                        report.request_id, report.round
                    ))
                } else {
                    let from = order.fail_approval(&report.reason, now)?;
                    saga.step = SagaStep::ApprovalRejected;
                    Change::new("approval_rejected", Some(from))
                        .because(&report.reason)
                        .detail(format!(
                            "{} rejected; revise the order and submit it again",
                            report.step
                        ))
                };
                self.record(
                    connection,
                    &order,
                    &actor,
                    change.reported_by(APPROVALS_SOURCE),
                )
                .await?;
                saga.updated_at = now;
                sagas::save(connection, &saga).await?;
                tracing::info!(order.number = %order.number, approved, "approval outcome applied");
            }
            ApprovalOutcome::StepApproved | ApprovalOutcome::StepRejected => {
                let decision = if report.outcome == ApprovalOutcome::StepRejected {
                    "rejected"
                } else {
                    "approved"
                };
                let entry = note(
                    "approval_step_decided",
                    format!("{} {decision}", report.step),
                    &report.reason,
                );
                timeline::append(connection, &order.id, &entry).await?;
            }
            ApprovalOutcome::StepOverdue => {
                let entry = note(
                    "approval_step_overdue",
                    format!("{}: {}", report.step, report.reason),
                    "",
                );
                timeline::append(connection, &order.id, &entry).await?;
            }
        }
        Ok(())
    }
}
