//! The finance domain: plain Rust, no transport or storage.
//!
//! - [`account`]: what finance keeps of an order (kind, terms, total, stage).
//! - [`gate`]: the production release gate (FIN-5, ORD-20, APR-5, FIN-1).
//! - [`lc`]: letters of credit, their reviews and amendments (FIN-4).
//! - [`payment`]: payments, recorded and confirmed (FIN-3).
//! - [`ledger`]: the append-only sales ledger and sales details (FIN-7, ORD-20).
//! - [`cost`]: standard costs and the profit confirmed on a sales detail (ORD-20).
//! - [`credit`]: customer ratings and limits (FIN-1).
//! - [`document`]: invoices and receivables (FIN-9, FIN-10).
//! - [`refund`]: refunds, approved by the GM and executed once (FIN-8).
//! - [`error`]: the service's error enum.

pub mod account;
pub mod cost;
pub mod credit;
pub mod document;
pub mod error;
pub mod gate;
pub mod lc;
pub mod ledger;
pub mod payment;
pub mod refund;

pub use error::FinanceError;
pub use orderflow_platform::auth::Caller as Actor;
