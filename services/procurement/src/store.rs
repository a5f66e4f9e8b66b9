//! Storage: entities, migrations, and the queries the use cases need.
//! Suppliers, requisitions and purchase orders are each one aggregate,
//! stored as a JSON document beside the columns queries filter on, read
//! `FOR UPDATE` and written back whole in the use case's transaction.

pub mod entities;
pub mod migrations;
pub mod records;

pub use migrations::Migrator;
