//! ORD-5, ORD-11: the review of a submitted order — completeness, prices against
//! the list — its confirmation or rejection, and the hold on a suspected fake order.

use super::*;

impl Order {
    /// ORD-5: completeness and price-list checks. `list_prices` maps SKU to
    /// the list price in the order's currency.
    pub fn review(
        &self,
        actor: &Actor,
        list_prices: &BTreeMap<String, i64>,
        accept_price_deviation: bool,
    ) -> Result<Review, OrderError> {
        self.state.apply(Action::Confirm)?;
        let missing: Vec<Unmet> = self.ship_to.missing_for_shipping("ship_to");
        if !missing.is_empty() {
            return Err(OrderError::PreconditionFailed(missing));
        }
        let deviations: Vec<PriceDeviation> = if self.kind.checks_price_list() {
            self.lines
                .iter()
                .filter_map(|line| {
                    let list_price = *list_prices.get(&line.sku)?;
                    (list_price != line.unit_price).then_some(PriceDeviation {
                        line_no: line.line_no,
                        unit_price: line.unit_price,
                        list_price,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        if deviations.is_empty() {
            return Ok(Review::Passed {
                accepted_deviations: Vec::new(),
            });
        }
        if accept_price_deviation && actor.has_role(Role::SalesSupervisor.as_str()) {
            Ok(Review::Passed {
                accepted_deviations: deviations,
            })
        } else {
            Ok(Review::NeedsSupervisor { deviations })
        }
    }

    /// Records price deviations on the lines and flags the order.
    pub fn flag_price_deviations(
        &mut self,
        deviations: &[PriceDeviation],
        now: DateTime<Utc>,
    ) -> bool {
        let mut changed = self.flags.insert(FLAG_PRICE_MISMATCH.to_owned());
        for deviation in deviations {
            if let Some(line) = self
                .lines
                .iter_mut()
                .find(|line| line.line_no == deviation.line_no)
                && line.list_price != Some(deviation.list_price)
            {
                line.list_price = Some(deviation.list_price);
                changed = true;
            }
        }
        if changed {
            self.updated_at = now;
        }
        changed
    }

    pub fn confirm(
        &mut self,
        accepted: &[PriceDeviation],
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        self.ensure_custom_reviewed()?;
        if !accepted.is_empty() {
            self.flag_price_deviations(accepted, now);
        }
        self.transition(Action::Confirm, now)
    }

    pub fn reject(&mut self, reason: &str, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        require_reason(reason)?;
        self.transition(Action::Reject, now)
    }

    /// ORD-11: why review holds this order as a fake or brushing order — the
    /// reviewer's reason, or the seller note that marks it — if it does.
    pub fn fake_order_suspicion(&self, reviewer_reason: &str) -> Option<String> {
        let reviewer_reason = reviewer_reason.trim();
        if !reviewer_reason.is_empty() {
            return Some(reviewer_reason.to_owned());
        }
        let note = self.seller_note.to_lowercase();
        FAKE_ORDER_MARKERS
            .iter()
            .find(|marker| note.contains(*marker))
            .map(|marker| format!("the seller note mentions \"{marker}\""))
    }

    /// ORD-11: held for a human decision.
    pub fn hold_as_suspected_fake(&mut self, now: DateTime<Utc>) {
        self.flags.insert(FLAG_SUSPECTED_FAKE.to_owned());
        self.updated_at = now;
    }

    /// ORD-11: held and not yet judged genuine by a person.
    pub fn is_held(&self) -> bool {
        self.flags.contains(FLAG_SUSPECTED_FAKE) && !self.flags.contains(FLAG_HOLD_CLEARED)
    }

    /// ORD-11: the payment gate opened, but a held order is never released
    /// automatically; remembered for the person who decides. True when this
    /// is news.
    pub fn note_release_held(&mut self, now: DateTime<Utc>) -> bool {
        let news = self.flags.insert(FLAG_RELEASE_HELD.to_owned());
        if news {
            self.updated_at = now;
        }
        news
    }

    /// ORD-11: a sales supervisor judges the held order genuine. Returns
    /// whether it is to be released now (its gate opened while it was held).
    pub fn clear_hold(&mut self, reason: &str, now: DateTime<Utc>) -> Result<bool, OrderError> {
        require_reason(reason)?;
        if !self.is_held() {
            return Err(OrderError::precondition(
                "NOT_HELD",
                format!("orders/{}", self.id),
                format!(
                    "order {} is not held as a suspected fake order",
                    self.number
                ),
            ));
        }
        self.flags.insert(FLAG_HOLD_CLEARED.to_owned());
        self.updated_at = now;
        Ok(self.state == OrderState::AwaitingPayment && self.flags.contains(FLAG_RELEASE_HELD))
    }
}
