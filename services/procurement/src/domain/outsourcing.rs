//! Outsourcing (PRC-6, PRD-8, APR-9): an operation production marked
//! outsourced (外协) becomes an outsourcing order; the purchaser gives it to
//! an approved vendor at a price; its contract goes through the approvals
//! service (`purchasing_manager` → `vp_production`) before the parts are
//! sent; the returned work is inspected by `qc` and production is told.
//!
//! ```text
//! REQUESTED → (vendor, price) PENDING_APPROVAL → APPROVED → SENT → RETURNED
//!                               └→ REJECTED (another vendor may be given)
//! SENT → a failed inspection stays SENT (the vendor redoes it)
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Money;
use serde::{Deserialize, Serialize};

use super::ProcurementError;

orderflow_platform::uuid_id!(
    /// An outsourcing order.
    OutsourcingId,
    "outsourcing order"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsourcingState {
    Requested,
    PendingApproval,
    Approved,
    Rejected,
    Sent,
    Returned,
}

impl OutsourcingState {
    pub const ALL: [OutsourcingState; 6] = [
        Self::Requested,
        Self::PendingApproval,
        Self::Approved,
        Self::Rejected,
        Self::Sent,
        Self::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::PendingApproval => "pending_approval",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Sent => "sent",
            Self::Returned => "returned",
        }
    }
}

/// What production asked for (`production.outsourcing.requested`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demand {
    pub production_order_id: String,
    pub order_id: String,
    pub order_number: String,
    pub sku: String,
    pub seq: i32,
    pub operation: String,
    pub quantity: i64,
    pub send_date: NaiveDate,
    pub return_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub passed: bool,
    pub inspector: String,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outsourcing {
    pub id: OutsourcingId,
    pub demand: Demand,
    pub state: OutsourcingState,
    pub vendor_code: Option<String>,
    pub unit_price: Option<Money>,
    pub approval_request_id: Option<String>,
    /// How often it was given to a vendor: each assignment's contract is
    /// its own approval request.
    #[serde(default)]
    pub assignments: u32,
    pub decision_note: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub inspections: Vec<Inspection>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Outsourcing {
    pub fn requested(demand: Demand, now: DateTime<Utc>) -> Self {
        Self {
            id: OutsourcingId::new(),
            demand,
            state: OutsourcingState::Requested,
            vendor_code: None,
            unit_price: None,
            approval_request_id: None,
            assignments: 0,
            decision_note: String::new(),
            sent_at: None,
            inspections: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    fn unmet(&self, what: &str) -> ProcurementError {
        ProcurementError::precondition(
            "OUTSOURCING_STATE",
            format!("outsourcing_orders/{}", self.id),
            format!(
                "cannot {what}: the outsourcing order is {}",
                self.state.as_str()
            ),
        )
    }

    /// The value of the work at the agreed price.
    pub fn total(&self) -> Option<Money> {
        self.unit_price?.times(self.demand.quantity)
    }

    /// PRC-6: an approved vendor (checked by the caller) at a price; its
    /// contract goes to approval (APR-9). A rejected contract may be given
    /// to another vendor.
    pub fn assign(
        &mut self,
        vendor_code: &str,
        unit_price: Money,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if !matches!(
            self.state,
            OutsourcingState::Requested | OutsourcingState::Rejected
        ) {
            return Err(self.unmet("give it to a vendor"));
        }
        if unit_price.times(self.demand.quantity).is_none() {
            return Err(ProcurementError::invalid(
                "unit_price",
                "the total overflows",
            ));
        }
        self.vendor_code = Some(vendor_code.to_owned());
        self.unit_price = Some(unit_price);
        self.assignments += 1;
        self.approval_request_id = None;
        self.decision_note.clear();
        self.state = OutsourcingState::PendingApproval;
        self.updated_at = now;
        Ok(())
    }

    /// APR-9: the contract's decision; a redelivered one changes nothing.
    pub fn decided(&mut self, approved: bool, note: &str, now: DateTime<Utc>) -> bool {
        if self.state != OutsourcingState::PendingApproval {
            return false;
        }
        self.state = if approved {
            OutsourcingState::Approved
        } else {
            OutsourcingState::Rejected
        };
        self.decision_note = note.to_owned();
        self.updated_at = now;
        true
    }

    /// PRC-6: the parts go out — never before the contract is approved.
    pub fn send(&mut self, now: DateTime<Utc>) -> Result<(), ProcurementError> {
        if self.state != OutsourcingState::Approved {
            return Err(ProcurementError::precondition(
                "CONTRACT_NOT_APPROVED",
                format!("outsourcing_orders/{}", self.id),
                format!(
                    "the outsourcing contract is {}: nothing goes out before it is approved (APR-9)",
                    self.state.as_str()
                ),
            ));
        }
        self.state = OutsourcingState::Sent;
        self.sent_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// PRC-6, PRD-8: the incoming inspection of the returned work. Passed:
    /// returned; failed: it stays out for the vendor to redo.
    pub fn inspect_return(
        &mut self,
        passed: bool,
        inspector: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if self.state != OutsourcingState::Sent {
            return Err(self.unmet("inspect the returned work"));
        }
        self.inspections.push(Inspection {
            passed,
            inspector: inspector.to_owned(),
            note: note.to_owned(),
            at: now,
        });
        if passed {
            self.state = OutsourcingState::Returned;
        }
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::MIN_UTC
    }

    fn cny(minor_units: i64) -> Money {
        Money::new(
            orderflow_platform::money::Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            minor_units,
        )
    }

    fn requested() -> Outsourcing {
        let day = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap_or_default();
        Outsourcing::requested(
            Demand {
                production_order_id: "po-1".to_owned(),
                order_id: "o-1".to_owned(),
                order_number: "2027010100000001".to_owned(),
                sku: "PUMP-100".to_owned(),
                seq: 20,
                operation: "plating".to_owned(),
                quantity: 8,
                send_date: day,
                return_date: day,
            },
            now(),
        )
    }

    #[test]
    fn prc_6_nothing_goes_out_before_the_contract_is_approved() {
        let mut order = requested();
        assert!(order.send(now()).is_err(), "no vendor yet");
        order
            .assign("PLATING-CO", cny(1_500), now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(order.total(), Some(cny(12_000)));
        assert_eq!(
            order.send(now()).err().map(|e| e.precondition_kinds()),
            Some(vec!["CONTRACT_NOT_APPROVED"])
        );
        assert!(order.decided(false, "too dear", now()));
        assert!(order.send(now()).is_err(), "rejected");
        // Another vendor, approved this time.
        order
            .assign("CHEAP-PLATING", cny(1_200), now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            order.assignments, 2,
            "the second contract is its own request"
        );
        assert!(order.decided(true, "", now()));
        assert!(!order.decided(false, "late", now()), "decided once");
        order.send(now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(order.state, OutsourcingState::Sent);
    }

    #[test]
    fn prc_6_a_failed_return_stays_out_until_it_passes() {
        let mut order = requested();
        order
            .assign("PLATING-CO", cny(1_500), now())
            .unwrap_or_else(|e| panic!("{e}"));
        order.decided(true, "", now());
        assert!(
            order.inspect_return(true, "quinn", "", now()).is_err(),
            "not sent"
        );
        order.send(now()).unwrap_or_else(|e| panic!("{e}"));
        order
            .inspect_return(false, "quinn", "plating peels", now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(order.state, OutsourcingState::Sent);
        order
            .inspect_return(true, "quinn", "", now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(order.state, OutsourcingState::Returned);
        assert_eq!(order.inspections.len(), 2);
        assert!(
            order.inspect_return(true, "quinn", "", now()).is_err(),
            "once"
        );
    }
}
