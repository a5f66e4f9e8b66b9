//! Storage: entities, migrations, and the queries the use cases need.
//!
//! A production order is one aggregate, stored as a JSON document beside the
//! columns the queries filter on (order, state, the SLA-3 deadline); it is
//! read `FOR UPDATE` and written back whole in the use case's transaction.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;

pub(crate) use orderflow_platform::db::document::to_json as json;
