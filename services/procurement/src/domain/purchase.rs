//! Purchase orders (PRC-3, PRC-4, PRC-5, PRC-8): one supplier, one
//! contract, one line per requisition it covers.
//!
//! ```text
//! PENDING_APPROVAL ─contract approved (APR-9)→ APPROVED ─sent with a promised date→ SENT
//!   ─everything ordered arrived and inspected→ RECEIVED
//! PENDING_APPROVAL ─contract rejected→ REJECTED
//! ```
//!
//! Nothing is sent before the contract is approved. Each line has its own
//! promised date. Each arrival is a receipt against one line: the
//! warehouse's first check (quantity, packaging), then IQC (accepted +
//! rejected = what arrived); per line, the received, accepted, rejected and
//! still-to-inspect quantities always add up, and nothing arrives beyond
//! what was ordered. A line past its promised date with goods still to come
//! is late, once.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Money;
use serde::{Deserialize, Serialize};

use super::ProcurementError;

orderflow_platform::uuid_id!(
    /// A purchase order.
    PurchaseOrderId,
    "purchase order"
);

orderflow_platform::uuid_id!(
    /// One arrival against a purchase order.
    ReceiptId,
    "receipt"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoState {
    PendingApproval,
    Approved,
    Rejected,
    Sent,
    Received,
}

impl PoState {
    pub fn as_str(self) -> &'static str {
        match self {
            PoState::PendingApproval => "pending_approval",
            PoState::Approved => "approved",
            PoState::Rejected => "rejected",
            PoState::Sent => "sent",
            PoState::Received => "received",
        }
    }
}

/// A line's number on its order, from 1.
pub type LineNo = u32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub note: String,
    pub promised_date: Option<NaiveDate>,
    /// The line a new promise is for; none: every line with goods to come.
    #[serde(default)]
    pub line: Option<LineNo>,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReceiptId,
    pub line: LineNo,
    pub sku: String,
    pub quantity: i64,
    pub packaging_ok: bool,
    pub note: String,
    pub checked_by: String,
    pub arrived_at: DateTime<Utc>,
    pub on_time: bool,
    pub inspected: bool,
    pub accepted: i64,
    pub rejected: i64,
    pub defects: String,
    pub inspected_by: String,
    pub return_note: String,
}

/// What one requisition is bought for: its material, at the selected
/// supplier's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoLine {
    pub line: LineNo,
    pub requisition_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub need_by: NaiveDate,
    /// The supplier's promise, once sent (PRC-4).
    pub promised_date: Option<NaiveDate>,
    /// Announced late, once per promise (PRC-4).
    pub late: bool,
    /// PRC-1: the unit price compared in the base currency, and the
    /// cheapest quote's; the supplier's price score counts them once the
    /// contract is approved.
    #[serde(default)]
    pub quoted_base: i64,
    #[serde(default)]
    pub cheapest_base: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub id: PurchaseOrderId,
    pub supplier_code: String,
    pub lines: Vec<PoLine>,
    pub selection_reason: String,
    pub state: PoState,
    pub approval_request_id: String,
    pub decision_note: String,
    pub follow_ups: Vec<FollowUp>,
    pub receipts: Vec<Receipt>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One requisition and the quote selected for it.
#[derive(Debug, Clone)]
pub struct DraftLine {
    pub requisition_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub need_by: NaiveDate,
    /// The quote and the cheapest quote in the base currency (PRC-1).
    pub quoted_base: i64,
    pub cheapest_base: i64,
}

/// What a purchase order is drafted from: the requisitions and the quotes
/// selected.
#[derive(Debug, Clone)]
pub struct Draft {
    pub supplier_code: String,
    pub lines: Vec<DraftLine>,
    pub selection_reason: String,
}

impl PurchaseOrder {
    /// A draft for one supplier, in one currency, with a total that fits.
    pub fn new(draft: Draft, now: DateTime<Utc>) -> Result<Self, ProcurementError> {
        let Some(currency) = draft.lines.first().map(|line| line.unit_price.currency) else {
            return Err(ProcurementError::invalid(
                "requisition_ids",
                "a purchase order needs at least one requisition",
            ));
        };
        if let Some(other) = draft
            .lines
            .iter()
            .find(|line| line.unit_price.currency != currency)
        {
            return Err(ProcurementError::invalid(
                "requisition_ids",
                format!(
                    "one purchase order is in one currency: {} is quoted in {}, {} in {currency}",
                    other.requisition_id, other.unit_price.currency, draft.lines[0].requisition_id
                ),
            ));
        }
        let order = Self {
            id: PurchaseOrderId::new(),
            supplier_code: draft.supplier_code,
            lines: draft
                .lines
                .into_iter()
                .zip(1..)
                .map(|(line, number)| PoLine {
                    line: number,
                    requisition_id: line.requisition_id,
                    sku: line.sku,
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    need_by: line.need_by,
                    promised_date: None,
                    late: false,
                    quoted_base: line.quoted_base,
                    cheapest_base: line.cheapest_base,
                })
                .collect(),
            selection_reason: draft.selection_reason,
            state: PoState::PendingApproval,
            approval_request_id: String::new(),
            decision_note: String::new(),
            follow_ups: Vec::new(),
            receipts: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        if order.total().is_none() {
            return Err(ProcurementError::invalid(
                "supplier_code",
                "the quotes × the quantities are beyond any amount",
            ));
        }
        Ok(order)
    }

    fn unmet(&self, kind: &'static str, description: String) -> ProcurementError {
        ProcurementError::precondition(kind, format!("purchase_orders/{}", self.id), description)
    }

    /// Σ price × quantity over the lines, or `None` beyond any amount.
    pub fn total(&self) -> Option<Money> {
        let mut lines = self.lines.iter();
        let first = lines.next()?;
        lines.try_fold(first.unit_price.times(first.quantity)?, |sum, line| {
            sum.plus(line.unit_price.times(line.quantity)?)
        })
    }

    fn receipts_of(&self, line: LineNo) -> impl Iterator<Item = &Receipt> {
        self.receipts
            .iter()
            .filter(move |receipt| receipt.line == line)
    }

    /// What arrived against `line`.
    pub fn received_on(&self, line: LineNo) -> i64 {
        self.receipts_of(line).map(|receipt| receipt.quantity).sum()
    }

    pub fn accepted_on(&self, line: LineNo) -> i64 {
        self.receipts_of(line).map(|receipt| receipt.accepted).sum()
    }

    pub fn rejected_on(&self, line: LineNo) -> i64 {
        self.receipts_of(line).map(|receipt| receipt.rejected).sum()
    }

    pub fn received(&self) -> i64 {
        self.receipts.iter().map(|receipt| receipt.quantity).sum()
    }

    pub fn accepted(&self) -> i64 {
        self.receipts.iter().map(|receipt| receipt.accepted).sum()
    }

    pub fn rejected(&self) -> i64 {
        self.receipts.iter().map(|receipt| receipt.rejected).sum()
    }

    /// Arrived and not yet through IQC.
    pub fn awaiting_iqc(&self) -> i64 {
        self.receipts
            .iter()
            .filter(|receipt| !receipt.inspected)
            .map(|receipt| receipt.quantity)
            .sum()
    }

    /// Lines with goods still to come.
    fn open_lines(&self) -> impl Iterator<Item = &PoLine> {
        self.lines
            .iter()
            .filter(|line| self.received_on(line.line) < line.quantity)
    }

    /// PRC-4: any line announced late.
    pub fn late(&self) -> bool {
        self.lines.iter().any(|line| line.late)
    }

    /// The earliest promise of a line with goods to come.
    pub fn promised_date(&self) -> Option<NaiveDate> {
        self.open_lines()
            .filter_map(|line| line.promised_date)
            .min()
    }

    /// The earliest promise that could still make a line late: what the
    /// late sweep looks at.
    pub fn next_due(&self) -> Option<NaiveDate> {
        if self.state != PoState::Sent {
            return None;
        }
        self.open_lines()
            .filter(|line| !line.late)
            .filter_map(|line| line.promised_date)
            .min()
    }

    /// The line a call names; none named is fine only on a one-line order.
    fn line_index(&self, line: Option<LineNo>) -> Result<usize, ProcurementError> {
        match line {
            None if self.lines.len() == 1 => Ok(0),
            None => Err(ProcurementError::invalid(
                "line",
                format!("this order has {} lines: say which", self.lines.len()),
            )),
            Some(number) => self
                .lines
                .iter()
                .position(|line| line.line == number)
                .ok_or_else(|| {
                    ProcurementError::invalid(
                        "line",
                        format!(
                            "the order has lines 1 to {}, not {number}",
                            self.lines.len()
                        ),
                    )
                }),
        }
    }

    /// APR-9: the contract's decision.
    pub fn decided(
        &mut self,
        approved: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if self.state != PoState::PendingApproval {
            return Err(self.unmet(
                "PURCHASE_ORDER_STATE",
                format!("the contract was already decided ({})", self.state.as_str()),
            ));
        }
        self.state = if approved {
            PoState::Approved
        } else {
            PoState::Rejected
        };
        self.decision_note = note.to_owned();
        self.updated_at = now;
        Ok(())
    }

    /// PRC-3, PRC-4: sent to the supplier — only with an approved contract
    /// — with the date the supplier promised, and another for some lines.
    pub fn send(
        &mut self,
        promised: NaiveDate,
        per_line: &BTreeMap<LineNo, NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if self.state != PoState::Approved {
            return Err(self.unmet(
                "CONTRACT_NOT_APPROVED",
                format!(
                    "the purchase order is {}: it is sent only once its contract is approved (APR-9)",
                    self.state.as_str()
                ),
            ));
        }
        for number in per_line.keys() {
            self.line_index(Some(*number)).map_err(|_| {
                ProcurementError::invalid("line_promises", format!("no line {number}"))
            })?;
        }
        for line in &mut self.lines {
            line.promised_date = Some(per_line.get(&line.line).copied().unwrap_or(promised));
        }
        self.state = PoState::Sent;
        self.updated_at = now;
        Ok(())
    }

    /// PRC-4, PRC-8: a follow-up call (订料跟踪), perhaps with a new
    /// promise for one line or for every line with goods to come; a new
    /// promise clears the late flag.
    pub fn follow_up(
        &mut self,
        note: &str,
        promised: Option<NaiveDate>,
        line: Option<LineNo>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if self.state != PoState::Sent {
            return Err(self.unmet(
                "PURCHASE_ORDER_STATE",
                format!(
                    "only a sent order is followed up; this one is {}",
                    self.state.as_str()
                ),
            ));
        }
        let chosen = line
            .map(|number| self.line_index(Some(number)))
            .transpose()?;
        if let Some(promised) = promised {
            let open: Vec<bool> = self
                .lines
                .iter()
                .map(|line| self.received_on(line.line) < line.quantity)
                .collect();
            for (index, line) in self.lines.iter_mut().enumerate() {
                if chosen.map_or(open[index], |chosen| chosen == index) {
                    line.promised_date = Some(promised);
                    line.late = false;
                }
            }
        }
        self.follow_ups.push(FollowUp {
            note: note.to_owned(),
            promised_date: promised,
            line,
            by: by.to_owned(),
            at: now,
        });
        self.updated_at = now;
        Ok(())
    }

    /// PRC-4: the lines that pass their promised date with goods still to
    /// come, each flagged once.
    pub fn flag_late(&mut self, today: NaiveDate, now: DateTime<Utc>) -> Vec<LineNo> {
        if self.state != PoState::Sent {
            return Vec::new();
        }
        let overdue: Vec<LineNo> = self
            .open_lines()
            .filter(|line| !line.late && line.promised_date.is_some_and(|day| day < today))
            .map(|line| line.line)
            .collect();
        for line in &mut self.lines {
            if overdue.contains(&line.line) {
                line.late = true;
            }
        }
        if !overdue.is_empty() {
            self.updated_at = now;
        }
        overdue
    }

    /// PRC-5, PRC-8: an arrival (到料登记) against a line, after the
    /// warehouse's first check.
    #[allow(clippy::too_many_arguments)]
    pub fn record_arrival(
        &mut self,
        line: Option<LineNo>,
        quantity: i64,
        packaging_ok: bool,
        note: &str,
        checked_by: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ReceiptId, ProcurementError> {
        if self.state != PoState::Sent {
            return Err(self.unmet(
                "RECEIVING_CLOSED",
                format!(
                    "goods are received against a sent order; this one is {}",
                    self.state.as_str()
                ),
            ));
        }
        let index = self.line_index(line)?;
        let ordered = &self.lines[index];
        let open = ordered.quantity - self.received_on(ordered.line);
        if quantity > open {
            return Err(ProcurementError::invalid(
                "quantity",
                format!(
                    "only {open} of the {} {} ordered on line {} are still to come",
                    ordered.quantity, ordered.sku, ordered.line
                ),
            ));
        }
        let id = ReceiptId::new();
        let receipt = Receipt {
            id: id.clone(),
            line: ordered.line,
            sku: ordered.sku.clone(),
            quantity,
            packaging_ok,
            note: note.to_owned(),
            checked_by: checked_by.to_owned(),
            arrived_at: now,
            on_time: ordered
                .promised_date
                .is_none_or(|promised| today <= promised),
            inspected: false,
            accepted: 0,
            rejected: 0,
            defects: String::new(),
            inspected_by: String::new(),
            return_note: String::new(),
        };
        self.receipts.push(receipt);
        self.updated_at = now;
        Ok(id)
    }

    /// PRC-5: IQC of one arrival: what is accepted plus what is rejected is
    /// what arrived. Rejected goods get a return note. Returns the receipt.
    pub fn record_iqc(
        &mut self,
        receipt_id: &str,
        accepted: i64,
        rejected: i64,
        defects: &str,
        inspector: &str,
        now: DateTime<Utc>,
    ) -> Result<Receipt, ProcurementError> {
        let po = self.id.clone();
        let Some(receipt) = self
            .receipts
            .iter_mut()
            .find(|receipt| receipt.id.as_str() == receipt_id)
        else {
            return Err(ProcurementError::not_found(
                "receipt",
                format!("{po}/{receipt_id}"),
            ));
        };
        if receipt.inspected {
            return Err(ProcurementError::precondition(
                "RECEIPT_INSPECTED",
                format!("receipts/{receipt_id}"),
                "this arrival was already through IQC",
            ));
        }
        if accepted.checked_add(rejected) != Some(receipt.quantity) {
            return Err(ProcurementError::invalid(
                "accepted",
                format!(
                    "accepted ({accepted}) and rejected ({rejected}) must add up to the {} that arrived",
                    receipt.quantity
                ),
            ));
        }
        receipt.inspected = true;
        receipt.accepted = accepted;
        receipt.rejected = rejected;
        receipt.defects = defects.to_owned();
        receipt.inspected_by = inspector.to_owned();
        if rejected > 0 {
            receipt.return_note =
                format!("RN-{}", &receipt_id[receipt_id.len().saturating_sub(8)..]);
        }
        let receipt = receipt.clone();
        if self.open_lines().next().is_none() && self.awaiting_iqc() == 0 {
            self.state = PoState::Received;
        }
        self.updated_at = now;
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests;
