//! An approval request walking its chain.
//!
//! Steps are decided in order; only the active step can be decided, only by
//! a holder of its role, never by the requester (except the requester's own
//! signature step), once (APR-4). Any step may reject, with a reason
//! (APR-3); the requester then resubmits and a new round starts, resolved
//! from the same policy version, earlier rounds kept. Each active step has a
//! due time from its SLA (APR-10).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use orderflow_platform::money::Money;
use serde::{Deserialize, Serialize};

use super::policy::{Policy, StepRule, resolve};
use super::rates::Rates;
use super::{Actor, ApprovalError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Waiting,
    Active,
    Approved,
    Rejected,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

text_enum!(RequestState { Pending => "pending", Approved => "approved", Rejected => "rejected" });
text_enum!(StepState {
    Waiting => "waiting",
    Active => "active",
    Approved => "approved",
    Rejected => "rejected",
    Skipped => "skipped",
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub round: i32,
    pub position: i32,
    pub name: String,
    pub role: String,
    pub signed_by_requester: bool,
    pub sla_minutes: i32,
    pub state: StepState,
    pub activated_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue_reported: bool,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl Step {
    fn decision(&self) -> Option<Decision> {
        match self.state {
            StepState::Approved => Some(Decision::Approve),
            StepState::Rejected => Some(Decision::Reject),
            _ => None,
        }
    }

    fn activate(&mut self, now: DateTime<Utc>) {
        self.state = StepState::Active;
        self.activated_at = Some(now);
        self.due_at = Some(now + Duration::minutes(i64::from(self.sla_minutes)));
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state == StepState::Active && self.due_at.is_some_and(|due| due <= now)
    }
}

/// One round: the first, and one per resubmission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub round: i32,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    pub change_note: String,
    pub amount: Money,
    pub flags: BTreeSet<String>,
    /// How conditions were evaluated when not exactly (missing rates).
    pub notes: Vec<String>,
}

/// A line of the estimated costs on an export contract review form
/// (freight, commission, duties, ..., APR-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEstimate {
    pub name: String,
    pub amount: Money,
}

/// What a resubmission may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub amount: Money,
    pub flags: BTreeSet<String>,
    /// Empty: keep the attachments.
    pub attachments: Vec<String>,
    /// Empty: keep the estimates.
    pub estimated_costs: Vec<CostEstimate>,
}

/// A validated new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_ref: String,
    pub amount: Money,
    pub flags: BTreeSet<String>,
    pub attachments: Vec<String>,
    pub estimated_costs: Vec<CostEstimate>,
    pub requester: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    pub id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_ref: String,
    pub amount: Money,
    pub flags: BTreeSet<String>,
    pub attachments: Vec<String>,
    pub estimated_costs: Vec<CostEstimate>,
    pub requester: String,
    pub policy_id: String,
    pub policy_version: i32,
    /// The rules of the policy version the request started with (APR-1).
    pub rules: Vec<StepRule>,
    pub state: RequestState,
    pub round: i32,
    pub steps: Vec<Step>,
    pub rounds: Vec<Round>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub step: Step,
    /// The request finished: approved (last step) or rejected.
    pub finished: Option<RequestState>,
    /// The same decision by the same person was already recorded: nothing changed.
    pub repeated: bool,
}

impl ApprovalRequest {
    /// The customer order this request approves, as (id, number): every
    /// subject but a refund or a purchasing or outsourcing contract.
    pub fn order(&self) -> Option<(&str, &str)> {
        (!matches!(
            self.subject_kind.as_str(),
            "refund" | "purchase_contract" | "outsourcing_contract"
        ))
        .then_some((self.subject_id.as_str(), self.subject_ref.as_str()))
    }

    /// Opens a request on the current version of `policy` and starts round 1.
    pub fn open(
        id: String,
        new: NewRequest,
        policy: &Policy,
        rates: &Rates,
        now: DateTime<Utc>,
    ) -> Self {
        let mut request = Self {
            id,
            subject_kind: new.subject_kind,
            subject_id: new.subject_id,
            subject_ref: new.subject_ref,
            amount: new.amount,
            flags: new.flags,
            attachments: new.attachments,
            estimated_costs: new.estimated_costs,
            requester: new.requester.clone(),
            policy_id: policy.id.clone(),
            policy_version: policy.version,
            rules: policy.steps.clone(),
            state: RequestState::Pending,
            round: 0,
            steps: Vec::new(),
            rounds: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        request.start_round(&new.requester, String::new(), rates, now);
        request
    }

    fn start_round(
        &mut self,
        started_by: &str,
        change_note: String,
        rates: &Rates,
        now: DateTime<Utc>,
    ) {
        self.round += 1;
        let (applying, notes) = resolve(&self.rules, self.amount, &self.flags, rates);
        let mut steps: Vec<Step> = applying
            .iter()
            .enumerate()
            .map(|(index, rule)| Step {
                id: uuid::Uuid::now_v7().to_string(),
                round: self.round,
                position: i32::try_from(index + 1).unwrap_or(i32::MAX),
                name: rule.name.clone(),
                role: rule.role.clone(),
                signed_by_requester: rule.signed_by_requester,
                sla_minutes: rule.sla_minutes,
                state: StepState::Waiting,
                activated_at: None,
                due_at: None,
                overdue_reported: false,
                decided_by: None,
                decided_at: None,
                reason: String::new(),
            })
            .collect();
        match steps.first_mut() {
            Some(first) => {
                first.activate(now);
                self.state = RequestState::Pending;
            }
            // No rule applies: nothing to approve.
            None => self.state = RequestState::Approved,
        }
        self.steps.extend(steps);
        self.rounds.push(Round {
            round: self.round,
            started_at: now,
            started_by: started_by.to_owned(),
            change_note,
            amount: self.amount,
            flags: self.flags.clone(),
            notes,
        });
        self.updated_at = now;
    }

    pub fn current_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .filter(move |step| step.round == self.round)
    }

    pub fn active_step(&self) -> Option<&Step> {
        self.current_steps()
            .find(|step| step.state == StepState::Active)
    }

    /// APR-3/APR-4: decides the step `step_id`.
    pub fn decide(
        &mut self,
        step_id: &str,
        actor: &Actor,
        decision: Decision,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Decided, ApprovalError> {
        let reason = reason.trim();
        if decision == Decision::Reject && reason.is_empty() {
            return Err(ApprovalError::invalid(
                "reason",
                "a rejection needs a reason (APR-3)",
            ));
        }
        if reason.chars().count() > 2000 {
            return Err(ApprovalError::invalid(
                "reason",
                "must be at most 2000 characters",
            ));
        }
        let subject = format!("approval_requests/{}/steps/{step_id}", self.id);
        let Some(index) = self.steps.iter().position(|step| step.id == step_id) else {
            return Err(ApprovalError::not_found("step", step_id));
        };
        let step = &self.steps[index];
        if let Some(earlier) = step.decision() {
            if earlier == decision && step.decided_by.as_deref() == Some(actor.subject.as_str()) {
                return Ok(Decided {
                    step: step.clone(),
                    finished: None,
                    repeated: true,
                });
            }
            return Err(ApprovalError::precondition(
                "ALREADY_DECIDED",
                subject,
                format!(
                    "step {} was already {} by {} (one decision per step, APR-4)",
                    step.position,
                    step.state.as_str(),
                    step.decided_by.clone().unwrap_or_default()
                ),
            ));
        }
        if step.round != self.round {
            return Err(ApprovalError::precondition(
                "EARLIER_ROUND",
                subject,
                format!(
                    "the step belongs to round {}; the request is in round {}",
                    step.round, self.round
                ),
            ));
        }
        match step.state {
            StepState::Active => {}
            StepState::Waiting => {
                let turn = self
                    .active_step()
                    .map(|active| format!("step {} ({})", active.position, active.role))
                    .unwrap_or_default();
                return Err(ApprovalError::precondition(
                    "NOT_ITS_TURN",
                    subject,
                    format!(
                        "step {} is not yet due; it is the turn of {turn}",
                        step.position
                    ),
                ));
            }
            StepState::Skipped | StepState::Approved | StepState::Rejected => {
                return Err(ApprovalError::precondition(
                    "STEP_CLOSED",
                    subject,
                    format!("step {} is {}", step.position, step.state.as_str()),
                ));
            }
        }
        if !actor.has_role(&step.role) {
            return Err(ApprovalError::PermissionDenied(format!(
                "step {} is decided by the role {}; {} does not hold it",
                step.position, step.role, actor.subject
            )));
        }
        if step.signed_by_requester && actor.subject != self.requester {
            return Err(ApprovalError::PermissionDenied(format!(
                "step {} is the requester's own signature; only {} signs it",
                step.position, self.requester
            )));
        }
        if !step.signed_by_requester && actor.subject == self.requester {
            return Err(ApprovalError::PermissionDenied(
                "the requester never approves their own request (APR-4)".to_owned(),
            ));
        }

        let step = &mut self.steps[index];
        step.state = match decision {
            Decision::Approve => StepState::Approved,
            Decision::Reject => StepState::Rejected,
        };
        step.decided_by = Some(actor.subject.clone());
        step.decided_at = Some(now);
        step.reason = reason.to_owned();
        let decided = step.clone();
        self.updated_at = now;
        let finished = match decision {
            Decision::Reject => {
                for later in self
                    .steps
                    .iter_mut()
                    .filter(|s| s.round == decided.round && s.state == StepState::Waiting)
                {
                    later.state = StepState::Skipped;
                }
                self.state = RequestState::Rejected;
                Some(RequestState::Rejected)
            }
            Decision::Approve => {
                let next = self
                    .steps
                    .iter_mut()
                    .find(|s| s.round == decided.round && s.state == StepState::Waiting);
                match next {
                    Some(next) => {
                        next.activate(now);
                        None
                    }
                    None => {
                        self.state = RequestState::Approved;
                        Some(RequestState::Approved)
                    }
                }
            }
        };
        Ok(Decided {
            step: decided,
            finished,
            repeated: false,
        })
    }

    /// APR-3: after a rejection, the requester (or a service on their behalf)
    /// starts a new round, optionally with new terms.
    pub fn resubmit(
        &mut self,
        actor: &Actor,
        change_note: &str,
        terms: Option<Terms>,
        rates: &Rates,
        now: DateTime<Utc>,
    ) -> Result<(), ApprovalError> {
        let note = change_note.trim();
        if note.is_empty() {
            return Err(ApprovalError::invalid("change_note", "say what changed"));
        }
        if note.chars().count() > 2000 {
            return Err(ApprovalError::invalid(
                "change_note",
                "must be at most 2000 characters",
            ));
        }
        if actor.subject != self.requester
            && !actor.has_role(orderflow_platform::auth::SERVICE_ROLE)
        {
            return Err(ApprovalError::PermissionDenied(format!(
                "only the requester {} resubmits this request",
                self.requester
            )));
        }
        if self.state != RequestState::Rejected {
            return Err(ApprovalError::precondition(
                "NOT_REJECTED",
                format!("approval_requests/{}", self.id),
                format!(
                    "only a rejected request is resubmitted; this one is {}",
                    self.state.as_str()
                ),
            ));
        }
        if let Some(terms) = terms {
            self.amount = terms.amount;
            self.flags = terms.flags;
            if !terms.attachments.is_empty() {
                self.attachments = terms.attachments;
            }
            if !terms.estimated_costs.is_empty() {
                self.estimated_costs = terms.estimated_costs;
            }
        }
        self.start_round(&actor.subject, note.to_owned(), rates, now);
        Ok(())
    }

    /// APR-10: active steps past their due time not reported before; marks
    /// them reported.
    pub fn take_newly_overdue(&mut self, now: DateTime<Utc>) -> Vec<Step> {
        let mut overdue = Vec::new();
        for step in &mut self.steps {
            if step.is_overdue(now) && !step.overdue_reported {
                step.overdue_reported = true;
                overdue.push(step.clone());
            }
        }
        if !overdue.is_empty() {
            self.updated_at = now;
        }
        overdue
    }
}

#[cfg(test)]
mod tests;

/// A step with what an approver needs to see of its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingStep {
    pub request_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_ref: String,
    pub amount: Money,
    pub requester: String,
    pub step: Step,
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub state: Option<RequestState>,
    pub requester: Option<String>,
}

/// A keyset cursor over (time, id).
pub type Cursor = (DateTime<Utc>, String);
