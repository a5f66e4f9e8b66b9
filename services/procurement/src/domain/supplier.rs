//! Suppliers (PRC-1): master data, a status the supplier evaluation review
//! sets (candidate → approved → suspended, and back to approved), and
//! scores computed from what the system saw — the IQC pass rate, the
//! on-time rate of arrivals, and our price against the cheapest competing
//! quote — recomputed on every receipt and kept with their history.

use chrono::{DateTime, Utc};
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::ProcurementError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplierStatus {
    Candidate,
    Approved,
    Suspended,
}

impl SupplierStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SupplierStatus::Candidate => "candidate",
            SupplierStatus::Approved => "approved",
            SupplierStatus::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Candidate, Self::Approved, Self::Suspended]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// What the scores are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub received: i64,
    pub accepted: i64,
    pub receipts: i64,
    pub on_time_receipts: i64,
    /// Σ lowest competing quote × quantity, over the orders placed with it.
    pub cheapest_value: i64,
    /// Σ our price × quantity, over the same orders.
    pub ordered_value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub iqc_pass_bps: i32,
    pub on_time_bps: i32,
    pub price_bps: i32,
    pub overall_bps: i32,
    pub receipts: i64,
    pub reason: String,
    pub at: DateTime<Utc>,
}

fn ratio_bps(part: i64, whole: i64) -> i32 {
    if whole <= 0 {
        return 10_000;
    }
    let bps = i128::from(part.clamp(0, whole)) * 10_000 / i128::from(whole);
    i32::try_from(bps).unwrap_or(10_000)
}

impl Facts {
    /// PRC-1: quality 50 %, delivery 30 %, price 20 %.
    pub fn score(&self, reason: &str, at: DateTime<Utc>) -> Score {
        let iqc_pass_bps = ratio_bps(self.accepted, self.received);
        let on_time_bps = ratio_bps(self.on_time_receipts, self.receipts);
        let price_bps = ratio_bps(self.cheapest_value, self.ordered_value);
        let overall = (i64::from(iqc_pass_bps) * 50
            + i64::from(on_time_bps) * 30
            + i64::from(price_bps) * 20)
            / 100;
        Score {
            iqc_pass_bps,
            on_time_bps,
            price_bps,
            overall_bps: i32::try_from(overall).unwrap_or(10_000),
            receipts: self.receipts,
            reason: reason.to_owned(),
            at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    pub code: String,
    pub name: String,
    pub categories: Vec<String>,
    pub contacts: Vec<Contact>,
    pub status: SupplierStatus,
    pub status_note: String,
    pub facts: Facts,
    pub history: Vec<Score>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Supplier {
    /// A new candidate, every field checked.
    pub fn parse(
        code: &str,
        name: &str,
        categories: &[String],
        contacts: Vec<Contact>,
        now: DateTime<Utc>,
    ) -> Result<Self, ProcurementError> {
        let mut violations = Violations::new();
        let code = violations.required("code", code, 20).to_uppercase();
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            violations.add("code", "letters, digits, '-' and '_' only");
        }
        let name = violations.required("name", name, 200);
        if categories.len() > 20 {
            violations.add("categories", "at most 20 categories");
        }
        let categories = categories
            .iter()
            .enumerate()
            .map(|(index, category)| {
                violations.required(&format!("categories[{index}]"), category, 60)
            })
            .collect();
        if contacts.len() > 10 {
            violations.add("contacts", "at most 10 contacts");
        }
        let contacts = contacts
            .into_iter()
            .enumerate()
            .map(|(index, contact)| Contact {
                name: violations.required(&format!("contacts[{index}].name"), &contact.name, 100),
                phone: violations.phone(&format!("contacts[{index}].phone"), &contact.phone),
                email: violations.optional(
                    &format!("contacts[{index}].email"),
                    &contact.email,
                    200,
                ),
            })
            .collect();
        violations.finish(())?;
        Ok(Self {
            code,
            name,
            categories,
            contacts,
            status: SupplierStatus::Candidate,
            status_note: String::new(),
            facts: Facts::default(),
            history: Vec::new(),
            created_at: now,
            updated_at: now,
        })
    }

    pub fn score(&self) -> Option<&Score> {
        self.history.last()
    }

    /// PRC-1: the supplier evaluation review approves (a candidate, or a
    /// suspended supplier again) or suspends.
    pub fn review(
        &mut self,
        status: SupplierStatus,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if status == SupplierStatus::Candidate || status == self.status {
            return Err(ProcurementError::precondition(
                "SUPPLIER_STATUS",
                format!("suppliers/{}", self.code),
                format!(
                    "a {} supplier cannot be made {}",
                    self.status.as_str(),
                    status.as_str()
                ),
            ));
        }
        self.status = status;
        self.status_note = note.to_owned();
        self.updated_at = now;
        Ok(())
    }

    /// PRC-1: only an approved supplier receives orders.
    pub fn may_receive_orders(&self) -> Result<(), ProcurementError> {
        if self.status == SupplierStatus::Approved {
            return Ok(());
        }
        Err(ProcurementError::precondition(
            "SUPPLIER_NOT_APPROVED",
            format!("suppliers/{}", self.code),
            format!(
                "{} is {}: only approved suppliers receive purchase orders (PRC-1)",
                self.code,
                self.status.as_str()
            ),
        ))
    }

    /// PRC-1: an order placed at `ordered` per piece when the cheapest
    /// quote was `cheapest`.
    pub fn record_order(&mut self, ordered: i64, cheapest: i64, quantity: i64, now: DateTime<Utc>) {
        let value = |price: i64| price.saturating_mul(quantity);
        self.facts.ordered_value = self.facts.ordered_value.saturating_add(value(ordered));
        self.facts.cheapest_value = self.facts.cheapest_value.saturating_add(value(cheapest));
        self.rescore("order placed", now);
    }

    /// PRC-1, PRC-5: an inspected arrival; the score is computed again.
    pub fn record_receipt(
        &mut self,
        received: i64,
        accepted: i64,
        on_time: bool,
        now: DateTime<Utc>,
    ) {
        self.facts.received = self.facts.received.saturating_add(received);
        self.facts.accepted = self.facts.accepted.saturating_add(accepted);
        self.facts.receipts += 1;
        if on_time {
            self.facts.on_time_receipts += 1;
        }
        let reason = format!(
            "receipt: {accepted} of {received} accepted, {}",
            if on_time { "on time" } else { "late" }
        );
        self.rescore(&reason, now);
    }

    fn rescore(&mut self, reason: &str, now: DateTime<Utc>) {
        self.history.push(self.facts.score(reason, now));
        self.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supplier() -> Supplier {
        Supplier::parse(
            "ACME",
            "Acme Seals",
            &["seals".to_owned()],
            Vec::new(),
            DateTime::<Utc>::MIN_UTC,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn prc_1_only_an_approved_supplier_receives_orders() {
        let mut acme = supplier();
        assert!(acme.may_receive_orders().is_err());
        assert!(
            acme.review(SupplierStatus::Approved, "", DateTime::<Utc>::MIN_UTC)
                .is_ok()
        );
        assert!(acme.may_receive_orders().is_ok());
        assert!(
            acme.review(
                SupplierStatus::Suspended,
                "rust on seals",
                DateTime::<Utc>::MIN_UTC
            )
            .is_ok()
        );
        assert_eq!(
            acme.may_receive_orders()
                .err()
                .map(|e| e.precondition_kinds()),
            Some(vec!["SUPPLIER_NOT_APPROVED"])
        );
    }

    #[test]
    fn prc_1_scores_follow_quality_delivery_and_price() {
        let mut acme = supplier();
        let now = DateTime::<Utc>::MIN_UTC;
        acme.record_order(110, 100, 10, now);
        acme.record_receipt(100, 90, true, now);
        acme.record_receipt(100, 100, false, now);
        let score = acme.score().cloned().unwrap_or_else(|| panic!("scored"));
        // 190 of 200 accepted; 1 of 2 on time; 1000 ÷ 1100 of the price.
        assert_eq!(
            (score.iqc_pass_bps, score.on_time_bps, score.price_bps),
            (9_500, 5_000, 9_090)
        );
        assert_eq!(
            score.overall_bps,
            (9_500 * 50 + 5_000 * 30 + 9_090 * 20) / 100
        );
        assert_eq!(acme.history.len(), 3, "every recomputation kept");
    }
}
