//! AFS-8: overseas-warehouse returns, refunded on the customer's proof of
//! receipt and closed once shelved.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Money;

use super::{AfterSalesError, Case, State, precondition};

impl Case {
    /// AFS-8: the customer's proof that the goods reached the overseas
    /// warehouse: their value is refunded (at most `paid_left`, what was
    /// paid and not claimed by other cases) before they are shelved.
    pub fn overseas_received(
        &mut self,
        proof: &str,
        paid_left: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        if !self.overseas {
            return Err(precondition(
                "NOT_OVERSEAS",
                self,
                "the goods of this case are not returned to the overseas warehouse",
            ));
        }
        self.expect(&[State::Approved], "record the overseas receipt")?;
        let value = self.goods_value();
        if value > paid_left {
            return Err(precondition(
                "REFUND_EXCEEDS_PAID",
                self,
                format!(
                    "the goods are worth {}, {} is left to refund",
                    Money::new(self.currency, value),
                    Money::new(self.currency, paid_left.max(0))
                ),
            ));
        }
        self.proof_of_receipt = proof.to_owned();
        self.evidence.push(proof.to_owned());
        self.refund_amount = Some(value);
        self.state = State::Refunding;
        self.note(
            actor,
            "overseas_received",
            format!(
                "proof of receipt {proof}; {} refunded",
                Money::new(self.currency, value)
            ),
            now,
        );
        Ok(())
    }

    /// AFS-8: what the overseas warehouse shelved, checked against the
    /// case (nothing changes yet: inventory is told first).
    pub fn check_shelving(&self, lines: &[(String, i64)]) -> Result<(), AfterSalesError> {
        if !self.overseas {
            return Err(precondition(
                "NOT_OVERSEAS",
                self,
                "the goods of this case are not returned to the overseas warehouse",
            ));
        }
        if self.shelved_at.is_some() {
            return Err(precondition(
                "ALREADY_SHELVED",
                self,
                "the goods are shelved",
            ));
        }
        self.expect(
            &[State::Refunding, State::RefundRejected, State::Closed],
            "shelve the goods before the proof of receipt",
        )?;
        if lines.is_empty() {
            return Err(AfterSalesError::invalid("lines", "name what was shelved"));
        }
        for (index, (sku, _)) in lines.iter().enumerate() {
            let claimed: i64 = self
                .lines
                .iter()
                .filter(|line| line.sku == *sku)
                .map(|line| line.quantity)
                .sum();
            let shelved: i64 = lines
                .iter()
                .filter(|(other, _)| other == sku)
                .map(|(_, quantity)| *quantity)
                .sum();
            if claimed == 0 {
                return Err(AfterSalesError::invalid(
                    format!("lines[{index}].sku"),
                    format!("the case does not return {sku}"),
                ));
            }
            if shelved > claimed {
                return Err(AfterSalesError::invalid(
                    format!("lines[{index}].quantity"),
                    format!("at most the {claimed} returned"),
                ));
            }
        }
        Ok(())
    }

    /// AFS-8: the goods are shelved at the overseas warehouse.
    pub fn shelved(&mut self, detail: String, actor: &str, now: DateTime<Utc>) {
        self.shelved_at = Some(now);
        self.goods_received_at = Some(now);
        self.note(actor, "shelved", detail, now);
        self.close_if_done(actor, now);
    }
}
