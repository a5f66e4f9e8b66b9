//! proto ⇄ domain: one module below both the API (requests, responses) and
//! the events (payloads), importing neither.

pub use orderflow_platform::grpc::convert::{money, timestamp};

use orderflow_proto::approvals::v1 as pb;

use crate::domain::policy::{Policy, StepRule, StepRuleInput};
use crate::domain::rates::StoredRate;
use crate::domain::request::PendingStep;
use crate::domain::request::{ApprovalRequest, RequestState, Step, StepState};

pub fn rule_input(rule: &pb::StepRule) -> StepRuleInput {
    let condition = rule.condition.clone().unwrap_or_default();
    StepRuleInput {
        name: rule.name.clone(),
        role: rule.role.clone(),
        sla_minutes: rule.sla_minutes,
        min_amount: condition
            .min_amount
            .map(|amount| (amount.currency_code, amount.minor_units)),
        any_flags: condition.any_flags,
        signed_by_requester: rule.signed_by_requester,
    }
}

fn rule(rule: &StepRule) -> pb::StepRule {
    pb::StepRule {
        name: rule.name.clone(),
        role: rule.role.clone(),
        sla_minutes: rule.sla_minutes,
        condition: Some(pb::StepCondition {
            min_amount: rule.condition.min_amount.map(money),
            any_flags: rule.condition.any_flags.iter().cloned().collect(),
        }),
        signed_by_requester: rule.signed_by_requester,
    }
}

pub fn policy(policy: &Policy) -> pb::Policy {
    pb::Policy {
        id: policy.id.clone(),
        subject_kind: policy.subject_kind.clone(),
        version: policy.version,
        name: policy.name.clone(),
        steps: policy.steps.iter().map(rule).collect(),
        create_time: Some(timestamp(policy.created_at)),
        created_by: policy.created_by.clone(),
    }
}

pub fn request_state(state: RequestState) -> pb::ApprovalState {
    match state {
        RequestState::Pending => pb::ApprovalState::Pending,
        RequestState::Approved => pb::ApprovalState::Approved,
        RequestState::Rejected => pb::ApprovalState::Rejected,
    }
}

fn step_state(state: StepState) -> pb::StepState {
    match state {
        StepState::Waiting => pb::StepState::Waiting,
        StepState::Active => pb::StepState::Active,
        StepState::Approved => pb::StepState::Approved,
        StepState::Rejected => pb::StepState::Rejected,
        StepState::Skipped => pb::StepState::Skipped,
    }
}

pub fn step(step: &Step) -> pb::Step {
    pb::Step {
        id: step.id.clone(),
        round: step.round,
        position: step.position,
        name: step.name.clone(),
        role: step.role.clone(),
        signed_by_requester: step.signed_by_requester,
        state: step_state(step.state) as i32,
        activate_time: step.activated_at.map(timestamp),
        due_time: step.due_at.map(timestamp),
        overdue: step.overdue_reported,
        decided_by: step.decided_by.clone().unwrap_or_default(),
        decide_time: step.decided_at.map(timestamp),
        reason: step.reason.clone(),
    }
}

pub fn request(request: &ApprovalRequest) -> pb::ApprovalRequest {
    pb::ApprovalRequest {
        id: request.id.clone(),
        subject_kind: request.subject_kind.clone(),
        subject_id: request.subject_id.clone(),
        subject_ref: request.subject_ref.clone(),
        amount: Some(money(request.amount)),
        flags: request.flags.iter().cloned().collect(),
        attachments: request.attachments.clone(),
        requester: request.requester.clone(),
        policy_id: request.policy_id.clone(),
        policy_version: request.policy_version,
        state: request_state(request.state) as i32,
        round: request.round,
        steps: request.steps.iter().map(step).collect(),
        rounds: request
            .rounds
            .iter()
            .map(|round| pb::Round {
                round: round.round,
                start_time: Some(timestamp(round.started_at)),
                started_by: round.started_by.clone(),
                change_note: round.change_note.clone(),
                amount: Some(money(round.amount)),
                flags: round.flags.iter().cloned().collect(),
            })
            .collect(),
        create_time: Some(timestamp(request.created_at)),
        update_time: Some(timestamp(request.updated_at)),
        estimated_costs: request
            .estimated_costs
            .iter()
            .map(|cost| pb::CostEstimate {
                name: cost.name.clone(),
                amount: Some(money(cost.amount)),
            })
            .collect(),
    }
}

pub fn pending(pending: &PendingStep) -> pb::PendingStep {
    pb::PendingStep {
        approval_request_id: pending.request_id.clone(),
        subject_kind: pending.subject_kind.clone(),
        subject_id: pending.subject_id.clone(),
        subject_ref: pending.subject_ref.clone(),
        amount: Some(money(pending.amount)),
        requester: pending.requester.clone(),
        step: Some(step(&pending.step)),
    }
}

pub fn rate(stored: &StoredRate, base: &str) -> pb::ExchangeRate {
    pb::ExchangeRate {
        currency_code: stored.currency.code().to_owned(),
        rate: stored.rate.to_string(),
        base_currency_code: base.to_owned(),
        update_time: Some(timestamp(stored.updated_at)),
        updated_by: stored.updated_by.clone(),
    }
}
