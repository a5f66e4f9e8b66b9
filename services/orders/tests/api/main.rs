//! The orders service through its gRPC API, against a real NATS server and a
//! real database (SQLite always; PostgreSQL when `ORDERFLOW_TEST_DATABASE_URL`
//! is set).

mod support;

mod auth_and_platform;
mod binary;
mod channel;
mod confirmation;
mod creation;
mod custom_orders;
mod events;
mod fake_approvals;
mod fake_orders;
mod lifecycle;
mod made_to_measure;
mod merge;
mod notifications;
mod quotations;
