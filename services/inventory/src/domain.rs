//! The inventory domain: plain Rust, no transport or storage.
//!
//! - [`item`]: items and kits, and the kit check of order review (ORD-8).
//! - [`stock`]: warehouses, order lines, movement reasons (INV-1, INV-7).
//! - [`reservation`]: a reservation per order, line by line (INV-3).
//! - [`picking`]: pick lists, outbound inspection, posting (INV-5).
//! - [`error`]: the service's error enum.

pub mod error;
pub mod item;
pub mod picking;
pub mod reservation;
pub mod sheet;
pub mod stock;

pub use error::InventoryError;
pub use orderflow_platform::auth::Caller as Actor;
