//! Storage: entities, migrations, and the queries the use cases need.
//! Stock changes are single conditional `UPDATE`s (never read-then-write),
//! so concurrent reservations on any number of replicas cannot oversell.

pub mod entities;
pub mod migrations;
pub mod records;
pub mod stock;

pub use migrations::Migrator;

use crate::domain::InventoryError;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> InventoryError {
    InventoryError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, InventoryError> {
    serde_json::to_string(value).map_err(|error| {
        InventoryError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, InventoryError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}
