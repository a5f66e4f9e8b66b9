//! `orderflow-production`: config → telemetry → run (or `migrate`).

orderflow_platform::service_main!(orderflow_production, ProductionConfig);
