//! Storage: entities, migrations, and the queries the use cases need. The
//! ledger module has inserts and selects only (FIN-7).

pub mod accounts;
pub mod documents;
pub mod entities;
pub mod ledger;
pub mod migrations;
pub mod refunds;

pub use migrations::Migrator;

use crate::domain::FinanceError;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> FinanceError {
    FinanceError::Internal(anyhow::anyhow!("stored {what} is invalid: {detail}"))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, FinanceError> {
    serde_json::to_string(value).map_err(|error| {
        FinanceError::Internal(anyhow::Error::new(error).context("cannot serialise"))
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, FinanceError> {
    serde_json::from_str(text).map_err(|error| corrupt(what, error))
}

pub(crate) fn currency(text: &str) -> Result<orderflow_platform::money::Currency, FinanceError> {
    orderflow_platform::money::Currency::parse(text).map_err(|error| corrupt("currency", error))
}

pub(crate) fn date(what: &str, text: &str) -> Result<chrono::NaiveDate, FinanceError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|error| corrupt(what, error))
}
