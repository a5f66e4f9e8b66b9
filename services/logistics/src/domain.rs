//! The logistics domain: plain Rust, no transport or storage.
//!
//! - [`routing`]: carriers and the routing rules (LOG-1).
//! - [`shipment`]: a shipment's way from notice to receipt (LOG-2 … LOG-5).
//! - [`tracking`]: carrier adapters for tracking feeds (LOG-4).
//! - [`export`]: export documents (LOG-6).
//! - [`pickup`]: return pick-ups (LOG-7).
//! - [`error`]: the service's error enum.

pub mod error;
pub mod export;
pub mod pickup;
pub mod routing;
pub mod shipment;
pub mod tracking;

pub use error::LogisticsError;
pub use orderflow_platform::auth::Caller as Actor;
