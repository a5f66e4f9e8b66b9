//! The use cases of the after-sales service: one write transaction each,
//! with the change and its events.
//!
//! - here: the order facts, requests and their review (AFS-1, AFS-2), the
//!   cancellation before shipment (AFS-3, ORD-6);
//! - [`returns`]: the pick-up (AFS-4), the inspection (AFS-5), the refund
//!   (AFS-6), overseas returns (AFS-8), the replacement order (AFS-7),
//!   SLA-7;
//! - [`feedback`]: return analysis (AFS-9), complaints (AFS-10).

pub mod feedback;
pub mod returns;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::base::AppBase;
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_platform::db::document;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use sea_orm::ConnectionTrait;

use crate::domain::calendar::Calendar;
use crate::domain::case::{Case, CaseId, Kind, Policy, Reason, Request, State, Taken};
use crate::domain::facts::{OrderFacts, Stage};
use crate::domain::{Actor, AfterSalesError};
use crate::events;
use crate::peers::Peers;
use crate::store::records;

#[derive(Debug, Clone)]
pub struct Settings {
    pub time_zone: Tz,
    pub policy: Policy,
    pub calendar: Calendar,
    /// SLA-7: working days to complete a shop order's refund.
    pub shop_refund_working_days: u32,
    /// Inventory's finished-goods warehouse for restocked returns.
    pub returns_warehouse: String,
    /// Inventory's overseas warehouse (AFS-8).
    pub overseas_warehouse: String,
    /// AFS-10: how long a complaint may wait for its answer.
    pub complaint_answer_within: chrono::Duration,
    /// AFS-2: when a customer who was asked for information is reminded.
    pub information_reminder_after: chrono::Duration,
}

#[derive(Debug, Clone)]
pub struct AfterSales {
    base: AppBase,
    peers: Peers,
    settings: Settings,
}

/// One step of a case's life: the change, and the actions to announce
/// (`aftersales.case.<action>`) with their detail.
type Step<'a> = Box<
    dyn FnOnce(&mut Case, DateTime<Utc>) -> Result<Vec<(&'static str, String)>, AfterSalesError>
        + Send
        + 'a,
>;

impl AfterSales {
    pub fn new(base: AppBase, peers: Peers, settings: Settings) -> Self {
        Self {
            base,
            peers,
            settings,
        }
    }

    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.base.today(&self.settings.time_zone)
    }

    async fn announce<C: ConnectionTrait>(
        &self,
        connection: &C,
        case: &Case,
        actions: &[(&'static str, String)],
        actor: &str,
    ) -> Result<(), AfterSalesError> {
        let now = self.now();
        for (action, detail) in actions {
            let event: OutgoingEvent = events::case(case, action, detail, actor, now);
            outbox::enqueue(connection, event, now).await?;
        }
        Ok(())
    }

    /// Applies `step` to the case in one transaction, once per request
    /// key: a repeated request returns the case as it is now.
    async fn change(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        step: Step<'_>,
    ) -> Result<Case, AfterSalesError> {
        let context = self.base.change(key);
        let now = context.now;
        document::change(context, id, step, |case, actions| {
            actions
                .iter()
                .map(|(action, detail)| events::case(case, action, detail, &actor.subject, now))
                .collect()
        })
        .await
    }

    /// The same as [`Self::change`] inside a consumer's transaction; `None`
    /// when the case is unknown.
    async fn change_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        actor: &str,
        step: Step<'_>,
    ) -> Result<Option<Case>, AfterSalesError> {
        let Some(mut case) = records::case(connection, id, true).await? else {
            tracing::warn!(case.id = %id, "an event for a case after-sales does not know");
            return Ok(None);
        };
        let actions = step(&mut case, self.now())?;
        if actions.is_empty() {
            return Ok(Some(case));
        }
        records::save_case(connection, &case).await?;
        self.announce(connection, &case, &actions, actor).await?;
        Ok(Some(case))
    }

    /// Whether a call with `key` already completed (its answer is the case
    /// as it is now). Checked before a peer is asked; the claim in the
    /// write transaction still decides.
    async fn replayed(&self, key: Option<&RequestKey>) -> Result<bool, AfterSalesError> {
        match key {
            Some(key) => Ok(idempotency::find(self.base.database.connection(), key)
                .await?
                .is_some()),
            None => Ok(false),
        }
    }

    pub async fn case(&self, id: &CaseId) -> Result<Case, AfterSalesError> {
        records::case(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| AfterSalesError::not_found("case", id.as_str()))
    }

    pub async fn cases(
        &self,
        order_id: Option<&str>,
        state: Option<State>,
        overdue_only: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Case>, AfterSalesError> {
        records::cases(
            self.base.database.connection(),
            order_id,
            state,
            overdue_only,
            after,
            limit,
        )
        .await
    }

    async fn next_number<C: ConnectionTrait>(
        &self,
        connection: &C,
    ) -> Result<String, AfterSalesError> {
        let today = self.today();
        let sequence = records::next_case_number(connection, today).await?;
        orderflow_platform::ids::numbered("AS", today, sequence)
            .ok_or_else(|| AfterSalesError::Conflict(format!("no case numbers left for {today}")))
    }

    // -------------------------------------------------------- order facts

    /// What after-sales keeps of an order event; a cancellation settles the
    /// order's cancelling case, or opens a refund case for a paid order
    /// cancelled in the orders service (ORD-6, AFS-3).
    pub async fn order_changed<C: ConnectionTrait>(
        &self,
        connection: &C,
        incoming: OrderFacts,
        cancelled: bool,
        actor: &str,
    ) -> Result<(), AfterSalesError> {
        // Two replicas may file two events of a new order at once: the
        // first to insert claims it, the other then applies its version
        // only if newer.
        let facts = match records::facts_or_insert(connection, &incoming).await? {
            Some(mut kept) => {
                if !kept.update(incoming) {
                    return Ok(());
                }
                kept
            }
            None => incoming,
        };
        records::save_facts(connection, &facts).await?;
        if cancelled {
            self.order_cancelled(connection, &facts, actor).await?;
        }
        Ok(())
    }

    async fn order_cancelled<C: ConnectionTrait>(
        &self,
        connection: &C,
        facts: &OrderFacts,
        actor: &str,
    ) -> Result<(), AfterSalesError> {
        let cases = records::cases_of_order(connection, &facts.order_id, true).await?;
        let cancelling = cases.iter().find(|case| case.state == State::Cancelling);
        let now = self.now();
        let mut others: Vec<Case> = Vec::with_capacity(cases.len());
        for other in cases
            .iter()
            .filter(|case| Some(case.id.as_str()) != cancelling.map(|c| c.id.as_str()))
        {
            let mut other = other.clone();
            // Requests still waiting for review on the cancelled order are
            // settled by the cancellation's own refund (AFS-3).
            if other.superseded_by_cancellation(facts, now) {
                records::save_case(connection, &other).await?;
                self.announce(
                    connection,
                    &other,
                    &[("rejected", other.rejection_reason.clone())],
                    actor,
                )
                .await?;
            }
            others.push(other);
        }
        let paid_left = facts.amount_paid.saturating_sub(Taken::of(&others).money);
        let due = self.refund_due(now);
        let mut case = match cancelling {
            Some(case) => case.clone(),
            None if paid_left > 0 => {
                // ORD-6: a paid order cancelled in the orders service gets
                // its refund case here, approved by the cancellation itself.
                let number = self.next_number(connection).await?;
                let request = Request {
                    kind: Kind::Refund,
                    customer_id: facts.customer_id.clone(),
                    reason: Reason::Other,
                    description: format!("order {} cancelled before shipment", facts.number),
                    evidence: Vec::new(),
                    lines: Vec::new(),
                    requested_amount: None,
                    overseas: false,
                };
                let mut case = Case::open(
                    (CaseId::new(), number),
                    request,
                    &OrderFacts {
                        stage: Stage::BeforeShipment,
                        ..facts.clone()
                    },
                    &Taken::of(&others),
                    self.settings.policy,
                    actor,
                    now,
                )?;
                case.approve(actor, "the order was cancelled (ORD-6)", now)?;
                records::save_case(connection, &case).await?;
                self.announce(connection, &case, &[("submitted", String::new())], actor)
                    .await?;
                case
            }
            None => return Ok(()),
        };
        if !case.order_cancelled(paid_left, actor, now) {
            return Ok(());
        }
        let mut actions = Vec::new();
        if case.state == State::Refunding {
            case.refund_due_by(due);
            actions.push(("refund_requested", String::new()));
        }
        if case.kind == Kind::Exchange {
            actions.push(("replacement_due", String::new()));
        }
        if case.state == State::Closed {
            actions.push(("closed", String::new()));
        }
        records::save_case(connection, &case).await?;
        self.announce(connection, &case, &actions, actor).await
    }

    /// SLA-7: the end of the working day `shop_refund_working_days` after
    /// today, in the business time zone.
    fn refund_due(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&self.settings.time_zone).date_naive();
        let last = self
            .settings
            .calendar
            .add_working_days(local, self.settings.shop_refund_working_days);
        let next = last.succ_opt().unwrap_or(last);
        next.and_hms_opt(0, 0, 0)
            .and_then(|midnight| {
                midnight
                    .and_local_timezone(self.settings.time_zone)
                    .earliest()
            })
            .map_or(now, |local| local.with_timezone(&Utc))
    }

    // ------------------------------------------------------------ requests

    /// AFS-1: a request on a known order, checked and numbered.
    pub async fn create_case(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &str,
        request: Request,
    ) -> Result<Case, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.case(&CaseId::from_stored(id)).await;
        }
        let facts = records::facts(&*transaction, order_id, true)
            .await?
            .ok_or_else(|| not_known(order_id))?;
        let others = records::cases_of_order(&*transaction, order_id, true).await?;
        let number = self.next_number(&*transaction).await?;
        let case = Case::open(
            (CaseId::new(), number),
            request,
            &facts,
            &Taken::of(&others),
            self.settings.policy,
            &actor.subject,
            now,
        )?;
        records::save_case(&*transaction, &case).await?;
        self.announce(
            &*transaction,
            &case,
            &[("submitted", String::new())],
            &actor.subject,
        )
        .await?;
        idempotency::complete(&*transaction, key, &case.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        tracing::info!(case.number = %case.number, order.number = %case.order_number, kind = case.kind.as_str(), "after-sales case opened");
        Ok(case)
    }

    /// AFS-2: approved. Before shipment the order is cancelled (AFS-3) by
    /// the consumer of the `cancelling` event.
    pub async fn approve(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        comment: String,
    ) -> Result<Case, AfterSalesError> {
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                let action = case.approve(&who, &comment, now)?;
                let mut actions = vec![("approved", comment)];
                if action != "approved" {
                    actions.push((action, String::new()));
                }
                Ok(actions)
            }),
        )
        .await
    }

    pub async fn reject(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        reason: String,
    ) -> Result<Case, AfterSalesError> {
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.reject(&who, &reason, now)?;
                Ok(vec![("rejected", reason)])
            }),
        )
        .await
    }

    pub async fn request_information(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        question: String,
    ) -> Result<Case, AfterSalesError> {
        let who = actor.subject.clone();
        let remind_after = self.settings.information_reminder_after;
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.request_information(&who, &question, remind_after, now)?;
                Ok(vec![("information_requested", question)])
            }),
        )
        .await
    }

    pub async fn provide_information(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        answer: String,
        evidence: Vec<String>,
    ) -> Result<Case, AfterSalesError> {
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.provide_information(&who, &answer, evidence, now)?;
                Ok(vec![("information_provided", answer)])
            }),
        )
        .await
    }

    /// AFS-3: the orders service refused to cancel (the order shipped in
    /// the meantime): the case is rejected with the reason.
    pub async fn cancellation_refused<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        why: &str,
    ) -> Result<(), AfterSalesError> {
        let reason = format!("the order could not be cancelled: {why}");
        self.change_in(
            connection,
            id,
            "system",
            Box::new(move |case, now| {
                if !case.cancellation_refused(&reason, now) {
                    return Ok(Vec::new());
                }
                Ok(vec![("rejected", reason)])
            }),
        )
        .await
        .map(drop)
    }
}

/// Issue 17: after-sales keeps an order's facts from the orders service's
/// events, so an order it has none of may not have reached it yet.
pub(crate) fn not_known(order_id: impl std::fmt::Display) -> AfterSalesError {
    AfterSalesError::order_not_known("after-sales", order_id, "its creation")
}
