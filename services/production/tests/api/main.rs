//! The production service through its gRPC API, against a real NATS server,
//! a real database (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set) and a real inventory service for
//! the materials.

mod support;

mod demand;
mod execution;
mod floor;
mod scheduling;
