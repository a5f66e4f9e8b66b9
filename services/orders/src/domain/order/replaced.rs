//! ORD-14: the order a reship, a return or an exchange replaces.

use orderflow_platform::validation::Violations;

use super::{NewOrder, Order, OrderState};
use crate::domain::OrderError;

/// What ORD-14 needs to know of the order a new one replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub customer_id: String,
    pub state: OrderState,
}

impl Replaced {
    pub fn of(order: &Order) -> Self {
        Self {
            customer_id: order.customer_id.clone(),
            state: order.state,
        }
    }
}

/// ORD-14: the order `new` replaces exists and is the same customer's (each
/// else a violation of `replaces_order_id`); a reship or a return replaces
/// goods that were shipped, so its original must have shipped (else
/// `REPLACED_NOT_SHIPPED`, returned once the fields are in order). An
/// exchange (a standard order from after-sales) may replace one that has not
/// shipped yet (AFS-3).
pub fn check_replaced(
    new: &NewOrder,
    replaced: Option<&Replaced>,
    violations: &mut Violations,
) -> Result<(), OrderError> {
    let Some(replaced_id) = &new.replaces_order_id else {
        return Ok(());
    };
    let Some(replaced) = replaced else {
        violations.add("replaces_order_id", "no such order");
        return Ok(());
    };
    if replaced.customer_id != new.customer_id {
        violations.add(
            "replaces_order_id",
            "is another customer's order: a reship, return or exchange replaces an order of \
             the same customer (ORD-14)",
        );
        return Ok(());
    }
    if new.kind.replaces_an_order() && !replaced.state.has_shipped() {
        return Err(OrderError::precondition(
            "REPLACED_NOT_SHIPPED",
            format!("orders/{replaced_id}"),
            format!(
                "the replaced order is {}: a {} order replaces goods that were shipped (ORD-14); \
                 an order that has not shipped is changed or cancelled instead",
                replaced.state, new.kind
            ),
        ));
    }
    Ok(())
}
