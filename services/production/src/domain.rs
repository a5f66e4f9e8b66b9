//! The production domain: plain Rust, no transport or storage.
//!
//! - [`order`]: the production order and its life (PRD-1, PRD-4, PRD-5,
//!   PRD-10, SLA-3).
//! - [`bom`]: versioned multi-level bills of materials, the routing and
//!   material requirements (PRD-2).
//! - [`schedule`]: work centres and the finite-capacity scheduler (PRD-3).
//! - [`summary`]: output against plan, yield, materials (PRD-9).
//! - [`error`]: the service's error type.

pub mod bom;
pub mod error;
pub mod order;
pub mod plan;
pub mod schedule;
pub mod summary;

pub use error::ProductionError;
pub use orderflow_platform::auth::Caller as Actor;
