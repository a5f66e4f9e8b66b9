//! `orderflow-logistics`: config → telemetry → run (or `migrate`).

orderflow_platform::service_main!(orderflow_logistics, LogisticsConfig);
