//! The logistics service through its gRPC API, against a real NATS server
//! and real databases (SQLite always; PostgreSQL when
//! `ORDERFLOW_TEST_DATABASE_URL` is set), with a fake finance answering
//! FIN-6's question. Orders and inventory events are published as those
//! services publish them.

mod fake_finance;
mod support;

mod routing;
mod shipping;
