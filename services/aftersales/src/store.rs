//! Storage: entities, migrations, and the queries the use cases need. A
//! case is one aggregate, stored as a JSON document beside the columns
//! queries filter on, read `FOR UPDATE` and written back whole in the use
//! case's transaction; an order's facts likewise.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;

use crate::domain::AfterSalesError;

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, AfterSalesError> {
    serde_json::to_string(value).map_err(|error| {
        AfterSalesError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, AfterSalesError> {
    serde_json::from_str(text).map_err(|error| {
        AfterSalesError::Internal(anyhow::anyhow!("stored {what} is invalid: {error}"))
    })
}
