//! The inventory service through its gRPC API, against a real NATS server and
//! a real database (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set).

mod support;

mod flows;
mod reservations;
