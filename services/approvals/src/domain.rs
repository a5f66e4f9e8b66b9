//! The approvals domain: plain Rust, no transport or storage.
//!
//! - [`policy`]: policies as data (APR-1): ordered step rules with a role, an
//!   SLA and a condition on amount or flags; the default chains of domain.md.
//! - [`request`]: an approval request walking its chain (APR-3, APR-4,
//!   APR-10), in rounds.
//! - [`rates`]: exchange rates for thresholds in the base currency (APR-2).
//! - [`error`]: the service's error enum.

pub mod error;
pub mod policy;
pub mod rates;
pub mod request;

pub use error::ApprovalError;
pub use orderflow_platform::auth::Caller as Actor;

/// Whether `role` is a role a person holds (domain.md §1): what an approval
/// step may name.
pub fn is_person_role(role: &str) -> bool {
    orderflow_platform::auth::Role::parse(role)
        .is_some_and(|role| role != orderflow_platform::auth::Role::Service)
}
