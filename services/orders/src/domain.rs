//! The orders domain: plain Rust, no transport or storage.
//!
//! - [`order`]: order kinds and their price rules, the lifecycle state
//!   machine (ORD-4), lines, payment terms, new-order validation (ORD-1, ORD-3),
//!   edits (ORD-7) and review (ORD-5).
//! - [`customer`]: customers and addresses.
//! - [`quotation`]: inquiry → quotation versions → order (ORD-13).
//! - [`error`]: the service's error enum.

pub mod customer;
pub mod error;
pub mod listing;
pub mod order;
pub mod price;
pub mod quotation;
pub mod timeline;

pub use error::OrderError;

use std::collections::BTreeSet;

/// Who acts: the caller's subject and roles, recorded on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub roles: BTreeSet<String>,
}

impl Actor {
    pub fn new(id: impl Into<String>, roles: &[&str]) -> Self {
        Self {
            id: id.into(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }

    /// The fulfilment saga acting on its own.
    pub fn saga() -> Self {
        Self::new("orders:saga", &["service"])
    }
}
