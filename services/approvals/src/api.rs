//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use orderflow_platform::auth::{Caller, Role, RoleTable, SERVICE_ROLE};
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::grpc::status;
use orderflow_platform::money::{Currency, Money};
use orderflow_platform::validation::{AmountRule, Violations};
use orderflow_proto::approvals::v1 as pb;
use pb::approval_service_server::ApprovalService;
use tonic::{Request, Response, Status};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::app::Approvals;
use crate::domain::Actor;
use crate::domain::policy::{self, StepRule};
use crate::domain::rates::Rate;
use crate::domain::request::{
    ApprovalRequest, CostEstimate, Decision, NewRequest, RequestState, Terms,
};
use crate::domain::request::{Cursor, PendingStep, RequestFilter};
use crate::wire;

/// Every person's role (everyone but services).
const PEOPLE: &[Role] = &Role::PEOPLE;

/// People and services: who may read and request.
const EVERYONE: &[Role] = &Role::ALL;

/// Which roles may call each RPC (checked by the platform's auth layer);
/// who decides a given step is the domain's business (APR-4).
pub const ROLES: RoleTable = &[
    (
        "/orderflow.approvals.v1.ApprovalService/CreatePolicy",
        &[Role::Admin],
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/UpdatePolicy",
        &[Role::Admin],
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/GetPolicy",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/ListPolicies",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/CreateApprovalRequest",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/GetApprovalRequest",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/ListApprovalRequests",
        EVERYONE,
    ),
    ("/orderflow.approvals.v1.ApprovalService/DecideStep", PEOPLE),
    (
        "/orderflow.approvals.v1.ApprovalService/ResubmitApprovalRequest",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/ListMyPendingSteps",
        PEOPLE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/ListOverdueSteps",
        EVERYONE,
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/SetExchangeRate",
        &[Role::Admin, Role::Finance],
    ),
    (
        "/orderflow.approvals.v1.ApprovalService/ListExchangeRates",
        EVERYONE,
    ),
];

fn caller<T>(request: &Request<T>) -> Result<Actor, Status> {
    Caller::of(request)
}

fn money_in(
    field: &str,
    raw: Option<&orderflow_proto::common::v1::Money>,
    violations: &mut Violations,
) -> Option<Money> {
    let raw = raw.cloned().unwrap_or_default();
    violations.amount(field, Some(&raw), AmountRule::NonNegative)
}

fn attachments_in(raw: &[String], violations: &mut Violations) -> Vec<String> {
    if raw.len() > 50 {
        violations.add("attachments", "at most 50");
    }
    raw.iter()
        .enumerate()
        .map(|(index, reference)| {
            violations.required(&format!("attachments[{index}]"), reference, 500)
        })
        .collect()
}

fn costs_in(raw: &[pb::CostEstimate], violations: &mut Violations) -> Vec<CostEstimate> {
    if raw.len() > 30 {
        violations.add("estimated_costs", "at most 30 lines");
    }
    raw.iter()
        .enumerate()
        .filter_map(|(index, cost)| {
            let field = format!("estimated_costs[{index}]");
            let name = violations.required(&format!("{field}.name"), &cost.name, 100);
            money_in(&format!("{field}.amount"), cost.amount.as_ref(), violations)
                .map(|amount| CostEstimate { name, amount })
        })
        .collect()
}

fn rules_in(raw: &[pb::StepRule]) -> Result<Vec<StepRule>, Status> {
    let inputs: Vec<_> = raw.iter().map(wire::rule_input).collect();
    Ok(policy::parse_rules(&inputs)?)
}

fn tag_span(request: &ApprovalRequest) {
    let span = tracing::Span::current();
    span.set_attribute("approval.id", request.id.clone());
    span.set_attribute("approval.subject", request.subject_ref.clone());
    if let Some((id, number)) = request.order() {
        orderflow_platform::telemetry::tag_order(id, number);
    }
}

fn reply(request: ApprovalRequest) -> Response<pb::ApprovalRequest> {
    tag_span(&request);
    Response::new(wire::request(&request))
}

fn encode_cursor(at: Option<DateTime<Utc>>, id: &str) -> String {
    format!("{}|{id}", at.map(|at| at.to_rfc3339()).unwrap_or_default())
}

fn decode_cursor(cursor: Option<&str>) -> Result<Option<Cursor>, Status> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let parsed = cursor.split_once('|').and_then(|(at, id)| {
        DateTime::parse_from_rfc3339(at)
            .ok()
            .map(|at| (at.with_timezone(&Utc), id.to_owned()))
    });
    parsed.map(Some).ok_or_else(|| {
        status::invalid_argument(&[orderflow_platform::FieldViolation::new(
            "page_token",
            "not a page token of this list",
        )])
    })
}

fn pending_page(
    page: &PageRequest,
    mut steps: Vec<PendingStep>,
    time: impl Fn(&PendingStep) -> Option<DateTime<Utc>>,
) -> pb::ListPendingStepsResponse {
    let next_page_token = page.finish(&mut steps, |pending| {
        encode_cursor(time(pending), &pending.step.id)
    });
    pb::ListPendingStepsResponse {
        steps: steps.iter().map(wire::pending).collect(),
        next_page_token,
    }
}

#[derive(Debug, Clone)]
pub struct ApprovalApi {
    approvals: Approvals,
}

impl ApprovalApi {
    pub fn new(approvals: Approvals) -> Self {
        Self { approvals }
    }
}

#[tonic::async_trait]
impl ApprovalService for ApprovalApi {
    async fn create_policy(
        &self,
        request: Request<pb::CreatePolicyRequest>,
    ) -> Result<Response<pb::Policy>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreatePolicy",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let kind = policy::parse_subject_kind(&request.subject_kind, &mut violations);
        let name = violations.required("name", &request.name, 200);
        violations.finish(())?;
        let steps = rules_in(&request.steps)?;
        let created = self
            .approvals
            .create_policy(&actor, &kind, &name, steps, key)
            .await?;
        Ok(Response::new(wire::policy(&created)))
    }

    async fn update_policy(
        &self,
        request: Request<pb::UpdatePolicyRequest>,
    ) -> Result<Response<pb::Policy>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "UpdatePolicy",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let kind = policy::parse_subject_kind(&request.subject_kind, &mut violations);
        let name = violations.optional("name", &request.name, 200);
        violations.finish(())?;
        let steps = rules_in(&request.steps)?;
        let updated = self
            .approvals
            .update_policy(&actor, &kind, &name, steps, request.base_version, key)
            .await?;
        Ok(Response::new(wire::policy(&updated)))
    }

    async fn get_policy(
        &self,
        request: Request<pb::GetPolicyRequest>,
    ) -> Result<Response<pb::Policy>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let kind = policy::parse_subject_kind(&request.subject_kind, &mut violations);
        if request.version < 0 {
            violations.add("version", "must not be negative");
        }
        violations.finish(())?;
        let found = self.approvals.policy(&kind, request.version).await?;
        Ok(Response::new(wire::policy(&found)))
    }

    async fn list_policies(
        &self,
        request: Request<pb::ListPoliciesRequest>,
    ) -> Result<Response<pb::ListPoliciesResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "policies")?;
        let mut policies = self
            .approvals
            .list_policies(page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut policies, |policy| policy.subject_kind.clone());
        Ok(Response::new(pb::ListPoliciesResponse {
            policies: policies.iter().map(wire::policy).collect(),
            next_page_token,
        }))
    }

    async fn create_approval_request(
        &self,
        request: Request<pb::CreateApprovalRequestRequest>,
    ) -> Result<Response<pb::ApprovalRequest>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        // Filing is "one request per subject": a repeat names the same
        // subject, whatever amount or flags it carries by then (the orders
        // saga and finance file with ids derived from the subject and may
        // retry after the subject moved on), so only the subject is
        // fingerprinted.
        let key = violations.request_key(
            "CreateApprovalRequest",
            &actor.subject,
            &request.request_id,
            &pb::CreateApprovalRequestRequest {
                subject_kind: request.subject_kind.clone(),
                subject_id: request.subject_id.clone(),
                ..Default::default()
            },
        );
        let subject_kind = policy::parse_subject_kind(&request.subject_kind, &mut violations);
        let subject_id = violations.required("subject_id", &request.subject_id, 100);
        let subject_ref = violations.optional("subject_ref", &request.subject_ref, 100);
        let amount = money_in("amount", request.amount.as_ref(), &mut violations);
        let flags = policy::parse_flags("flags", &request.flags, &mut violations);
        let attachments = attachments_in(&request.attachments, &mut violations);
        let estimated_costs = costs_in(&request.estimated_costs, &mut violations);
        let named = violations.optional("requester", &request.requester, 100);
        let amount = violations
            .finish(amount)?
            .ok_or_else(|| Status::internal("amount checked above"))?;
        let requester = match named.as_str() {
            "" => actor.subject.clone(),
            named if named == actor.subject => named.to_owned(),
            named if actor.has_role(SERVICE_ROLE) => named.to_owned(),
            _ => {
                return Err(status::permission_denied(
                    "only a service files a request on someone else's behalf",
                ));
            }
        };
        let new = NewRequest {
            subject_kind,
            subject_ref: if subject_ref.is_empty() {
                subject_id.clone()
            } else {
                subject_ref
            },
            subject_id,
            amount,
            flags,
            attachments,
            estimated_costs,
            requester,
        };
        Ok(reply(
            self.approvals.create_request(&actor, new, key).await?,
        ))
    }

    async fn get_approval_request(
        &self,
        request: Request<pb::GetApprovalRequestRequest>,
    ) -> Result<Response<pb::ApprovalRequest>, Status> {
        let mut violations = Violations::new();
        let id = violations.required_id(
            "approval_request_id",
            &request.get_ref().approval_request_id,
        );
        violations.finish(())?;
        Ok(reply(self.approvals.request(&id).await?))
    }

    async fn list_approval_requests(
        &self,
        request: Request<pb::ListApprovalRequestsRequest>,
    ) -> Result<Response<pb::ListApprovalRequestsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let state = match pb::ApprovalState::try_from(request.state) {
            Ok(pb::ApprovalState::Unspecified) => None,
            Ok(pb::ApprovalState::Pending) => Some(RequestState::Pending),
            Ok(pb::ApprovalState::Approved) => Some(RequestState::Approved),
            Ok(pb::ApprovalState::Rejected) => Some(RequestState::Rejected),
            Err(_) => {
                violations.add("state", format!("{} is not a known state", request.state));
                None
            }
        };
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
        let filter = RequestFilter {
            subject_kind: text(&request.subject_kind),
            subject_id: text(&request.subject_id),
            state,
            requester: text(&request.requester),
        };
        violations.finish(())?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{filter:?}"),
        )?;
        let mut found = self
            .approvals
            .list_requests(&filter, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut found, |request| request.id.clone());
        Ok(Response::new(pb::ListApprovalRequestsResponse {
            approval_requests: found.iter().map(wire::request).collect(),
            next_page_token,
        }))
    }

    async fn decide_step(
        &self,
        request: Request<pb::DecideStepRequest>,
    ) -> Result<Response<pb::ApprovalRequest>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key =
            violations.request_key("DecideStep", &actor.subject, &request.request_id, &request);
        let approval_id =
            violations.required_id("approval_request_id", &request.approval_request_id);
        let step_id = violations.required_id("step_id", &request.step_id);
        let decision = match pb::Decision::try_from(request.decision) {
            Ok(pb::Decision::Approve) => Some(Decision::Approve),
            Ok(pb::Decision::Reject) => Some(Decision::Reject),
            Ok(pb::Decision::Unspecified) => {
                violations.add("decision", "approve or reject");
                None
            }
            Err(_) => {
                violations.add(
                    "decision",
                    format!("{} is not a known decision", request.decision),
                );
                None
            }
        };
        let decision = violations
            .finish(decision)?
            .ok_or_else(|| Status::internal("decision checked above"))?;
        let decided = self
            .approvals
            .decide(
                &actor,
                &approval_id,
                &step_id,
                decision,
                &request.reason,
                key,
            )
            .await?;
        Ok(reply(decided))
    }

    async fn resubmit_approval_request(
        &self,
        request: Request<pb::ResubmitApprovalRequestRequest>,
    ) -> Result<Response<pb::ApprovalRequest>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ResubmitApprovalRequest",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let approval_id =
            violations.required_id("approval_request_id", &request.approval_request_id);
        let terms = if request.update_terms {
            let amount = money_in("amount", request.amount.as_ref(), &mut violations);
            let flags: BTreeSet<String> =
                policy::parse_flags("flags", &request.flags, &mut violations);
            let attachments = attachments_in(&request.attachments, &mut violations);
            let estimated_costs = costs_in(&request.estimated_costs, &mut violations);
            amount.map(|amount| Terms {
                amount,
                flags,
                attachments,
                estimated_costs,
            })
        } else {
            None
        };
        violations.finish(())?;
        let resubmitted = self
            .approvals
            .resubmit(&actor, &approval_id, &request.change_note, terms, key)
            .await?;
        Ok(reply(resubmitted))
    }

    async fn list_my_pending_steps(
        &self,
        request: Request<pb::ListMyPendingStepsRequest>,
    ) -> Result<Response<pb::ListPendingStepsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, &actor.subject)?;
        let after = decode_cursor(page.after.as_deref())?;
        let steps = self
            .approvals
            .inbox(&actor, after.as_ref(), page.fetch_limit())
            .await?;
        Ok(Response::new(pending_page(&page, steps, |pending| {
            pending.step.activated_at
        })))
    }

    async fn list_overdue_steps(
        &self,
        request: Request<pb::ListOverdueStepsRequest>,
    ) -> Result<Response<pb::ListPendingStepsResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "overdue")?;
        let after = decode_cursor(page.after.as_deref())?;
        let steps = self
            .approvals
            .overdue(after.as_ref(), page.fetch_limit())
            .await?;
        Ok(Response::new(pending_page(&page, steps, |pending| {
            pending.step.due_at
        })))
    }

    async fn set_exchange_rate(
        &self,
        request: Request<pb::SetExchangeRateRequest>,
    ) -> Result<Response<pb::ExchangeRate>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "SetExchangeRate",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let currency = match Currency::parse(&request.currency_code) {
            Ok(currency) => Some(currency),
            Err(problem) => {
                violations.add("currency_code", problem);
                None
            }
        };
        let rate = match Rate::parse(&request.rate) {
            Ok(rate) => Some(rate),
            Err(problem) => {
                violations.add("rate", problem);
                None
            }
        };
        let (currency, rate) = match violations.finish((currency, rate))? {
            (Some(currency), Some(rate)) => (currency, rate),
            _ => return Err(Status::internal("rate checked above")),
        };
        let stored = self.approvals.set_rate(&actor, key, currency, rate).await?;
        Ok(Response::new(wire::rate(
            &stored,
            self.approvals.base_currency().code(),
        )))
    }

    async fn list_exchange_rates(
        &self,
        _request: Request<pb::ListExchangeRatesRequest>,
    ) -> Result<Response<pb::ListExchangeRatesResponse>, Status> {
        let base = self.approvals.base_currency();
        let rates = self.approvals.rates().await?;
        Ok(Response::new(pb::ListExchangeRatesResponse {
            rates: rates
                .iter()
                .map(|stored| wire::rate(stored, base.code()))
                .collect(),
        }))
    }
}
