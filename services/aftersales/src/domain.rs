//! The after-sales domain: plain Rust, no transport or storage.
//!
//! - [`facts`]: what after-sales knows of an order, from its events.
//! - [`case`]: a return, exchange or refund case and its life (AFS-1 …
//!   AFS-7, AFS-11).
//! - [`calendar`]: working days for SLA-7.
//! - [`analysis`]: return counts and rates (AFS-9).
//! - [`complaint`]: complaints and feedback (AFS-10).
//! - [`error`]: the service's error type.

pub mod analysis;
pub mod calendar;
pub mod case;
pub mod complaint;
pub mod error;
pub mod facts;

pub use error::AfterSalesError;
pub use orderflow_platform::auth::Caller as Actor;
