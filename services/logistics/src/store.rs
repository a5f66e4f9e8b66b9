//! Storage: entities, migrations, and the queries the use cases need.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;

pub(crate) use orderflow_platform::db::document::{
    corrupt, from_json as parse_json, to_json as json,
};
