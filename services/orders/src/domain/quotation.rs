//! Export pre-sale (ORD-13): an inquiry is answered by a quotation (proforma
//! invoice) whose terms are revised during negotiation, every version kept;
//! the customer's purchase order accepts the current version and becomes a
//! sales order.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::order::{
    Choice, LineInput, MAX_LINES, MAX_QUANTITY, OrderInput, OrderKind, PaymentTerms,
    PaymentTermsInput,
};
use super::{Actor, OrderError};
use orderflow_platform::money::Currency;
use orderflow_platform::validation::Violations;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotationState {
    Open,
    Accepted,
}

impl QuotationState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotationState::Open => "open",
            QuotationState::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(QuotationState::Open),
            "accepted" => Some(QuotationState::Accepted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inquiry {
    pub reference: String,
    pub text: String,
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotationLine {
    pub sku: String,
    pub description: String,
    pub model: String,
    pub manufacturer: String,
    pub quantity: i64,
    pub unit_price: i64,
}

/// The terms of one version (product, model, manufacturer, quantity, delivery
/// date, payment terms, packaging, container type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotationTerms {
    pub currency: Currency,
    pub lines: Vec<QuotationLine>,
    pub delivery_date: NaiveDate,
    pub payment_terms: PaymentTerms,
    pub packaging: String,
    pub container_type: String,
    pub valid_until: Option<NaiveDate>,
}

/// Terms as given.
#[derive(Debug, Clone)]
pub struct TermsInput {
    pub currency_code: String,
    pub lines: Vec<QuotationLineInput>,
    pub delivery_date: String,
    pub payment_terms: Option<PaymentTermsInput>,
    pub packaging: String,
    pub container_type: String,
    pub valid_until: String,
}

#[derive(Debug, Clone)]
pub struct QuotationLineInput {
    pub sku: String,
    pub description: String,
    pub model: String,
    pub manufacturer: String,
    pub quantity: i64,
    pub unit_price_currency: String,
    pub unit_price: i64,
}

impl QuotationTerms {
    pub fn parse(input: &TermsInput, today: NaiveDate) -> Result<Self, OrderError> {
        let mut violations = Violations::new();
        let currency = match Currency::parse(&input.currency_code) {
            Ok(currency) => Some(currency),
            Err(problem) => {
                violations.add("terms.currency_code", problem);
                None
            }
        };
        if input.lines.is_empty() {
            violations.add("terms.lines", "at least one line is required");
        }
        if input.lines.len() > MAX_LINES {
            violations.add("terms.lines", format!("at most {MAX_LINES} lines"));
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        for (index, line) in input.lines.iter().enumerate() {
            let field = |name: &str| format!("terms.lines[{index}].{name}");
            let sku = violations.required(&field("sku"), &line.sku, 64);
            let description = violations.optional(&field("description"), &line.description, 500);
            let model = violations.optional(&field("model"), &line.model, 100);
            let manufacturer = violations.optional(&field("manufacturer"), &line.manufacturer, 200);
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                violations.add(field("quantity"), format!("must be 1 to {MAX_QUANTITY}"));
            }
            if line.unit_price <= 0 {
                violations.add(field("unit_price.minor_units"), "must be greater than zero");
            }
            if let Some(currency) = currency
                && !line.unit_price_currency.trim().is_empty()
                && line.unit_price_currency.trim() != currency.code()
            {
                violations.add(
                    field("unit_price.currency_code"),
                    format!("must be {currency}"),
                );
            }
            if line.unit_price.checked_mul(line.quantity).is_none() {
                violations.add(field("unit_price.minor_units"), "line total is too large");
            }
            lines.push(QuotationLine {
                sku,
                description,
                model,
                manufacturer,
                quantity: line.quantity,
                unit_price: line.unit_price,
            });
        }
        let delivery_date = violations.date("terms.delivery_date", &input.delivery_date);
        if let Some(date) = delivery_date
            && date < today
        {
            violations.add(
                "terms.delivery_date",
                format!("must not be before today ({today})"),
            );
        }
        let payment_terms =
            PaymentTerms::parse("terms.payment_terms", input.payment_terms, &mut violations);
        if payment_terms.is_none()
            && input
                .payment_terms
                .is_none_or(|terms| terms.kind == Choice::Unspecified)
        {
            violations.add("terms.payment_terms.kind", "is required");
        }
        let packaging = violations.optional("terms.packaging", &input.packaging, 500);
        let container_type = violations.optional("terms.container_type", &input.container_type, 20);
        let valid_until = if input.valid_until.trim().is_empty() {
            None
        } else {
            violations.date("terms.valid_until", &input.valid_until)
        };
        let total = lines.iter().try_fold(0i64, |sum, line| {
            line.unit_price
                .checked_mul(line.quantity)
                .and_then(|t| sum.checked_add(t))
        });
        if total.is_none() {
            violations.add("terms.lines", "the total is too large");
        }
        let (Some(currency), Some(delivery_date), Some(payment_terms)) =
            (currency, delivery_date, payment_terms)
        else {
            return Err(OrderError::InvalidInput(violations.into_vec()));
        };
        Ok(violations.finish(Self {
            currency,
            lines,
            delivery_date,
            payment_terms,
            packaging,
            container_type,
            valid_until,
        })?)
    }

    pub fn total(&self) -> i64 {
        self.lines
            .iter()
            .map(|line| line.unit_price.saturating_mul(line.quantity))
            .fold(0i64, i64::saturating_add)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotationVersion {
    pub version: i32,
    pub terms: QuotationTerms,
    pub change_note: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotation {
    pub id: String,
    pub number: String,
    pub customer_id: String,
    pub salesperson: String,
    pub state: QuotationState,
    pub inquiry: Inquiry,
    /// Oldest first; never empty.
    pub versions: Vec<QuotationVersion>,
    pub order_id: Option<String>,
    pub customer_po_number: String,
    pub created_at: DateTime<Utc>,
}

impl Quotation {
    pub fn current_version(&self) -> i32 {
        self.versions.last().map_or(0, |version| version.version)
    }

    pub fn current_terms(&self) -> Option<&QuotationTerms> {
        self.versions.last().map(|version| &version.terms)
    }

    /// A new version during negotiation; `base_version` (when not 0) must be
    /// the current one, so two people cannot revise over each other.
    pub fn revise(
        &mut self,
        terms: QuotationTerms,
        change_note: &str,
        base_version: i32,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<&QuotationVersion, OrderError> {
        self.ensure_open()?;
        let note = change_note.trim();
        if note.is_empty() {
            return Err(OrderError::invalid("change_note", "say what changed"));
        }
        if note.chars().count() > 1000 {
            return Err(OrderError::invalid(
                "change_note",
                "must be at most 1000 characters",
            ));
        }
        let current = self.current_version();
        if base_version != 0 && base_version != current {
            return Err(OrderError::precondition(
                "STALE_VERSION",
                format!("quotations/{}", self.id),
                format!("the quotation is at version {current}, not {base_version}; reload it"),
            ));
        }
        self.versions.push(QuotationVersion {
            version: current + 1,
            terms,
            change_note: note.to_owned(),
            created_at: now,
            created_by: actor.subject.clone(),
        });
        self.versions
            .last()
            .ok_or_else(|| OrderError::Internal(anyhow::anyhow!("a version was just added")))
    }

    fn ensure_open(&self) -> Result<(), OrderError> {
        if self.state == QuotationState::Open {
            Ok(())
        } else {
            Err(OrderError::precondition(
                "QUOTATION_ACCEPTED",
                format!("quotations/{}", self.id),
                format!("quotation {} was already accepted", self.number),
            ))
        }
    }

    /// The customer's PO accepts `version` (the current one); returns the
    /// input of the sales order it becomes.
    pub fn accept(
        &mut self,
        version: i32,
        customer_po_number: &str,
        order_kind: Option<OrderKind>,
        today: NaiveDate,
    ) -> Result<OrderInput, OrderError> {
        self.ensure_open()?;
        let mut violations = Violations::new();
        let po = violations.required("customer_po_number", customer_po_number, 100);
        let kind = order_kind.unwrap_or(OrderKind::Export);
        if !kind.is_sale() {
            violations.add(
                "order_kind",
                format!("a quotation becomes a sale, not a {kind} order"),
            );
        }
        if !violations.is_empty() {
            return Err(OrderError::InvalidInput(violations.into_vec()));
        }
        let current = self.current_version();
        if version != current {
            return Err(OrderError::precondition(
                "STALE_VERSION",
                format!("quotations/{}", self.id),
                format!(
                    "the customer's PO must accept the current version {current}, not {version}"
                ),
            ));
        }
        let terms = self
            .current_terms()
            .ok_or_else(|| OrderError::Internal(anyhow::anyhow!("quotation without versions")))?;
        if let Some(valid_until) = terms.valid_until
            && valid_until < today
        {
            return Err(OrderError::precondition(
                "QUOTATION_EXPIRED",
                format!("quotations/{}", self.id),
                format!("version {current} was valid until {valid_until}; revise it first"),
            ));
        }
        let input = OrderInput {
            kind: Choice::Value(kind),
            channel: String::new(),
            customer_id: self.customer_id.clone(),
            currency_code: terms.currency.code().to_owned(),
            lines: terms
                .lines
                .iter()
                .map(|line| LineInput {
                    sku: line.sku.clone(),
                    description: [
                        line.description.as_str(),
                        line.model.as_str(),
                        line.manufacturer.as_str(),
                    ]
                    .iter()
                    .filter(|part| !part.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" / "),
                    quantity: line.quantity,
                    unit_price_currency: String::new(),
                    unit_price: line.unit_price,
                    kit: None,
                    fit: None,
                })
                .collect(),
            requested_delivery_date: terms.delivery_date.to_string(),
            payment_terms: Some(PaymentTermsInput {
                kind: Choice::Value(terms.payment_terms.kind),
                deposit_percent: i32::from(terms.payment_terms.deposit_percent),
                prepayment_clause: terms.payment_terms.prepayment_clause,
                commission_clause: terms.payment_terms.commission_clause,
            }),
            salesperson: self.salesperson.clone(),
            ship_to: None,
            buyer_message: String::new(),
            seller_note: format!("from quotation {} version {current}", self.number),
            special_custom: false,
            special_requirements: if terms.packaging.is_empty() {
                String::new()
            } else {
                format!("packaging: {}", terms.packaging)
            },
            replaces_order_id: String::new(),
            cost_bearer: Choice::Unspecified,
            customer_po_number: po.clone(),
            // APR-2's form is filled on the order (UpdateOrder) before it
            // is submitted.
            export_contract: super::order::ExportContractInput::default(),
        };
        self.state = QuotationState::Accepted;
        self.customer_po_number = po;
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::order::PaymentTermKind;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    fn terms(price: i64) -> QuotationTerms {
        QuotationTerms::parse(
            &TermsInput {
                currency_code: "USD".to_owned(),
                lines: vec![QuotationLineInput {
                    sku: "PUMP-100".to_owned(),
                    description: "Water pump".to_owned(),
                    model: "WP-100".to_owned(),
                    manufacturer: "Ningbo Pumps".to_owned(),
                    quantity: 200,
                    unit_price_currency: "USD".to_owned(),
                    unit_price: price,
                }],
                delivery_date: "2026-06-30".to_owned(),
                payment_terms: Some(PaymentTermsInput {
                    kind: Choice::Value(PaymentTermKind::Lc),
                    deposit_percent: 0,
                    prepayment_clause: false,
                    commission_clause: true,
                }),
                packaging: "export carton".to_owned(),
                container_type: "40HQ".to_owned(),
                valid_until: "2026-04-30".to_owned(),
            },
            today(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn quotation() -> Quotation {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .unwrap_or_default();
        Quotation {
            id: "q-1".to_owned(),
            number: "PI2026030200000001".to_owned(),
            customer_id: uuid::Uuid::now_v7().to_string(),
            salesperson: "alice".to_owned(),
            state: QuotationState::Open,
            inquiry: Inquiry::default(),
            versions: vec![QuotationVersion {
                version: 1,
                terms: terms(5000),
                change_note: "first offer".to_owned(),
                created_at: now,
                created_by: "alice".to_owned(),
            }],
            order_id: None,
            customer_po_number: String::new(),
            created_at: now,
        }
    }

    #[test]
    fn ord_13_revisions_keep_every_version_and_refuse_stale_bases() {
        let mut quotation = quotation();
        let actor = Actor::new("alice", &["sales"]);
        let now = quotation.created_at;
        quotation
            .revise(terms(4800), "customer asked for 4% off", 1, &actor, now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(quotation.current_version(), 2);
        assert_eq!(quotation.versions.len(), 2);
        assert_eq!(quotation.versions[0].terms.lines[0].unit_price, 5000);
        assert!(matches!(
            quotation.revise(terms(4700), "again", 1, &actor, now),
            Err(OrderError::PreconditionFailed(_))
        ));
        assert!(matches!(
            quotation.revise(terms(4700), " ", 2, &actor, now),
            Err(OrderError::InvalidInput(_))
        ));
    }

    #[test]
    fn ord_13_the_po_accepts_the_current_version_into_an_export_order() {
        let mut quotation = quotation();
        assert!(matches!(
            quotation.accept(1, "", None, today()),
            Err(OrderError::InvalidInput(_))
        ));
        let input = quotation
            .accept(1, "PO-7781", None, today())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(input.kind, Choice::Value(OrderKind::Export));
        assert_eq!(input.lines[0].unit_price, 5000);
        assert_eq!(input.lines[0].quantity, 200);
        assert_eq!(input.customer_po_number, "PO-7781");
        assert_eq!(quotation.state, QuotationState::Accepted);
        assert!(
            quotation.accept(1, "PO-7781", None, today()).is_err(),
            "accepted once"
        );
    }

    #[test]
    fn ord_13_an_expired_version_cannot_be_accepted() {
        let mut quotation = quotation();
        let later = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
        assert!(matches!(
            quotation.accept(1, "PO-1", None, later),
            Err(OrderError::PreconditionFailed(_))
        ));
    }
}
