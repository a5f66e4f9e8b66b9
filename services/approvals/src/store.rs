//! Storage: entities, migrations, and the queries the use cases need.
//! A request row keeps its policy snapshot, flags and rounds as JSON; steps
//! are rows of their own, carrying what the inbox and the overdue list show.

pub mod entities;
pub mod migrations;
pub mod policies;
pub mod rates;
pub mod requests;

pub use migrations::Migrator;

pub(crate) use orderflow_platform::db::document::{
    corrupt, from_json as parse_json, to_json as json,
};
