//! Storage: sea-orm entities, the migrations, and per-aggregate queries.
//!
//! Orders keep their lines, ship-to address and flags as JSON documents on
//! the order row: they are always read and written with the order, and one
//! row per order keeps creation to one insert.

pub mod claims;
pub mod customers;
pub mod entities;
pub mod migrations;
pub mod notifications;
pub mod numbers;
pub mod orders;
pub mod prices;
pub mod quotations;
pub mod sagas;
pub mod sheets;
pub mod timeline;

pub use migrations::Migrator;

pub(crate) use orderflow_platform::db::document::{
    corrupt, from_json as parse_json, to_json as json,
};
