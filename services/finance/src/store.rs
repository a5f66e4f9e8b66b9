//! Storage: entities, migrations, and the queries the use cases need. The
//! ledger module has inserts and selects only (FIN-7).

pub mod accounts;
pub mod costs;
pub mod documents;
pub mod entities;
pub mod ledger;
pub mod migrations;
pub mod refunds;

pub use migrations::Migrator;

use crate::domain::FinanceError;

pub(crate) fn currency(text: &str) -> Result<orderflow_platform::money::Currency, FinanceError> {
    orderflow_platform::money::Currency::parse(text).map_err(|error| corrupt("currency", error))
}

pub(crate) fn date(what: &str, text: &str) -> Result<chrono::NaiveDate, FinanceError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|error| corrupt(what, error))
}

pub(crate) use orderflow_platform::db::document::{
    corrupt, from_json as parse_json, to_json as json,
};
