//! The order and its edits (ORD-7), cancellation and copies. Its kinds and
//! states are in [`lifecycle`], what it is made of and its validation in
//! [`input`] and [`terms`], the review in [`review`], merging in [`merge`].

use crate::domain::OrderActor;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::customer::Address;
use super::error::Unmet;
use super::{Actor, OrderError};
use orderflow_platform::auth::Role;
use orderflow_platform::ids::Sku;
use orderflow_platform::money::{Currency, Money};
use orderflow_platform::validation::Violations;

pub mod custom;
mod export;
mod fit;
mod fulfilment;
mod input;
mod lifecycle;
mod merge;
mod replaced;
mod review;
mod terms;

pub use export::*;
pub use fit::*;
pub use fulfilment::*;
pub use input::*;
pub use lifecycle::*;
pub use replaced::*;
pub use terms::*;

/// An order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub kind: OrderKind,
    pub state: OrderState,
    pub customer_id: String,
    pub salesperson: String,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub total: i64,
    pub requested_delivery_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub ship_to: Address,
    pub buyer_message: String,
    pub seller_note: String,
    pub special_requirements: String,
    /// ORD-18: a special custom-made product (特殊定做产品): a
    /// `sales_supervisor` reviews its specification, quantity and delivery
    /// date before it is confirmed.
    pub special_custom: bool,
    /// SLA-2: by when that review is due (set on submission).
    pub custom_review_due_at: Option<DateTime<Utc>>,
    pub replaces_order_id: Option<String>,
    pub copied_from_order_id: Option<String>,
    /// ORD-9: the orders merged into this one, in the order given.
    pub merged_from_order_ids: Vec<String>,
    /// ORD-9: the order this one was merged into (it is closed).
    pub merged_into_order_id: Option<String>,
    pub quotation_id: Option<String>,
    pub customer_po_number: String,
    pub cost_bearer: Option<CostBearer>,
    /// APR-2, export orders only.
    pub export_contract: ExportContract,
    pub revision: i32,
    pub flags: BTreeSet<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub confirmation_due_at: Option<DateTime<Utc>>,
    pub confirmation_overdue: bool,
    pub amount_paid: i64,
    pub approval_request_id: Option<String>,
    /// Set when logistics dispatched the order (LOG-3).
    pub carrier_code: String,
    pub tracking_number: String,
    /// ORD-10: the shop channel an imported order came from; empty
    /// otherwise (after-sales times its refunds by it, SLA-7).
    pub channel: String,
    /// S10: the store (its partner code) that took a made-to-measure
    /// order; empty otherwise.
    pub store_code: String,
    /// S10: the manufacturer making a made-to-measure garment, from its
    /// fabric purchase; empty otherwise.
    pub manufacturer_code: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
}

pub const FLAG_PRICE_MISMATCH: &str = "price_mismatch";
pub const FLAG_CONFIRMATION_OVERDUE: &str = "confirmation_overdue";
/// ORD-11: held as a suspected fake or brushing order (刷单) until a human decides.
pub const FLAG_SUSPECTED_FAKE: &str = "suspected_fake";
/// ORD-11: the payment gate opened while the order was held.
pub const FLAG_RELEASE_HELD: &str = "release_held";
/// ORD-11: a sales supervisor judged the held order genuine.
pub const FLAG_HOLD_CLEARED: &str = "hold_cleared";

/// ORD-11: words in a seller note that mark a fake or brushing order.
const FAKE_ORDER_MARKERS: &[&str] = &["刷单", "刷單", "brushing", "fake order"];

/// The part of an order an edit may change, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditableFields {
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub requested_delivery_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub ship_to: Address,
    pub buyer_message: String,
    pub seller_note: String,
    pub special_requirements: String,
    /// Absent in revisions kept before ORD-18.
    #[serde(default)]
    pub special_custom: bool,
    pub customer_po_number: String,
    pub cost_bearer: Option<CostBearer>,
    /// Absent in revisions kept before APR-2's form was on the order.
    #[serde(default)]
    pub export_contract: ExportContract,
}

/// The fields `UpdateOrder` may name in its mask.
pub const EDITABLE_FIELDS: &[&str] = &[
    "lines",
    "currency_code",
    "requested_delivery_date",
    "payment_terms",
    "ship_to",
    "buyer_message",
    "seller_note",
    "special_requirements",
    "special_custom",
    "customer_po_number",
    "cost_bearer",
    "factory_contract_number",
    "estimated_costs",
];

/// A price that differs from the price list (ORD-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceDeviation {
    pub line_no: u32,
    pub unit_price: i64,
    pub list_price: i64,
}

/// The outcome of order review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Confirmed; deviations (if any) were accepted by a sales supervisor.
    Passed {
        accepted_deviations: Vec<PriceDeviation>,
    },
    /// Prices differ from the price list and nobody entitled accepted them.
    NeedsSupervisor { deviations: Vec<PriceDeviation> },
}

impl Order {
    /// A new order from validated input.
    pub fn create(
        new: NewOrder,
        id: String,
        number: String,
        customer_address: &Address,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            number,
            kind: new.kind,
            state: OrderState::Draft,
            customer_id: new.customer_id,
            salesperson: new.salesperson,
            currency: new.currency,
            lines: new.lines,
            total: new.total,
            requested_delivery_date: new.requested_delivery_date,
            payment_terms: new.payment_terms,
            ship_to: new.ship_to.unwrap_or_else(|| customer_address.clone()),
            buyer_message: new.buyer_message,
            seller_note: new.seller_note,
            special_requirements: new.special_requirements,
            special_custom: new.special_custom,
            custom_review_due_at: None,
            replaces_order_id: new.replaces_order_id,
            copied_from_order_id: None,
            merged_from_order_ids: Vec::new(),
            merged_into_order_id: None,
            quotation_id: None,
            customer_po_number: new.customer_po_number,
            cost_bearer: new.cost_bearer,
            export_contract: new.export_contract,
            channel: new.channel,
            store_code: new.store_code,
            manufacturer_code: String::new(),
            revision: 1,
            flags: BTreeSet::new(),
            submitted_at: None,
            confirmation_due_at: None,
            confirmation_overdue: false,
            amount_paid: 0,
            carrier_code: String::new(),
            tracking_number: String::new(),
            approval_request_id: None,
            created_at: now,
            updated_at: now,
            created_by: actor.subject.clone(),
        }
    }

    pub fn money(&self, minor_units: i64) -> Money {
        Money::new(self.currency, minor_units)
    }

    /// The input that would re-create this order; edits start from it.
    pub fn to_input(&self) -> OrderInput {
        OrderInput {
            kind: Choice::Value(self.kind),
            customer_id: self.customer_id.clone(),
            currency_code: self.currency.code().to_owned(),
            lines: self
                .lines
                .iter()
                .map(|line| LineInput {
                    sku: line.sku.clone(),
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_price_currency: String::new(),
                    unit_price: line.unit_price,
                    kit: line.kit.clone(),
                    fit: line.fit.clone(),
                })
                .collect(),
            requested_delivery_date: self.requested_delivery_date.to_string(),
            payment_terms: self.payment_terms.map(|terms| PaymentTermsInput {
                kind: Choice::Value(terms.kind),
                deposit_percent: i32::from(terms.deposit_percent),
                prepayment_clause: terms.prepayment_clause,
                commission_clause: terms.commission_clause,
            }),
            salesperson: self.salesperson.clone(),
            ship_to: Some(self.ship_to.clone()),
            buyer_message: self.buyer_message.clone(),
            seller_note: self.seller_note.clone(),
            special_requirements: self.special_requirements.clone(),
            special_custom: self.special_custom,
            channel: self.channel.clone(),
            replaces_order_id: self.replaces_order_id.clone().unwrap_or_default(),
            cost_bearer: self.cost_bearer.map_or(Choice::Unspecified, Choice::Value),
            customer_po_number: self.customer_po_number.clone(),
            export_contract: self.export_contract.to_input(),
        }
    }

    pub fn editable_fields(&self) -> EditableFields {
        EditableFields {
            currency: self.currency,
            lines: self.lines.clone(),
            requested_delivery_date: self.requested_delivery_date,
            payment_terms: self.payment_terms,
            ship_to: self.ship_to.clone(),
            buyer_message: self.buyer_message.clone(),
            seller_note: self.seller_note.clone(),
            special_requirements: self.special_requirements.clone(),
            special_custom: self.special_custom,
            customer_po_number: self.customer_po_number.clone(),
            cost_bearer: self.cost_bearer,
            export_contract: self.export_contract.clone(),
        }
    }

    /// Only the order's salesperson, a sales assistant or an admin changes an
    /// order's content.
    pub fn ensure_editable_by(&self, actor: &Actor) -> Result<(), OrderError> {
        let privileged = ["sales_assistant", "sales_supervisor", "admin", "service"]
            .iter()
            .any(|role| actor.has_role(role));
        // S10: any person of the store that took the order.
        let same_store = !self.store_code.is_empty()
            && actor.store_scope().ok().flatten() == Some(self.store_code.as_str());
        if privileged || same_store || actor.subject == self.salesperson {
            Ok(())
        } else {
            Err(OrderError::PermissionDenied(format!(
                "order {} belongs to salesperson {}; {} may not change it",
                self.number, self.salesperson, actor.subject
            )))
        }
    }

    fn transition(&mut self, action: Action, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        let from = self.state;
        self.state = from.apply(action)?;
        self.updated_at = now;
        Ok(from)
    }

    /// ORD-7: edits before review; a submitted or rejected order goes back to
    /// DRAFT. Returns the names of the fields that changed, with the state the
    /// order left.
    pub fn edit(
        &mut self,
        mask: &[String],
        update: &OrderInput,
        actor: &Actor,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(OrderState, Vec<&'static str>), OrderError> {
        if !self.state.is_editable() {
            return Err(OrderError::precondition(
                "EDIT_AFTER_REVIEW",
                format!("orders/{}", self.id),
                format!(
                    "order {} is {} and can no longer be edited (审单之后无法修改): cancel it and create a new one",
                    self.number, self.state
                ),
            ));
        }
        self.ensure_editable_by(actor)?;
        let mut violations = Violations::new();
        if mask.is_empty() {
            violations.add("update_mask", "name at least one field to change");
        }
        let mut merged = self.to_input();
        let mut named: Vec<&'static str> = Vec::new();
        for path in mask {
            let Some(name) = EDITABLE_FIELDS.iter().find(|name| **name == path.as_str()) else {
                violations.add(
                    "update_mask",
                    format!(
                        "{path} is not an editable field; editable: {}",
                        EDITABLE_FIELDS.join(", ")
                    ),
                );
                continue;
            };
            named.push(name);
            match *name {
                "lines" => merged.lines = update.lines.clone(),
                "currency_code" => merged.currency_code = update.currency_code.clone(),
                "requested_delivery_date" => {
                    merged.requested_delivery_date = update.requested_delivery_date.clone()
                }
                "payment_terms" => merged.payment_terms = update.payment_terms,
                "ship_to" => merged.ship_to = update.ship_to.clone(),
                "buyer_message" => merged.buyer_message = update.buyer_message.clone(),
                "seller_note" => merged.seller_note = update.seller_note.clone(),
                "special_requirements" => {
                    merged.special_requirements = update.special_requirements.clone()
                }
                "special_custom" => merged.special_custom = update.special_custom,
                "customer_po_number" => {
                    merged.customer_po_number = update.customer_po_number.clone()
                }
                "cost_bearer" => merged.cost_bearer = update.cost_bearer,
                "factory_contract_number" => {
                    merged.export_contract.factory_contract_number =
                        update.export_contract.factory_contract_number.clone()
                }
                "estimated_costs" => {
                    merged.export_contract.estimated_costs =
                        update.export_contract.estimated_costs.clone()
                }
                _ => {}
            }
        }
        if !violations.is_empty() {
            return Err(OrderError::InvalidInput(violations.into_vec()));
        }
        let parsed = NewOrder::parse(&merged, actor, today, "order.")?;
        let before = self.editable_fields();
        self.currency = parsed.currency;
        self.lines = parsed.lines;
        self.total = parsed.total;
        self.requested_delivery_date = parsed.requested_delivery_date;
        self.payment_terms = parsed.payment_terms;
        self.ship_to = parsed.ship_to.unwrap_or_default();
        self.buyer_message = parsed.buyer_message;
        self.seller_note = parsed.seller_note;
        self.special_requirements = parsed.special_requirements;
        self.special_custom = parsed.special_custom;
        self.customer_po_number = parsed.customer_po_number;
        self.cost_bearer = parsed.cost_bearer;
        self.export_contract = parsed.export_contract;
        let after = self.editable_fields();
        let changed = changed_fields(&before, &after);
        let action = if self.state == OrderState::Draft {
            Action::Edit
        } else {
            Action::Revise
        };
        let from = self.transition(action, now)?;
        self.revision += 1;
        // A revised order is reviewed afresh.
        self.flags.remove(FLAG_PRICE_MISMATCH);
        self.confirmation_overdue = false;
        self.flags.remove(FLAG_CONFIRMATION_OVERDUE);
        self.submitted_at = None;
        self.confirmation_due_at = None;
        self.reset_custom_review();
        Ok((from, changed))
    }

    pub fn submit(
        &mut self,
        confirmation_sla: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        let from = self.transition(Action::Submit, now)?;
        self.submitted_at = Some(now);
        self.confirmation_due_at = Some(now + confirmation_sla);
        // ORD-18, SLA-2: a special custom order is reviewed afresh, within
        // four hours of each submission.
        self.reset_custom_review();
        if self.special_custom {
            self.custom_review_due_at = Some(now + custom::CUSTOM_REVIEW_WITHIN);
        }
        Ok(from)
    }

    /// The fulfilment saga found no approval chain for the kind.
    pub fn pass_approval(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::PassApproval, now)
    }

    /// FIN-5: finance reported the order's release gate open (下达生产通知).
    pub fn release(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::Release, now)
    }

    /// PRD-1: the first production order for a short line started.
    pub fn start_production(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::StartProduction, now)
    }

    /// On RELEASED with all stock reserved: ready to ship.
    pub fn mark_ready_to_ship(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::MarkReadyToShip, now)
    }

    /// LOG-3: dispatched by logistics with a carrier and a tracking number.
    pub fn ship(
        &mut self,
        carrier_code: &str,
        tracking_number: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        let from = self.transition(Action::Ship, now)?;
        self.carrier_code = carrier_code.to_owned();
        self.tracking_number = tracking_number.to_owned();
        Ok(from)
    }

    /// LOG-4: the carrier delivered it.
    pub fn deliver(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::Deliver, now)
    }

    /// FIN-9: finance settled the delivered order.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.transition(Action::Complete, now)
    }

    /// APR-3: an approver rejected the order; the reason goes on its timeline.
    pub fn fail_approval(
        &mut self,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        require_reason(reason)?;
        self.transition(Action::FailApproval, now)
    }

    /// ORD-6: before shipment only; a reason is required.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        require_reason(reason)?;
        if self.state.has_shipped() {
            return Err(OrderError::precondition(
                "ALREADY_SHIPPED",
                format!("orders/{}", self.id),
                format!(
                    "order {} has shipped and can no longer be cancelled; goods come back only through after-sales (request a return)",
                    self.number
                ),
            ));
        }
        self.transition(Action::Cancel, now)
    }

    /// SLA-1: confirmation is late. True when this is news.
    pub fn mark_confirmation_overdue(&mut self, now: DateTime<Utc>) -> bool {
        let due = self.confirmation_due_at.is_some_and(|due| due <= now);
        if self.state != OrderState::Submitted || self.confirmation_overdue || !due {
            return false;
        }
        self.confirmation_overdue = true;
        self.flags.insert(FLAG_CONFIRMATION_OVERDUE.to_owned());
        self.updated_at = now;
        true
    }

    /// ORD-15: a closed or finished order copied into a new draft.
    pub fn copy_as_new(
        &self,
        id: String,
        number: String,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Order, OrderError> {
        if !self.state.is_closed_or_finished() {
            return Err(OrderError::precondition(
                "NOT_CLOSED",
                format!("orders/{}", self.id),
                format!(
                    "only closed, cancelled or completed orders can be copied; order {} is {}",
                    self.number, self.state
                ),
            ));
        }
        let mut copy = self.renewed(id, number, actor, now);
        for line in &mut copy.lines {
            line.list_price = None;
        }
        copy.copied_from_order_id = Some(self.id.clone());
        Ok(copy)
    }

    /// A new draft with this order's terms and lines: its own id, number
    /// and history — no flags, nothing paid, no approval, shipment or links.
    fn renewed(&self, id: String, number: String, actor: &Actor, now: DateTime<Utc>) -> Order {
        Order {
            id,
            number,
            state: OrderState::Draft,
            copied_from_order_id: None,
            merged_from_order_ids: Vec::new(),
            merged_into_order_id: None,
            revision: 1,
            flags: BTreeSet::new(),
            submitted_at: None,
            confirmation_due_at: None,
            confirmation_overdue: false,
            amount_paid: 0,
            carrier_code: String::new(),
            tracking_number: String::new(),
            approval_request_id: None,
            created_at: now,
            updated_at: now,
            created_by: actor.subject.clone(),
            ..self.clone()
        }
    }
}

fn require_reason(reason: &str) -> Result<(), OrderError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err(OrderError::invalid("reason", "a reason is required"));
    }
    if trimmed.chars().count() > 1000 {
        return Err(OrderError::invalid(
            "reason",
            "must be at most 1000 characters",
        ));
    }
    Ok(())
}

fn changed_fields(before: &EditableFields, after: &EditableFields) -> Vec<&'static str> {
    [
        ("currency_code", before.currency != after.currency),
        ("lines", before.lines != after.lines),
        (
            "requested_delivery_date",
            before.requested_delivery_date != after.requested_delivery_date,
        ),
        ("payment_terms", before.payment_terms != after.payment_terms),
        ("ship_to", before.ship_to != after.ship_to),
        ("buyer_message", before.buyer_message != after.buyer_message),
        ("seller_note", before.seller_note != after.seller_note),
        (
            "special_requirements",
            before.special_requirements != after.special_requirements,
        ),
        (
            "special_custom",
            before.special_custom != after.special_custom,
        ),
        (
            "customer_po_number",
            before.customer_po_number != after.customer_po_number,
        ),
        ("cost_bearer", before.cost_bearer != after.cost_bearer),
        (
            "factory_contract_number",
            before.export_contract.factory_contract_number
                != after.export_contract.factory_contract_number,
        ),
        (
            "estimated_costs",
            before.export_contract.estimated_costs != after.export_contract.estimated_costs,
        ),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

#[cfg(test)]
pub(crate) mod tests;
