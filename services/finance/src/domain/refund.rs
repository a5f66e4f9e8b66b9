//! Refunds (FIN-8, APR-6): requested with a reason and the handling,
//! approved by the `gm` through the approvals service, executed once by
//! `finance` — never without the granted approval.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

use super::FinanceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundMethod {
    BankTransfer,
    OriginalRoute,
    /// 个人账户: the receipt reference is mandatory.
    PersonalAccount,
}

impl RefundMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BankTransfer => "bank_transfer",
            Self::OriginalRoute => "original_route",
            Self::PersonalAccount => "personal_account",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::BankTransfer,
            Self::OriginalRoute,
            Self::PersonalAccount,
        ]
        .into_iter()
        .find(|method| method.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    AwaitingApproval,
    Approved,
    Rejected,
    Executed,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingApproval => "awaiting_approval",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Executed => "executed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::AwaitingApproval,
            Self::Approved,
            Self::Rejected,
            Self::Executed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub currency: Currency,
    pub amount: i64,
    pub reason: String,
    pub handling: String,
    pub method: RefundMethod,
    pub state: RefundState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub approval_request_id: Option<String>,
    pub decided_by: Option<String>,
    pub rejection_reason: String,
    pub executed_by: Option<String>,
    pub executed_at: Option<DateTime<Utc>>,
    pub execution_reference: String,
    /// What the refund serves, e.g. `aftersales/cases/<id>` (AFS-6).
    pub reference: String,
    /// When the goods of a return came back: the refund is then the
    /// return's negative entry, dated that day (FIN-7, AFS-6).
    pub goods_received_at: Option<DateTime<Utc>>,
    /// AFS-8: refunded on proof of arrival at the overseas warehouse,
    /// before the goods were shelved there.
    pub goods_pending: bool,
}

impl Refund {
    fn subject(&self) -> String {
        format!("refunds/{}", self.id)
    }

    /// APR-6: granted by an approval whose `gm` step approved it. A report
    /// for a refund no longer waiting (a redelivery) changes nothing.
    pub fn approve(&mut self, by: &str, gm_approved: bool) -> Result<bool, FinanceError> {
        if self.state != RefundState::AwaitingApproval {
            return Ok(false);
        }
        if !gm_approved {
            return Err(FinanceError::precondition(
                "NO_GM_APPROVAL",
                self.subject(),
                "the approval has no approved gm step; a refund needs the GM (APR-6)",
            ));
        }
        self.state = RefundState::Approved;
        self.decided_by = Some(by.to_owned());
        Ok(true)
    }

    pub fn reject(&mut self, by: &str, reason: &str) -> bool {
        if self.state != RefundState::AwaitingApproval {
            return false;
        }
        self.state = RefundState::Rejected;
        self.decided_by = Some(by.to_owned());
        self.rejection_reason = reason.to_owned();
        true
    }

    /// FIN-8: executed only once approved, once; a retry returns false.
    pub fn execute(
        &mut self,
        by: &str,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, FinanceError> {
        match self.state {
            RefundState::Executed => return Ok(false),
            RefundState::AwaitingApproval => {
                return Err(FinanceError::precondition(
                    "REFUND_NOT_APPROVED",
                    self.subject(),
                    "a refund is executed only with a granted gm approval (FIN-8)",
                ));
            }
            RefundState::Rejected => {
                return Err(FinanceError::precondition(
                    "REFUND_REJECTED",
                    self.subject(),
                    format!("the refund was rejected: {}", self.rejection_reason),
                ));
            }
            RefundState::Approved => {}
        }
        if self.method == RefundMethod::PersonalAccount && reference.trim().is_empty() {
            return Err(FinanceError::invalid(
                "execution_reference",
                "a refund from a personal account needs the receipt reference",
            ));
        }
        self.state = RefundState::Executed;
        self.executed_by = Some(by.to_owned());
        self.executed_at = Some(now);
        self.execution_reference = reference.trim().to_owned();
        Ok(true)
    }
}

/// What may still be refunded: confirmed payments less the refunds not
/// rejected.
pub fn refundable(confirmed_paid: i64, refunds: &[Refund]) -> i64 {
    refunds
        .iter()
        .filter(|refund| refund.state != RefundState::Rejected)
        .fold(confirmed_paid, |left, refund| {
            left.saturating_sub(refund.amount)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refund(method: RefundMethod) -> Refund {
        Refund {
            id: "r-1".to_owned(),
            order_id: "o-1".to_owned(),
            order_number: "2027010400000001".to_owned(),
            currency: Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            amount: 50_000,
            reason: "damaged in transit".to_owned(),
            handling: "goods quarantined".to_owned(),
            method,
            state: RefundState::AwaitingApproval,
            requested_by: "cs".to_owned(),
            requested_at: DateTime::<Utc>::UNIX_EPOCH,
            approval_request_id: None,
            decided_by: None,
            rejection_reason: String::new(),
            executed_by: None,
            executed_at: None,
            execution_reference: String::new(),
            reference: String::new(),
            goods_received_at: None,
            goods_pending: false,
        }
    }

    #[test]
    fn fin_8_no_execution_without_the_gm_approval_and_only_once() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut r = refund(RefundMethod::BankTransfer);
        assert!(r.execute("fiona", "BOC-1", now).is_err());
        assert!(r.approve("gary", false).is_err(), "no gm step");
        assert_eq!(r.approve("gary", true).ok(), Some(true));
        assert_eq!(r.approve("gary", true).ok(), Some(false), "redelivered");
        assert_eq!(r.execute("fiona", "BOC-1", now).ok(), Some(true));
        assert_eq!(r.execute("fiona", "BOC-1", now).ok(), Some(false));
        assert!(
            !r.reject("gary", "late"),
            "an executed refund stays executed"
        );
        assert_eq!(r.state, RefundState::Executed);
    }

    #[test]
    fn fin_8_a_personal_account_refund_needs_its_receipt() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut r = refund(RefundMethod::PersonalAccount);
        assert_eq!(r.approve("gary", true).ok(), Some(true));
        assert!(r.execute("fiona", " ", now).is_err());
        assert_eq!(r.execute("fiona", "receipt 0042", now).ok(), Some(true));
    }

    #[test]
    fn refunds_never_exceed_what_was_paid() {
        let mut rejected = refund(RefundMethod::BankTransfer);
        rejected.reject("gary", "no");
        let open = refund(RefundMethod::BankTransfer);
        assert_eq!(refundable(120_000, &[rejected, open]), 70_000);
    }
}
