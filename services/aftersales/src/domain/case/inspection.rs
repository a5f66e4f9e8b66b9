//! AFS-5, AFS-6: an inspection's findings checked against the lines coming
//! back, and what of the agreed value is refunded.

use super::{AfterSalesError, Condition, Finding, Inspected, Line};

/// AFS-5: what the inspection found, checked against the lines coming back
/// (their SKUs, quantities and prices): complete goods are worth their full
/// value, damaged ones what was agreed (between none and the full value);
/// the agreed total is capped by what was paid when it is refunded.
pub(super) fn inspect(
    lines: &[Line],
    findings: &[Finding],
) -> Result<Vec<Inspected>, AfterSalesError> {
    if findings.is_empty() {
        return Err(AfterSalesError::invalid("lines", "name what was received"));
    }
    let mut inspected: Vec<Inspected> = Vec::with_capacity(findings.len());
    for (index, finding) in findings.iter().enumerate() {
        let field = format!("lines[{index}]");
        let claimed: i64 = lines
            .iter()
            .filter(|line| line.sku == finding.sku)
            .map(|line| line.quantity)
            .sum();
        let Some(unit_price) = lines
            .iter()
            .find(|line| line.sku == finding.sku)
            .map(|line| line.unit_price)
        else {
            return Err(AfterSalesError::invalid(
                format!("{field}.sku"),
                format!("the case does not return {}", finding.sku),
            ));
        };
        let earlier: i64 = inspected
            .iter()
            .filter(|line| line.sku == finding.sku)
            .map(|line| line.quantity)
            .sum();
        if finding.quantity <= 0 || finding.quantity + earlier > claimed {
            return Err(AfterSalesError::invalid(
                format!("{field}.quantity"),
                format!("between 1 and the {} claimed", claimed - earlier),
            ));
        }
        let full = unit_price
            .checked_mul(finding.quantity)
            .ok_or_else(|| AfterSalesError::invalid(format!("{field}.quantity"), "overflows"))?;
        let agreed_value = match (finding.condition, finding.agreed_value) {
            (Condition::Complete, None) => full,
            (Condition::Complete, Some(value)) if value == full => full,
            (Condition::Complete, Some(_)) => {
                return Err(AfterSalesError::invalid(
                    format!("{field}.agreed_value"),
                    format!("complete goods are worth their full value, {full}"),
                ));
            }
            (Condition::Damaged, None) => {
                return Err(AfterSalesError::invalid(
                    format!("{field}.agreed_value"),
                    "damaged goods need the value agreed (zero for none)",
                ));
            }
            (Condition::Damaged, Some(value)) if !(0..=full).contains(&value) => {
                return Err(AfterSalesError::invalid(
                    format!("{field}.agreed_value.minor_units"),
                    format!("between 0 and the goods' value, {full}"),
                ));
            }
            (Condition::Damaged, Some(value)) => value,
        };
        inspected.push(Inspected {
            sku: finding.sku.clone(),
            quantity: finding.quantity,
            condition: finding.condition,
            agreed_value,
            restocked: finding.restocked,
            note: finding.note.clone(),
        });
    }
    Ok(inspected)
}

/// AFS-6: what is refunded of `agreed`: never more than was paid and not
/// claimed by the order's other cases (an order not fully paid yet gets
/// back at most what it paid).
pub(super) fn refundable(agreed: i64, paid_left: i64) -> i64 {
    agreed.min(paid_left.max(0))
}
