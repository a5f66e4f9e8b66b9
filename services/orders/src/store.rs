//! Storage: sea-orm entities, the migrations, and per-aggregate queries.
//!
//! Orders keep their lines, ship-to address and flags as JSON documents on
//! the order row: they are always read and written with the order, and one
//! row per order keeps creation to one insert.

pub mod claims;
pub mod customers;
pub mod entities;
pub mod migrations;
pub mod notifications;
pub mod numbers;
pub mod orders;
pub mod prices;
pub mod quotations;
pub mod sagas;
pub mod sheets;
pub mod timeline;

pub use migrations::Migrator;

use crate::domain::OrderError;

/// A stored value that does not parse is a bug or a corrupted row.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> OrderError {
    OrderError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, OrderError> {
    serde_json::to_string(value).map_err(|error| {
        OrderError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, OrderError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}
