//! Storage: entities, migrations, and the queries the use cases need.
//!
//! A production order is one aggregate, stored as a JSON document beside the
//! columns the queries filter on (order, state, the SLA-3 deadline); it is
//! read `FOR UPDATE` and written back whole in the use case's transaction.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;

use crate::domain::ProductionError;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> ProductionError {
    ProductionError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ProductionError> {
    serde_json::to_string(value).map_err(|error| {
        ProductionError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, ProductionError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}
