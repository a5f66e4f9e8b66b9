//! Storage: entities, migrations, and the queries the use cases need.
//! Stock changes are single conditional `UPDATE`s (never read-then-write),
//! so concurrent reservations on any number of replicas cannot oversell.

pub mod entities;
pub mod migrations;
pub mod records;
pub mod stock;

pub use migrations::Migrator;

pub(crate) use orderflow_platform::db::document::{
    corrupt, from_json as parse_json, to_json as json,
};
