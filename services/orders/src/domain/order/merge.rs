//! ORD-9: what may be merged, and the merged order.

use super::*;

/// ORD-9: what may be merged, and the merged order.
impl Order {
    /// Merges `sources` (two or more, in the order given) into a new order.
    ///
    /// They merge only when recipient name, phone and address are all
    /// identical and none has been reviewed (so none is shipped either); they
    /// must also be one sale — same customer, salesperson, kind, currency,
    /// payment terms, cost bearer and shop channel — with nothing paid yet (a
    /// payment stays with the order it was made for). Every reason against is
    /// reported.
    ///
    /// The merged order carries every line (renumbered), the earliest
    /// delivery date, the notes and PO numbers of all, and is SUBMITTED with
    /// the earliest confirmation due time when every source was submitted,
    /// DRAFT otherwise. Its carrier is chosen for its address when logistics
    /// first sees it (LOG-1).
    pub fn merge(
        sources: &[Order],
        id: String,
        number: String,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Order, OrderError> {
        let Some(first) = sources.first() else {
            return Err(OrderError::invalid(
                "order_ids",
                "name at least two orders to merge",
            ));
        };
        let mut unmet = Vec::new();
        for order in sources {
            let subject = format!("orders/{}", order.id);
            if !matches!(order.state, OrderState::Draft | OrderState::Submitted) {
                unmet.push(Unmet::new(
                    "MERGE_REVIEWED",
                    subject.clone(),
                    format!(
                        "order {} is {}: only orders not yet reviewed can be merged",
                        order.number, order.state
                    ),
                ));
            }
            if order.amount_paid > 0 {
                unmet.push(Unmet::new(
                    "MERGE_PAID",
                    subject.clone(),
                    format!(
                        "order {} has {} paid against it; a payment stays with its order",
                        order.number,
                        order.money(order.amount_paid)
                    ),
                ));
            }
            if order.kind.replaces_an_order() {
                unmet.push(Unmet::new(
                    "MERGE_REPLACEMENT",
                    subject.clone(),
                    format!(
                        "order {} replaces another order ({}) and keeps its own link",
                        order.number, order.kind
                    ),
                ));
            }
            if order.id == first.id {
                continue;
            }
            if !order.ship_to.same_recipient(&first.ship_to) {
                unmet.push(Unmet::new(
                    "MERGE_RECIPIENT",
                    subject.clone(),
                    format!(
                        "order {} does not go to the same recipient as order {}: name, phone and address must all be identical",
                        order.number, first.number
                    ),
                ));
            }
            let differences = [
                ("customer", order.customer_id != first.customer_id),
                ("salesperson", order.salesperson != first.salesperson),
                ("kind", order.kind != first.kind),
                ("currency", order.currency != first.currency),
                ("payment terms", order.payment_terms != first.payment_terms),
                ("cost bearer", order.cost_bearer != first.cost_bearer),
                // A shop channel settles, refunds and times its own orders
                // (SLA-7): orders of two channels, or a channel's and a
                // direct one, are not one sale.
                ("channel", order.channel != first.channel),
            ];
            for (what, differs) in differences {
                if differs {
                    unmet.push(Unmet::new(
                        "MERGE_MISMATCH",
                        subject.clone(),
                        format!(
                            "order {} has another {what} than order {}",
                            order.number, first.number
                        ),
                    ));
                }
            }
        }
        if !unmet.is_empty() {
            return Err(OrderError::PreconditionFailed(unmet));
        }
        let lines: Vec<OrderLine> = sources
            .iter()
            .flat_map(|order| order.lines.iter().cloned())
            .zip(1..)
            .map(|(line, line_no)| OrderLine { line_no, ..line })
            .collect();
        let total = sources
            .iter()
            .try_fold(0_i64, |sum, order| sum.checked_add(order.total))
            .ok_or_else(|| OrderError::invalid("order_ids", "the merged total is too large"))?;
        let joined = |text: fn(&Order) -> &str, separator: &str| {
            let mut parts: Vec<&str> = Vec::new();
            for part in sources.iter().map(text).map(str::trim) {
                if !part.is_empty() && !parts.contains(&part) {
                    parts.push(part);
                }
            }
            parts.join(separator)
        };
        let mut merged = first.renewed(id, number, actor, now);
        merged.lines = lines;
        merged.total = total;
        merged.requested_delivery_date = sources
            .iter()
            .map(|order| order.requested_delivery_date)
            .min()
            .unwrap_or(first.requested_delivery_date);
        merged.buyer_message = joined(|order| &order.buyer_message, "\n");
        merged.seller_note = joined(|order| &order.seller_note, "\n");
        merged.special_requirements = joined(|order| &order.special_requirements, "\n");
        merged.customer_po_number = joined(|order| &order.customer_po_number, ", ");
        merged.replaces_order_id = None;
        merged.quotation_id = None;
        merged.merged_from_order_ids = sources.iter().map(|order| order.id.clone()).collect();
        merged.flags = sources
            .iter()
            .flat_map(|order| order.flags.iter().cloned())
            .collect();
        if sources
            .iter()
            .all(|order| order.state == OrderState::Submitted)
        {
            merged.state = OrderState::Submitted;
            merged.submitted_at = sources.iter().filter_map(|order| order.submitted_at).min();
            merged.confirmation_due_at = sources
                .iter()
                .filter_map(|order| order.confirmation_due_at)
                .min();
            merged.confirmation_overdue = sources.iter().any(|order| order.confirmation_overdue);
        }
        Ok(merged)
    }

    /// ORD-9: a source of a merge is closed, pointing at the merged order.
    pub fn close_as_merged(
        &mut self,
        into: &Order,
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        let from = self.transition(Action::Close, now)?;
        self.merged_into_order_id = Some(into.id.clone());
        Ok(from)
    }
}
