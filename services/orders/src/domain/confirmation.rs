//! ORD-16: the order confirmation sheet (《订单确认单》). Confirmation issues
//! it — what the customer ordered as the company accepted it: lines, prices,
//! the delivery date, the payment terms, the ship-to — and the sales
//! assistant sends it back to the customer (订单确认回传, SLA-1). The
//! customer's acknowledgement is recorded on it, once.
//!
//! The sheet is a snapshot taken at confirmation: an order changed later
//! does not change what the customer was sent. An order confirmed again
//! (rejected in approval, corrected, resubmitted) issues the sheet again as
//! its next version, to be acknowledged anew.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::{Currency, Money};
use serde::{Deserialize, Serialize};

use super::OrderError;
use super::customer::Address;
use super::order::{Order, OrderLine, PaymentTermKind, PaymentTerms};

/// Longest name of the customer's person who acknowledged, and note.
pub const MAX_ACKNOWLEDGED_BY: usize = 100;
pub const MAX_ACKNOWLEDGEMENT_NOTE: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationSheet {
    /// `OC-<order number>`.
    pub number: String,
    /// 1, then +1 each time the order is confirmed again.
    #[serde(default = "first_version")]
    pub version: u32,
    pub order_id: String,
    pub order_number: String,
    pub customer_id: String,
    pub customer_name: String,
    pub salesperson: String,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub total: i64,
    pub delivery_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub ship_to: Address,
    pub customer_po_number: String,
    pub special_requirements: String,
    pub issued_at: DateTime<Utc>,
    /// Who confirmed the order (and so issued the sheet).
    pub issued_by: String,
    pub acknowledgement: Option<Acknowledgement>,
}

/// The customer's acknowledgement of the sheet (回签), as recorded by the
/// company's person who received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The customer's person who acknowledged.
    pub by: String,
    pub note: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

fn first_version() -> u32 {
    1
}

impl ConfirmationSheet {
    /// The sheet for `order` as it stands at its confirmation; `previous`
    /// is the sheet an earlier confirmation issued, if any.
    pub fn issue(
        order: &Order,
        customer_name: &str,
        issued_by: &str,
        now: DateTime<Utc>,
        previous: Option<&ConfirmationSheet>,
    ) -> Self {
        Self {
            number: format!("OC-{}", order.number),
            version: previous.map_or(1, |sheet| sheet.version.saturating_add(1)),
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            customer_id: order.customer_id.clone(),
            customer_name: customer_name.to_owned(),
            salesperson: order.salesperson.clone(),
            currency: order.currency,
            lines: order.lines.clone(),
            total: order.total,
            delivery_date: order.requested_delivery_date,
            payment_terms: order.payment_terms,
            ship_to: order.ship_to.clone(),
            customer_po_number: order.customer_po_number.clone(),
            special_requirements: order.special_requirements.clone(),
            issued_at: now,
            issued_by: issued_by.to_owned(),
            acknowledgement: None,
        }
    }

    /// Records the customer's acknowledgement. The same acknowledgement
    /// again changes nothing (`Ok(false)`); a different one is refused: the
    /// customer acknowledged once.
    pub fn acknowledge(
        &mut self,
        by: &str,
        note: &str,
        recorded_by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, OrderError> {
        let (by, note) = (by.trim(), note.trim());
        if by.is_empty() {
            return Err(OrderError::invalid(
                "acknowledged_by",
                "name the customer's person who acknowledged the confirmation",
            ));
        }
        if by.chars().count() > MAX_ACKNOWLEDGED_BY {
            return Err(OrderError::invalid(
                "acknowledged_by",
                format!("at most {MAX_ACKNOWLEDGED_BY} characters"),
            ));
        }
        if note.chars().count() > MAX_ACKNOWLEDGEMENT_NOTE {
            return Err(OrderError::invalid(
                "note",
                format!("at most {MAX_ACKNOWLEDGEMENT_NOTE} characters"),
            ));
        }
        if let Some(done) = &self.acknowledgement {
            if done.by == by && done.note == note {
                return Ok(false);
            }
            return Err(OrderError::precondition(
                "ALREADY_ACKNOWLEDGED",
                format!("orders/{}", self.order_id),
                format!(
                    "{} was acknowledged by {} on {}",
                    self.number,
                    done.by,
                    done.at.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        self.acknowledgement = Some(Acknowledgement {
            by: by.to_owned(),
            note: note.to_owned(),
            recorded_by: recorded_by.to_owned(),
            at: now,
        });
        Ok(true)
    }

    fn money(&self, minor_units: i64) -> String {
        Money::new(self.currency, minor_units).to_string()
    }

    /// The payment terms in words.
    pub fn terms_text(&self) -> String {
        match self.payment_terms {
            None => "none (no payment due)".to_owned(),
            Some(terms) if terms.kind == PaymentTermKind::TtDeposit => {
                format!(
                    "T/T, {}% deposit, balance before shipment",
                    terms.deposit_percent
                )
            }
            Some(terms) => match terms.kind {
                PaymentTermKind::Prepaid => "prepaid in full before release".to_owned(),
                PaymentTermKind::Lc => "letter of credit".to_owned(),
                PaymentTermKind::Da => "documents against acceptance (D/A)".to_owned(),
                PaymentTermKind::OpenAccount => "open account".to_owned(),
                PaymentTermKind::MonthlySettlement => "monthly settlement".to_owned(),
                PaymentTermKind::TtDeposit => String::new(),
            },
        }
    }

    /// The sheet's text, line by line (what the PDF shows).
    pub fn text_lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "ORDER CONFIRMATION 订单确认单 {} (version {})",
                self.number, self.version
            ),
            format!(
                "Order {}   Customer PO {}   Salesperson {}",
                self.order_number,
                if self.customer_po_number.is_empty() {
                    "-"
                } else {
                    &self.customer_po_number
                },
                self.salesperson
            ),
            format!("Customer: {}", self.customer_name),
            format!(
                "Issued {} by {}",
                self.issued_at.format("%Y-%m-%d %H:%M UTC"),
                self.issued_by
            ),
            String::new(),
            "No. | SKU | description | quantity | unit price | amount".to_owned(),
        ];
        for line in &self.lines {
            out.push(format!(
                "{} | {} | {} | {} | {} | {}",
                line.line_no,
                line.sku,
                line.description,
                line.quantity,
                self.money(line.unit_price),
                self.money(line.total())
            ));
        }
        out.push(format!("TOTAL {}", self.money(self.total)));
        out.push(String::new());
        out.push(format!("Delivery date: {}", self.delivery_date));
        out.push(format!("Payment terms: {}", self.terms_text()));
        out.push("Ship to:".to_owned());
        let address = &self.ship_to;
        out.extend(
            [
                address.recipient_name.clone(),
                address.street.clone(),
                [
                    address.district.as_str(),
                    address.city.as_str(),
                    address.region.as_str(),
                    address.postal_code.as_str(),
                ]
                .into_iter()
                .filter(|part| !part.trim().is_empty())
                .collect::<Vec<_>>()
                .join(", "),
                address.country_code.clone(),
                address.phone.clone(),
            ]
            .into_iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| format!("  {line}")),
        );
        if !self.special_requirements.trim().is_empty() {
            out.push(format!(
                "Special requirements: {}",
                self.special_requirements.trim()
            ));
        }
        out.push(String::new());
        out.push(match &self.acknowledgement {
            Some(done) => format!(
                "Acknowledged by {} on {}",
                done.by,
                done.at.format("%Y-%m-%d %H:%M UTC")
            ),
            None => "Please sign and return to acknowledge: ____________________".to_owned(),
        });
        out
    }

    /// The sheet as a PDF.
    pub fn pdf(&self) -> Vec<u8> {
        orderflow_platform::pdf::text_document(&self.text_lines())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::OrderKind;
    use crate::domain::order::tests::{complete_address, order};

    fn sample_order() -> Order {
        let mut order = order(OrderKind::Standard, 8_800);
        order.ship_to = complete_address();
        order
    }

    fn sheet() -> ConfirmationSheet {
        ConfirmationSheet::issue(
            &sample_order(),
            "苏州园林用品有限公司",
            "amy",
            Utc::now(),
            None,
        )
    }

    #[test]
    fn ord_16_the_sheet_carries_lines_prices_date_terms_and_ship_to() {
        let sheet = sheet();
        let text = sheet.text_lines().join("\n");
        let order = sample_order();
        assert!(text.contains(&format!("OC-{}", order.number)), "{text}");
        assert!(text.contains("苏州园林用品有限公司"), "{text}");
        for line in &order.lines {
            assert!(text.contains(&line.sku), "{text}");
        }
        assert!(text.contains(&sheet.money(order.total)), "{text}");
        assert!(
            text.contains(&order.requested_delivery_date.to_string()),
            "{text}"
        );
        assert!(text.contains(&order.ship_to.street), "{text}");
        assert!(text.contains("Payment terms: "), "{text}");
        assert!(sheet.pdf().starts_with(b"%PDF"));
    }

    #[test]
    fn ord_16_a_second_confirmation_issues_the_next_version_unacknowledged() {
        let mut first = sheet();
        first
            .acknowledge("Li Lei", "", "amy", Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        let again = ConfirmationSheet::issue(&sample_order(), "x", "amy", Utc::now(), Some(&first));
        assert_eq!((first.version, again.version), (1, 2));
        assert_eq!(again.acknowledgement, None);
    }

    #[test]
    fn ord_16_an_acknowledgement_is_recorded_once() {
        let mut sheet = sheet();
        let now = Utc::now();
        assert!(matches!(
            sheet.acknowledge(" ", "", "amy", now),
            Err(OrderError::InvalidInput(_))
        ));
        assert_eq!(
            sheet.acknowledge("Li Lei", "signed", "amy", now).ok(),
            Some(true)
        );
        assert_eq!(
            sheet.acknowledge("Li Lei", "signed", "amy", now).ok(),
            Some(false),
            "the same again changes nothing"
        );
        let refused = sheet.acknowledge("Han Meimei", "", "amy", now);
        assert_eq!(
            refused.err().map(|error| error.precondition_kinds()),
            Some(vec!["ALREADY_ACKNOWLEDGED"])
        );
        assert_eq!(
            sheet.acknowledgement.as_ref().map(|done| done.by.as_str()),
            Some("Li Lei")
        );
    }
}
