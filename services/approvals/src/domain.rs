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

/// The roles of domain.md §1; a policy step names one of them.
pub const ROLES: &[&str] = &[
    "sales",
    "sales_assistant",
    "sales_supervisor",
    "dept_manager",
    "admin_reviewer",
    "gm",
    "finance",
    "docs_clerk",
    "warehouse",
    "planner",
    "production_manager",
    "vp_production",
    "qc",
    "purchaser",
    "purchasing_manager",
    "logistics",
    "customer_service",
    "tech",
    "commerce",
    "store",
    "supplier",
    "manufacturer",
    "admin",
];
