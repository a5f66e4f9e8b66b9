//! Orders' errors are the platform's one error type (`Error`): the same
//! variants, constructors and gRPC mapping in every service.

pub use orderflow_platform::error::{Error as OrderError, Unmet};

use super::order::OrderState;

/// A transition the lifecycle does not allow: `FAILED_PRECONDITION`
/// `ILLEGAL_TRANSITION` about the order's current state (ORD-4).
pub fn illegal_transition(from: OrderState, action: &'static str) -> OrderError {
    OrderError::precondition(
        ILLEGAL_TRANSITION,
        from.as_str(),
        format!("an order in state {from} cannot be {action}"),
    )
}

/// The kind of [`illegal_transition`]'s precondition.
pub const ILLEGAL_TRANSITION: &str = "ILLEGAL_TRANSITION";
