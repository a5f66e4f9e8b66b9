//! Documents (FIN-9): the proforma invoice, the commercial invoice that
//! starts the receivable (FIN-10), and the final invoice, which settles the
//! order after delivery.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Currency;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::account::{AccountLine, OrderAccount, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Proforma,
    Commercial,
    Final,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proforma => "proforma",
            Self::Commercial => "commercial",
            Self::Final => "final",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Proforma, Self::Commercial, Self::Final]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Proforma => "PI",
            Self::Commercial => "CI",
            Self::Final => "FI",
        }
    }

    /// When the document may be issued: a proforma before payment (any time
    /// while the order lives), a commercial invoice once the order is
    /// released, the final invoice once it is delivered.
    pub fn may_issue(self, account: &OrderAccount) -> Result<(), FinanceError> {
        let allowed = match self {
            Self::Proforma => account.stage != Stage::Ended,
            Self::Commercial => matches!(
                account.stage,
                Stage::Released | Stage::Delivered | Stage::Completed
            ),
            Self::Final => matches!(account.stage, Stage::Delivered | Stage::Completed),
        };
        if allowed {
            return Ok(());
        }
        let needs = match self {
            Self::Proforma => "an order that was not rejected, cancelled or closed",
            Self::Commercial => "a released order",
            Self::Final => "a delivered order",
        };
        Err(FinanceError::precondition(
            "DOCUMENT_TOO_EARLY",
            format!("orders/{}", account.order_id),
            format!(
                "a {} invoice is issued for {needs}; order {} is {}",
                self.as_str(),
                account.order_number,
                account.stage.as_str()
            ),
        ))
    }
}

/// What the final invoice settles: net sales after returns and refunds,
/// what was received net of refunds, and what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub net_sales: i64,
    pub received: i64,
}

impl Settlement {
    pub fn balance(&self) -> i64 {
        self.net_sales.saturating_sub(self.received)
    }

    pub fn is_settled(&self) -> bool {
        self.balance() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub kind: DocumentKind,
    pub number: String,
    pub order_id: String,
    pub order_number: String,
    pub customer_id: String,
    pub currency: Currency,
    pub lines: Vec<AccountLine>,
    pub total: i64,
    pub issue_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub note: String,
    pub settlement: Option<Settlement>,
    pub settled_at: Option<DateTime<Utc>>,
    pub overdue_announced_at: Option<DateTime<Utc>>,
}

impl Document {
    pub fn issue(
        kind: DocumentKind,
        account: &OrderAccount,
        issue_date: NaiveDate,
        due_date: Option<NaiveDate>,
        by: &str,
        now: DateTime<Utc>,
        note: &str,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind,
            number: format!("{}-{}", kind.prefix(), account.order_number),
            order_id: account.order_id.clone(),
            order_number: account.order_number.clone(),
            customer_id: account.customer_id.clone(),
            currency: account.currency,
            lines: account.lines.clone(),
            total: account.total,
            issue_date,
            due_date,
            issued_by: by.to_owned(),
            issued_at: now,
            note: note.to_owned(),
            settlement: None,
            settled_at: None,
            overdue_announced_at: None,
        }
    }
}

/// An invoiced order not yet collected (FIN-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receivable {
    pub invoice: Document,
    pub salesperson: String,
    pub net_sales: i64,
    pub received: i64,
}

impl Receivable {
    pub fn outstanding(&self) -> i64 {
        self.net_sales.saturating_sub(self.received)
    }

    /// Days past the due date on `today`; 0 when not overdue.
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        self.invoice
            .due_date
            .map_or(0, |due| (today - due).num_days().max(0))
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.outstanding() > 0 && self.days_overdue(today) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fin_9_a_settlement_is_settled_at_a_zero_balance() {
        let open = Settlement {
            net_sales: 100,
            received: 30,
        };
        assert_eq!(open.balance(), 70);
        assert!(!open.is_settled());
        let done = Settlement {
            net_sales: 80,
            received: 80,
        };
        assert!(done.is_settled());
    }
}
