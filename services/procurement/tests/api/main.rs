//! The procurement service through its gRPC API, against a real NATS server
//! and a real database (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set). The approvals service is not
//! started: its decisions are published as it publishes them.

mod support;

mod fabric;
mod outsourcing;
mod purchasing;
mod suppliers;
