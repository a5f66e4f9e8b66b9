//! The use cases of the approvals service: one write transaction each, with
//! the change, its events (outbox) and its request id (AIP-155).

use chrono::{DateTime, Utc};
use orderflow_platform::base::AppBase;
use orderflow_platform::db::WriteTransaction;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::money::{Currency, Money};

use crate::domain::policy::{self, Policy, StepRule};
use crate::domain::rates::Rate;
use crate::domain::request::{ApprovalRequest, Decision, NewRequest, RequestState, Terms};
use crate::domain::{Actor, ApprovalError};
use crate::events::approval_event;
use crate::store::rates::StoredRate;
use crate::store::requests::{Cursor, PendingStep, RequestFilter};
use crate::store::{policies, rates, requests};

#[derive(Debug, Clone)]
pub struct Settings {
    pub base_currency: Currency,
    pub gm_threshold: Money,
    pub default_sla_minutes: i32,
}

#[derive(Debug, Clone)]
pub struct Approvals {
    base: AppBase,
    settings: Settings,
}

impl Approvals {
    pub fn new(base: AppBase, settings: Settings) -> Self {
        Self { base, settings }
    }

    /// Now, to the microsecond: what the databases keep, so that a value
    /// returned at once equals the same value read back later.
    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    pub fn base_currency(&self) -> Currency {
        self.settings.base_currency
    }

    /// A request that no step of its policy applies to is approved as it is
    /// filed: its `request.approved` event, in the filing's transaction.
    async fn approved_at_once<C: sea_orm::ConnectionTrait>(
        &self,
        connection: &C,
        request: &ApprovalRequest,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApprovalError> {
        if request.state == RequestState::Approved {
            let event = approval_event(
                request,
                None,
                "request.approved",
                actor,
                "no step of the policy applies",
                now,
            );
            self.base.enqueue(connection, event).await?;
        }
        Ok(())
    }

    /// Commits unless a concurrent call with the same request id committed
    /// first; then returns that call's resource instead.
    async fn commit(
        &self,
        transaction: WriteTransaction,
        key: Option<&RequestKey>,
        resource_id: &str,
    ) -> Result<Option<String>, ApprovalError> {
        if let Some(winner) =
            idempotency::record(&*transaction, key, resource_id, self.now()).await?
        {
            return Ok(Some(winner));
        }
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(None)
    }

    async fn replayed(&self, key: Option<&RequestKey>) -> Result<Option<String>, ApprovalError> {
        match key {
            Some(key) => Ok(idempotency::find(self.base.database.connection(), key).await?),
            None => Ok(None),
        }
    }

    // ------------------------------------------------------------- policies

    /// APR-1: the chains of domain.md, as version 1 of each policy that does
    /// not exist yet. Safe with several replicas starting at once.
    pub async fn ensure_default_policies(&self) -> Result<(), ApprovalError> {
        let defaults = policy::default_policies(
            self.settings.gm_threshold,
            self.settings.default_sla_minutes,
        );
        let transaction = self.base.database.begin_write().await?;
        for (kind, name, steps) in defaults {
            if policies::latest(&*transaction, kind).await?.is_some() {
                continue;
            }
            let policy = Policy {
                id: uuid::Uuid::now_v7().to_string(),
                subject_kind: kind.to_owned(),
                version: 1,
                name: name.to_owned(),
                steps,
                created_at: self.now(),
                created_by: "system".to_owned(),
            };
            policies::insert(&*transaction, &policy).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    pub async fn create_policy(
        &self,
        actor: &Actor,
        subject_kind: &str,
        name: &str,
        steps: Vec<StepRule>,
        key: Option<RequestKey>,
    ) -> Result<Policy, ApprovalError> {
        if self.replayed(key.as_ref()).await?.is_some() {
            return self.policy(subject_kind, 0).await;
        }
        let transaction = self.base.database.begin_write().await?;
        if policies::latest(&*transaction, subject_kind)
            .await?
            .is_some()
        {
            return Err(ApprovalError::AlreadyExists {
                resource: "policy",
                id: subject_kind.to_owned(),
            });
        }
        let policy = Policy {
            id: uuid::Uuid::now_v7().to_string(),
            subject_kind: subject_kind.to_owned(),
            version: 1,
            name: name.to_owned(),
            steps,
            created_at: self.now(),
            created_by: actor.subject.clone(),
        };
        if !policies::insert(&*transaction, &policy).await? {
            return Err(ApprovalError::Conflict(
                "the policy was created concurrently; reload it".to_owned(),
            ));
        }
        if self
            .commit(transaction, key.as_ref(), &policy.id)
            .await?
            .is_some()
        {
            return self.policy(subject_kind, 0).await;
        }
        tracing::info!(policy = %subject_kind, version = 1, "policy created");
        Ok(policy)
    }

    /// APR-1: a new version; requests already running keep theirs.
    pub async fn update_policy(
        &self,
        actor: &Actor,
        subject_kind: &str,
        name: &str,
        steps: Vec<StepRule>,
        base_version: i32,
        key: Option<RequestKey>,
    ) -> Result<Policy, ApprovalError> {
        if self.replayed(key.as_ref()).await?.is_some() {
            return self.policy(subject_kind, 0).await;
        }
        let transaction = self.base.database.begin_write().await?;
        let current = policies::latest(&*transaction, subject_kind)
            .await?
            .ok_or_else(|| ApprovalError::not_found("policy", subject_kind))?;
        if base_version != 0 && base_version != current.version {
            return Err(ApprovalError::precondition(
                "STALE_VERSION",
                format!("policies/{subject_kind}"),
                format!(
                    "the policy is at version {}, not {base_version}; reload it",
                    current.version
                ),
            ));
        }
        let policy = Policy {
            id: uuid::Uuid::now_v7().to_string(),
            subject_kind: subject_kind.to_owned(),
            version: current.version + 1,
            name: if name.trim().is_empty() {
                current.name.clone()
            } else {
                name.trim().to_owned()
            },
            steps,
            created_at: self.now(),
            created_by: actor.subject.clone(),
        };
        if !policies::insert(&*transaction, &policy).await? {
            return Err(ApprovalError::Conflict(
                "the policy changed concurrently; reload it".to_owned(),
            ));
        }
        if self
            .commit(transaction, key.as_ref(), &policy.id)
            .await?
            .is_some()
        {
            return self.policy(subject_kind, 0).await;
        }
        tracing::info!(policy = %subject_kind, version = policy.version, "policy updated");
        Ok(policy)
    }

    /// A version of a policy; 0 for the latest.
    pub async fn policy(&self, subject_kind: &str, version: i32) -> Result<Policy, ApprovalError> {
        let found = if version == 0 {
            policies::latest(self.base.database.connection(), subject_kind).await?
        } else {
            policies::version(self.base.database.connection(), subject_kind, version).await?
        };
        found
            .ok_or_else(|| ApprovalError::not_found("policy", format!("{subject_kind} v{version}")))
    }

    pub async fn list_policies(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Policy>, ApprovalError> {
        policies::list_latest(self.base.database.connection(), after, limit).await
    }

    // ------------------------------------------------------------- requests

    pub async fn create_request(
        &self,
        actor: &Actor,
        new: NewRequest,
        key: Option<RequestKey>,
    ) -> Result<ApprovalRequest, ApprovalError> {
        let transaction = self.base.database.begin_write().await?;
        // The key first: a concurrent copy of this request waits here for
        // this one and replays it, instead of meeting the one-request-per-
        // subject rule below.
        if let Claim::Replay(existing) =
            idempotency::claim(&*transaction, key.as_ref(), self.now()).await?
        {
            drop(transaction);
            return self.request(&existing).await;
        }
        let policy = policies::latest(&*transaction, &new.subject_kind)
            .await?
            .ok_or_else(|| {
                ApprovalError::precondition(
                    "NO_POLICY",
                    format!("policies/{}", new.subject_kind),
                    format!("there is no approval policy for {}", new.subject_kind),
                )
            })?;
        let rates = rates::current(&*transaction, self.settings.base_currency).await?;
        let now = self.now();
        let request =
            ApprovalRequest::open(uuid::Uuid::now_v7().to_string(), new, &policy, &rates, now);
        if !requests::insert(&*transaction, &request).await? {
            let existing = requests::find_by_subject(
                &*transaction,
                &request.subject_kind,
                &request.subject_id,
            )
            .await?
            .map(|existing| existing.id)
            .unwrap_or_default();
            return Err(ApprovalError::AlreadyExists {
                resource: "approval request",
                id: existing,
            });
        }
        self.base
            .enqueue(
                &*transaction,
                approval_event(&request, None, "request.created", &actor.subject, "", now),
            )
            .await?;
        self.approved_at_once(&*transaction, &request, &actor.subject, now)
            .await?;
        idempotency::complete(&*transaction, key.as_ref(), &request.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        tracing::info!(approval.id = %request.id, subject = %request.subject_ref, kind = %request.subject_kind, steps = request.steps.len(), "approval requested");
        Ok(request)
    }

    pub async fn request(&self, id: &str) -> Result<ApprovalRequest, ApprovalError> {
        requests::load(self.base.database.connection(), id).await
    }

    pub async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ApprovalRequest>, ApprovalError> {
        requests::list(self.base.database.connection(), filter, after, limit).await
    }

    /// APR-3/APR-4: a decision on the active step.
    pub async fn decide(
        &self,
        actor: &Actor,
        approval_id: &str,
        step_id: &str,
        decision: Decision,
        reason: &str,
        key: Option<RequestKey>,
    ) -> Result<ApprovalRequest, ApprovalError> {
        let key = key.map(|key| key.within(approval_id));
        let transaction = self.base.database.begin_write().await?;
        let mut request = requests::load_for_update(&*transaction, approval_id).await?;
        if let Some(key) = &key
            && idempotency::find(&*transaction, key).await?.is_some()
        {
            return Ok(request);
        }
        let now = self.now();
        let decided = request.decide(step_id, actor, decision, reason, now)?;
        if decided.repeated {
            return Ok(request);
        }
        requests::save(&*transaction, &request).await?;
        let reason = decided.step.reason.clone();
        self.base
            .enqueue(
                &*transaction,
                approval_event(
                    &request,
                    Some(&decided.step),
                    "step.decided",
                    &actor.subject,
                    &reason,
                    now,
                ),
            )
            .await?;
        let finished = match decided.finished {
            Some(RequestState::Approved) => Some(("request.approved", "")),
            Some(RequestState::Rejected) => Some(("request.rejected", reason.as_str())),
            Some(RequestState::Pending) | None => None,
        };
        if let Some((action, reason)) = finished {
            let event = approval_event(
                &request,
                Some(&decided.step),
                action,
                &actor.subject,
                reason,
                now,
            );
            self.base.enqueue(&*transaction, event).await?;
        }
        self.commit(transaction, key.as_ref(), approval_id).await?;
        tracing::info!(approval.id = %request.id, subject = %request.subject_ref, step = decided.step.position, decision = ?decision, by = %actor.subject, "step decided");
        Ok(request)
    }

    /// APR-3: a new round after a rejection.
    pub async fn resubmit(
        &self,
        actor: &Actor,
        approval_id: &str,
        change_note: &str,
        terms: Option<Terms>,
        key: Option<RequestKey>,
    ) -> Result<ApprovalRequest, ApprovalError> {
        let key = key.map(|key| key.within(approval_id));
        let transaction = self.base.database.begin_write().await?;
        let mut request = requests::load_for_update(&*transaction, approval_id).await?;
        if let Some(key) = &key
            && idempotency::find(&*transaction, key).await?.is_some()
        {
            return Ok(request);
        }
        let rates = rates::current(&*transaction, self.settings.base_currency).await?;
        let now = self.now();
        request.resubmit(actor, change_note, terms, &rates, now)?;
        requests::save(&*transaction, &request).await?;
        self.base
            .enqueue(
                &*transaction,
                approval_event(
                    &request,
                    None,
                    "request.resubmitted",
                    &actor.subject,
                    change_note.trim(),
                    now,
                ),
            )
            .await?;
        self.approved_at_once(&*transaction, &request, &actor.subject, now)
            .await?;
        self.commit(transaction, key.as_ref(), approval_id).await?;
        Ok(request)
    }

    pub async fn inbox(
        &self,
        actor: &Actor,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<Vec<PendingStep>, ApprovalError> {
        let roles: Vec<String> = actor.roles.iter().cloned().collect();
        requests::inbox(
            self.base.database.connection(),
            &actor.subject,
            &roles,
            after,
            limit,
        )
        .await
    }

    pub async fn overdue(
        &self,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<Vec<PendingStep>, ApprovalError> {
        requests::overdue(self.base.database.connection(), self.now(), after, limit).await
    }

    /// APR-10: reports each step that became overdue, once.
    pub async fn sweep_overdue(&self) -> Result<usize, ApprovalError> {
        let now = self.now();
        let ids =
            requests::with_unreported_overdue(self.base.database.connection(), now, 200).await?;
        let mut reported = 0;
        for id in ids {
            let transaction = self.base.database.begin_write().await?;
            let mut request = requests::load_for_update(&*transaction, &id).await?;
            let overdue = request.take_newly_overdue(now);
            if overdue.is_empty() {
                continue;
            }
            requests::save(&*transaction, &request).await?;
            for step in &overdue {
                let due = step.due_at.map(|due| due.to_rfc3339()).unwrap_or_default();
                let detail = format!("step {} ({}) was due by {due}", step.position, step.role);
                self.base
                    .enqueue(
                        &*transaction,
                        approval_event(
                            &request,
                            Some(step),
                            "step.overdue",
                            "approvals:sla",
                            &detail,
                            now,
                        ),
                    )
                    .await?;
                tracing::warn!(approval.id = %request.id, subject = %request.subject_ref, role = %step.role, "approval step overdue (APR-10)");
            }
            transaction.commit().await?;
            reported += overdue.len();
            for _ in &overdue {
                orderflow_platform::metrics::sla_breached("approvals", "APR-10");
            }
        }
        if reported > 0 {
            self.base.outbox.notify();
        }
        Ok(reported)
    }

    // --------------------------------------------------------------- rates

    pub async fn set_rate(
        &self,
        actor: &Actor,
        key: Option<RequestKey>,
        currency: Currency,
        rate: Rate,
    ) -> Result<StoredRate, ApprovalError> {
        if currency == self.settings.base_currency {
            return Err(ApprovalError::invalid(
                "currency_code",
                format!("{currency} is the base currency; its rate is 1"),
            ));
        }
        let stored = StoredRate {
            currency,
            rate,
            updated_at: self.now(),
            updated_by: actor.subject.clone(),
        };
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(code) =
            idempotency::claim(&*transaction, key.as_ref(), self.now()).await?
        {
            // One rate per currency: the repeat answers with it as it is now.
            return rates::all(&*transaction)
                .await?
                .into_iter()
                .find(|kept| kept.currency.code() == code)
                .ok_or_else(|| ApprovalError::not_found("exchange rate", code));
        }
        rates::set(&*transaction, &stored).await?;
        idempotency::complete(&*transaction, key.as_ref(), currency.code()).await?;
        transaction.commit().await?;
        Ok(stored)
    }

    pub async fn rates(&self) -> Result<Vec<StoredRate>, ApprovalError> {
        rates::all(self.base.database.connection()).await
    }
}
