//! The procurement domain: plain Rust, no transport or storage.
//!
//! - [`supplier`]: suppliers, their review and their scores (PRC-1).
//! - [`requisition`]: requisitions and quotes (PRC-2, PRC-3).
//! - [`purchase`]: purchase orders, follow-up and receiving (PRC-3 …
//!   PRC-5, PRC-8).
//! - [`outsourcing`]: outsourced operations under contract (PRC-6).
//! - [`fabric`]: made-to-measure fabric bought for a garment (PRC-7).
//! - [`error`]: the service's error type.

pub mod error;
pub mod fabric;
pub mod outsourcing;
pub mod purchase;
pub mod requisition;
pub mod supplier;

pub use error::ProcurementError;
pub use orderflow_platform::auth::Caller as Actor;
