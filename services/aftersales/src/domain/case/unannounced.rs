//! AFS-11: goods sent back without notice open a case from the
//! warehouse's quality-inspection record.

use chrono::{DateTime, Utc};

use super::{
    AfterSalesError, Case, CaseId, Finding, FreightPayer, Kind, Line, Reason, State, Taken,
    inspect, refundable,
};
use crate::domain::facts::{OrderFacts, Stage};

impl Case {
    /// AFS-11: goods sent back without notice. The warehouse's quality
    /// inspection record (品检表) of what arrived becomes a new return case
    /// on the order, matched to its customer, for customer service to
    /// review with the goods already in; never more than was shipped and
    /// not claimed, nor valued above what was paid and not claimed.
    pub fn unannounced(
        (id, number): (CaseId, String),
        order: &OrderFacts,
        taken: &Taken,
        findings: &[Finding],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AfterSalesError> {
        if !matches!(order.stage, Stage::Delivered | Stage::InTransit) {
            return Err(AfterSalesError::precondition(
                "NOT_SHIPPED",
                format!("orders/{}", order.order_id),
                format!(
                    "order {} is {}: nothing of it was out",
                    order.number, order.state
                ),
            ));
        }
        let mut lines: Vec<Line> = Vec::new();
        for (index, finding) in findings.iter().enumerate() {
            let Some(unit_price) = order.unit_price(&finding.sku) else {
                return Err(AfterSalesError::invalid(
                    format!("lines[{index}].sku"),
                    format!("order {} did not sell {}", order.number, finding.sku),
                ));
            };
            match lines.iter_mut().find(|line| line.sku == finding.sku) {
                Some(line) => line.quantity += finding.quantity,
                None => lines.push(Line {
                    sku: finding.sku.clone(),
                    quantity: finding.quantity,
                    unit_price,
                    tags_attached: false,
                    packaging_intact: false,
                    replacement_sku: String::new(),
                    size: String::new(),
                    style: String::new(),
                    colour: String::new(),
                }),
            }
            let line = lines.iter().find(|line| line.sku == finding.sku);
            let left = order.sold(&finding.sku) - taken.quantity(&finding.sku);
            if line.is_some_and(|line| line.quantity > left) {
                return Err(AfterSalesError::invalid(
                    format!("lines[{index}].quantity"),
                    format!(
                        "{} of {} shipped and not claimed by another case",
                        left.max(0),
                        finding.sku
                    ),
                ));
            }
        }
        let paid_left = order.amount_paid.saturating_sub(taken.money);
        let inspected = inspect(&lines, findings)?;
        let agreed = refundable(
            inspected
                .iter()
                .fold(0_i64, |sum, line| sum.saturating_add(line.agreed_value)),
            paid_left,
        );
        let mut case = Self {
            id,
            number,
            kind: Kind::Return,
            state: State::Submitted,
            order_id: order.order_id.clone(),
            order_number: order.number.clone(),
            customer_id: order.customer_id.clone(),
            channel: order.channel.clone(),
            currency: order.currency,
            reason: Reason::Other,
            description: "sent back without notice".to_owned(),
            evidence: Vec::new(),
            lines,
            requested_amount: None,
            after_shipment: true,
            freight_payer: FreightPayer::Customer,
            pickup: None,
            inspected,
            goods_received_at: Some(now),
            refund_amount: Some(agreed),
            refund_id: None,
            refunded: false,
            replacement_order_id: None,
            price_difference: None,
            rejection_reason: String::new(),
            refund_due_at: None,
            refund_overdue: false,
            overseas: false,
            proof_of_receipt: String::new(),
            shelved_at: None,
            unannounced: true,
            information_due_at: None,
            information_reminded: false,
            history: Vec::new(),
            created_by: actor.to_owned(),
            created_at: now,
            updated_at: now,
        };
        case.note(
            actor,
            "received_unannounced",
            format!(
                "quality inspection record: {}",
                case.inspected
                    .iter()
                    .map(|line| format!("{} × {}", line.quantity, line.sku))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            now,
        );
        Ok(case)
    }
}
