//! The logistics service through its gRPC API, with the finance service it
//! asks (FIN-6) running beside it, against a real NATS server and real
//! databases (SQLite always; PostgreSQL when `ORDERFLOW_TEST_DATABASE_URL`
//! is set). Orders and inventory events are published as those services
//! publish them.

mod support;

mod routing;
mod shipping;
