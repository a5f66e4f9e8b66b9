//! Purchase orders (PRC-3, PRC-4, PRC-5, PRC-8):
//!
//! ```text
//! PENDING_APPROVAL ─contract approved (APR-9)→ APPROVED ─sent with a promised date→ SENT
//!   ─everything ordered arrived and inspected→ RECEIVED
//! PENDING_APPROVAL ─contract rejected→ REJECTED
//! ```
//!
//! Nothing is sent before the contract is approved. Each arrival is a
//! receipt: the warehouse's first check (quantity, packaging), then IQC
//! (accepted + rejected = what arrived); the received, accepted, rejected
//! and still-to-inspect quantities always add up, and nothing arrives beyond
//! what was ordered. A sent order past its promised date with goods still
//! to come is late, once.

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub note: String,
    pub promised_date: Option<NaiveDate>,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReceiptId,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub id: PurchaseOrderId,
    pub supplier_code: String,
    pub requisition_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub need_by: NaiveDate,
    pub selection_reason: String,
    pub state: PoState,
    pub approval_request_id: String,
    pub decision_note: String,
    pub promised_date: Option<NaiveDate>,
    pub follow_ups: Vec<FollowUp>,
    pub receipts: Vec<Receipt>,
    pub late: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a purchase order is drafted from: the requisition and the quote
/// selected.
#[derive(Debug, Clone)]
pub struct Draft {
    pub supplier_code: String,
    pub requisition_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub need_by: NaiveDate,
    pub selection_reason: String,
}

impl PurchaseOrder {
    pub fn new(draft: Draft, now: DateTime<Utc>) -> Self {
        Self {
            id: PurchaseOrderId::new(),
            supplier_code: draft.supplier_code,
            requisition_id: draft.requisition_id,
            sku: draft.sku,
            quantity: draft.quantity,
            unit_price: draft.unit_price,
            need_by: draft.need_by,
            selection_reason: draft.selection_reason,
            state: PoState::PendingApproval,
            approval_request_id: String::new(),
            decision_note: String::new(),
            promised_date: None,
            follow_ups: Vec::new(),
            receipts: Vec::new(),
            late: false,
            created_at: now,
            updated_at: now,
        }
    }

    fn unmet(&self, kind: &'static str, description: String) -> ProcurementError {
        ProcurementError::precondition(kind, format!("purchase_orders/{}", self.id), description)
    }

    /// Σ price × quantity, or `None` beyond any amount.
    pub fn total(&self) -> Option<Money> {
        self.unit_price.times(self.quantity)
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
    /// — with the date the supplier promised.
    pub fn send(
        &mut self,
        promised: NaiveDate,
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
        self.state = PoState::Sent;
        self.promised_date = Some(promised);
        self.updated_at = now;
        Ok(())
    }

    /// PRC-4, PRC-8: a follow-up call (订料跟踪), perhaps with a new
    /// promise; a new promise clears the late flag.
    pub fn follow_up(
        &mut self,
        note: &str,
        promised: Option<NaiveDate>,
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
        if let Some(promised) = promised {
            self.promised_date = Some(promised);
            self.late = false;
        }
        self.follow_ups.push(FollowUp {
            note: note.to_owned(),
            promised_date: promised,
            by: by.to_owned(),
            at: now,
        });
        self.updated_at = now;
        Ok(())
    }

    /// PRC-4: true once, when a sent order passes its promised date with
    /// goods still to come.
    pub fn flag_late(&mut self, today: NaiveDate, now: DateTime<Utc>) -> bool {
        let overdue = self.promised_date.is_some_and(|promised| promised < today);
        if self.state != PoState::Sent || self.late || !overdue || self.received() >= self.quantity
        {
            return false;
        }
        self.late = true;
        self.updated_at = now;
        true
    }

    /// PRC-5, PRC-8: an arrival (到料登记) after the warehouse's first check.
    pub fn record_arrival(
        &mut self,
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
        let open = self.quantity - self.received();
        if quantity > open {
            return Err(ProcurementError::invalid(
                "quantity",
                format!(
                    "only {open} of the {} ordered are still to come",
                    self.quantity
                ),
            ));
        }
        let id = ReceiptId::new();
        self.receipts.push(Receipt {
            id: id.clone(),
            quantity,
            packaging_ok,
            note: note.to_owned(),
            checked_by: checked_by.to_owned(),
            arrived_at: now,
            on_time: self.promised_date.is_none_or(|promised| today <= promised),
            inspected: false,
            accepted: 0,
            rejected: 0,
            defects: String::new(),
            inspected_by: String::new(),
            return_note: String::new(),
        });
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
        if self.received() >= self.quantity && self.awaiting_iqc() == 0 {
            self.state = PoState::Received;
        }
        self.updated_at = now;
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests;
