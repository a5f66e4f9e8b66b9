//! The finance service through its gRPC API, against a real NATS server and
//! a real database (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set). Orders and inventory events are
//! published as those services publish them.

mod support;

mod documents;
mod gates;
mod ledger;
mod refunds;
