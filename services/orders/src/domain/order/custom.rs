//! ORD-18: a special custom-made product (特殊定做产品) is reviewed by a
//! `sales_supervisor` before it is confirmed, and so before it can reach
//! production: are the specification, the quantity and the delivery date
//! feasible (三要素判定)? All three feasible, the order may be confirmed; any
//! one not, it goes back to the salesperson (REJECTED) with the reason. The
//! review is due within four hours of the submission (SLA-2); one not done
//! by then is flagged, once.

use super::*;

/// SLA-2: the supervisor's review within four hours of the order's receipt.
pub const CUSTOM_REVIEW_WITHIN: chrono::Duration = chrono::Duration::hours(4);

/// ORD-18: the supervisor found the three elements feasible.
pub const FLAG_CUSTOM_REVIEW_PASSED: &str = "custom_review_passed";
/// SLA-2: the review was not done in time.
pub const FLAG_CUSTOM_REVIEW_OVERDUE: &str = "custom_review_overdue";

/// The supervisor's judgement of the three elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomVerdict {
    pub specification: bool,
    pub quantity: bool,
    pub delivery_date: bool,
}

impl CustomVerdict {
    /// The elements found not feasible.
    pub fn infeasible(self) -> Vec<&'static str> {
        [
            ("specification", self.specification),
            ("quantity", self.quantity),
            ("delivery date", self.delivery_date),
        ]
        .into_iter()
        .filter_map(|(name, feasible)| (!feasible).then_some(name))
        .collect()
    }
}

/// What the review did to the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomReview {
    /// Feasible: it may be confirmed.
    Passed,
    /// Back to the salesperson: REJECTED, from the state it was in.
    Refused {
        from: OrderState,
        infeasible: Vec<&'static str>,
    },
}

impl Order {
    /// ORD-18: the supervisor's review of a submitted special custom order.
    pub fn review_custom(
        &mut self,
        verdict: CustomVerdict,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<CustomReview, OrderError> {
        if !self.special_custom {
            return Err(OrderError::precondition(
                "NOT_SPECIAL_CUSTOM",
                format!("orders/{}", self.id),
                format!("order {} is not a special custom order", self.number),
            ));
        }
        if self.state != OrderState::Submitted {
            return Err(crate::domain::error::illegal_transition(
                self.state,
                "reviewed as a special custom order",
            ));
        }
        if self.flags.contains(FLAG_CUSTOM_REVIEW_PASSED) {
            return Err(OrderError::precondition(
                "ALREADY_REVIEWED",
                format!("orders/{}", self.id),
                format!("order {} was already found feasible", self.number),
            ));
        }
        let infeasible = verdict.infeasible();
        if infeasible.is_empty() {
            self.flags.insert(FLAG_CUSTOM_REVIEW_PASSED.to_owned());
            self.custom_review_due_at = None;
            self.updated_at = now;
            return Ok(CustomReview::Passed);
        }
        require_reason(reason)?;
        let from = self.transition(Action::Reject, now)?;
        self.custom_review_due_at = None;
        Ok(CustomReview::Refused { from, infeasible })
    }

    /// ORD-18: a special custom order is confirmed only once found feasible.
    pub fn ensure_custom_reviewed(&self) -> Result<(), OrderError> {
        if !self.special_custom || self.flags.contains(FLAG_CUSTOM_REVIEW_PASSED) {
            return Ok(());
        }
        Err(OrderError::precondition(
            "CUSTOM_REVIEW_PENDING",
            format!("orders/{}", self.id),
            format!(
                "order {} is a special custom order: a sales_supervisor reviews its specification, quantity and delivery date first (ORD-18)",
                self.number
            ),
        ))
    }

    /// ORD-18: an order of a SKU the price list marks special custom-made
    /// is itself marked special custom, so that the supervisor's review
    /// cannot be skipped by leaving the mark off. One unmet precondition per
    /// such line of an unmarked order.
    pub fn ensure_marked_special_custom(
        &self,
        special_skus: &std::collections::BTreeSet<String>,
    ) -> Result<(), OrderError> {
        if self.special_custom {
            return Ok(());
        }
        let unmet: Vec<Unmet> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, line)| special_skus.contains(&line.sku))
            .map(|(index, line)| {
                Unmet::new(
                    "SPECIAL_CUSTOM_UNMARKED",
                    format!("lines[{index}].sku"),
                    format!(
                        "{} is a special custom-made product (price list): mark the order special_custom with its specification for the sales supervisor's review (ORD-18)",
                        line.sku
                    ),
                )
            })
            .collect();
        if unmet.is_empty() {
            Ok(())
        } else {
            Err(OrderError::PreconditionFailed(unmet))
        }
    }

    /// SLA-2: the review is late. True when this is news.
    pub fn mark_custom_review_overdue(&mut self, now: DateTime<Utc>) -> bool {
        let due = self.custom_review_due_at.is_some_and(|due| due <= now);
        if self.state != OrderState::Submitted
            || !due
            || self.flags.contains(FLAG_CUSTOM_REVIEW_PASSED)
            || self.flags.contains(FLAG_CUSTOM_REVIEW_OVERDUE)
        {
            return false;
        }
        self.flags.insert(FLAG_CUSTOM_REVIEW_OVERDUE.to_owned());
        self.updated_at = now;
        true
    }

    /// A new submission is reviewed afresh.
    pub(super) fn reset_custom_review(&mut self) {
        self.flags.remove(FLAG_CUSTOM_REVIEW_PASSED);
        self.flags.remove(FLAG_CUSTOM_REVIEW_OVERDUE);
        self.custom_review_due_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::order;
    use super::*;

    const FEASIBLE: CustomVerdict = CustomVerdict {
        specification: true,
        quantity: true,
        delivery_date: true,
    };

    fn submitted_custom() -> (Order, DateTime<Utc>) {
        let mut order = order(OrderKind::Standard, 8_800);
        order.special_custom = true;
        order.special_requirements = "stainless impeller, 380 V".to_owned();
        let now = Utc::now();
        order
            .submit(chrono::Duration::hours(1), now)
            .unwrap_or_else(|e| panic!("{e}"));
        (order, now)
    }

    #[test]
    fn ord_18_an_order_of_a_special_custom_product_must_be_marked_so() {
        let mut order = order(OrderKind::Standard, 8_800);
        let special: std::collections::BTreeSet<String> = [order.lines[0].sku.clone()].into();
        let unmet = order
            .ensure_marked_special_custom(&special)
            .err()
            .map(|error| error.precondition_kinds());
        assert_eq!(unmet, Some(vec!["SPECIAL_CUSTOM_UNMARKED"]));
        assert!(
            order
                .ensure_marked_special_custom(&std::collections::BTreeSet::new())
                .is_ok()
        );
        order.special_custom = true;
        assert!(order.ensure_marked_special_custom(&special).is_ok());
    }

    #[test]
    fn ord_18_a_special_custom_order_is_confirmed_only_once_found_feasible() {
        let (mut order, now) = submitted_custom();
        assert_eq!(order.custom_review_due_at, Some(now + CUSTOM_REVIEW_WITHIN));
        assert_eq!(
            order
                .ensure_custom_reviewed()
                .err()
                .map(|e| e.precondition_kinds()),
            Some(vec!["CUSTOM_REVIEW_PENDING"])
        );
        assert_eq!(
            order.review_custom(FEASIBLE, "", now).ok(),
            Some(CustomReview::Passed)
        );
        assert!(order.ensure_custom_reviewed().is_ok());
        assert_eq!(order.custom_review_due_at, None);
        let again = order.review_custom(FEASIBLE, "", now);
        assert_eq!(
            again.err().map(|e| e.precondition_kinds()),
            Some(vec!["ALREADY_REVIEWED"])
        );
    }

    #[test]
    fn ord_18_an_infeasible_element_sends_it_back_with_a_reason() {
        let (mut order, now) = submitted_custom();
        let late = CustomVerdict {
            delivery_date: false,
            quantity: false,
            ..FEASIBLE
        };
        assert!(matches!(
            order.review_custom(late, " ", now),
            Err(OrderError::InvalidInput(_))
        ));
        assert_eq!(order.state, OrderState::Submitted, "nothing changed");
        assert_eq!(
            order
                .review_custom(late, "the mould takes 60 days", now)
                .ok(),
            Some(CustomReview::Refused {
                from: OrderState::Submitted,
                infeasible: vec!["quantity", "delivery date"]
            })
        );
        assert_eq!(order.state, OrderState::Rejected);
    }

    #[test]
    fn sla_2_a_review_not_done_in_four_hours_is_flagged_once() {
        let (mut order, now) = submitted_custom();
        assert!(!order.mark_custom_review_overdue(now + chrono::Duration::minutes(239)));
        assert!(order.mark_custom_review_overdue(now + CUSTOM_REVIEW_WITHIN));
        assert!(!order.mark_custom_review_overdue(now + CUSTOM_REVIEW_WITHIN));
        assert!(order.flags.contains(FLAG_CUSTOM_REVIEW_OVERDUE));
        // Resubmitted, it is due afresh.
        let later = now + chrono::Duration::hours(5);
        order.state = OrderState::Draft;
        order
            .submit(chrono::Duration::hours(1), later)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!order.flags.contains(FLAG_CUSTOM_REVIEW_OVERDUE));
        assert_eq!(
            order.custom_review_due_at,
            Some(later + CUSTOM_REVIEW_WITHIN)
        );
    }
}
