//! Requisitions (PRC-2, INV-9) and quotes (PRC-3). A requisition is one
//! material needed by one day; what the same material is needed for by the
//! same day is merged into it while it is open, each source once.
//! Suppliers' quotes are recorded against it; the selection takes a quote,
//! and one that is not the cheapest needs a reason.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Money;
use serde::{Deserialize, Serialize};

use super::ProcurementError;

orderflow_platform::uuid_id!(
    /// A purchase requisition.
    RequisitionId,
    "requisition"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequisitionState {
    Open,
    Ordered,
}

impl RequisitionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequisitionState::Open => "open",
            RequisitionState::Ordered => "ordered",
        }
    }
}

/// Why material is needed: a production order's shortage, or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `production` or `manual`.
    pub kind: String,
    pub reference: String,
    pub quantity: i64,
    pub order_number: String,
}

impl Source {
    /// What makes a source the same source when it is reported again.
    pub fn key(&self, sku: &str) -> String {
        format!("{}:{}:{sku}", self.kind, self.reference)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub supplier_code: String,
    pub unit_price: Money,
    pub lead_days: i32,
    pub quoted_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requisition {
    pub id: RequisitionId,
    pub sku: String,
    pub quantity: i64,
    pub need_by: NaiveDate,
    pub sources: Vec<Source>,
    pub state: RequisitionState,
    pub quotes: Vec<Quote>,
    pub purchase_order_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn unmet(requisition: &Requisition, kind: &'static str, description: String) -> ProcurementError {
    ProcurementError::precondition(
        kind,
        format!("requisitions/{}", requisition.id),
        description,
    )
}

impl Requisition {
    pub fn new(sku: &str, need_by: NaiveDate, source: Source, now: DateTime<Utc>) -> Self {
        Self {
            id: RequisitionId::new(),
            sku: sku.to_owned(),
            quantity: source.quantity,
            need_by,
            sources: vec![source],
            state: RequisitionState::Open,
            quotes: Vec::new(),
            purchase_order_id: String::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// PRC-2: another need for the same material by the same day.
    pub fn merge(&mut self, source: Source, now: DateTime<Utc>) {
        self.quantity = self.quantity.saturating_add(source.quantity);
        self.sources.push(source);
        self.updated_at = now;
    }

    /// PRC-3: a supplier's quote (a newer one replaces its earlier quote).
    /// Quotes of one requisition are compared, so they share a currency.
    pub fn record_quote(
        &mut self,
        quote: Quote,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        if self.state != RequisitionState::Open {
            return Err(unmet(
                self,
                "REQUISITION_ORDERED",
                "the requisition is already ordered".to_owned(),
            ));
        }
        if let Some(other) = self
            .quotes
            .iter()
            .find(|other| other.unit_price.currency != quote.unit_price.currency)
        {
            return Err(ProcurementError::invalid(
                "unit_price.currency_code",
                format!(
                    "this requisition's quotes are in {}; give the price in it (no exchange rate is applied here)",
                    other.unit_price.currency
                ),
            ));
        }
        self.quotes
            .retain(|other| other.supplier_code != quote.supplier_code);
        self.quotes.push(quote);
        self.updated_at = now;
        Ok(())
    }

    /// The cheapest quote.
    pub fn cheapest(&self) -> Option<&Quote> {
        self.quotes
            .iter()
            .min_by_key(|quote| quote.unit_price.minor_units)
    }

    /// PRC-3: the chosen supplier's quote. Not the cheapest: a reason is
    /// required.
    pub fn select(&self, supplier_code: &str, reason: &str) -> Result<Quote, ProcurementError> {
        if self.state != RequisitionState::Open {
            return Err(unmet(
                self,
                "REQUISITION_ORDERED",
                format!("already ordered ({})", self.purchase_order_id),
            ));
        }
        let Some(quote) = self
            .quotes
            .iter()
            .find(|quote| quote.supplier_code == supplier_code)
        else {
            return Err(unmet(
                self,
                "NO_QUOTE",
                format!("{supplier_code} has not quoted for this requisition"),
            ));
        };
        if let Some(cheapest) = self.cheapest()
            && quote.unit_price.minor_units > cheapest.unit_price.minor_units
            && reason.trim().is_empty()
        {
            return Err(ProcurementError::invalid(
                "reason",
                format!(
                    "{} quoted {} but {} quoted {}: say why the dearer one (PRC-3)",
                    supplier_code, quote.unit_price, cheapest.supplier_code, cheapest.unit_price
                ),
            ));
        }
        Ok(quote.clone())
    }

    pub fn ordered(&mut self, purchase_order_id: &str, now: DateTime<Utc>) {
        self.state = RequisitionState::Ordered;
        self.purchase_order_id = purchase_order_id.to_owned();
        self.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(minor_units: i64) -> Money {
        Money::new(
            orderflow_platform::money::Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            minor_units,
        )
    }

    fn quote(supplier: &str, price: Money) -> Quote {
        Quote {
            supplier_code: supplier.to_owned(),
            unit_price: price,
            lead_days: 10,
            quoted_by: "pat".to_owned(),
            at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn requisition() -> Requisition {
        Requisition::new(
            "SEAL",
            NaiveDate::from_ymd_opt(2027, 1, 10).unwrap_or_default(),
            Source {
                kind: "manual".to_owned(),
                reference: "pat".to_owned(),
                quantity: 21,
                order_number: String::new(),
            },
            DateTime::<Utc>::MIN_UTC,
        )
    }

    #[test]
    fn prc_3_a_supplier_that_is_not_the_cheapest_needs_a_reason() {
        let mut requisition = requisition();
        let now = DateTime::<Utc>::MIN_UTC;
        assert!(
            requisition
                .record_quote(quote("ACME", cny(120)), now)
                .is_ok()
        );
        assert!(
            requisition
                .record_quote(quote("BETA", cny(100)), now)
                .is_ok()
        );
        assert!(matches!(
            requisition.select("ACME", ""),
            Err(ProcurementError::InvalidInput(_))
        ));
        assert!(
            requisition
                .select("ACME", "BETA failed IQC last month")
                .is_ok()
        );
        assert!(requisition.select("BETA", "").is_ok());
        assert_eq!(
            requisition
                .select("GAMMA", "")
                .err()
                .map(|e| e.precondition_kinds()),
            Some(vec!["NO_QUOTE"])
        );
    }

    #[test]
    fn prc_3_quotes_are_compared_in_one_currency() {
        let mut requisition = requisition();
        let now = DateTime::<Utc>::MIN_UTC;
        assert!(
            requisition
                .record_quote(quote("ACME", cny(120)), now)
                .is_ok()
        );
        let usd = Money::new(
            orderflow_platform::money::Currency::parse("USD").unwrap_or_else(|e| panic!("{e}")),
            15,
        );
        assert!(matches!(
            requisition.record_quote(quote("BETA", usd), now),
            Err(ProcurementError::InvalidInput(_))
        ));
        assert_eq!(requisition.quotes.len(), 1);
    }
}
