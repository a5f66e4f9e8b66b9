//! An after-sales case (AFS-1 … AFS-7, AFS-11): a return, an exchange or a
//! refund on one order, from the request through review, the pick-up and
//! the inspection to the refund and the replacement order.
//!
//! ```text
//! SUBMITTED ⇄ INFORMATION_REQUESTED
//!   │ reject → REJECTED
//!   │ approve, not shipped → CANCELLING → (paid) REFUNDING → CLOSED
//!   │                                   → (unpaid) CLOSED
//!   │ approve, refund only → REFUNDING → CLOSED (or REFUND_REJECTED)
//!   │ approve, goods back → APPROVED → PICKUP_SCHEDULED → inspected:
//!   │     value agreed > 0 → REFUNDING → CLOSED; none → CLOSED
//!   │     (an exchange with nothing to refund: INSPECTED until replaced)
//! ```
//! An exchange is closed once its replacement order exists and its
//! returned value (if any) is refunded.

mod inspection;
mod overseas;
#[cfg(test)]
mod tests;
mod types;
mod unannounced;

pub use types::*;

use inspection::{inspect, refundable};

use chrono::{DateTime, Duration, Utc};
use orderflow_platform::money::{Currency, Money};
use serde::{Deserialize, Serialize};

use super::AfterSalesError;
use super::facts::{OrderFacts, Stage};

orderflow_platform::uuid_id!(
    /// An after-sales case's id.
    CaseId,
    "a case"
);

/// A request as the customer (or customer service for them) made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: Kind,
    pub customer_id: String,
    pub reason: Reason,
    pub description: String,
    pub evidence: Vec<String>,
    pub lines: Vec<Line>,
    /// Refund without goods: the amount asked; `None` for a cancellation
    /// before shipment (all that was paid).
    pub requested_amount: Option<Money>,
    /// AFS-8: the goods go back to the overseas warehouse.
    pub overseas: bool,
}

/// What other cases of the same order already take (AFS-1: never more
/// than was shipped or paid).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    /// Quantities per SKU in cases that count.
    pub quantities: Vec<(String, i64)>,
    /// Money asked or refunded by cases that count.
    pub money: i64,
}

impl Taken {
    pub fn of(cases: &[Case]) -> Self {
        let mut taken = Self::default();
        for case in cases.iter().filter(|case| case.state.counts()) {
            for line in &case.lines {
                match taken
                    .quantities
                    .iter_mut()
                    .find(|(sku, _)| *sku == line.sku)
                {
                    Some((_, quantity)) => *quantity += line.quantity,
                    None => taken.quantities.push((line.sku.clone(), line.quantity)),
                }
            }
            taken.money = taken.money.saturating_add(case.money_claimed());
        }
        taken
    }

    pub fn quantity(&self, sku: &str) -> i64 {
        self.quantities
            .iter()
            .find(|(taken, _)| taken == sku)
            .map_or(0, |(_, quantity)| *quantity)
    }
}

/// The settings a request is judged by (AFS-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days after delivery during which goods may be returned.
    pub return_window_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub number: String,
    pub kind: Kind,
    pub state: State,
    pub order_id: String,
    pub order_number: String,
    pub customer_id: String,
    pub channel: String,
    pub currency: Currency,
    pub reason: Reason,
    pub description: String,
    pub evidence: Vec<String>,
    pub lines: Vec<Line>,
    pub requested_amount: Option<i64>,
    pub after_shipment: bool,
    pub freight_payer: FreightPayer,
    pub pickup: Option<Pickup>,
    pub inspected: Vec<Inspected>,
    pub goods_received_at: Option<DateTime<Utc>>,
    pub refund_amount: Option<i64>,
    pub refund_id: Option<String>,
    pub refunded: bool,
    pub replacement_order_id: Option<String>,
    pub price_difference: Option<i64>,
    pub rejection_reason: String,
    /// SLA-7: when the refund of a paid, unshipped shop order is due.
    pub refund_due_at: Option<DateTime<Utc>>,
    pub refund_overdue: bool,
    /// AFS-8: the goods go back to the overseas warehouse; refunded on the
    /// customer's proof of receipt there, then shelved.
    #[serde(default)]
    pub overseas: bool,
    #[serde(default)]
    pub proof_of_receipt: String,
    #[serde(default)]
    pub shelved_at: Option<DateTime<Utc>>,
    /// AFS-11: goods sent back without notice; the case starts from the
    /// warehouse's quality-inspection record.
    #[serde(default)]
    pub unannounced: bool,
    /// AFS-2: when the customer is reminded of the information asked for,
    /// and whether that happened.
    #[serde(default)]
    pub information_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub information_reminded: bool,
    pub history: Vec<HistoryEntry>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn precondition(kind: &'static str, case: &Case, message: impl Into<String>) -> AfterSalesError {
    AfterSalesError::precondition(kind, format!("cases/{}", case.id), message)
}

impl Case {
    /// AFS-1: a request checked against the order: the customer's own, in
    /// a stage that allows the kind, within the window after delivery, in
    /// a returnable condition, for no more than was shipped and not yet
    /// claimed, and no more money than was paid and not yet claimed.
    pub fn open(
        (id, number): (CaseId, String),
        request: Request,
        order: &OrderFacts,
        taken: &Taken,
        policy: Policy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AfterSalesError> {
        let subject = format!("orders/{}", order.order_id);
        if request.customer_id != order.customer_id {
            return Err(AfterSalesError::precondition(
                "ORDER_OF_ANOTHER_CUSTOMER",
                subject,
                "the order belongs to another customer",
            ));
        }
        let after_shipment = match order.stage {
            Stage::BeforeShipment => false,
            Stage::Delivered => true,
            Stage::InTransit => {
                return Err(AfterSalesError::precondition(
                    "ORDER_IN_TRANSIT",
                    subject,
                    "the order is on its way: a request can be made once it is delivered",
                ));
            }
            Stage::Ended => {
                return Err(AfterSalesError::precondition(
                    "ORDER_ENDED",
                    subject,
                    format!("the order is {}", order.state),
                ));
            }
        };
        if after_shipment {
            let delivered = order.delivered_at.unwrap_or(order.as_of);
            let closes = delivered + Duration::days(policy.return_window_days);
            if now > closes && request.kind.takes_goods_back() {
                return Err(AfterSalesError::precondition(
                    "RETURN_WINDOW_PASSED",
                    subject,
                    format!(
                        "the return window of {} days after delivery closed at {}",
                        policy.return_window_days,
                        closes.to_rfc3339()
                    ),
                ));
            }
        }
        if request.overseas && !(after_shipment && request.kind == Kind::Return) {
            return Err(AfterSalesError::invalid(
                "overseas_warehouse",
                "only a return after delivery goes back to the overseas warehouse",
            ));
        }
        let mut lines = Vec::with_capacity(request.lines.len());
        if request.kind.takes_goods_back() {
            if request.lines.is_empty() {
                return Err(AfterSalesError::invalid(
                    "lines",
                    "a return or exchange names the goods coming back",
                ));
            }
            for (index, line) in request.lines.into_iter().enumerate() {
                let field = format!("lines[{index}]");
                let Some(unit_price) = order.unit_price(&line.sku) else {
                    return Err(AfterSalesError::invalid(
                        format!("{field}.sku"),
                        format!("order {} did not sell {}", order.number, line.sku),
                    ));
                };
                let earlier: i64 = lines
                    .iter()
                    .filter(|seen: &&Line| seen.sku == line.sku)
                    .map(|seen| seen.quantity)
                    .sum();
                let left = order.sold(&line.sku) - taken.quantity(&line.sku) - earlier;
                if line.quantity > left {
                    return Err(AfterSalesError::invalid(
                        format!("{field}.quantity"),
                        format!(
                            "{} of {} shipped and not yet claimed by another case",
                            left.max(0),
                            line.sku
                        ),
                    ));
                }
                // Before shipment nothing was worn or unpacked.
                let returnable = !after_shipment || (line.tags_attached && line.packaging_intact);
                if !request.reason.is_ours() && !returnable {
                    return Err(AfterSalesError::invalid(
                        format!("{field}.tags_attached"),
                        "goods returned for a reason that is not ours need their tags and \
                         intact packaging (AFS-1)",
                    ));
                }
                lines.push(Line { unit_price, ..line });
            }
        } else if !request.lines.is_empty() {
            return Err(AfterSalesError::invalid(
                "lines",
                "a refund without goods names no lines",
            ));
        }
        let left_to_refund = order.amount_paid.saturating_sub(taken.money);
        let requested_amount = match (&request.kind, request.requested_amount) {
            (Kind::Refund, Some(amount)) => {
                if amount.currency != order.currency {
                    return Err(AfterSalesError::invalid(
                        "requested_amount.currency_code",
                        format!("the order is in {}", order.currency),
                    ));
                }
                if amount.minor_units > left_to_refund {
                    return Err(AfterSalesError::invalid(
                        "requested_amount.minor_units",
                        format!(
                            "at most {} was paid and not yet refunded",
                            Money::new(order.currency, left_to_refund.max(0))
                        ),
                    ));
                }
                Some(amount.minor_units)
            }
            (Kind::Refund, None) if after_shipment => {
                return Err(AfterSalesError::invalid(
                    "requested_amount",
                    "a refund after shipment names its amount",
                ));
            }
            (Kind::Refund, None) => None,
            (_, Some(_)) => {
                return Err(AfterSalesError::invalid(
                    "requested_amount",
                    "a return or exchange is refunded what the inspection agrees",
                ));
            }
            (_, None) => None,
        };
        if request.kind == Kind::Return
            && lines
                .iter()
                .try_fold(0_i64, |sum, line| {
                    line.value().and_then(|v| sum.checked_add(v))
                })
                .is_none()
        {
            return Err(AfterSalesError::invalid("lines", "the value overflows"));
        }
        let case = Self {
            id,
            number,
            kind: request.kind,
            state: State::Submitted,
            order_id: order.order_id.clone(),
            order_number: order.number.clone(),
            customer_id: order.customer_id.clone(),
            channel: order.channel.clone(),
            currency: order.currency,
            reason: request.reason,
            description: request.description,
            evidence: request.evidence,
            lines,
            requested_amount,
            after_shipment,
            freight_payer: request.reason.freight_payer(),
            pickup: None,
            inspected: Vec::new(),
            goods_received_at: None,
            refund_amount: None,
            refund_id: None,
            refunded: false,
            replacement_order_id: None,
            price_difference: None,
            rejection_reason: String::new(),
            refund_due_at: None,
            refund_overdue: false,
            overseas: request.overseas,
            proof_of_receipt: String::new(),
            shelved_at: None,
            unannounced: false,
            information_due_at: None,
            information_reminded: false,
            history: Vec::new(),
            created_by: actor.to_owned(),
            created_at: now,
            updated_at: now,
        };
        Ok(case.noted(actor, "submitted", String::new(), now))
    }

    fn noted(mut self, actor: &str, action: &str, detail: String, now: DateTime<Utc>) -> Self {
        self.note(actor, action, detail, now);
        self
    }

    pub fn note(&mut self, actor: &str, action: &str, detail: String, now: DateTime<Utc>) {
        self.history.push(HistoryEntry {
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail,
        });
        self.updated_at = now;
    }

    /// The money this case asks or will ask of the order's payments.
    pub fn money_claimed(&self) -> i64 {
        match (self.refund_amount, self.requested_amount) {
            (Some(amount), _) | (None, Some(amount)) => amount,
            (None, None) => 0,
        }
    }

    /// The value of the goods claimed, at the order's prices.
    pub fn goods_value(&self) -> i64 {
        self.lines
            .iter()
            .filter_map(Line::value)
            .fold(0_i64, i64::saturating_add)
    }

    fn expect(&self, allowed: &[State], what: &str) -> Result<(), AfterSalesError> {
        if allowed.contains(&self.state) {
            return Ok(());
        }
        Err(precondition(
            "CASE_STATE",
            self,
            format!("cannot {what}: the case is {}", self.state.as_str()),
        ))
    }

    /// AFS-2: customer service approves. Before shipment the order is
    /// cancelled (AFS-3); a refund without goods goes to finance; goods
    /// are expected back otherwise. Returns the action to announce.
    pub fn approve(
        &mut self,
        actor: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<&'static str, AfterSalesError> {
        self.expect(&[State::Submitted], "approve")?;
        let action = if self.unannounced {
            // AFS-11: the goods are in and inspected: the agreed value is
            // refunded, or nothing is and the case is done.
            if self.refund_amount.unwrap_or(0) > 0 {
                self.state = State::Refunding;
                "refund_requested"
            } else {
                self.refunded = true;
                self.state = State::Closed;
                "closed"
            }
        } else if !self.after_shipment {
            self.state = State::Cancelling;
            "cancelling"
        } else if self.kind == Kind::Refund {
            let amount = self.requested_amount.unwrap_or(0);
            self.refund_amount = Some(amount);
            self.state = State::Refunding;
            "refund_requested"
        } else {
            self.state = State::Approved;
            "approved"
        };
        self.note(actor, "approved", comment.to_owned(), now);
        Ok(action)
    }

    pub fn reject(
        &mut self,
        actor: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        // A case whose refund the GM refused is closed without one this
        // way (it then claims nothing more of the order).
        self.expect(
            &[
                State::Submitted,
                State::InformationRequested,
                State::RefundRejected,
            ],
            "reject",
        )?;
        self.state = State::Rejected;
        self.rejection_reason = reason.to_owned();
        self.note(actor, "rejected", reason.to_owned(), now);
        Ok(())
    }

    /// AFS-2: the case waits for the customer's answer.
    /// AFS-2: the case waits for the customer's answer, who is reminded
    /// once if it has not come `remind_after` later.
    pub fn request_information(
        &mut self,
        actor: &str,
        question: &str,
        remind_after: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        self.expect(&[State::Submitted], "ask for information")?;
        self.state = State::InformationRequested;
        self.information_due_at = Some(now + remind_after);
        self.information_reminded = false;
        self.note(actor, "information_requested", question.to_owned(), now);
        Ok(())
    }

    /// AFS-2: still waiting for the answer past its due time: reminded,
    /// once.
    pub fn remind(&mut self, now: DateTime<Utc>) -> bool {
        let due = self.information_due_at.is_some_and(|due| due < now);
        if self.state != State::InformationRequested || !due || self.information_reminded {
            return false;
        }
        self.information_reminded = true;
        self.note(
            "system",
            "information_reminder",
            "the customer is reminded of the information asked for".to_owned(),
            now,
        );
        true
    }

    pub fn provide_information(
        &mut self,
        actor: &str,
        answer: &str,
        evidence: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        self.expect(&[State::InformationRequested], "add information")?;
        self.evidence.extend(evidence);
        self.state = State::Submitted;
        self.information_due_at = None;
        self.note(actor, "information_provided", answer.to_owned(), now);
        Ok(())
    }

    /// Whether a pick-up may be scheduled now (checked before logistics is
    /// asked).
    pub fn check_pickup(&self) -> Result<(), AfterSalesError> {
        if self.overseas {
            return Err(precondition(
                "OVERSEAS_RETURN",
                self,
                "the customer sends the goods to the overseas warehouse: nothing to pick up",
            ));
        }
        if !self.kind.takes_goods_back() {
            return Err(precondition(
                "NO_GOODS",
                self,
                "a refund without goods has nothing to pick up",
            ));
        }
        self.expect(
            &[State::Approved, State::PickupScheduled],
            "schedule a pick-up",
        )
    }

    /// AFS-4: the pick-up logistics scheduled.
    pub fn pickup_scheduled(
        &mut self,
        actor: &str,
        pickup: Pickup,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        self.check_pickup()?;
        let detail = format!(
            "{} by {} on {}; freight paid by {}",
            pickup.pickup_id,
            pickup.carrier_code,
            pickup.pickup_date,
            pickup.freight_payer.as_str()
        );
        self.pickup = Some(pickup);
        self.state = State::PickupScheduled;
        self.note(actor, "pickup_scheduled", detail, now);
        Ok(())
    }

    /// AFS-5: checks the inspection against the case and returns the
    /// lines as they will be recorded (nothing changes yet: inventory is
    /// told first).
    pub fn check_inspection(
        &self,
        findings: &[Finding],
    ) -> Result<Vec<Inspected>, AfterSalesError> {
        if self.overseas {
            return Err(precondition(
                "OVERSEAS_RETURN",
                self,
                "an overseas return is refunded on proof of receipt and shelved there",
            ));
        }
        self.expect(
            &[State::Approved, State::PickupScheduled],
            "inspect returned goods",
        )?;
        inspect(&self.lines, findings)
    }

    /// AFS-5, AFS-6, AFS-7: the inspected goods are back; what was agreed
    /// is refunded; an exchange waits for its replacement order too.
    /// Returns whether a refund is to be requested.
    /// `paid_left` is what was paid for the order and not claimed by its
    /// other cases: the refund is the agreed total, at most that.
    pub fn inspected(
        &mut self,
        actor: &str,
        lines: Vec<Inspected>,
        paid_left: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, AfterSalesError> {
        self.expect(
            &[State::Approved, State::PickupScheduled],
            "inspect returned goods",
        )?;
        let agreed = lines
            .iter()
            .fold(0_i64, |sum, line| sum.saturating_add(line.agreed_value));
        let detail = lines
            .iter()
            .map(|line| {
                format!(
                    "{} × {} {} worth {}{}",
                    line.quantity,
                    line.sku,
                    match line.condition {
                        Condition::Complete => "complete",
                        Condition::Damaged => "damaged",
                    },
                    Money::new(self.currency, line.agreed_value),
                    if line.restocked {
                        ", restocked"
                    } else {
                        ", quarantined"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let refund = refundable(agreed, paid_left);
        let detail = if refund < agreed {
            format!(
                "{detail}; {} refunded: the rest was not paid",
                Money::new(self.currency, refund)
            )
        } else {
            detail
        };
        self.inspected = lines;
        self.goods_received_at = Some(now);
        self.refund_amount = Some(refund);
        self.note(actor, "inspected", detail, now);
        if refund > 0 {
            self.state = State::Refunding;
            return Ok(true);
        }
        // Nothing to refund: done, or waiting for the replacement order.
        self.refunded = true;
        self.state = State::Inspected;
        self.close_if_done(actor, now);
        Ok(false)
    }

    /// AFS-3: the orders service cancelled the order. Paid: the refund of
    /// what was paid and not yet claimed; unpaid: closed — an exchange once
    /// its replacement order exists too (the lines changed, the price
    /// difference settled by the refund and the new order).
    pub fn order_cancelled(&mut self, paid_left: i64, actor: &str, now: DateTime<Utc>) -> bool {
        if self.state != State::Cancelling {
            return false;
        }
        if paid_left > 0 {
            self.refund_amount = Some(paid_left);
            self.state = State::Refunding;
            self.note(
                actor,
                "order_cancelled",
                format!("{} paid is refunded", Money::new(self.currency, paid_left)),
                now,
            );
        } else {
            self.refunded = true;
            // An exchange still waits for its replacement order.
            self.state = State::Inspected;
            self.note(
                actor,
                "order_cancelled",
                "nothing was paid: the order is closed".to_owned(),
                now,
            );
            self.close_if_done(actor, now);
        }
        true
    }

    /// AFS-3: the order was cancelled: a request of it still waiting for
    /// review (before shipment) is settled by the cancellation's refund of
    /// what was paid, and ends rejected saying so.
    pub fn superseded_by_cancellation(&mut self, order: &OrderFacts, now: DateTime<Utc>) -> bool {
        if self.after_shipment
            || !matches!(self.state, State::Submitted | State::InformationRequested)
        {
            return false;
        }
        let reason = format!(
            "order {} was cancelled: what was paid is refunded by its cancellation",
            order.number
        );
        self.state = State::Rejected;
        self.rejection_reason = reason.clone();
        self.note("system", "rejected", reason, now);
        true
    }

    /// AFS-3: the orders service would not cancel (the order shipped in
    /// the meantime): the case ends rejected with the reason.
    pub fn cancellation_refused(&mut self, reason: &str, now: DateTime<Utc>) -> bool {
        if self.state != State::Cancelling {
            return false;
        }
        self.state = State::Rejected;
        self.rejection_reason = reason.to_owned();
        self.note("system", "rejected", reason.to_owned(), now);
        true
    }

    /// SLA-7: a paid, unshipped shop order's refund is due by `due`.
    pub fn refund_due_by(&mut self, due: DateTime<Utc>) {
        if !self.after_shipment && !self.channel.is_empty() {
            self.refund_due_at = Some(due);
        }
    }

    /// SLA-7: flags a refund past its due time, once.
    pub fn flag_overdue(&mut self, now: DateTime<Utc>) -> bool {
        let due = self.refund_due_at.is_some_and(|due| due < now);
        if !due || self.refunded || self.refund_overdue || self.state != State::Refunding {
            return false;
        }
        self.refund_overdue = true;
        self.note(
            "system",
            "refund_overdue",
            "SLA-7: 2 working days".to_owned(),
            now,
        );
        true
    }

    /// Finance accepted the refund request.
    pub fn refund_filed(&mut self, refund_id: &str, actor: &str, now: DateTime<Utc>) -> bool {
        if self.refund_id.is_some() {
            return false;
        }
        self.refund_id = Some(refund_id.to_owned());
        self.note(
            actor,
            "refund_filed",
            format!("finance refund {refund_id}"),
            now,
        );
        true
    }

    /// Finance executed the refund (FIN-8): done unless an exchange still
    /// waits for its replacement.
    pub fn refund_executed(&mut self, actor: &str, now: DateTime<Utc>) -> bool {
        if self.refunded {
            return false;
        }
        self.refunded = true;
        self.note(actor, "refunded", String::new(), now);
        self.close_if_done(actor, now);
        true
    }

    /// The GM refused the refund (APR-6): customer service follows up.
    pub fn refund_rejected(&mut self, reason: &str, actor: &str, now: DateTime<Utc>) -> bool {
        if self.state != State::Refunding || self.refunded {
            return false;
        }
        self.state = State::RefundRejected;
        self.note(actor, "refund_rejected", reason.to_owned(), now);
        true
    }

    /// AFS-7: the replacement order exists; the price difference is its
    /// total less the value returned.
    pub fn replaced(
        &mut self,
        order_id: &str,
        replacement_total: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> bool {
        if self.replacement_order_id.is_some() {
            return false;
        }
        let returned = self.refund_amount.unwrap_or(0);
        let difference = replacement_total.saturating_sub(returned);
        self.replacement_order_id = Some(order_id.to_owned());
        self.price_difference = Some(difference);
        self.note(
            actor,
            "replaced",
            format!(
                "replacement order {order_id}; price difference {}",
                Money::new(self.currency, difference)
            ),
            now,
        );
        self.close_if_done(actor, now);
        true
    }

    fn close_if_done(&mut self, actor: &str, now: DateTime<Utc>) {
        let replaced = self.kind != Kind::Exchange || self.replacement_order_id.is_some();
        let shelved = !self.overseas || self.shelved_at.is_some();
        if self.refunded && replaced && shelved && self.state != State::Closed {
            self.state = State::Closed;
            self.note(actor, "closed", String::new(), now);
        }
    }
}
