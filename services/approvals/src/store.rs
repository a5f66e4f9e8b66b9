//! Storage: entities, migrations, and the queries the use cases need.
//! A request row keeps its policy snapshot, flags and rounds as JSON; steps
//! are rows of their own, carrying what the inbox and the overdue list show.

pub mod entities;
pub mod migrations;
pub mod policies;
pub mod rates;
pub mod requests;

pub use migrations::Migrator;

use crate::domain::ApprovalError;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> ApprovalError {
    ApprovalError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ApprovalError> {
    serde_json::to_string(value).map_err(|error| {
        ApprovalError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, ApprovalError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}
