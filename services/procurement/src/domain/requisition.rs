//! Requisitions (PRC-2, INV-9) and quotes (PRC-3). A requisition is one
//! material needed by one day; what the same material is needed for by the
//! same day is merged into it while it is open, each source once.
//! Suppliers' quotes are recorded against it; the selection takes a quote,
//! and one that is not the cheapest needs a reason.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::rates::{Rate, Rates};
use orderflow_platform::money::{Currency, Money};
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
    /// PRC-3: the rate into the base currency of a price in another one.
    #[serde(default)]
    pub exchange_rate: Option<Rate>,
    /// The unit price in the base currency (quotes recorded before rates
    /// existed were all in one currency: their own price).
    #[serde(default)]
    pub base_unit_price: Option<Money>,
}

impl Quote {
    /// PRC-3: a supplier's price, comparable in `base`: a price in another
    /// currency needs the rate into it.
    pub fn priced(
        supplier_code: &str,
        unit_price: Money,
        exchange_rate: Option<Rate>,
        base: Currency,
        lead_days: i32,
        quoted_by: &str,
        at: DateTime<Utc>,
    ) -> Result<Self, ProcurementError> {
        let base_unit_price = if unit_price.currency == base {
            if exchange_rate.is_some() {
                return Err(ProcurementError::invalid(
                    "exchange_rate",
                    format!("the price is in {base} already: no rate"),
                ));
            }
            unit_price
        } else {
            let Some(rate) = exchange_rate else {
                return Err(ProcurementError::invalid(
                    "exchange_rate",
                    format!(
                        "a price in {} needs its rate into {base}",
                        unit_price.currency
                    ),
                ));
            };
            let mut rates = Rates::new(base);
            rates.rates.insert(unit_price.currency, rate);
            let converted = rates
                .convert(unit_price, base)
                .and_then(|value| i64::try_from(value).ok())
                .ok_or_else(|| ProcurementError::invalid("exchange_rate", "the price overflows"))?;
            Money::new(base, converted)
        };
        Ok(Self {
            supplier_code: supplier_code.to_owned(),
            unit_price,
            lead_days,
            quoted_by: quoted_by.to_owned(),
            at,
            exchange_rate,
            base_unit_price: Some(base_unit_price),
        })
    }

    /// What quotes are compared by: the unit price in the base currency.
    pub fn comparable(&self) -> i64 {
        self.base_unit_price.unwrap_or(self.unit_price).minor_units
    }
}

/// PRC-3: a request for quotation sent to one supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub supplier_code: String,
    pub respond_by: NaiveDate,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
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
    /// PRC-3: the suppliers asked to quote.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
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
            invitations: Vec::new(),
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
        self.quotes
            .retain(|other| other.supplier_code != quote.supplier_code);
        self.quotes.push(quote);
        self.updated_at = now;
        Ok(())
    }

    /// PRC-3: asks `suppliers` (already checked to be approved) to quote
    /// by `respond_by`; a supplier asked before gets the new day. Returns
    /// the invitations sent now.
    pub fn invite(
        &mut self,
        suppliers: &[String],
        respond_by: NaiveDate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, ProcurementError> {
        if self.state != RequisitionState::Open {
            return Err(unmet(
                self,
                "REQUISITION_ORDERED",
                "the requisition is already ordered".to_owned(),
            ));
        }
        let mut sent = Vec::with_capacity(suppliers.len());
        for supplier in suppliers {
            let invitation = Invitation {
                supplier_code: supplier.clone(),
                respond_by,
                sent_by: actor.to_owned(),
                sent_at: now,
            };
            self.invitations
                .retain(|other| other.supplier_code != *supplier);
            self.invitations.push(invitation.clone());
            sent.push(invitation);
        }
        self.updated_at = now;
        Ok(sent)
    }

    /// Whether `supplier` has quoted.
    pub fn quoted(&self, supplier: &str) -> bool {
        self.quotes
            .iter()
            .any(|quote| quote.supplier_code == supplier)
    }

    /// The cheapest quote.
    pub fn cheapest(&self) -> Option<&Quote> {
        self.quotes.iter().min_by_key(|quote| quote.comparable())
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
            && quote.comparable() > cheapest.comparable()
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

    /// APR-9: the contract of `purchase_order_id` was rejected, so the
    /// material is still to buy: open for another selection. True if it
    /// was that order's.
    pub fn reopen(&mut self, purchase_order_id: &str, now: DateTime<Utc>) -> bool {
        if self.state != RequisitionState::Ordered || self.purchase_order_id != purchase_order_id {
            return false;
        }
        self.state = RequisitionState::Open;
        self.purchase_order_id.clear();
        self.updated_at = now;
        true
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

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn quote(supplier: &str, price: Money) -> Quote {
        Quote::priced(
            supplier,
            price,
            None,
            price.currency,
            10,
            "pat",
            DateTime::<Utc>::MIN_UTC,
        )
        .unwrap_or_else(|e| panic!("{e}"))
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
    fn prc_3_quotes_in_other_currencies_are_compared_in_the_base_one_through_their_rate() {
        let mut requisition = requisition();
        let now = DateTime::<Utc>::MIN_UTC;
        let cny_base = currency("CNY");
        let usd = Money::new(currency("USD"), 1_500);
        // Without a rate: refused, nothing recorded.
        let refused = Quote::priced("BETA", usd, None, cny_base, 10, "pat", now);
        assert_eq!(
            refused.err().map(|e| match e {
                ProcurementError::InvalidInput(found) => found[0].field.clone(),
                other => other.to_string(),
            }),
            Some("exchange_rate".to_owned())
        );
        // A rate for a price already in the base currency is a mistake too.
        let rate = Rate::parse("7.20").unwrap_or_else(|e| panic!("{e}"));
        assert!(Quote::priced("ACME", cny(11_000), Some(rate), cny_base, 10, "pat", now).is_err());
        let acme = Quote::priced("ACME", cny(11_000), None, cny_base, 10, "pat", now)
            .unwrap_or_else(|e| panic!("{e}"));
        // 15.00 USD at 7.20 = 108.00 CNY: cheaper than ACME's 110.00.
        let beta = Quote::priced("BETA", usd, Some(rate), cny_base, 10, "pat", now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(beta.base_unit_price, Some(cny(10_800)));
        assert!(requisition.record_quote(acme, now).is_ok());
        assert!(requisition.record_quote(beta, now).is_ok());
        assert_eq!(
            requisition.cheapest().map(|q| q.supplier_code.as_str()),
            Some("BETA")
        );
        assert!(
            requisition.select("ACME", "").is_err(),
            "ACME is dearer once converted"
        );
        assert!(requisition.select("BETA", "").is_ok());
    }
}
