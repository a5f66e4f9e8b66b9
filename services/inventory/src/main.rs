//! `orderflow-inventory`: config → telemetry → run (or `migrate`).

orderflow_platform::service_main!(orderflow_inventory, InventoryConfig);
