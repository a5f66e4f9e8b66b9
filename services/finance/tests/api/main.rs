//! The finance service through its gRPC API, against a real NATS server and
//! a real database (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set). The events of orders, approvals
//! and after-sales are published as those services publish them.

mod support;

mod costs;
mod documents;
mod gates;
mod ledger;
mod properties;
mod refunds;
mod replicas;
