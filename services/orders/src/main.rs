//! `orderflow-orders`: config → telemetry → run (or `migrate`).

orderflow_platform::service_main!(orderflow_orders, OrdersConfig);
