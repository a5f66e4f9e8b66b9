//! Storage: entities, migrations, and the queries the use cases need.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;

use crate::domain::LogisticsError;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> LogisticsError {
    LogisticsError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, LogisticsError> {
    serde_json::to_string(value).map_err(|error| {
        LogisticsError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, LogisticsError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}
